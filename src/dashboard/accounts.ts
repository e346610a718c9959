import { createHash, randomBytes } from 'node:crypto';

import { normaliseEmail } from '../consent/contact-address';
import { AppError } from '../errors';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { Store } from '../storage/store';
import type { StaffLookupKey } from './lookup-key';
import { hashPassword, passwordProblem, type PasswordProblem } from './passwords';
import { newSession, type OpenSession } from './sessions';
import { STAFF_ROLES, type StaffPrincipal, type StaffRole } from './staff';
import type { StaffInviteRecord, StaffUserRecord } from './staff-store';
import { hashRecoveryCode, newRecoveryCodes, newTotpSecret, totpEnrolment, totpStep } from './totp';
import { recordSignInFailure, signInBlockedUntil, signInSubjects } from './sign-in';

/**
 * Staff accounts of the dashboard (issue 11): invites, set-up (password, TOTP, recovery codes)
 * and the administration of colleagues. Every account must confirm its TOTP and receive its
 * recovery codes before any page with personal data opens (sessions.ts: stage "active").
 */
export interface StaffAuthSettings {
  lookup: StaffLookupKey;
  /** scrypt N = 2^scryptLog2N (STAFF_PASSWORD_SCRYPT_LOG2N). */
  scryptLog2N: number;
}

export interface StaffDeps {
  store: Store;
  clock: Clock;
  staffAuth: StaffAuthSettings;
  publicBaseUrl: string;
}

export const INVITE_VALID_MS = 72 * 60 * 60 * 1000;

const hashInviteToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The lookup form of an address: trimmed, lower-case. */
export function emailLookupHash(deps: Pick<StaffDeps, 'staffAuth'>, email: string): string {
  return deps.staffAuth.lookup.email(email.trim().toLowerCase());
}

function newInvite(deps: StaffDeps, user: Pick<StaffUserRecord, 'id' | 'organisationId'>): { token: string; record: StaffInviteRecord; link: string } {
  const token = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  return {
    token,
    link: `${deps.publicBaseUrl}/app/setup/${token}`,
    record: { tokenHash: hashInviteToken(token), userId: user.id, organisationId: user.organisationId, createdAt: now, expiresAt: new Date(now.getTime() + INVITE_VALID_MS), usedAt: null },
  };
}

export interface InviteResult {
  userId: string;
  email: string;
  role: StaffRole;
  /** The one-time set-up link; it is not stored (only its hash), so this is the only time it exists. */
  link: string;
  expiresAt: Date;
}

/**
 * Invites a person to an organisation: a new account that is not set up yet, and a set-up link
 * valid for 72 hours. Inviting an address again whose set-up is not finished makes a new link
 * (the older one stops working); an address that already has an account is refused.
 */
export async function inviteStaff(deps: StaffDeps, input: { organisationId: string; email: string; role: string }): Promise<InviteResult> {
  const email = normaliseEmail(input.email, 'email');
  if (email.length > 254) throw AppError.validation('email', 'At most 254 characters.');
  if (!(STAFF_ROLES as readonly string[]).includes(input.role)) throw AppError.validation('role', `One of: ${STAFF_ROLES.join(', ')}.`);
  const role = input.role as StaffRole;
  if (!(await deps.store.getOrganisation(input.organisationId))) throw new AppError('not_found', `There is no organisation ${input.organisationId}.`);
  const emailHash = emailLookupHash(deps, email);
  const existing = await deps.store.findStaffUserByEmailHash(emailHash);
  if (existing) {
    if (existing.organisationId !== input.organisationId || existing.enrolledAt !== null) throw new AppError('conflict', 'This e-mail address already has an account.', { errors: [{ path: 'email', message: 'This e-mail address already has an account.' }] });
    if (existing.role !== role) await deps.store.changeStaffRole(existing.organisationId, existing.id, role, false);
    const invite = newInvite(deps, existing);
    await deps.store.replaceStaffInvite(invite.record);
    return { userId: existing.id, email, role, link: invite.link, expiresAt: invite.record.expiresAt };
  }
  const now = deps.clock.now();
  const user: StaffUserRecord = { id: newId('usr', now), organisationId: input.organisationId, emailHash, email, role, passwordHash: null, totpSecret: null, totpLastStep: null, enrolledAt: null, createdAt: now, removedAt: null };
  const invite = newInvite(deps, user);
  if (!(await deps.store.createStaffUser(user, invite.record))) throw new AppError('conflict', 'This e-mail address already has an account.', { errors: [{ path: 'email', message: 'This e-mail address already has an account.' }] });
  return { userId: user.id, email, role, link: invite.link, expiresAt: invite.record.expiresAt };
}

/** The account a set-up link is for, while the link is unused, not expired and the account not removed. */
export async function openInvite(deps: Pick<StaffDeps, 'store' | 'clock'>, token: string): Promise<{ invite: StaffInviteRecord; user: StaffUserRecord } | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const invite = await deps.store.getStaffInvite(hashInviteToken(token));
  if (!invite || invite.usedAt !== null || invite.expiresAt.getTime() <= deps.clock.now().getTime()) return null;
  const user = await deps.store.getStaffUser(invite.userId);
  if (!user || user.removedAt !== null) return null;
  return { invite, user };
}

export type AcceptResult = { ok: true; sessionId: string } | { ok: false; problem: PasswordProblem | 'gone' };

/**
 * Step 1 of set-up: the password. Uses the link (it works once), stores the password hash and a
 * new TOTP secret, and opens an "enrol" session that can do nothing but confirm the TOTP.
 */
