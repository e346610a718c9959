import type { LapsingItem, LifecycleStore, RenewalRecord, RenewalState, SubjectContact, SubjectLifecycle, TurningSixteenItem } from '../../consent/lifecycle-store';
import type { Channel, EventRecord } from '../store';
import { SqliteStorePart } from './statement-cache';
import { dateOrNull, iso, type Row } from './sql-values';

/** Encryption contexts: a ciphertext only opens in the column it was written to. */
export const LIFECYCLE_CONTEXTS = { contact: 'subject_contacts.address' } as const;
const NAME_CONTEXTS = { firstName: 'consent_requests.subject_first_name', lastName: 'consent_requests.subject_last_name' } as const;

/** The encrypted column of migration 018, for the key check at start-up (see SEALED_COLUMNS). */
export const LIFECYCLE_SEALED_COLUMNS: readonly { context: string; page: string; one: string }[] = [
  { context: LIFECYCLE_CONTEXTS.contact, page: 'SELECT rowid AS r, substr(address_enc, 1, 64) AS head FROM subject_contacts WHERE rowid > ? ORDER BY rowid LIMIT 500', one: 'SELECT address_enc FROM subject_contacts WHERE rowid = ?' },
];

/**
 * The SQLite side of turning 16, renewal and lapse (migration 018); SqliteStore hands its calls
 * here (all but subjectStatus, which reads the store's projection in the same statement).
 * `insertEvent` is the store's chain writer, so events land on the request's audit chain.
 */
export class SqliteLifecycle extends SqliteStorePart implements Omit<LifecycleStore, 'subjectStatus'> {
  toLifecycle(r: Row): SubjectLifecycle {
    return {
      organisationId: String(r.organisation_id),
      subjectReference: String(r.subject_reference),
      turns16On: String(r.turns_16_on),
      guardianRequestId: String(r.guardian_request_id),
      flaggedAt: new Date(String(r.flagged_at)),
      youngRequestId: (r.young_request_id as string | null) ?? null,
      youngRequestedAt: dateOrNull(r.young_requested_at),
      youngDecidedAt: dateOrNull(r.young_decided_at),
    };
  }

  private requestExists(organisationId: string, requestId: string): boolean {
    return this.sql('SELECT 1 FROM consent_requests WHERE organisation_id = ? AND id = ?').get(organisationId, requestId) !== undefined;
  }

  private names(r: Row): { reference: string; firstName: string; lastName: string | null } {
    return {
      reference: String(r.subject_reference),
      firstName: this.cipher.decrypt(String(r.subject_first_name_enc), NAME_CONTEXTS.firstName),
      lastName: this.cipher.decryptOptional(r.subject_last_name_enc as string | null, NAME_CONTEXTS.lastName),
    };
  }

  async getSubjectLifecycle(organisationId: string, subjectReference: string): Promise<SubjectLifecycle | null> {
    const row = this.sql('SELECT * FROM subject_lifecycle WHERE organisation_id = ? AND subject_reference = ?').get(organisationId, subjectReference) as Row | undefined;
    return row ? this.toLifecycle(row) : null;
  }

  async listTurning16Due(organisationId: string, until: string, limit: number): Promise<{ requestId: string; subjectReference: string; turns16On: string }[]> {
    const rows = this.sql(
      `SELECT id, subject_reference, turns_16_on FROM (
         SELECT r.id, r.subject_reference, r.turns_16_on,
                row_number() OVER (PARTITION BY r.subject_reference ORDER BY r.decided_at DESC, r.id DESC) AS rn
         FROM consent_requests r
         WHERE r.organisation_id = ? AND r.turns_16_on IS NOT NULL AND r.turns_16_on <= ? AND r.status = 'signed' AND r.signer_role = 'guardian'
           AND NOT EXISTS (SELECT 1 FROM subject_lifecycle l WHERE l.organisation_id = r.organisation_id AND l.subject_reference = r.subject_reference)
       ) WHERE rn = 1 ORDER BY turns_16_on, id LIMIT ?`,
    ).all(organisationId, until, limit) as Row[];
    return rows.map((r) => ({ requestId: String(r.id), subjectReference: String(r.subject_reference), turns16On: String(r.turns_16_on) }));
  }

