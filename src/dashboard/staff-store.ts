import type { StaffRole } from './staff';

/**
 * The storage port of staff accounts (issue 11): the store only stores; the rules (expiry, the
 * last admin, throttling, which code is valid) live in accounts.ts and sessions.ts. The adapter
 * encrypts `email` and `totpSecret` with its field cipher; every hash arrives computed.
 */
export interface StaffUserRecord {
  id: string;
  organisationId: string;
  /** Keyed hash of the normalised address (accounts.ts emailLookupHash); null once removed. */
  emailHash: string | null;
  email: string;
  role: StaffRole;
  /** `scrypt$<log2N>$<r>$<p>$<salt>$<hash>`; null until set-up. */
  passwordHash: string | null;
  /** Base32 TOTP secret; set with the password, confirmed by the first code. */
  totpSecret: string | null;
  totpLastStep: number | null;
  /** When the TOTP was confirmed and the recovery codes made: only then may the account see data. */
  enrolledAt: Date | null;
  createdAt: Date;
  removedAt: Date | null;
}

export interface StaffInviteRecord {
  tokenHash: string;
  userId: string;
  organisationId: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export type StaffSessionStage = 'enrol' | 'second-factor' | 'active';

export interface StaffSessionRecord {
  /** SHA-256 of the cookie's value. */
  idHash: string;
  userId: string;
  organisationId: string;
  stage: StaffSessionStage;
  csrfToken: string;
  language: 'nl' | 'en';
  createdAt: Date;
  lastSeenAt: Date;
}

export interface SignInFailureRecord {
  subject: string;
  failures: number;
  lastFailureAt: Date;
  blockedUntil: Date;
}

export interface StaffStore {
  /** A new account (not enrolled) with its invite; false when an account with this e-mail hash exists. */
  createStaffUser(user: StaffUserRecord, invite: StaffInviteRecord): Promise<boolean>;
  /** A new invite for an account; earlier unused invites of that account stop working. */
  replaceStaffInvite(invite: StaffInviteRecord): Promise<void>;
  getStaffInvite(tokenHash: string): Promise<StaffInviteRecord | null>;
  getStaffUser(id: string): Promise<StaffUserRecord | null>;
  findStaffUserByEmailHash(emailHash: string): Promise<StaffUserRecord | null>;
  /** Accounts of an organisation that are not removed, oldest first. */
  listStaffUsers(organisationId: string): Promise<StaffUserRecord[]>;
  /**
   * Uses the invite (only if still unused), sets the password and a TOTP secret to confirm, ends
   * the account's other sessions and opens `session`, in one transaction; false when the invite
   * was used meanwhile.
   */
  acceptStaffInvite(input: { tokenHash: string; at: Date; passwordHash: string; totpSecret: string; session: StaffSessionRecord }): Promise<boolean>;
  /** A new TOTP secret to confirm (an account that set its password but not yet its TOTP). */
  setStaffTotpSecret(userId: string, totpSecret: string): Promise<void>;
  /** Confirms the TOTP (step `lastStep` used), stores the recovery codes' hashes, replaces the session; false when already enrolled. */
  completeStaffEnrolment(input: { userId: string; at: Date; lastStep: number; recoveryCodeHashes: string[]; oldSessionHash: string; session: StaffSessionRecord }): Promise<boolean>;
  /** Marks a TOTP step used, only if it is later than the last one used; false otherwise. */
  useStaffTotpStep(userId: string, step: number): Promise<boolean>;
  /** Marks an unused recovery code used; false when there is none. */
  useStaffRecoveryCode(userId: string, codeHash: string, at: Date): Promise<boolean>;
  countUnusedRecoveryCodes(userId: string): Promise<number>;
  /**
   * Changes a role (removed accounts excepted). With `keepAnotherAdmin`, only when another
   * enrolled, not removed admin of the organisation remains; false otherwise.
   */
  changeStaffRole(organisationId: string, userId: string, role: StaffRole, keepAnotherAdmin: boolean): Promise<boolean>;
  /** Removes an account (and ends its sessions, unused invites); `keepAnotherAdmin` as above. */
  removeStaffUser(organisationId: string, userId: string, at: Date, keepAnotherAdmin: boolean): Promise<boolean>;

  createStaffSession(session: StaffSessionRecord): Promise<void>;
  getStaffSession(idHash: string): Promise<StaffSessionRecord | null>;
  /** Replaces one session by another in one transaction (a new id at sign-in); false when the old one is gone. */
  replaceStaffSession(oldIdHash: string, session: StaffSessionRecord): Promise<boolean>;
  touchStaffSession(idHash: string, at: Date): Promise<void>;
  setStaffSessionLanguage(idHash: string, language: 'nl' | 'en'): Promise<void>;
  deleteStaffSession(idHash: string): Promise<void>;
  /** Ends every session of an account; returns how many. */
  deleteStaffSessions(userId: string): Promise<number>;

  getSignInFailures(subjects: string[]): Promise<SignInFailureRecord[]>;
  /**
   * Counts one failure atomically and returns the new count: the count restarts at 1 when the
   * previous failure was before `forgetBefore`.
   */
  countSignInFailure(subject: string, at: Date, forgetBefore: Date): Promise<number>;
  setSignInBlock(subject: string, blockedUntil: Date): Promise<void>;
  clearSignInFailures(subjects: string[]): Promise<void>;
}
