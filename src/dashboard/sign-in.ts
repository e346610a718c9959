import type { Clock } from '../shared/clock';
import type { Store } from '../storage/store';
import type { StaffAuthSettings } from './accounts';
import { spendPasswordTime, verifyPassword } from './passwords';
import { newSession, type OpenSession } from './sessions';
import { hashRecoveryCode, newTotpSecret, normaliseRecoveryCode, totpStep } from './totp';

/**
 * Signing in: e-mail + password, then a TOTP code (or a recovery code). Failed attempts are
 * counted per account (the keyed hash of the address typed, whether or not it has an account)
 * and per client address. After an account's failure n the next attempt is refused for 2^(n-1)
 * seconds (1, 2, 4, 8), after its 5th for 15 minutes. From one client address the delays start
 * at its 10th failure (1, 2, 4 … seconds, at most 60), and its 20th locks it for 15 minutes. A refused attempt is not checked and not counted; the answer says when to try
 * again and is the same whether or not the address has an account. 15 minutes after the last
 * failure the count starts again; a successful sign-in clears the account's count.
 */
export const ACCOUNT_LOCK_AFTER = 5;
export const ADDRESS_LOCK_AFTER = 20;
export const LOCK_MS = 15 * 60 * 1000;
const MAX_DELAY_MS = 60 * 1000;

interface Deps {
  store: Store;
  clock: Clock;
  staffAuth: StaffAuthSettings;
}

export interface SignInSubjects {
  account: string;
  address: string;
}

export function signInSubjects(deps: Pick<Deps, 'staffAuth'>, email: string, clientAddress: string): SignInSubjects {
  return { account: `account:${deps.staffAuth.lookup.email(email.trim().toLowerCase())}`, address: `address:${deps.staffAuth.lookup.clientAddress(clientAddress)}` };
}

/** Failures from one client address before its delays start: colleagues behind one office address mistype too. */
export const ADDRESS_DELAY_AFTER = 10;

function blockFor(failures: number, lockAfter: number, delayAfter: number): number {
  if (failures >= lockAfter) return LOCK_MS;
  if (failures < delayAfter) return 0;
  return Math.min(1000 * 2 ** (failures - delayAfter), MAX_DELAY_MS);
}

/** When the next attempt may be made, if not now. */
export async function signInBlockedUntil(deps: Pick<Deps, 'store' | 'clock'>, subjects: SignInSubjects): Promise<Date | null> {
  const now = deps.clock.now().getTime();
  const rows = await deps.store.getSignInFailures([subjects.account, subjects.address]);
  const until = Math.max(0, ...rows.map((r) => r.blockedUntil.getTime()));
  return until > now ? new Date(until) : null;
}

/** Counts a failure for both subjects; returns when the next attempt may be made. */
export async function recordSignInFailure(deps: Pick<Deps, 'store'>, subjects: SignInSubjects, now: Date): Promise<Date> {
  const forgetBefore = new Date(now.getTime() - LOCK_MS);
  let until = now.getTime();
  for (const [subject, lockAfter, delayAfter] of [[subjects.account, ACCOUNT_LOCK_AFTER, 1], [subjects.address, ADDRESS_LOCK_AFTER, ADDRESS_DELAY_AFTER]] as const) {
    const failures = await deps.store.countSignInFailure(subject, now, forgetBefore);
    const blockedUntil = now.getTime() + blockFor(failures, lockAfter, delayAfter);
    await deps.store.setSignInBlock(subject, new Date(blockedUntil));
    until = Math.max(until, blockedUntil);
  }
  return new Date(until);
}

export type PasswordStepResult =
  | { kind: 'wait'; retryAt: Date }
  | { kind: 'wrong'; retryAt: Date }
  /** Password right: a session that may only give the second factor. */
  | { kind: 'second-factor'; sessionId: string }
  /** Password right, TOTP never confirmed (set-up was left after the password): a session that may only enrol. */
  | { kind: 'enrol'; sessionId: string };

export async function signInWithPassword(deps: Deps, input: { email: string; password: string; clientAddress: string; language: 'nl' | 'en' }): Promise<PasswordStepResult> {
  const subjects = signInSubjects(deps, input.email, input.clientAddress);
  const blocked = await signInBlockedUntil(deps, subjects);
  if (blocked) return { kind: 'wait', retryAt: blocked };
  const user = input.email.length <= 254 && input.password.length <= 1000 ? await deps.store.findStaffUserByEmailHash(deps.staffAuth.lookup.email(input.email.trim().toLowerCase())) : null;
  let ok = false;
  if (user?.passwordHash && user.removedAt === null) ok = await verifyPassword(input.password, user.passwordHash);
  else await spendPasswordTime(input.password.slice(0, 1000), deps.staffAuth.scryptLog2N);
  if (!ok || !user) return { kind: 'wrong', retryAt: await recordSignInFailure(deps, subjects, deps.clock.now()) };
  if (user.enrolledAt === null) {
    await deps.store.setStaffTotpSecret(user.id, newTotpSecret());
    const session = newSession(deps.clock, user, 'enrol', input.language);
    await deps.store.createStaffSession(session.record);
    return { kind: 'enrol', sessionId: session.id };
  }
  const session = newSession(deps.clock, user, 'second-factor', input.language);
  await deps.store.createStaffSession(session.record);
  return { kind: 'second-factor', sessionId: session.id };
}

export type CodeStepResult = { kind: 'wait'; retryAt: Date } | { kind: 'wrong'; retryAt: Date } | { kind: 'signed-in'; sessionId: string; usedRecoveryCode: boolean };

/** The second factor: a 6-digit TOTP code (each time step once) or an unused recovery code; success gives a new session id. */
export async function signInWithCode(deps: Deps, opened: OpenSession, code: string, clientAddress: string): Promise<CodeStepResult> {
  const subjects = signInSubjects(deps, opened.user.email, clientAddress);
  const blocked = await signInBlockedUntil(deps, subjects);
  if (blocked) return { kind: 'wait', retryAt: blocked };
  const now = deps.clock.now();
  let ok = false;
  let usedRecoveryCode = false;
  const secret = opened.user.totpSecret;
  const step = secret ? totpStep(secret, code, now) : null;
  if (step !== null) ok = await deps.store.useStaffTotpStep(opened.user.id, step);
  else {
    const recovery = normaliseRecoveryCode(code);
    if (recovery) ok = usedRecoveryCode = await deps.store.useStaffRecoveryCode(opened.user.id, hashRecoveryCode(recovery), now);
  }
  if (!ok) return { kind: 'wrong', retryAt: await recordSignInFailure(deps, subjects, now) };
  const session = newSession(deps.clock, opened.user, 'active', opened.session.language);
  if (!(await deps.store.replaceStaffSession(opened.session.idHash, session.record))) return { kind: 'wrong', retryAt: now };
  await deps.store.clearSignInFailures([subjects.account]);
  return { kind: 'signed-in', sessionId: session.id, usedRecoveryCode };
}