  async flagTurning16(row: SubjectLifecycle, event: EventRecord): Promise<boolean> {
    if (event.organisationId !== row.organisationId || event.requestId !== row.guardianRequestId) throw new Error('the event must be on the guardian request of the same organisation');
    return this.db.transaction(() => {
      if (!this.requestExists(row.organisationId, row.guardianRequestId)) return false;
      const inserted = this.sql(
        `INSERT OR IGNORE INTO subject_lifecycle (organisation_id, subject_reference, turns_16_on, guardian_request_id, flagged_at, young_request_id, young_requested_at, young_decided_at)
         VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL)`,
      ).run(row.organisationId, row.subjectReference, row.turns16On, row.guardianRequestId, iso(row.flaggedAt)).changes === 1;
      if (inserted) this.insertEvent(event);
      return inserted;
    }).immediate();
  }

  async listOpenLifecycles(organisationId: string, limit: number): Promise<SubjectLifecycle[]> {
    const rows = this.sql('SELECT * FROM subject_lifecycle WHERE organisation_id = ? AND young_decided_at IS NULL ORDER BY turns_16_on, subject_reference LIMIT ?').all(organisationId, limit) as Row[];
    return rows.map((r) => this.toLifecycle(r));
  }

  async reserveYoungRequest(organisationId: string, subjectReference: string, requestId: string): Promise<string | null> {
    return this.db.transaction(() => {
      this.sql('UPDATE subject_lifecycle SET young_request_id = ? WHERE organisation_id = ? AND subject_reference = ? AND young_request_id IS NULL').run(requestId, organisationId, subjectReference);
      const row = this.sql('SELECT young_request_id, young_requested_at FROM subject_lifecycle WHERE organisation_id = ? AND subject_reference = ?').get(organisationId, subjectReference) as Row | undefined;
      return row && row.young_requested_at === null ? String(row.young_request_id) : null;
    }).immediate();
  }

  async completeYoungRequest(input: { organisationId: string; subjectReference: string; at: Date; event: EventRecord }): Promise<boolean> {
    if (input.event.organisationId !== input.organisationId) throw new Error('a scoped write carries a record of another organisation');
    return this.db.transaction(() => {
      const done = this.sql('UPDATE subject_lifecycle SET young_requested_at = ? WHERE organisation_id = ? AND subject_reference = ? AND young_request_id IS NOT NULL AND young_requested_at IS NULL')
        .run(iso(input.at), input.organisationId, input.subjectReference).changes === 1;
      if (!done) return false;
      this.insertEvent(input.event);
      this.sql('DELETE FROM subject_contacts WHERE organisation_id = ? AND subject_reference = ?').run(input.organisationId, input.subjectReference);
      return true;
    }).immediate();
  }

  async markYoungDecided(organisationId: string, subjectReference: string, at: Date): Promise<void> {
    this.sql('UPDATE subject_lifecycle SET young_decided_at = COALESCE(young_decided_at, ?) WHERE organisation_id = ? AND subject_reference = ?').run(iso(at), organisationId, subjectReference);
  }

  async hasParticipantDecision(organisationId: string, subjectReference: string, since: Date): Promise<boolean> {
    return this.sql("SELECT 1 FROM consent_requests WHERE organisation_id = ? AND subject_reference = ? AND signer_role = 'participant' AND decided_at >= ? LIMIT 1")
      .get(organisationId, subjectReference, iso(since)) !== undefined;
  }

  async putSubjectContact(organisationId: string, subjectReference: string, contact: SubjectContact): Promise<void> {
    this.sql(
      `INSERT INTO subject_contacts (organisation_id, subject_reference, channel, address_enc, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (organisation_id, subject_reference) DO UPDATE SET channel = excluded.channel, address_enc = excluded.address_enc, updated_at = excluded.updated_at`,
    ).run(organisationId, subjectReference, contact.channel, this.cipher.encrypt(contact.address, LIFECYCLE_CONTEXTS.contact), iso(contact.updatedAt));
  }

