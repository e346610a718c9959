import type Database from 'better-sqlite3';

import type { SignInFailureRecord, StaffInviteRecord, StaffSessionRecord, StaffStore, StaffUserRecord } from '../../dashboard/staff-store';
import type { StaffRole } from '../../dashboard/staff';
import type { FieldCipher } from '../../privacy/field-cipher';
import { StatementCache } from './statement-cache';
import { date, dateOrNull, iso, type Row } from './sql-values';

/** Encryption contexts of the staff tables (a ciphertext opens only in its own column). */
export const STAFF_CONTEXTS = {
  email: 'staff_users.email',
  totpSecret: 'staff_users.totp_secret',
} as const;

/** The staff tables' encrypted columns, for the key check at start-up (see SEALED_COLUMNS in sqlite-store.ts). */
export const STAFF_SEALED_COLUMNS: readonly { context: string; page: string; one: string }[] = [
  { context: STAFF_CONTEXTS.email, page: 'SELECT rowid AS r, substr(email_enc, 1, 64) AS head FROM staff_users WHERE rowid > ? AND email_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT email_enc FROM staff_users WHERE rowid = ?' },
  { context: STAFF_CONTEXTS.totpSecret, page: 'SELECT rowid AS r, substr(totp_secret_enc, 1, 64) AS head FROM staff_users WHERE rowid > ? AND totp_secret_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT totp_secret_enc FROM staff_users WHERE rowid = ?' },
];

// The condition "another enrolled admin of the organisation remains besides ?id".
const ANOTHER_ADMIN = `(SELECT COUNT(*) FROM staff_users o WHERE o.organisation_id = :org AND o.id != :id AND o.role = 'admin' AND o.removed_at IS NULL AND o.enrolled_at IS NOT NULL) > 0`;

/** The SQLite side of StaffStore; SqliteStore delegates to it (one file per feature's tables). */
export class SqliteStaffStore implements StaffStore {
  private readonly statements = new StatementCache();

  constructor(
    private readonly db: Database.Database,
    private readonly cipher: FieldCipher,
  ) {}

  private sql(text: string): Database.Statement {
    return this.statements.prepare(this.db, text);
  }

  private toUser(row: Row): StaffUserRecord {
    return {
      id: String(row.id),
      organisationId: String(row.organisation_id),
      emailHash: row.email_hash === null ? null : String(row.email_hash),
      email: this.cipher.decrypt(String(row.email_enc), STAFF_CONTEXTS.email),
      role: String(row.role) as StaffRole,
      passwordHash: row.password_hash === null ? null : String(row.password_hash),
      totpSecret: this.cipher.decryptOptional(row.totp_secret_enc as string | null, STAFF_CONTEXTS.totpSecret),
      totpLastStep: row.totp_last_step === null ? null : Number(row.totp_last_step),
      enrolledAt: dateOrNull(row.enrolled_at),
      createdAt: date(row.created_at),
      removedAt: dateOrNull(row.removed_at),
    };
  }

  private static toInvite(row: Row): StaffInviteRecord {
    return { tokenHash: String(row.token_hash), userId: String(row.user_id), organisationId: String(row.organisation_id), createdAt: date(row.created_at), expiresAt: date(row.expires_at), usedAt: dateOrNull(row.used_at) };
  }

  private static toSession(row: Row): StaffSessionRecord {
    return {
      idHash: String(row.id_hash),
      userId: String(row.user_id),
      organisationId: String(row.organisation_id),
      stage: String(row.stage) as StaffSessionRecord['stage'],
      csrfToken: String(row.csrf_token),
      language: row.language === 'en' ? 'en' : 'nl',
      createdAt: date(row.created_at),
      lastSeenAt: date(row.last_seen_at),
    };
  }

  private insertInvite(invite: StaffInviteRecord): void {
    this.sql('INSERT INTO staff_invites (token_hash, user_id, organisation_id, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, NULL)').run(invite.tokenHash, invite.userId, invite.organisationId, iso(invite.createdAt), iso(invite.expiresAt));
  }

