import type { SignerCodeRecord, SignerCodeStore } from '../../consent/signer-code-store';
import type { Channel } from '../store';
import { SqliteStorePart } from './statement-cache';
import { dateOrNull, iso, type Row } from './sql-values';

/** Encryption context of the one-time code on its way to the worker (migration 017). */
export const SIGNER_CODE_CONTEXT = 'outbox.code';

/** The encrypted column of migration 017, for the key check at start-up (see SEALED_COLUMNS). */
export const SIGNER_CODE_SEALED_COLUMNS: readonly { context: string; page: string; one: string }[] = [
  { context: SIGNER_CODE_CONTEXT, page: 'SELECT rowid AS r, substr(code_enc, 1, 64) AS head FROM outbox WHERE rowid > ? AND code_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT code_enc FROM outbox WHERE rowid = ?' },
];

/** The SQLite side of one-time codes (issue 12); SqliteStore hands its calls here and lends its event chain. */
export class SqliteSignerCodes extends SqliteStorePart implements SignerCodeStore {
  private toCode(row: Row): SignerCodeRecord {
    return {
      id: String(row.id),
      organisationId: String(row.organisation_id),
      requestId: String(row.request_id),
      codeHmac: String(row.code_hmac),
      channel: row.channel as Channel,
      maskedAddress: String(row.masked_address),
      createdAt: new Date(String(row.created_at)),
      expiresAt: new Date(String(row.expires_at)),
      attempts: Number(row.attempts),
      verifiedAt: dateOrNull(row.verified_at),
      usedAt: dateOrNull(row.used_at),
    };
  }

  async createSignerCode(input: Parameters<SignerCodeStore['createSignerCode']>[0]): Promise<boolean> {
    const { code, message } = input;
    if (code.organisationId !== message.organisationId || code.requestId !== message.requestId) throw new Error('a signer code and its message name another request');
    return this.db.transaction(() => {
      const latest = this.sql('SELECT id FROM signer_codes WHERE organisation_id = ? AND request_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1').pluck().get(code.organisationId, code.requestId) as string | undefined;
      if ((latest ?? null) !== input.expectedLatestId) return false;
      const link = this.sql("SELECT link_enc FROM outbox WHERE organisation_id = ? AND request_id = ? AND kind = 'invite' ORDER BY created_at LIMIT 1").pluck().get(code.organisationId, code.requestId) as string | undefined;
      if (link === undefined) return false;
      this.sql('INSERT INTO signer_codes (id, request_id, organisation_id, code_hmac, channel, masked_address, created_at, expires_at, attempts, verified_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(code.id, code.requestId, code.organisationId, code.codeHmac, code.channel, code.maskedAddress, iso(code.createdAt), iso(code.expiresAt), code.attempts, code.verifiedAt ? iso(code.verifiedAt) : null, code.usedAt ? iso(code.usedAt) : null);
      this.sql('INSERT INTO outbox (id, request_id, organisation_id, kind, channel, link_enc, code_enc, attempts, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(message.id, message.requestId, message.organisationId, message.kind, message.channel, link, this.cipher.encrypt(message.code, SIGNER_CODE_CONTEXT), message.attempts, iso(message.dueAt), iso(message.createdAt));
      return true;
    }).immediate();
  }

  async listSignerCodes(organisationId: string, requestId: string, since: Date): Promise<SignerCodeRecord[]> {
    const rows = this.sql('SELECT * FROM signer_codes WHERE organisation_id = ? AND request_id = ? AND created_at >= ? ORDER BY created_at DESC, rowid DESC').all(organisationId, requestId, iso(since)) as Row[];
    return rows.map((r) => this.toCode(r));
  }

  async recordSignerCodeAttempt(input: Parameters<SignerCodeStore['recordSignerCodeAttempt']>[0]): Promise<boolean> {
    if (input.event.organisationId !== input.organisationId || input.event.requestId !== input.requestId) throw new Error('a signer code event names another request');
    return this.db.transaction(() => {
      const changed = this.sql('UPDATE signer_codes SET attempts = attempts + 1, verified_at = ? WHERE organisation_id = ? AND request_id = ? AND id = ? AND attempts = ? AND verified_at IS NULL')
        .run(input.verifiedAt ? iso(input.verifiedAt) : null, input.organisationId, input.requestId, input.codeId, input.expectedAttempts).changes;
      if (changed !== 1) return false;
      this.insertEvent(input.event);
      return true;
    }).immediate();
  }

  /** Inside SqliteStore.decide's transaction: marks the verified code used; false when it is not a verified, unused code of that request. */
  useSignerCode(organisationId: string, requestId: string, codeId: string, at: Date): boolean {
    return (
      this.sql('UPDATE signer_codes SET used_at = ? WHERE organisation_id = ? AND request_id = ? AND id = ? AND verified_at IS NOT NULL AND used_at IS NULL').run(iso(at), organisationId, requestId, codeId).changes === 1
    );
  }

  /** The worker's copy of the code: read when the message is claimed, cleared once it is sent or given up. */
  readCode(codeEnc: unknown): string | undefined {
    return codeEnc === null || codeEnc === undefined ? undefined : this.cipher.decrypt(String(codeEnc), SIGNER_CODE_CONTEXT);
  }

  clearCode(organisationId: string, messageId: string): void {
    this.sql('UPDATE outbox SET code_enc = NULL WHERE organisation_id = ? AND id = ?').run(organisationId, messageId);
  }
}