  async getSubjectContact(organisationId: string, subjectReference: string): Promise<SubjectContact | null> {
    const row = this.sql('SELECT channel, address_enc, updated_at FROM subject_contacts WHERE organisation_id = ? AND subject_reference = ?').get(organisationId, subjectReference) as Row | undefined;
    if (!row) return null;
    return { channel: row.channel as Channel, address: this.cipher.decrypt(String(row.address_enc), LIFECYCLE_CONTEXTS.contact), updatedAt: new Date(String(row.updated_at)) };
  }

  async deleteSubjectContact(organisationId: string, subjectReference: string): Promise<boolean> {
    return this.sql('DELETE FROM subject_contacts WHERE organisation_id = ? AND subject_reference = ?').run(organisationId, subjectReference).changes === 1;
  }

  async eraseSubjectContacts(before: Date): Promise<number> {
    return this.sql('DELETE FROM subject_contacts WHERE updated_at < ?').run(iso(before)).changes;
  }

  async listRenewalCandidates(organisationId: string, after: Date, until: Date, limit: number): Promise<{ requestId: string; subjectReference: string; formId: string; validUntil: Date; reservedRenewalId: string | null }[]> {
    const rows = this.sql(
      `SELECT r.id, r.subject_reference, r.form_id, r.valid_until, n.renewal_request_id FROM consent_requests r LEFT JOIN renewals n ON n.request_id = r.id
       WHERE r.organisation_id = ? AND r.valid_until IS NOT NULL AND r.valid_until > ? AND r.valid_until <= ? AND r.status = 'signed'
         AND NOT EXISTS (SELECT 1 FROM renewals n WHERE n.request_id = r.id AND n.state <> 'reserved')
       ORDER BY r.valid_until, r.id LIMIT ?`,
    ).all(organisationId, iso(after), iso(until), limit) as Row[];
    return rows.map((r) => ({ requestId: String(r.id), subjectReference: String(r.subject_reference), formId: String(r.form_id), validUntil: new Date(String(r.valid_until)), reservedRenewalId: (r.renewal_request_id as string | null) ?? null }));
  }

  async newestRequestId(organisationId: string, subjectReference: string, formId: string): Promise<string | null> {
    return (this.sql('SELECT id FROM consent_requests WHERE organisation_id = ? AND subject_reference = ? AND form_id = ? ORDER BY id DESC LIMIT 1').pluck().get(organisationId, subjectReference, formId) as string | undefined) ?? null;
  }

  private renewalRow(requestId: string): RenewalRecord | null {
    const row = this.sql('SELECT * FROM renewals WHERE request_id = ?').get(requestId) as Row | undefined;
    return row
      ? { requestId: String(row.request_id), organisationId: String(row.organisation_id), renewalRequestId: (row.renewal_request_id as string | null) ?? null, state: row.state as RenewalState, at: new Date(String(row.at)) }
      : null;
  }

  async reserveRenewal(record: RenewalRecord, event: EventRecord | null): Promise<{ renewal: RenewalRecord; created: boolean }> {
    if (event && (event.organisationId !== record.organisationId || event.requestId !== record.requestId)) throw new Error('the event must be on the renewed request');
    return this.db.transaction(() => {
      const existing = this.renewalRow(record.requestId);
      if (existing) {
        if (existing.organisationId !== record.organisationId) throw new Error('a renewal of another organisation');
        return { renewal: existing, created: false };
      }
      if (!this.requestExists(record.organisationId, record.requestId)) throw new Error(`no request ${record.requestId} in that organisation`);
      this.sql('INSERT INTO renewals (request_id, organisation_id, renewal_request_id, state, at) VALUES (?, ?, ?, ?, ?)')
        .run(record.requestId, record.organisationId, record.renewalRequestId, record.state, iso(record.at));
      if (event) this.insertEvent(event);
      return { renewal: record, created: true };
    }).immediate();
  }