  private insertSession(s: StaffSessionRecord): void {
    this.sql('INSERT INTO staff_sessions (id_hash, user_id, organisation_id, stage, csrf_token, language, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(s.idHash, s.userId, s.organisationId, s.stage, s.csrfToken, s.language, iso(s.createdAt), iso(s.lastSeenAt));
  }

  async createStaffUser(user: StaffUserRecord, invite: StaffInviteRecord): Promise<boolean> {
    return this.db.transaction((): boolean => {
      const inserted = this.sql(
        `INSERT INTO staff_users (id, organisation_id, email_hash, email_enc, role, password_hash, totp_secret_enc, totp_last_step, enrolled_at, created_at, removed_at)
         VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?, NULL) ON CONFLICT (email_hash) DO NOTHING`,
      ).run(user.id, user.organisationId, user.emailHash, this.cipher.encrypt(user.email, STAFF_CONTEXTS.email), user.role, iso(user.createdAt));
      if (inserted.changes === 0) return false;
      this.insertInvite(invite);
      return true;
    })();
  }

  async replaceStaffInvite(invite: StaffInviteRecord): Promise<void> {
    this.db.transaction(() => {
      this.sql('DELETE FROM staff_invites WHERE user_id = ? AND used_at IS NULL').run(invite.userId);
      this.insertInvite(invite);
    })();
  }

  async getStaffInvite(tokenHash: string): Promise<StaffInviteRecord | null> {
    const row = this.sql('SELECT * FROM staff_invites WHERE token_hash = ?').get(tokenHash) as Row | undefined;
    return row ? SqliteStaffStore.toInvite(row) : null;
  }

  async getStaffUser(id: string): Promise<StaffUserRecord | null> {
    const row = this.sql('SELECT * FROM staff_users WHERE id = ?').get(id) as Row | undefined;
    return row ? this.toUser(row) : null;
  }

  async findStaffUserByEmailHash(emailHash: string): Promise<StaffUserRecord | null> {
    const row = this.sql('SELECT * FROM staff_users WHERE email_hash = ?').get(emailHash) as Row | undefined;
    return row ? this.toUser(row) : null;
  }

  async listStaffUsers(organisationId: string): Promise<StaffUserRecord[]> {
    const rows = this.sql('SELECT * FROM staff_users WHERE organisation_id = ? AND removed_at IS NULL ORDER BY created_at, id').all(organisationId) as Row[];
    return rows.map((r) => this.toUser(r));
  }

  async acceptStaffInvite(input: { tokenHash: string; at: Date; passwordHash: string; totpSecret: string; session: StaffSessionRecord }): Promise<boolean> {
    return this.db.transaction((): boolean => {
      const used = this.sql('UPDATE staff_invites SET used_at = ? WHERE token_hash = ? AND user_id = ? AND used_at IS NULL').run(iso(input.at), input.tokenHash, input.session.userId);
      if (used.changes === 0) return false;
      const updated = this.sql('UPDATE staff_users SET password_hash = ?, totp_secret_enc = ?, totp_last_step = NULL, enrolled_at = NULL WHERE id = ? AND removed_at IS NULL').run(
        input.passwordHash,
        this.cipher.encrypt(input.totpSecret, STAFF_CONTEXTS.totpSecret),
        input.session.userId,
      );
      if (updated.changes === 0) throw new Error('invite of a removed account');
      this.sql('DELETE FROM staff_recovery_codes WHERE user_id = ?').run(input.session.userId);
      this.sql('DELETE FROM staff_sessions WHERE user_id = ?').run(input.session.userId);
      this.insertSession(input.session);
      return true;
    })();
  }

  async setStaffTotpSecret(userId: string, totpSecret: string): Promise<void> {
    this.sql('UPDATE staff_users SET totp_secret_enc = ? WHERE id = ? AND enrolled_at IS NULL').run(this.cipher.encrypt(totpSecret, STAFF_CONTEXTS.totpSecret), userId);
  }

  async completeStaffEnrolment(input: { userId: string; at: Date; lastStep: number; recoveryCodeHashes: string[]; oldSessionHash: string; session: StaffSessionRecord }): Promise<boolean> {
    return this.db.transaction((): boolean => {
      const done = this.sql('UPDATE staff_users SET enrolled_at = ?, totp_last_step = ? WHERE id = ? AND enrolled_at IS NULL AND removed_at IS NULL').run(iso(input.at), input.lastStep, input.userId);
      if (done.changes === 0) return false;
      this.sql('DELETE FROM staff_recovery_codes WHERE user_id = ?').run(input.userId);
      const insert = this.sql('INSERT INTO staff_recovery_codes (user_id, code_hash, used_at) VALUES (?, ?, NULL)');
      for (const hash of input.recoveryCodeHashes) insert.run(input.userId, hash);
      this.sql('DELETE FROM staff_sessions WHERE id_hash = ?').run(input.oldSessionHash);
      this.insertSession(input.session);
      return true;
    })();
  }

  async useStaffTotpStep(userId: string, step: number): Promise<boolean> {
    return this.sql('UPDATE staff_users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)').run(step, userId, step).changes === 1;
  }

  async useStaffRecoveryCode(userId: string, codeHash: string, at: Date): Promise<boolean> {
    return this.sql('UPDATE staff_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL').run(iso(at), userId, codeHash).changes === 1;
  }

  async countUnusedRecoveryCodes(userId: string): Promise<number> {
    return this.sql('SELECT COUNT(*) FROM staff_recovery_codes WHERE user_id = ? AND used_at IS NULL').pluck().get(userId) as number;
  }

  async changeStaffRole(organisationId: string, userId: string, role: StaffRole, keepAnotherAdmin: boolean): Promise<boolean> {
    const guard = keepAnotherAdmin ? ` AND ${ANOTHER_ADMIN}` : '';
    return this.sql(`UPDATE staff_users SET role = :role WHERE organisation_id = :org AND id = :id AND removed_at IS NULL${guard}`).run({ role, org: organisationId, id: userId }).changes === 1;
  }

  async removeStaffUser(organisationId: string, userId: string, at: Date, keepAnotherAdmin: boolean): Promise<boolean> {
    const guard = keepAnotherAdmin ? ` AND ${ANOTHER_ADMIN}` : '';
    return this.db.transaction((): boolean => {
      const removed = this.sql(`UPDATE staff_users SET removed_at = :at, email_hash = NULL, password_hash = NULL, totp_secret_enc = NULL WHERE organisation_id = :org AND id = :id AND removed_at IS NULL${guard}`).run({ at: iso(at), org: organisationId, id: userId });
      if (removed.changes === 0) return false;
      this.sql('DELETE FROM staff_sessions WHERE user_id = ?').run(userId);
      this.sql('DELETE FROM staff_invites WHERE user_id = ? AND used_at IS NULL').run(userId);
      this.sql('DELETE FROM staff_recovery_codes WHERE user_id = ?').run(userId);
      return true;
    })();
  }

  async createStaffSession(session: StaffSessionRecord): Promise<void> {
    this.insertSession(session);
  }

  async getStaffSession(idHash: string): Promise<StaffSessionRecord | null> {
    const row = this.sql('SELECT * FROM staff_sessions WHERE id_hash = ?').get(idHash) as Row | undefined;
    return row ? SqliteStaffStore.toSession(row) : null;
  }

  async replaceStaffSession(oldIdHash: string, session: StaffSessionRecord): Promise<boolean> {
    return this.db.transaction((): boolean => {
      if (this.sql('DELETE FROM staff_sessions WHERE id_hash = ?').run(oldIdHash).changes === 0) return false;
      this.insertSession(session);
      return true;
    })();
  }

  async touchStaffSession(idHash: string, at: Date): Promise<void> {
    this.sql('UPDATE staff_sessions SET last_seen_at = ? WHERE id_hash = ?').run(iso(at), idHash);
  }

  async setStaffSessionLanguage(idHash: string, language: 'nl' | 'en'): Promise<void> {
    this.sql('UPDATE staff_sessions SET language = ? WHERE id_hash = ?').run(language, idHash);
  }

  async deleteStaffSession(idHash: string): Promise<void> {
    this.sql('DELETE FROM staff_sessions WHERE id_hash = ?').run(idHash);
  }

  async deleteStaffSessions(userId: string): Promise<number> {
    return this.sql('DELETE FROM staff_sessions WHERE user_id = ?').run(userId).changes;
  }

  async getSignInFailures(subjects: string[]): Promise<SignInFailureRecord[]> {
    const one = this.sql('SELECT * FROM staff_sign_in_failures WHERE subject = ?');
    return subjects.flatMap((subject) => {
      const row = one.get(subject) as Row | undefined;
      return row ? [{ subject, failures: Number(row.failures), lastFailureAt: date(row.last_failure_at), blockedUntil: date(row.blocked_until) }] : [];
    });
  }

  async countSignInFailure(subject: string, at: Date, forgetBefore: Date): Promise<number> {
    return this.sql(
      `INSERT INTO staff_sign_in_failures (subject, failures, last_failure_at, blocked_until) VALUES (:subject, 1, :at, :at)
       ON CONFLICT (subject) DO UPDATE SET failures = CASE WHEN last_failure_at < :forget THEN 1 ELSE failures + 1 END, last_failure_at = :at
       RETURNING failures`,
    )
      .pluck()
      .get({ subject, at: iso(at), forget: iso(forgetBefore) }) as number;
  }

  async setSignInBlock(subject: string, blockedUntil: Date): Promise<void> {
    this.sql('UPDATE staff_sign_in_failures SET blocked_until = ? WHERE subject = ?').run(iso(blockedUntil), subject);
  }

  async clearSignInFailures(subjects: string[]): Promise<void> {
    const remove = this.sql('DELETE FROM staff_sign_in_failures WHERE subject = ?');
    this.db.transaction(() => subjects.forEach((s) => remove.run(s)))();
  }
}
