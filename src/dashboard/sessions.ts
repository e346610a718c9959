import { createHash, randomBytes } from 'node:crypto';

import type { Clock } from '../shared/clock';
import type { Store } from '../storage/store';
import type { StaffSessionRecord, StaffSessionStage, StaffUserRecord } from './staff-store';

/**
 * Dashboard sessions, kept in the store. The cookie holds 256 random bits; the store keeps only
 * their SHA-256, so a copy of the database opens no session. A session ends after 30 minutes
 * without a request (idle) and 12 hours after sign-in (absolute), whatever happens in between;
 * a half-finished sign-in (password right, code not yet given) after 10 minutes.
 */
export const SESSION_COOKIE = 'akkoord_session';
export const IDLE_TIMEOUT_MS = 30 * 60 * 1000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60 * 1000;
export const SECOND_FACTOR_TIMEOUT_MS = 10 * 60 * 1000;

export const hashSessionId = (id: string): string => createHash('sha256').update(id).digest('hex');

/** A new session for an account: the cookie value (returned only now) and the record to store. */
export function newSession(clock: Clock, user: Pick<StaffUserRecord, 'id' | 'organisationId'>, stage: StaffSessionStage, language: 'nl' | 'en'): { id: string; record: StaffSessionRecord } {
  const id = randomBytes(32).toString('base64url');
  const now = clock.now();
  return {
    id,
    record: { idHash: hashSessionId(id), userId: user.id, organisationId: user.organisationId, stage, csrfToken: randomBytes(32).toString('base64url'), language, createdAt: now, lastSeenAt: now },
  };
}

function expired(session: StaffSessionRecord, now: number): boolean {
  if (now - session.lastSeenAt.getTime() >= IDLE_TIMEOUT_MS) return true;
  if (now - session.createdAt.getTime() >= ABSOLUTE_TIMEOUT_MS) return true;
  return session.stage === 'second-factor' && now - session.createdAt.getTime() >= SECOND_FACTOR_TIMEOUT_MS;
}

export interface OpenSession {
  /** The cookie's value. */
  id: string;
  session: StaffSessionRecord;
  user: StaffUserRecord;
}

/**
 * The session a cookie names, if it is in one of `stages`, not timed out, and its account still
 * exists; every use counts as activity. A timed-out session is deleted.
 */
export async function openSession(deps: { store: Store; clock: Clock }, id: string | undefined, stages: readonly StaffSessionStage[]): Promise<OpenSession | null> {
  if (!id || id.length > 100) return null;
  const idHash = hashSessionId(id);
  const session = await deps.store.getStaffSession(idHash);
  if (!session || !stages.includes(session.stage)) return null;
  const now = deps.clock.now();
  if (expired(session, now.getTime())) {
    await deps.store.deleteStaffSession(idHash);
    return null;
  }
  const user = await deps.store.getStaffUser(session.userId);
  if (!user || user.removedAt !== null || user.organisationId !== session.organisationId) {
    await deps.store.deleteStaffSession(idHash);
    return null;
  }
  if (session.stage === 'active' && user.enrolledAt === null) return null;
  await deps.store.touchStaffSession(idHash, now);
  return { id, session: { ...session, lastSeenAt: now }, user };
}

export async function signOut(deps: { store: Store }, id: string): Promise<void> {
  await deps.store.deleteStaffSession(hashSessionId(id));
}

/** Ends every session of the account (on every device). */
export async function signOutEverywhere(deps: { store: Store }, userId: string): Promise<number> {
  return deps.store.deleteStaffSessions(userId);
}

export async function setSessionLanguage(deps: { store: Store }, id: string, language: 'nl' | 'en'): Promise<void> {
  await deps.store.setStaffSessionLanguage(hashSessionId(id), language);
}