  async finishRenewal(input: { organisationId: string; requestId: string; state: RenewalState; at: Date; event: EventRecord | null }): Promise<boolean> {
    return this.db.transaction(() => {
      const moved = this.sql("UPDATE renewals SET state = ?, at = ? WHERE request_id = ? AND organisation_id = ? AND state = 'reserved'").run(input.state, iso(input.at), input.requestId, input.organisationId).changes === 1;
      if (moved && input.event) this.insertEvent(input.event);
      return moved;
    }).immediate();
  }

  async listLapsedUnmarked(now: Date, limit: number): Promise<{ requestId: string; organisationId: string; validUntil: Date }[]> {
    const rows = this.sql(
      `SELECT r.id, r.organisation_id, r.valid_until FROM consent_requests r
       WHERE r.valid_until IS NOT NULL AND r.valid_until <= ? AND r.status = 'signed'
         AND NOT EXISTS (SELECT 1 FROM lifecycle_marks m WHERE m.request_id = r.id AND m.kind = 'lapsed')
       ORDER BY r.valid_until, r.id LIMIT ?`,
    ).all(iso(now), limit) as Row[];
    return rows.map((r) => ({ requestId: String(r.id), organisationId: String(r.organisation_id), validUntil: new Date(String(r.valid_until)) }));
  }

  async appendEventOnce(event: EventRecord, kind: string): Promise<boolean> {
    return this.db.transaction(() => {
      if (!this.requestExists(event.organisationId, event.requestId)) return false;
      if (this.sql('INSERT OR IGNORE INTO lifecycle_marks (request_id, kind) VALUES (?, ?)').run(event.requestId, kind).changes === 0) return false;
      this.insertEvent(event);
      return true;
    }).immediate();
  }

  async listLapsingSoon(organisationId: string, after: Date, until: Date, limit: number): Promise<LapsingItem[]> {
    const rows = this.sql(
      `SELECT r.id, r.form_id, r.subject_reference, r.subject_first_name_enc, r.subject_last_name_enc, r.valid_until, n.state AS renewal_state, n.renewal_request_id
       FROM consent_requests r LEFT JOIN renewals n ON n.request_id = r.id
       WHERE r.organisation_id = ? AND r.valid_until IS NOT NULL AND r.valid_until > ? AND r.valid_until <= ? AND r.status = 'signed'
       ORDER BY r.valid_until, r.id LIMIT ?`,
    ).all(organisationId, iso(after), iso(until), limit) as Row[];
    return rows.map((r) => ({
      requestId: String(r.id),
      formId: String(r.form_id),
      subject: this.names(r),
      validUntil: new Date(String(r.valid_until)),
      renewal: r.renewal_state === null ? null : { state: r.renewal_state as RenewalState, renewalRequestId: (r.renewal_request_id as string | null) ?? null },
    }));
  }

  async listTurningSixteenSoon(organisationId: string, from: string, until: string, limit: number): Promise<TurningSixteenItem[]> {
    const rows = this.sql(
      `SELECT * FROM (
         SELECT r.id, r.subject_reference, r.subject_first_name_enc, r.subject_last_name_enc, r.turns_16_on,
                row_number() OVER (PARTITION BY r.subject_reference ORDER BY r.decided_at DESC, r.id DESC) AS rn
         FROM consent_requests r
         WHERE r.organisation_id = ? AND r.turns_16_on IS NOT NULL AND r.turns_16_on >= ? AND r.turns_16_on <= ? AND r.status = 'signed' AND r.signer_role = 'guardian'
       ) WHERE rn = 1 ORDER BY turns_16_on, id LIMIT ?`,
    ).all(organisationId, from, until, limit) as Row[];
    return Promise.all(rows.map(async (r) => ({ requestId: String(r.id), subject: this.names(r), turns16On: String(r.turns_16_on), lifecycle: await this.getSubjectLifecycle(organisationId, String(r.subject_reference)) })));
  }
}