export async function acceptInvite(deps: StaffDeps, token: string, password: string, repeated: string, language: 'nl' | 'en'): Promise<AcceptResult> {
  const opened = await openInvite(deps, token);
  if (!opened) return { ok: false, problem: 'gone' };
  const problem = passwordProblem(password, repeated, opened.user.email);
  if (problem) return { ok: false, problem };
  const passwordHash = await hashPassword(password, deps.staffAuth.scryptLog2N);
  const session = newSession(deps.clock, opened.user, 'enrol', language);
  const accepted = await deps.store.acceptStaffInvite({ tokenHash: opened.invite.tokenHash, at: deps.clock.now(), passwordHash, totpSecret: newTotpSecret(), session: session.record });
  return accepted ? { ok: true, sessionId: session.id } : { ok: false, problem: 'gone' };
}

/** What the TOTP step shows: the QR code and the secret as text, for this account only. */
export async function enrolmentView(opened: OpenSession): Promise<{ qrSvg: string; groupedSecret: string }> {
  const secret = opened.user.totpSecret;
  if (!secret) throw new Error('an enrol session without a TOTP secret');
  const { qrSvg, groupedSecret } = await totpEnrolment(secret, opened.user.email);
  return { qrSvg, groupedSecret };
}

export type EnrolResult = { ok: true; sessionId: string; recoveryCodes: string[] } | { ok: false; problem: 'code' | 'wait'; retryAt?: Date };

/**
 * Step 2 of set-up: the first code from the app confirms the TOTP. Then 10 recovery codes are
 * made (returned only now; stored as hashes) and the session becomes a signed-in one, under a new id.
 */
export async function confirmEnrolment(deps: StaffDeps, opened: OpenSession, code: string, clientAddress: string): Promise<EnrolResult> {
  const subjects = signInSubjects(deps, opened.user.email, clientAddress);
  // The same delays and locks as signing in: six digits must not be guessable here either.
  const blocked = await signInBlockedUntil(deps, subjects);
  if (blocked) return { ok: false, problem: 'wait', retryAt: blocked };
  const secret = opened.user.totpSecret;
  const now = deps.clock.now();
  const step = secret ? totpStep(secret, code, now) : null;
  if (step === null) {
    const retryAt = await recordSignInFailure(deps, subjects, now);
    return { ok: false, problem: 'code', retryAt };
  }
  const recoveryCodes = newRecoveryCodes();
  const session = newSession(deps.clock, opened.user, 'active', opened.session.language);
  const done = await deps.store.completeStaffEnrolment({ userId: opened.user.id, at: now, lastStep: step, recoveryCodeHashes: recoveryCodes.map(hashRecoveryCode), oldSessionHash: opened.session.idHash, session: session.record });
  if (!done) return { ok: false, problem: 'code' };
  return { ok: true, sessionId: session.id, recoveryCodes };
}

// ---- colleagues (administration) ----

export interface Colleague {
  id: string;
  email: string;
  role: StaffRole;
  /** active: set up; invited: set-up not finished. */
  state: 'active' | 'invited';
  createdAt: Date;
  isSelf: boolean;
}

export async function listColleagues(deps: Pick<StaffDeps, 'store'>, staff: StaffPrincipal): Promise<Colleague[]> {
  const users = await deps.store.listStaffUsers(staff.organisationId);
  const colleagues: Colleague[] = users.map((u) => ({ id: u.id, email: u.email, role: u.role, state: u.enrolledAt ? 'active' : 'invited', createdAt: u.createdAt, isSelf: u.id === staff.userId }));
  // By address (the store cannot sort what it keeps encrypted).
  return colleagues.sort((a, b) => a.email.localeCompare(b.email, 'nl', { sensitivity: 'base' }));
}

async function colleagueOf(deps: Pick<StaffDeps, 'store'>, staff: StaffPrincipal, userId: string): Promise<StaffUserRecord> {
  const user = await deps.store.getStaffUser(userId);
  if (!user || user.organisationId !== staff.organisationId || user.removedAt !== null) throw new AppError('not_found', 'There is no such colleague.');
  return user;
}

const LAST_ADMIN = 'The organisation needs at least one administrator who has set up their account.';

/** Changes a colleague's role; the last administrator cannot become a youth worker. Takes effect on their next page. */
export async function changeColleagueRole(deps: Pick<StaffDeps, 'store'>, staff: StaffPrincipal, userId: string, role: string): Promise<void> {
  if (!(STAFF_ROLES as readonly string[]).includes(role)) throw AppError.validation('role', `One of: ${STAFF_ROLES.join(', ')}.`);
  const user = await colleagueOf(deps, staff, userId);
  if (user.role === role) return;
  const demotesAdmin = user.role === 'admin' && user.enrolledAt !== null;
  if (!(await deps.store.changeStaffRole(staff.organisationId, userId, role as StaffRole, demotesAdmin))) throw new AppError('conflict', LAST_ADMIN);
}

/** Removes a colleague: their sessions end at once; the last administrator cannot be removed. */
export async function removeColleague(deps: Pick<StaffDeps, 'store' | 'clock'>, staff: StaffPrincipal, userId: string): Promise<void> {
  const user = await colleagueOf(deps, staff, userId);
  const removesAdmin = user.role === 'admin' && user.enrolledAt !== null;
  if (!(await deps.store.removeStaffUser(staff.organisationId, userId, deps.clock.now(), removesAdmin))) throw new AppError('conflict', LAST_ADMIN);
}

/** Ends every session of a colleague (a lost phone or laptop). */
export async function signOutColleague(deps: Pick<StaffDeps, 'store'>, staff: StaffPrincipal, userId: string): Promise<number> {
  const user = await colleagueOf(deps, staff, userId);
  return deps.store.deleteStaffSessions(user.id);
}
