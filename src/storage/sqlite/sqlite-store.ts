import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

import { AuditChainKey, GENESIS_HASH } from '../../evidence/audit-chain';
import type { ConsentStatus } from '../../consent/lifecycle';
import type { Language, SignerRole } from '../../consent/form-types';
import type { FieldCipher } from '../../privacy/field-cipher';
import { NameSearchKey } from '../../privacy/name-search';
import type {
  ApiKeyRecord,
  AuditChainRows,
  AuditTotals,
  Channel,
  ConsentRequestRecord,
  DecideInput,
  Decision,
  DevOutboxEntry,
  DocumentKind,
  DocumentRecord,
  EventRecord,
  FormSnapshot,
  IdempotencyRecord,
  KeyFingerprint,
  ListFilter,
  AccessLogEntry,
  OverviewFilter,
  OverviewItem,
  Organisation,
  OrganisationFormEntry,
  OrganisationFormList,
  OrganisationSettings,
  OrganisationSummary,
  OutboxMessage,
  OutboxState,
  Page,
  SealedValue,
  SignatureRecord,
  StatusChangeInput,
  StatusProjectionRows,
  Store,
  StoredEvent,
  SubjectDecisionRow,
  FamilySigner,
  ParentalAuthority,
  SignerSlot,
  StoredDecisionRow,
} from '../store';
import type { DocumentSealState, StoredSealState } from '../store';
import type { BulkBatchStore } from '../../dashboard/bulk-store';
import { projectSubjectDecisions } from '../../consent/family-consent';
import { applyMigrations, MIGRATIONS_DIR, pendingMigrations } from './migrate';
import { BULK_SEALED_COLUMNS, SqliteBulkBatches } from './sqlite-bulk-batches';
import { LIFECYCLE_SEALED_COLUMNS, SqliteLifecycle } from './sqlite-lifecycle';
import type { LifecycleStore, SubjectLifecycle } from '../../consent/lifecycle-store';
import { turns16On } from '../../consent/turning-16';
import { SqliteStaffStore, STAFF_SEALED_COLUMNS } from './sqlite-staff-store';
import { SIGNER_CODE_SEALED_COLUMNS, SqliteSignerCodes } from './sqlite-signer-codes';
import type { SignerCodeStore } from '../../consent/signer-code-store';
import type { SignInFailureRecord, StaffInviteRecord, StaffSessionRecord, StaffUserRecord } from '../../dashboard/staff-store';
import type { StaffRole } from '../../dashboard/staff';
import { StatementCache } from './statement-cache';
import { SqliteWebhooks, WEBHOOK_SEALED_COLUMNS } from './sqlite-webhooks';
import type { WebhookStore } from '../../webhooks/webhook-store';
import { date, dateOrNull, iso, isoOrNull, type Row } from './sql-values';

const MAX_ATTEMPTS = 8;

function toApiKey(row: Row): ApiKeyRecord {
  return {
    id: String(row.id),
    organisationId: String(row.organisation_id),
    name: String(row.name),
    keyHash: String(row.key_hash),
    scope: row.scope === 'status-read' ? 'status-read' : 'full',
    createdAt: date(row.created_at),
    revokedAt: dateOrNull(row.revoked_at),
  };
}

/**
 * A subject_status row's JSON; rows projected before migration 006 have six elements (no end
 * recorded), rows projected before migration 016 seven (no waitingFor, no signer role).
 */
function parseProjection(json: string): SubjectDecisionRow[] {
  const rows = JSON.parse(json) as [string, string, string, number, number, string, (string | null)?, SignerSlot[]?, SignerRole?][];
  return rows.map(([requestId, formId, purposeId, granted, required, since, validUntil, waitingFor, signerRole]) => ({
    requestId, formId, purposeId, granted: granted === 1, required: required === 1, since, validUntil: validUntil ?? null,
    ...(waitingFor !== undefined ? { waitingFor } : {}),
    ...(signerRole !== undefined ? { signerRole } : {}),
  }));
}

/** Issue 12: the projection as stored, one JSON array per entry (the order parseProjection reads). */
function serialiseProjection(entries: SubjectDecisionRow[]): string {
  return JSON.stringify(entries.map((e) => [e.requestId, e.formId, e.purposeId, e.granted ? 1 : 0, e.required ? 1 : 0, e.since, e.validUntil, e.waitingFor ?? [], e.signerRole ?? 'guardian']));
}

/**
 * Migration 016: every subject's projection again, by the rule in consent/family-consent.ts (a
 * newer request's decisions win over a later answer on an older one), in the migration's transaction.
 */
function reprojectAllSubjects(db: Database.Database): void {
  const rowsOf = db.prepare(
    `SELECT seq, request_id, family_id, form_id, purpose_id, signer_slot, authority, needs_all_guardians, granted, required, decided_at, valid_until
     FROM decisions WHERE organisation_id = ? AND subject_reference = ? ORDER BY seq`,
  );
  const write = db.prepare('UPDATE subject_status SET current_decisions = ? WHERE organisation_id = ? AND subject_reference = ?');
  for (const s of db.prepare('SELECT organisation_id, subject_reference FROM subject_status').all() as Row[]) {
    const rows = (rowsOf.all(s.organisation_id, s.subject_reference) as Row[]).map(toStoredDecisionRow);
    write.run(serialiseProjection(projectSubjectDecisions(rows)), s.organisation_id, s.subject_reference);
  }
}

function toStoredDecisionRow(r: Row): StoredDecisionRow {
  return {
    seq: Number(r.seq), requestId: String(r.request_id), familyId: String(r.family_id ?? r.request_id), formId: String(r.form_id), purposeId: String(r.purpose_id),
    signerSlot: r.signer_slot as SignerSlot, authority: (r.authority as ParentalAuthority | null) ?? null, needsAllGuardians: Number(r.needs_all_guardians) === 1,
    granted: Number(r.granted) === 1, required: Number(r.required) === 1, decidedAt: String(r.decided_at), validUntil: (r.valid_until as string | null) ?? null,
  };
}

// Encryption contexts: a ciphertext only opens in the column it was written to.
const C = {
  firstName: 'consent_requests.subject_first_name',
  lastName: 'consent_requests.subject_last_name',
  dob: 'consent_requests.subject_dob',
  recipientName: 'consent_requests.recipient_name',
  address: 'consent_requests.recipient_address',
  signerName: 'consent_requests.signer_name',
  signature: 'consent_requests.signature',
  link: 'outbox.link',
  document: 'documents.content',
  devOutbox: 'dev_outbox.payload',
  dpoContact: 'organisations.dpo_contact',
  requestedBy: 'consent_requests.requested_by',
};

/**
 * The database holds personal data (encrypted, but with hashes and statuses in the clear): it and
 * its -wal/-shm files are 0600 whatever the umask, the folder 0700 when we create it. The file is
 * made before SQLite opens it, because SQLite gives -wal and -shm the database file's mode.
 */
function ownerOnlyFiles(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}

/**
 * Every encrypted column, for the key check at start-up: a page of (rowid, first 64 bytes or
 * characters) after a rowid, and one whole value by rowid. Pages, not an open iterator, so that
 * a whole value can be read in between.
 */
const SEALED_COLUMNS: readonly { context: string; page: string; one: string }[] = [
  { context: C.firstName, page: 'SELECT rowid AS r, substr(subject_first_name_enc, 1, 64) AS head FROM consent_requests WHERE rowid > ? AND subject_first_name_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT subject_first_name_enc FROM consent_requests WHERE rowid = ?' },
  { context: C.lastName, page: 'SELECT rowid AS r, substr(subject_last_name_enc, 1, 64) AS head FROM consent_requests WHERE rowid > ? AND subject_last_name_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT subject_last_name_enc FROM consent_requests WHERE rowid = ?' },
  { context: C.dob, page: 'SELECT rowid AS r, substr(subject_dob_enc, 1, 64) AS head FROM consent_requests WHERE rowid > ? AND subject_dob_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT subject_dob_enc FROM consent_requests WHERE rowid = ?' },
  { context: C.recipientName, page: 'SELECT rowid AS r, substr(recipient_name_enc, 1, 64) AS head FROM consent_requests WHERE rowid > ? AND recipient_name_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT recipient_name_enc FROM consent_requests WHERE rowid = ?' },
  { context: C.address, page: 'SELECT rowid AS r, substr(recipient_address_enc, 1, 64) AS head FROM consent_requests WHERE rowid > ? AND recipient_address_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT recipient_address_enc FROM consent_requests WHERE rowid = ?' },
  { context: C.signerName, page: 'SELECT rowid AS r, substr(signer_name_enc, 1, 64) AS head FROM consent_requests WHERE rowid > ? AND signer_name_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT signer_name_enc FROM consent_requests WHERE rowid = ?' },
  { context: C.signature, page: 'SELECT rowid AS r, substr(signature_enc, 1, 64) AS head FROM consent_requests WHERE rowid > ? AND signature_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT signature_enc FROM consent_requests WHERE rowid = ?' },
  { context: C.link, page: 'SELECT rowid AS r, substr(link_enc, 1, 64) AS head FROM outbox WHERE rowid > ? AND link_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT link_enc FROM outbox WHERE rowid = ?' },
  { context: C.document, page: 'SELECT rowid AS r, substr(content_enc, 1, 64) AS head FROM documents WHERE rowid > ? AND content_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT content_enc FROM documents WHERE rowid = ?' },
  { context: C.requestedBy, page: 'SELECT rowid AS r, substr(requested_by_enc, 1, 64) AS head FROM consent_requests WHERE rowid > ? AND requested_by_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT requested_by_enc FROM consent_requests WHERE rowid = ?' },
  { context: C.dpoContact, page: 'SELECT rowid AS r, substr(dpo_contact_enc, 1, 64) AS head FROM organisations WHERE rowid > ? AND dpo_contact_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT dpo_contact_enc FROM organisations WHERE rowid = ?' },
  { context: C.devOutbox, page: 'SELECT rowid AS r, substr(payload_enc, 1, 64) AS head FROM dev_outbox WHERE rowid > ? AND payload_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT payload_enc FROM dev_outbox WHERE rowid = ?' },
];

export interface SqliteStoreOptions {
  file: string;
  cipher: FieldCipher;
  /** Keys the audit chain (AUDIT_CHAIN_KEY); without it a random key for this process only (tests). */
  auditChain?: AuditChainKey;
}

/**
 * A scoped write must not carry an event, document or message of another organisation into the
 * request's chain: that is a caller's bug, so it throws before anything is written.
 */
function sameOrganisation(organisationId: string, ...records: ({ organisationId: string } | null | undefined)[]): void {
  for (const r of records) {
    if (r && r.organisationId !== organisationId) throw new Error('a scoped write carries a record of another organisation');
  }
}

/** The migration that keys the audit chain; its chain heads for existing events are sealed in code. */
const AUDIT_CHAIN_MIGRATION = '008_audit_chain.sql';
/** The migration that adds the name search hashes; those of requests stored before it are written in code. */
const NAME_SEARCH_MIGRATION = '014_dashboard_search_access_log.sql';
/** The migration that adds families (issue 12); every subject's projection is made again in code by the new rule. */
const FAMILIES_MIGRATION = '016_families.sql';
/** The migration that keeps the day a guardian request's subject turns 16; that of requests stored before it is written in code. */
const LIFECYCLE_MIGRATION = '018_lifecycle.sql';

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly db: Database.Database;
  private readonly cipher: FieldCipher;
  private readonly auditChain: AuditChainKey;
  private readonly nameSearch: NameSearchKey;
  private readonly stmts: ReturnType<SqliteStore['prepare']>;
  private readonly staff: SqliteStaffStore;

  constructor(options: SqliteStoreOptions) {
    if (options.file !== ':memory:') ownerOnlyFiles(options.file);
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('synchronous = NORMAL');
    this.auditChain = options.auditChain ?? AuditChainKey.ephemeral();
    this.nameSearch = NameSearchKey.from(this.auditChain.deriveKey(NameSearchKey.PURPOSE));
    applyMigrations(this.db, MIGRATIONS_DIR, {
      [AUDIT_CHAIN_MIGRATION]: (db) => this.sealLegacyChainHeads(db),
      [NAME_SEARCH_MIGRATION]: (db) => this.backfillNameHashes(db, options.cipher),
      [FAMILIES_MIGRATION]: (db) => reprojectAllSubjects(db),
      [LIFECYCLE_MIGRATION]: (db) => backfillTurns16On(db, options.cipher),
    });
    this.cipher = options.cipher;
    this.stmts = this.prepare();
    this.staff = new SqliteStaffStore(this.db, this.cipher);
  }

  private prepare() {
    const db = this.db;
    return {
      requestById: db.prepare('SELECT * FROM consent_requests WHERE organisation_id = ? AND id = ?'),
      requestByToken: db.prepare('SELECT * FROM consent_requests WHERE token_hash = ?'),
      // The status lookup is the hot path: one row per subject (migration 004).
      currentDecisions: db.prepare('SELECT current_decisions FROM subject_status WHERE organisation_id = ? AND subject_reference = ?').pluck(),
      // Issue 12: the projection is computed in TypeScript (consent/family-consent.ts) from these rows.
      subjectDecisionRows: db.prepare(
        `SELECT seq, request_id, family_id, form_id, purpose_id, signer_slot, authority, needs_all_guardians, granted, required, decided_at, valid_until
         FROM decisions WHERE organisation_id = ? AND subject_reference = ? ORDER BY seq`,
      ),
      writeSubjectStatus: db.prepare(
        `INSERT INTO subject_status (organisation_id, subject_reference, current_decisions) VALUES (?, ?, ?)
         ON CONFLICT (organisation_id, subject_reference) DO UPDATE SET current_decisions = excluded.current_decisions`,
      ),
      apiKeyByHash: db.prepare('SELECT * FROM api_keys WHERE key_hash = ?'),
      apiKeyGeneration: db.prepare('SELECT generation FROM api_key_generation WHERE id = 1').pluck(),
      chainHead: db.prepare('SELECT events, hash FROM audit_chain_heads WHERE request_id = ?'),
      insertEvent: db.prepare(
        'INSERT INTO events (id, request_id, organisation_id, type, at, actor, detail, prev_hash, hash, hash_alg) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      totals: db.prepare('SELECT chains, events, mac FROM audit_totals WHERE id = 1'),
      writeTotals: db.prepare('UPDATE audit_totals SET chains = ?, events = ?, mac = ? WHERE id = 1'),
      writeChainHead: db.prepare(
        'INSERT INTO audit_chain_heads (request_id, events, hash, mac) VALUES (?, ?, ?, ?) ON CONFLICT (request_id) DO UPDATE SET events = excluded.events, hash = excluded.hash, mac = excluded.mac',
      ),
    };
  }

  private readonly statements = new StatementCache();
  private sql(text: string): Database.Statement {
    return this.statements.prepare(this.db, text);
  }

  async isReady(): Promise<boolean> {
    try {
      this.sql('SELECT 1').get();
      return pendingMigrations(this.db, MIGRATIONS_DIR).length === 0;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async listKeyFingerprints(): Promise<KeyFingerprint[]> {
    const rows = this.sql('SELECT key_id, fingerprint, first_used_at FROM key_fingerprints ORDER BY first_used_at, key_id').all() as Row[];
    return rows.map((r) => ({ keyId: String(r.key_id), fingerprint: String(r.fingerprint), firstUsedAt: date(r.first_used_at) }));
  }

  async addKeyFingerprints(records: KeyFingerprint[]): Promise<void> {
    const insert = this.sql('INSERT OR IGNORE INTO key_fingerprints (key_id, fingerprint, first_used_at) VALUES (?, ?, ?)');
    this.db.transaction(() => records.forEach((r) => insert.run(r.keyId, r.fingerprint, iso(r.firstUsedAt))))();
  }

  async replaceKeyFingerprints(records: KeyFingerprint[]): Promise<void> {
    const insert = this.sql('INSERT INTO key_fingerprints (key_id, fingerprint, first_used_at) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      this.sql('DELETE FROM key_fingerprints').run();
      records.forEach((r) => insert.run(r.keyId, r.fingerprint, iso(r.firstUsedAt)));
    })();
  }

  async *sealedValues(): AsyncIterable<SealedValue> {
    for (const column of [...SEALED_COLUMNS, ...STAFF_SEALED_COLUMNS, ...BULK_SEALED_COLUMNS, ...SIGNER_CODE_SEALED_COLUMNS, ...LIFECYCLE_SEALED_COLUMNS, ...WEBHOOK_SEALED_COLUMNS]) {
      let after = 0;
      for (;;) {
        const rows = this.sql(column.page).all(after) as { r: number; head: string | Buffer }[];
        for (const row of rows) {
          yield { context: column.context, head: row.head, read: async () => this.sql(column.one).pluck().get(row.r) as string | Buffer };
        }
        if (rows.length < 500) break;
        after = rows[rows.length - 1]!.r;
      }
    }
  }

  async countOrganisations(): Promise<number> {
    return this.sql('SELECT COUNT(*) FROM organisations').pluck().get() as number;
  }

  async createOrganisation(org: Organisation, extras: { settings?: OrganisationSettings; firstKey?: ApiKeyRecord } = {}): Promise<void> {
    this.db.transaction(() => {
      this.sql('INSERT INTO organisations (id, name, created_at) VALUES (?, ?, ?)').run(org.id, org.name, iso(org.createdAt));
      if (extras.settings) this.writeOrganisation(org.id, org.name, extras.settings);
      if (extras.firstKey) this.insertApiKey(extras.firstKey);
    })();
  }

  async getOrganisation(id: string): Promise<Organisation | null> {
    const row = this.sql('SELECT * FROM organisations WHERE id = ?').get(id) as Row | undefined;
    return row ? { id: String(row.id), name: String(row.name), createdAt: date(row.created_at) } : null;
  }

  async firstOrganisationId(): Promise<string | null> {
    return (this.sql('SELECT id FROM organisations ORDER BY created_at, id LIMIT 1').pluck().get() as string | undefined) ?? null;
  }

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    this.insertApiKey(key);
  }

  private insertApiKey(key: ApiKeyRecord): void {
    this.sql('INSERT INTO api_keys (id, organisation_id, name, key_hash, created_at, revoked_at, scope) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(key.id, key.organisationId, key.name, key.keyHash, iso(key.createdAt), key.revokedAt ? iso(key.revokedAt) : null, key.scope ?? 'full');
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const row = this.stmts.apiKeyByHash.get(hash) as Row | undefined;
    return row ? toApiKey(row) : null;
  }

  async listOrganisations(): Promise<OrganisationSummary[]> {
    const rows = this.sql(
      `SELECT o.id, o.name, o.created_at,
              (SELECT COUNT(*) FROM api_keys k WHERE k.organisation_id = o.id AND k.revoked_at IS NULL) AS active_keys,
              (SELECT COUNT(*) FROM api_keys k WHERE k.organisation_id = o.id AND k.revoked_at IS NOT NULL) AS revoked_keys
         FROM organisations o ORDER BY o.created_at, o.id`,
    ).all() as Row[];
    return rows.map((r) => ({ id: String(r.id), name: String(r.name), createdAt: date(r.created_at), activeKeys: Number(r.active_keys), revokedKeys: Number(r.revoked_keys) }));
  }

  async getOrganisationSettings(id: string): Promise<OrganisationSettings | null> {
    const row = this.sql('SELECT settings, dpo_contact_enc, logo_png FROM organisations WHERE id = ?').get(id) as Row | undefined;
    if (!row) return null;
    const plain = JSON.parse(String(row.settings)) as Partial<OrganisationSettings>;
    return {
      contactPhone: plain.contactPhone ?? null,
      contactEmail: plain.contactEmail ?? null,
      website: plain.website ?? null,
      privacyStatementUrl: plain.privacyStatementUrl ?? null,
      dpoContact: this.cipher.decryptOptional(row.dpo_contact_enc as string | null, C.dpoContact),
      smsSenderName: plain.smsSenderName ?? null,
      emailSenderName: plain.emailSenderName ?? null,
      emailReplyTo: plain.emailReplyTo ?? null,
      defaultLanguage: plain.defaultLanguage ?? null,
      reminderAfterDays: plain.reminderAfterDays ?? null,
      expiryDays: plain.expiryDays ?? null,
      logoPng: row.logo_png ? Buffer.from(row.logo_png as Buffer) : null,
      // Issue 12: absent (undefined) when never set, like a setting saved before it existed.
      turning16Policy: plain.turning16Policy ?? undefined,
      turning16LapseDays: plain.turning16LapseDays ?? undefined,
      turning16WindowDays: plain.turning16WindowDays ?? undefined,
      turning16FormId: plain.turning16FormId ?? undefined,
      renewalDaysBefore: plain.renewalDaysBefore ?? undefined,
    };
  }

  async updateOrganisation(id: string, name: string, settings: OrganisationSettings): Promise<boolean> {
    return this.writeOrganisation(id, name, settings);
  }

  private writeOrganisation(id: string, name: string, settings: OrganisationSettings): boolean {
    const { dpoContact, logoPng, ...plain } = settings;
    const result = this.sql('UPDATE organisations SET name = ?, settings = ?, dpo_contact_enc = ?, logo_png = ? WHERE id = ?')
      .run(name, JSON.stringify(plain), this.cipher.encryptOptional(dpoContact, C.dpoContact), logoPng, id);
    return result.changes === 1;
  }

  async listApiKeys(organisationId?: string): Promise<ApiKeyRecord[]> {
    const rows = (organisationId === undefined
      ? this.sql('SELECT * FROM api_keys ORDER BY created_at, id').all()
      : this.sql('SELECT * FROM api_keys WHERE organisation_id = ? ORDER BY created_at, id').all(organisationId)) as Row[];
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string, at: Date): Promise<boolean> {
    return this.db.transaction(() => {
      const changed = this.sql('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(iso(at), id).changes === 1;
      if (changed) this.sql('UPDATE api_key_generation SET generation = generation + 1 WHERE id = 1').run();
      return changed;
    })();
  }

  apiKeyGeneration(): number {
    return this.stmts.apiKeyGeneration.get() as number;
  }

  async getOrganisationForms(organisationId: string): Promise<OrganisationFormList | null> {
    return this.db.transaction((): OrganisationFormList | null => {
      const version = this.sql('SELECT forms_version FROM organisations WHERE id = ?').pluck().get(organisationId) as number | undefined;
      if (version === undefined) return null;
      if (version === 0) return { entries: null, version };
      const rows = this.sql('SELECT * FROM organisation_forms WHERE organisation_id = ? ORDER BY position').all(organisationId) as Row[];
      const entries = rows.map((r): OrganisationFormEntry => ({
        formId: String(r.form_id),
        copy: r.copy_yaml === null
          ? null
          : { basedOn: (r.based_on as string | null) ?? null, yaml: String(r.copy_yaml), snapshot: { formId: String(r.form_id), version: String(r.copy_version), content: String(r.copy_content) } },
        addedAt: date(r.added_at),
      }));
      return { entries, version };
    })();
  }

  async saveOrganisationForms(organisationId: string, entries: OrganisationFormEntry[], expectedVersion: number): Promise<boolean> {
    return this.db.transaction(() => {
      const moved = this.sql('UPDATE organisations SET forms_version = forms_version + 1 WHERE id = ? AND forms_version = ?').run(organisationId, expectedVersion).changes === 1;
      if (!moved) return false;
      this.sql('DELETE FROM organisation_forms WHERE organisation_id = ?').run(organisationId);
      const insert = this.sql('INSERT INTO organisation_forms (organisation_id, form_id, position, based_on, copy_yaml, copy_version, copy_content, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      entries.forEach((e, position) => insert.run(organisationId, e.formId, position, e.copy?.basedOn ?? null, e.copy?.yaml ?? null, e.copy?.snapshot.version ?? null, e.copy?.snapshot.content ?? null, iso(e.addedAt)));
      return true;
    }).immediate();
  }

  async getFormSnapshot(formId: string, version: string): Promise<FormSnapshot | null> {
    const row = this.sql('SELECT content FROM form_versions WHERE form_id = ? AND version = ?').get(formId, version) as Row | undefined;
    return row ? { formId, version, content: String(row.content) } : null;
  }

  async createConsentRequest(input: { request: ConsentRequestRecord; event: EventRecord; message: OutboxMessage | null; form: FormSnapshot }): Promise<void> {
    this.db.transaction(() => this.insertRequest(input))();
  }

  async createDecidedRequest(input: { request: ConsentRequestRecord; event: EventRecord; form: FormSnapshot; decision: Omit<DecideInput, 'organisationId' | 'requestId' | 'fromStatuses'> }): Promise<void> {
    this.db.transaction(() => {
      this.insertRequest({ ...input, message: null });
      if (!this.applyDecision({ ...input.decision, organisationId: input.request.organisationId, requestId: input.request.id, fromStatuses: [input.request.status] })) {
        throw new Error(`request ${input.request.id} could not be decided as it was created`);
      }
    }).immediate();
  }

  private insertRequest(input: { request: ConsentRequestRecord; event: EventRecord; message: OutboxMessage | null; form: FormSnapshot }): void {
    const { request: r, event, message, form } = input;
    const c = this.cipher;
    this.sql('INSERT OR IGNORE INTO form_versions (form_id, version, content) VALUES (?, ?, ?)').run(form.formId, form.version, form.content);
    this.sql(
        `INSERT INTO consent_requests (id, organisation_id, form_id, form_version, status, signer_role, language,
          subject_reference, subject_first_name_enc, subject_last_name_enc, subject_dob_enc, recipient_name_enc,
          recipient_channel, recipient_address_enc, recipient_masked, token_hash, created_at, updated_at, expires_at,
          reminder_after_days, reminder_automatic, reminder_max, requested_by_enc, primary_request_id, signer_slot)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.id, r.organisationId, r.formId, r.formVersion, r.status, r.signerRole, r.language,
        r.subject.reference, c.encrypt(r.subject.firstName, C.firstName), c.encryptOptional(r.subject.lastName, C.lastName),
        c.encrypt(r.subject.dateOfBirth, C.dob), c.encrypt(r.recipient.name, C.recipientName),
        r.recipient.channel, c.encryptOptional(r.recipient.address, C.address), r.recipient.maskedAddress,
        r.tokenHash, iso(r.createdAt), iso(r.updatedAt), iso(r.expiresAt),
        r.reminders.afterDays, r.reminders.automatic, r.reminders.max,
        r.requestedBy ? c.encrypt(JSON.stringify({ name: r.requestedBy.name, role: r.requestedBy.role }), C.requestedBy) : null,
        r.primaryRequestId ?? null, r.signerSlot ?? (r.signerRole === 'participant' ? 'participant' : 'guardian'),
      );
    this.insertNameHashes(r.organisationId, r.id, r.subject.firstName, r.subject.lastName);
    if (r.turns16On) this.sql('UPDATE consent_requests SET turns_16_on = ? WHERE id = ?').run(r.turns16On, r.id);
    this.insertEvent(event);
    if (message) this.insertMessage(message);
  }

  private insertNameHashes(organisationId: string, requestId: string, firstName: string, lastName: string | null, db: Database.Database = this.db): void {
    const insert = db === this.db ? this.sql('INSERT OR IGNORE INTO request_name_hashes (organisation_id, hash, request_id) VALUES (?, ?, ?)') : db.prepare('INSERT OR IGNORE INTO request_name_hashes (organisation_id, hash, request_id) VALUES (?, ?, ?)');
    for (const hash of this.nameSearch.hashesOf(organisationId, firstName, lastName)) insert.run(organisationId, hash, requestId);
  }

  /** Migration 014: the name hashes of every request stored before it, 1,000 rows a read (in the migration's transaction). */
  private backfillNameHashes(db: Database.Database, cipher: FieldCipher): void {
    const page = db.prepare('SELECT rowid AS r, id, organisation_id, subject_first_name_enc, subject_last_name_enc FROM consent_requests WHERE rowid > ? ORDER BY rowid LIMIT 1000');
    let after = 0;
    for (;;) {
      const rows = page.all(after) as Row[];
      if (rows.length === 0) return;
      for (const row of rows) {
        // A name this key ring cannot open (its key is gone) must not stop the service from
        // starting: that request is only found by its reference (the start-up key check reports the key).
        let first: string;
        let last: string | null;
        try {
          first = cipher.decrypt(String(row.subject_first_name_enc), C.firstName);
          last = cipher.decryptOptional(row.subject_last_name_enc as string | null, C.lastName);
        } catch {
          continue;
        }
        this.insertNameHashes(String(row.organisation_id), String(row.id), first, last, db);
      }
      after = Number(rows[rows.length - 1]!.r);
    }
  }

  private insertMessage(m: OutboxMessage): void {
    this.sql('INSERT INTO outbox (id, request_id, organisation_id, kind, channel, link_enc, attempts, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(m.id, m.requestId, m.organisationId, m.kind, m.channel, this.cipher.encrypt(m.link, C.link), m.attempts, iso(m.dueAt), iso(m.createdAt));
  }

  /**
   * The chain goes on from the stored head, not from the last row: a removed last event then
   * stays visible as a broken link instead of being papered over by the next event.
   */
  private insertEvent(e: EventRecord): void {
    const head = this.stmts.chainHead.get(e.requestId) as Row | undefined;
    const prev = head ? String(head.hash) : GENESIS_HASH;
    const count = head ? Number(head.events) + 1 : 1;
    const hash = this.auditChain.eventHash(prev, e);
    this.stmts.insertEvent.run(e.id, e.requestId, e.organisationId, e.type, iso(e.at), e.actor, JSON.stringify(e.detail), prev, hash, this.auditChain.alg);
    this.stmts.writeChainHead.run(e.requestId, count, hash, this.auditChain.headMac(e.requestId, count, hash));
    const totals = this.stmts.totals.get() as Row;
    const chains = Number(totals.chains) + (count === 1 ? 1 : 0);
    const events = Number(totals.events) + 1;
    this.stmts.writeTotals.run(chains, events, this.auditChain.totalsMac(chains, events));
  }

  /** Migration 008 made a head for each existing chain and the totals; they are sealed with the key in its transaction. */
  private sealLegacyChainHeads(db: Database.Database): void {
    const seal = db.prepare('UPDATE audit_chain_heads SET mac = ? WHERE request_id = ?');
    for (const h of db.prepare('SELECT request_id, events, hash FROM audit_chain_heads WHERE mac IS NULL').all() as Row[]) {
      seal.run(this.auditChain.headMac(String(h.request_id), Number(h.events), String(h.hash)), h.request_id);
    }
    const t = db.prepare('SELECT chains, events FROM audit_totals WHERE id = 1').get() as Row;
    db.prepare('UPDATE audit_totals SET mac = ? WHERE id = 1').run(this.auditChain.totalsMac(Number(t.chains), Number(t.events)));
  }

  async auditTotals(): Promise<AuditTotals | null> {
    const row = this.stmts.totals.get() as Row | undefined;
    return row ? { chains: Number(row.chains), events: Number(row.events), mac: (row.mac as string | null) ?? null } : null;
  }

  private toRequest(row: Row): ConsentRequestRecord {
    const c = this.cipher;
    return {
      id: String(row.id),
      organisationId: String(row.organisation_id),
      formId: String(row.form_id),
      formVersion: String(row.form_version),
      status: row.status as ConsentStatus,
      signerRole: row.signer_role as SignerRole,
      language: row.language as Language,
      subject: {
        reference: String(row.subject_reference),
        firstName: c.decrypt(String(row.subject_first_name_enc), C.firstName),
        lastName: c.decryptOptional(row.subject_last_name_enc as string | null, C.lastName),
        dateOfBirth: c.decrypt(String(row.subject_dob_enc), C.dob),
      },
      recipient: {
        name: c.decrypt(String(row.recipient_name_enc), C.recipientName),
        channel: row.recipient_channel as ConsentRequestRecord['recipient']['channel'],
        address: c.decryptOptional(row.recipient_address_enc as string | null, C.address),
        maskedAddress: String(row.recipient_masked),
      },
      tokenHash: String(row.token_hash),
      createdAt: date(row.created_at),
      updatedAt: date(row.updated_at),
      expiresAt: date(row.expires_at),
      sentAt: dateOrNull(row.sent_at),
      openedAt: dateOrNull(row.opened_at),
      decidedAt: dateOrNull(row.decided_at),
      reminderCount: Number(row.reminder_count),
      reminders: { afterDays: Number(row.reminder_after_days), automatic: Number(row.reminder_automatic), max: Number(row.reminder_max) },
      deliveredAt: dateOrNull(row.delivered_at),
      failureReason: (row.failure_reason as string | null) ?? null,
      decisions: JSON.parse(String(row.decisions)) as Decision[],
      signerName: c.decryptOptional(row.signer_name_enc as string | null, C.signerName),
      signatureKind: (row.signature_kind as 'drawn' | 'typed' | null) ?? null,
      sealState: (row.seal_state as StoredSealState | null) ?? null,
      validUntil: dateOrNull(row.valid_until),
      requestedBy: row.requested_by_enc ? (JSON.parse(c.decrypt(String(row.requested_by_enc), C.requestedBy)) as { name: string; role: string | null }) : null,
      primaryRequestId: (row.primary_request_id as string | null) ?? null,
      signerSlot: row.signer_slot as SignerSlot,
      authority: (row.authority as ParentalAuthority | null) ?? null,
      turns16On: (row.turns_16_on as string | null | undefined) ?? undefined,
      version: Number(row.version),
    };
  }

  async getConsentRequest(organisationId: string, id: string): Promise<ConsentRequestRecord | null> {
    const row = this.stmts.requestById.get(organisationId, id) as Row | undefined;
    return row ? this.toRequest(row) : null;
  }

  /** By token alone: the personal link names no organisation (see Store.findConsentRequestByTokenHash). */
  async createFamilyRequest(input: { request: ConsentRequestRecord; event: EventRecord; message: OutboxMessage; form: FormSnapshot; primaryEvent: EventRecord; openStatuses: readonly ConsentStatus[] }): Promise<boolean> {
    const { request } = input;
    sameOrganisation(request.organisationId, input.event, input.message, input.primaryEvent);
    const familyId = request.primaryRequestId;
    if (!familyId || input.primaryEvent.requestId !== familyId) throw new Error('a family request names its first request');
    return this.db.transaction(() => {
      if (this.stmts.requestById.get(request.organisationId, familyId) === undefined) return false;
      const open = this.sql(
        `SELECT 1 FROM consent_requests WHERE organisation_id = ? AND primary_request_id = ? AND signer_slot = 'second-guardian'
           AND status IN (SELECT value FROM json_each(?)) LIMIT 1`,
      ).get(request.organisationId, familyId, JSON.stringify(input.openStatuses));
      if (open !== undefined) return false;
      this.insertRequest(input);
      this.insertEvent(input.primaryEvent);
      return true;
    }).immediate();
  }

  async listFamilyRequests(organisationId: string, familyId: string): Promise<ConsentRequestRecord[]> {
    const rows = this.sql(
      `SELECT * FROM consent_requests WHERE organisation_id = ? AND (id = ? OR primary_request_id = ?)
       ORDER BY primary_request_id IS NOT NULL, created_at, rowid`,
    ).all(organisationId, familyId, familyId) as Row[];
    return rows.map((r) => this.toRequest(r));
  }

  async listFamilySigners(organisationId: string, familyIds: readonly string[]): Promise<FamilySigner[]> {
    if (familyIds.length === 0) return [];
    const ids = JSON.stringify([...new Set(familyIds)]);
    const rows = this.sql(
      `SELECT id, primary_request_id, signer_slot, authority, status, decided_at, created_at FROM consent_requests
       WHERE organisation_id = ? AND (id IN (SELECT value FROM json_each(?)) OR primary_request_id IN (SELECT value FROM json_each(?)))
       ORDER BY COALESCE(primary_request_id, id), primary_request_id IS NOT NULL, created_at, rowid`,
    ).all(organisationId, ids, ids) as Row[];
    return rows.map((r) => ({
      familyId: String(r.primary_request_id ?? r.id), requestId: String(r.id), signerSlot: r.signer_slot as SignerSlot,
      authority: (r.authority as ParentalAuthority | null) ?? null, status: r.status as ConsentStatus, decidedAt: dateOrNull(r.decided_at), createdAt: date(r.created_at),
    }));
  }

  async findConsentRequestByTokenHash(tokenHash: string): Promise<ConsentRequestRecord | null> {
    const row = this.stmts.requestByToken.get(tokenHash) as Row | undefined;
    return row ? this.toRequest(row) : null;
  }

  async listConsentRequests(organisationId: string, filter: ListFilter, limit: number, cursor: string | null): Promise<Page<ConsentRequestRecord>> {
    const where = ['organisation_id = ?'];
    const params: unknown[] = [organisationId];
    if (filter.subjectReference !== undefined) (where.push('subject_reference = ?'), params.push(filter.subjectReference));
    if (filter.status !== undefined) (where.push('status = ?'), params.push(filter.status));
    if (filter.formId !== undefined) (where.push('form_id = ?'), params.push(filter.formId));
    if (cursor !== null) (where.push('id < ?'), params.push(cursor));
    // The WHERE clause is built only from the fixed fragments above; values are bound parameters.
    const rows = this.sql(`SELECT * FROM consent_requests WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`)
      .all(...params, limit + 1) as Row[];
    const items = rows.slice(0, limit).map((r) => this.toRequest(r));
    return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
  }

  async listRequestOverview(organisationId: string, filter: OverviewFilter, limit: number, cursor: string | null): Promise<Page<OverviewItem>> {
    // The filters on a request row `r`; the WHERE clauses are built only from these fixed fragments, values are bound.
    const where = ['r.organisation_id = ?'];
    const params: unknown[] = [organisationId];
    if (filter.status !== undefined) (where.push('r.status = ?'), params.push(filter.status));
    if (filter.formId !== undefined) (where.push('r.form_id = ?'), params.push(filter.formId));
    if (filter.createdFrom !== undefined) (where.push('r.created_at >= ?'), params.push(iso(filter.createdFrom)));
    if (filter.createdBefore !== undefined) (where.push('r.created_at < ?'), params.push(iso(filter.createdBefore)));
    if (cursor !== null) (where.push('r.id < ?'), params.push(cursor));
    const columns = 'r.id, r.form_id, r.status, r.subject_reference, r.subject_first_name_enc, r.subject_last_name_enc, r.recipient_channel, r.created_at';
    const search = filter.search?.trim() ?? '';
    let rows: Row[];
    if (search === '') {
      rows = this.sql(`SELECT ${columns} FROM consent_requests r WHERE ${where.join(' AND ')} ORDER BY r.id DESC LIMIT ?`).all(...params, limit + 1) as Row[];
    } else {
      // The reference as typed, and the requests with a name term of that hash: two walks of an
      // index already in id order, each stopping after a page, merged here (no sort of all matches).
      // Without statistics the planner would rather walk (organisation, id) for the ORDER BY; the
      // hints keep each query on the index that holds only its matches.
      const byReference = this.sql(`SELECT ${columns} FROM consent_requests r INDEXED BY consent_requests_org_subject WHERE ${where.join(' AND ')} AND r.subject_reference = ? ORDER BY r.id DESC LIMIT ?`)
        .all(...params, search, limit + 1) as Row[];
      const hash = this.nameSearch.queryHash(organisationId, search);
      const byName = hash === null ? [] : this.sql(
          `SELECT ${columns} FROM request_name_hashes h CROSS JOIN consent_requests r ON r.id = h.request_id
           WHERE h.organisation_id = ? AND h.hash = ? AND ${where.join(' AND ')} ORDER BY h.request_id DESC LIMIT ?`,
        ).all(organisationId, hash, ...params, limit + 1) as Row[];
      const seen = new Set<string>();
      rows = [...byReference, ...byName]
        .sort((a, b) => (String(a.id) < String(b.id) ? 1 : -1))
        .filter((r) => (seen.has(String(r.id)) ? false : (seen.add(String(r.id)), true)))
        .slice(0, limit + 1);
    }
    const items = rows.slice(0, limit).map((r) => ({
      id: String(r.id),
      formId: String(r.form_id),
      status: r.status as ConsentStatus,
      subject: { reference: String(r.subject_reference), firstName: this.cipher.decrypt(String(r.subject_first_name_enc), C.firstName), lastName: this.cipher.decryptOptional(r.subject_last_name_enc as string | null, C.lastName) },
      channel: r.recipient_channel as OverviewItem['channel'],
      createdAt: new Date(String(r.created_at)),
    }));
    return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
  }

  async appendAccessLog(e: AccessLogEntry): Promise<void> {
    this.sql('INSERT INTO access_log (id, organisation_id, user_id, action, request_id, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(e.id, e.organisationId, e.userId, e.action, e.requestId, e.detail, iso(e.at));
  }

  async listAccessLog(organisationId: string, limit: number, cursor: string | null): Promise<Page<AccessLogEntry>> {
    const after = cursor !== null && /^\d{1,15}$/.test(cursor) ? Number(cursor) : null;
    const rows = (after === null
      ? this.sql('SELECT * FROM access_log WHERE organisation_id = ? ORDER BY seq DESC LIMIT ?').all(organisationId, limit + 1)
      : this.sql('SELECT * FROM access_log WHERE organisation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?').all(organisationId, after, limit + 1)) as Row[];
    const items = rows.slice(0, limit).map((r) => ({
      id: String(r.id), organisationId: String(r.organisation_id), userId: String(r.user_id), action: String(r.action),
      requestId: (r.request_id as string | null) ?? null, detail: (r.detail as string | null) ?? null, at: new Date(String(r.at)),
    }));
    return { items, nextCursor: rows.length > limit ? String(rows[limit - 1]!.seq) : null };
  }

  async changeStatus(input: StatusChangeInput): Promise<boolean> {
    sameOrganisation(input.organisationId, input.event);
    return this.db.transaction(() => {
      const current = this.sql('SELECT status FROM consent_requests WHERE organisation_id = ? AND id = ?').pluck().get(input.organisationId, input.requestId) as ConsentStatus | undefined;
      if (!current || !input.fromStatuses.includes(current)) return false;
      this.sql(
          `UPDATE consent_requests SET status = ?, updated_at = ?, version = version + 1, sent_at = COALESCE(sent_at, ?), opened_at = COALESCE(opened_at, ?),
             delivered_at = COALESCE(delivered_at, ?), failure_reason = COALESCE(?, failure_reason) WHERE organisation_id = ? AND id = ?`,
        )
        .run(input.status, iso(input.at), isoOrNull(input.patch?.sentAt), isoOrNull(input.patch?.openedAt), isoOrNull(input.patch?.deliveredAt), input.patch?.failureReason ?? null, input.organisationId, input.requestId);
      if (input.dropPendingMessages) {
        this.sql("UPDATE outbox SET state = 'dropped', lease_until = NULL WHERE organisation_id = ? AND request_id = ? AND state = 'queued'").run(input.organisationId, input.requestId);
      }
      this.insertEvent(input.event);
      return true;
    })();
  }

  async decide(input: DecideInput): Promise<boolean> {
    return this.db.transaction(() => this.applyDecision(input))();
  }

  private applyDecision(input: DecideInput): boolean {
    const c = this.cipher;
    sameOrganisation(input.organisationId, input.event, input.document, input.confirmation);
    const row = this.sql('SELECT status, organisation_id, subject_reference, form_id, primary_request_id, signer_slot FROM consent_requests WHERE organisation_id = ? AND id = ?').get(input.organisationId, input.requestId) as Row | undefined;
    if (!row || !input.fromStatuses.includes(row.status as ConsentStatus)) return false;
    // Issue 12 (verify): single use, checked before anything is written.
    if (input.signerCodeId && !this.codes.useSignerCode(input.organisationId, input.requestId, input.signerCodeId, input.at)) return false;
    const sig = input.signature;
    const sigBlob = sig ? c.encryptBytes(Buffer.from(JSON.stringify({ text: sig.text, image: sig.image?.toString('base64') ?? null })), C.signature) : null;
    const validUntil = input.validUntil ? iso(input.validUntil) : null;
    this.sql(
        `UPDATE consent_requests SET status = ?, updated_at = ?, version = version + 1, decided_at = ?, decisions = ?, signer_name_enc = ?,
           signature_kind = ?, signature_enc = ?, opened_at = COALESCE(opened_at, ?), seal_state = ?, valid_until = ?, authority = ? WHERE organisation_id = ? AND id = ?`,
      )
      .run(input.status, iso(input.at), iso(input.at), JSON.stringify(input.decisions), c.encrypt(input.signerName, C.signerName),
        sig?.kind ?? null, sigBlob, iso(input.at), input.sealState ?? null, validUntil, input.authority ?? null, input.organisationId, input.requestId);
    const insertDecision = this.sql(
      `INSERT INTO decisions (request_id, organisation_id, subject_reference, form_id, purpose_id, granted, required, decided_at, valid_until,
         family_id, signer_slot, authority, needs_all_guardians) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const familyId = (row.primary_request_id as string | null) ?? input.requestId;
    for (const d of input.decisions) {
      insertDecision.run(input.requestId, row.organisation_id, row.subject_reference, row.form_id, d.purposeId, d.granted ? 1 : 0,
        input.requiredPurposes.includes(d.purposeId) ? 1 : 0, iso(input.at), validUntil,
        familyId, row.signer_slot, input.authority ?? null, input.needsAllGuardians?.includes(d.purposeId) ? 1 : 0);
    }
    this.refreshSubjectStatus(String(row.organisation_id), String(row.subject_reference));
    this.sql("UPDATE outbox SET state = 'dropped', lease_until = NULL WHERE organisation_id = ? AND request_id = ? AND state = 'queued'").run(input.organisationId, input.requestId);
    // The record carries the request's seal state.
    this.insertDocument({ ...input.document, sealState: input.document.sealState ?? input.sealState ?? null });
    this.insertEvent(input.event);
    if (input.confirmation) this.queueWithInviteLink(input.requestId, input.confirmation);
    return true;
  }

  private insertDocument(d: DocumentRecord): void {
    this.sql('INSERT INTO documents (id, request_id, organisation_id, kind, content_type, sha256, content_enc, created_at, seal_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(d.id, d.requestId, d.organisationId, d.kind, d.contentType, d.sha256, this.cipher.encryptBytes(d.content, C.document), iso(d.createdAt), d.sealState ?? null);
  }

  async appendEvent(event: EventRecord): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.sql('SELECT 1 FROM consent_requests WHERE organisation_id = ? AND id = ?').get(event.organisationId, event.requestId) === undefined) return false;
      this.insertEvent(event);
      return true;
    })();
  }

  async listEvents(organisationId: string, requestId: string): Promise<StoredEvent[]> {
    const rows = this.sql('SELECT * FROM events WHERE organisation_id = ? AND request_id = ? ORDER BY seq').all(organisationId, requestId) as Row[];
    return rows.map((r) => this.toEvent(r));
  }

  async *eventChains(): AsyncIterable<AuditChainRows> {
    // Requests a page at a time by id, each read in one transaction (one snapshot); then the ids
    // that only events, chain heads or documents still name.
    const page = this.sql('SELECT id FROM consent_requests WHERE id > ? ORDER BY id LIMIT 500').pluck();
    let after = '';
    for (;;) {
      const ids = page.all(after) as string[];
      for (const id of ids) yield this.auditChainRows(id);
      if (ids.length < 500) break;
      after = ids[ids.length - 1]!;
    }
    const orphans = this.sql(
      `SELECT request_id FROM events WHERE request_id NOT IN (SELECT id FROM consent_requests)
       UNION SELECT request_id FROM audit_chain_heads WHERE request_id NOT IN (SELECT id FROM consent_requests)
       UNION SELECT request_id FROM documents WHERE request_id NOT IN (SELECT id FROM consent_requests)
       ORDER BY 1`,
    ).pluck().all() as string[];
    for (const id of orphans) yield this.auditChainRows(id);
  }

  private auditChainRows(requestId: string): AuditChainRows {
    return this.db.transaction((): AuditChainRows => {
      const r = this.sql('SELECT organisation_id, subject_reference, status, decisions, form_id, form_version, signer_role, valid_until, primary_request_id, signer_slot, authority FROM consent_requests WHERE id = ?').get(requestId) as Row | undefined;
      const head = this.sql('SELECT events, hash, mac FROM audit_chain_heads WHERE request_id = ?').get(requestId) as Row | undefined;
      const events = (this.sql('SELECT * FROM events WHERE request_id = ? ORDER BY seq').all(requestId) as Row[]).map((e) => ({ ...this.toEvent(e), hashAlg: String(e.hash_alg) }));
      const documents = (this.sql('SELECT id, kind, sha256 FROM documents WHERE request_id = ? ORDER BY created_at, rowid').all(requestId) as Row[])
        .map((d) => ({ id: String(d.id), kind: String(d.kind), sha256: String(d.sha256) }));
      const decisionRows = (this.sql('SELECT purpose_id, granted, subject_reference, required, valid_until, family_id, signer_slot, authority, needs_all_guardians FROM decisions WHERE request_id = ? ORDER BY decided_at, seq').all(requestId) as Row[])
        .map((d) => ({
          purposeId: String(d.purpose_id), granted: Number(d.granted) === 1, subjectReference: String(d.subject_reference), required: Number(d.required) === 1, validUntil: (d.valid_until as string | null) ?? null,
          familyId: String(d.family_id ?? requestId), signerSlot: String(d.signer_slot), authority: (d.authority as string | null) ?? null, needsAllGuardians: Number(d.needs_all_guardians) === 1,
        }));
      const projection = r
        ? (this.sql(
            `SELECT json_extract(j.value, '$[2]') AS purpose_id, json_extract(j.value, '$[3]') AS granted, json_extract(j.value, '$[4]') AS required, json_extract(j.value, '$[6]') AS valid_until,
                    EXISTS (SELECT 1 FROM decisions d WHERE d.organisation_id = s.organisation_id AND d.subject_reference = s.subject_reference AND d.family_id = ?
                              AND d.request_id <> ? AND d.form_id = json_extract(j.value, '$[1]') AND d.purpose_id = json_extract(j.value, '$[2]')) AS family
             FROM subject_status s, json_each(s.current_decisions) j
             WHERE s.organisation_id = ? AND s.subject_reference = ? AND json_extract(j.value, '$[0]') = ?`,
          ).all(requestId, requestId, r.organisation_id, r.subject_reference, requestId) as Row[]).map((p) => ({
            purposeId: String(p.purpose_id), granted: Number(p.granted) === 1, required: Number(p.required) === 1, validUntil: (p.valid_until as string | null) ?? null,
            ...(Number(p.family) === 1 ? { family: true } : {}),
          }))
        : [];
      return {
        requestId,
        request: r
          ? {
              organisationId: String(r.organisation_id),
              status: String(r.status),
              decisions: JSON.parse(String(r.decisions)) as Decision[],
              subjectReference: String(r.subject_reference),
              formId: String(r.form_id),
              formVersion: String(r.form_version),
              signerRole: String(r.signer_role),
              validUntil: (r.valid_until as string | null) ?? null,
              primaryRequestId: (r.primary_request_id as string | null) ?? null,
              signerSlot: String(r.signer_slot),
              authority: (r.authority as string | null) ?? null,
            }
          : null,
        events,
        head: head ? { events: Number(head.events), hash: String(head.hash), mac: (head.mac as string | null) ?? null } : null,
        documents,
        decisionRows,
        projection,
      };
    })();
  }

  private toEvent(r: Row): StoredEvent {
    return {
      id: String(r.id),
      requestId: String(r.request_id),
      organisationId: String(r.organisation_id),
      type: String(r.type),
      at: date(r.at),
      actor: String(r.actor),
      detail: JSON.parse(String(r.detail)) as Record<string, unknown>,
      prevHash: String(r.prev_hash),
      hash: String(r.hash),
    };
  }

  async getSignature(organisationId: string, requestId: string): Promise<SignatureRecord | null> {
    const row = this.sql('SELECT signature_kind, signature_enc FROM consent_requests WHERE organisation_id = ? AND id = ?').get(organisationId, requestId) as Row | undefined;
    if (!row || !row.signature_enc) return null;
    const parsed = JSON.parse(this.cipher.decryptBytes(row.signature_enc as Buffer, C.signature).toString('utf8')) as { text: string | null; image: string | null };
    return { kind: row.signature_kind as 'drawn' | 'typed', text: parsed.text, image: parsed.image ? Buffer.from(parsed.image, 'base64') : null };
  }

  async getDocument(organisationId: string, requestId: string, kind: DocumentKind = 'consent-pdf'): Promise<DocumentRecord | null> {
    const row = this.sql('SELECT * FROM documents WHERE organisation_id = ? AND request_id = ? AND kind = ? ORDER BY created_at DESC, rowid DESC LIMIT 1').get(organisationId, requestId, kind) as Row | undefined;
    return row ? { ...this.toDocumentMeta(row), content: this.cipher.decryptBytes(row.content_enc as Buffer, C.document) } : null;
  }

  private toDocumentMeta(row: Row): Omit<DocumentRecord, 'content'> {
    return {
      id: String(row.id),
      requestId: String(row.request_id),
      organisationId: String(row.organisation_id),
      kind: row.kind as DocumentKind,
      contentType: String(row.content_type),
      sha256: String(row.sha256),
      createdAt: date(row.created_at),
      sealState: (row.seal_state as DocumentSealState | null | undefined) ?? null,
    };
  }

  async listDocuments(organisationId: string, requestId: string): Promise<Omit<DocumentRecord, 'content'>[]> {
    const rows = this.sql('SELECT id, request_id, organisation_id, kind, content_type, sha256, created_at, seal_state FROM documents WHERE organisation_id = ? AND request_id = ? ORDER BY created_at, rowid').all(organisationId, requestId) as Row[];
    return rows.map((r) => this.toDocumentMeta(r));
  }

  async getDocumentById(organisationId: string, requestId: string, documentId: string): Promise<DocumentRecord | null> {
    const row = this.sql('SELECT * FROM documents WHERE organisation_id = ? AND request_id = ? AND id = ?').get(organisationId, requestId, documentId) as Row | undefined;
    return row ? { ...this.toDocumentMeta(row), content: this.cipher.decryptBytes(row.content_enc as Buffer, C.document) } : null;
  }

  /** All organisations: the public /verify page has none; with an API key the use case filters (Store.findDocumentsBySha256). */
  async findDocumentsBySha256(sha256: string): Promise<Omit<DocumentRecord, 'content'>[]> {
    const rows = this.sql('SELECT id, request_id, organisation_id, kind, content_type, sha256, created_at, seal_state FROM documents WHERE sha256 = ?').all(sha256) as Row[];
    return rows.map((r) => this.toDocumentMeta(r));
  }

  async listMissingTimestamps(limit: number): Promise<{ id: string; organisationId: string; version: number }[]> {
    const rows = this.sql("SELECT id, organisation_id, version FROM consent_requests WHERE seal_state = 'sealed_without_timestamp' LIMIT ?").all(limit) as Row[];
    return rows.map((r) => ({ id: String(r.id), organisationId: String(r.organisation_id), version: Number(r.version) }));
  }

  async completeTimestamp(input: { organisationId: string; requestId: string; expectedVersion?: number; document: DocumentRecord; event: EventRecord }): Promise<boolean> {
    sameOrganisation(input.organisationId, input.event, input.document);
    return this.db.transaction(() => {
      const version = this.sql('SELECT version FROM consent_requests WHERE organisation_id = ? AND id = ?').pluck().get(input.organisationId, input.requestId) as number | undefined;
      if (version === undefined || (input.expectedVersion !== undefined && version !== input.expectedVersion)) return false;
      this.sql("UPDATE consent_requests SET seal_state = 'timestamped', version = version + 1 WHERE organisation_id = ? AND id = ?").run(input.organisationId, input.requestId);
      this.sql("UPDATE documents SET seal_state = 'timestamp_added_later' WHERE organisation_id = ? AND request_id = ? AND kind = ? AND seal_state = 'sealed_without_timestamp'").run(input.organisationId, input.requestId, input.document.kind);
      this.insertDocument(input.document);
      this.insertEvent(input.event);
      return true;
    }).immediate();
  }

  async listReceiptsMissingTimestamps(limit: number): Promise<DocumentRecord[]> {
    const rows = this.sql("SELECT * FROM documents WHERE kind = 'withdrawal-receipt' AND seal_state = 'sealed_without_timestamp' ORDER BY created_at, rowid LIMIT ?").all(limit) as Row[];
    return rows.map((row) => ({ ...this.toDocumentMeta(row), content: this.cipher.decryptBytes(row.content_enc as Buffer, C.document) }));
  }

  async completeReceiptTimestamp(input: { organisationId: string; previousDocumentId: string; document: DocumentRecord; event: EventRecord }): Promise<boolean> {
    sameOrganisation(input.organisationId, input.event, input.document);
    return this.db.transaction(() => {
      const waited = this.sql("UPDATE documents SET seal_state = 'timestamp_added_later' WHERE organisation_id = ? AND id = ? AND request_id = ? AND seal_state = 'sealed_without_timestamp'").run(input.organisationId, input.previousDocumentId, input.document.requestId).changes === 1;
      if (!waited) return false;
      this.insertDocument(input.document);
      this.insertEvent(input.event);
      return true;
    }).immediate();
  }

  async withdraw(input: { organisationId: string; requestId: string; expectedVersion: number; at: Date; decisions: Decision[]; withdrawn: string[]; status: 'signed' | 'withdrawn'; document: DocumentRecord; event: EventRecord; confirmation?: Omit<OutboxMessage, 'link'> | null }): Promise<boolean> {
    sameOrganisation(input.organisationId, input.event, input.document, input.confirmation);
    return this.db.transaction(() => {
      const row = this.sql('SELECT version, organisation_id, subject_reference, form_id FROM consent_requests WHERE organisation_id = ? AND id = ?').get(input.organisationId, input.requestId) as Row | undefined;
      if (!row || Number(row.version) !== input.expectedVersion) return false;
      this.sql('UPDATE consent_requests SET status = ?, decisions = ?, updated_at = ?, version = version + 1 WHERE organisation_id = ? AND id = ?').run(input.status, JSON.stringify(input.decisions), iso(input.at), input.organisationId, input.requestId);
      // A later "not granted" row per withdrawn purpose: the status API takes the latest row, and
      // the rows of the original decision stay as they were.
      const insert = this.sql(
        `INSERT INTO decisions (request_id, organisation_id, subject_reference, form_id, purpose_id, granted, required, decided_at, family_id, signer_slot, authority, needs_all_guardians)
         SELECT request_id, organisation_id, subject_reference, form_id, purpose_id, 0, required, ?, family_id, signer_slot, authority, needs_all_guardians FROM decisions
         WHERE organisation_id = ? AND request_id = ? AND purpose_id = ? ORDER BY decided_at DESC LIMIT 1`,
      );
      for (const purposeId of input.withdrawn) insert.run(iso(input.at), input.organisationId, input.requestId, purposeId);
      this.refreshSubjectStatus(String(row.organisation_id), String(row.subject_reference));
      this.insertDocument(input.document);
      this.insertEvent(input.event);
      if (input.confirmation) this.queueWithInviteLink(input.requestId, input.confirmation);
      return true;
    }).immediate();
  }

  /** Queues a message with the link of the request's invite (none without an invite: paper). */
  private queueWithInviteLink(requestId: string, m: Omit<OutboxMessage, 'link'>): void {
    if (m.requestId !== requestId) throw new Error('a confirmation of another request');
    const link = this.sql("SELECT link_enc FROM outbox WHERE organisation_id = ? AND request_id = ? AND kind = 'invite' ORDER BY created_at LIMIT 1").pluck().get(m.organisationId, m.requestId) as string | undefined;
    if (link === undefined) return;
    this.sql('INSERT INTO outbox (id, request_id, organisation_id, kind, channel, link_enc, attempts, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(m.id, m.requestId, m.organisationId, m.kind, m.channel, link, m.attempts, iso(m.dueAt), iso(m.createdAt));
  }

  /** Issue 12: the subject's projection from all its decision rows, by the one rule in consent/family-consent.ts; in the caller's transaction. */
  private refreshSubjectStatus(organisationId: string, subjectReference: string): void {
    const rows = (this.stmts.subjectDecisionRows.all(organisationId, subjectReference) as Row[]).map(toStoredDecisionRow);
    this.stmts.writeSubjectStatus.run(organisationId, subjectReference, serialiseProjection(projectSubjectDecisions(rows)));
  }

  async currentDecisions(organisationId: string, subjectReference: string): Promise<SubjectDecisionRow[]> {
    const json = this.stmts.currentDecisions.get(organisationId, subjectReference) as string | undefined;
    return json === undefined ? [] : parseProjection(json);
  }

  async *statusProjections(): AsyncIterable<StatusProjectionRows> {
    const page = this.sql('SELECT organisation_id, subject_reference FROM subject_status WHERE (organisation_id, subject_reference) > (?, ?) ORDER BY organisation_id, subject_reference LIMIT 500');
    let after: [string, string] = ['', ''];
    for (;;) {
      const subjects = page.all(...after) as Row[];
      for (const s of subjects) yield this.statusProjectionRows(String(s.organisation_id), String(s.subject_reference));
      if (subjects.length < 500) break;
      const last = subjects[subjects.length - 1]!;
      after = [String(last.organisation_id), String(last.subject_reference)];
    }
    const without = this.sql(
      `SELECT DISTINCT organisation_id, subject_reference FROM decisions d
       WHERE NOT EXISTS (SELECT 1 FROM subject_status s WHERE s.organisation_id = d.organisation_id AND s.subject_reference = d.subject_reference)
       ORDER BY 1, 2`,
    ).all() as Row[];
    for (const s of without) yield this.statusProjectionRows(String(s.organisation_id), String(s.subject_reference));
  }

  private statusProjectionRows(organisationId: string, subjectReference: string): StatusProjectionRows {
    return this.db.transaction((): StatusProjectionRows => {
      const json = this.stmts.currentDecisions.get(organisationId, subjectReference) as string | undefined;
      const stored = json === undefined ? null : parseProjection(json);
      const rows = (this.stmts.subjectDecisionRows.all(organisationId, subjectReference) as Row[]).map(toStoredDecisionRow);
      return { organisationId, subjectReference, stored, rows };
    })();
  }

  async listExpired(now: Date, limit: number): Promise<{ id: string; organisationId: string; status: ConsentStatus }[]> {
    const rows = this.sql("SELECT id, organisation_id, status FROM consent_requests WHERE status IN ('pending','sent','delivered','opened') AND expires_at <= ? LIMIT ?")
      .all(iso(now), limit) as Row[];
    return rows.map((r) => ({ id: String(r.id), organisationId: String(r.organisation_id), status: r.status as ConsentStatus }));
  }

  async eraseContactDetails(input: { statuses: readonly ConsentStatus[]; changedBefore: Date; limit: number; organisationId?: string; validUntilBefore?: Date }): Promise<number> {
    const validUntilBefore = input.validUntilBefore ? iso(input.validUntilBefore) : null;
    return this.sql(
      `UPDATE consent_requests SET recipient_address_enc = NULL, requested_by_enc = NULL WHERE rowid IN (
         SELECT rowid FROM consent_requests WHERE status IN (SELECT value FROM json_each(?)) AND updated_at < ?
           AND (recipient_address_enc IS NOT NULL OR requested_by_enc IS NOT NULL)
           AND (? IS NULL OR organisation_id = ?) AND (? IS NULL OR valid_until IS NULL OR valid_until < ?) LIMIT ?)`,
    ).run(JSON.stringify(input.statuses), iso(input.changedBefore), input.organisationId ?? null, input.organisationId ?? null, validUntilBefore, validUntilBefore, input.limit).changes;
  }

  async claimMessages(now: Date, leaseUntil: Date, limit: number): Promise<OutboxMessage[]> {
    // IMMEDIATE: the write lock is taken before reading, so two worker processes never lease the same row.
    // All organisations: one worker serves them all; each message carries its organisation on.
    return this.db.transaction(() => {
      const rows = this.sql(
          "SELECT * FROM outbox WHERE state = 'queued' AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY due_at LIMIT ?",
        )
        .all(iso(now), iso(now), limit) as Row[];
      const lease = this.sql('UPDATE outbox SET lease_until = ?, attempts = attempts + 1 WHERE id = ?');
      for (const r of rows) lease.run(iso(leaseUntil), r.id);
      return rows.map((r) => ({
        id: String(r.id),
        requestId: String(r.request_id),
        organisationId: String(r.organisation_id),
        kind: r.kind as OutboxMessage['kind'],
        channel: r.channel as Channel,
        link: this.cipher.decrypt(String(r.link_enc), C.link),
        ...(r.code_enc ? { code: this.codes.readCode(r.code_enc)! } : {}),
        attempts: Number(r.attempts) + 1,
        dueAt: date(r.due_at),
        createdAt: date(r.created_at),
      }));
    }).immediate();
  }

  async completeMessage(input: { organisationId: string; messageId: string; provider: string; providerMessageId: string; at: Date; event: EventRecord; followUp: OutboxMessage | null }): Promise<'completed' | 'duplicate' | 'late'> {
    sameOrganisation(input.organisationId, input.event, input.followUp);
    return this.db.transaction(() => {
      const row = this.sql('SELECT state, kind, request_id FROM outbox WHERE organisation_id = ? AND id = ?').get(input.organisationId, input.messageId) as Row | undefined;
      // Not a message of this organisation: nothing is written.
      if (!row) return 'duplicate' as const;
      this.codes.clearCode(input.organisationId, input.messageId);
      if (row.state === 'sent') {
        this.insertEvent(input.event);
        return 'duplicate' as const;
      }
      // Dropped (cancelled, expired, replaced by a manual reminder) or given up while this send was
      // under way: it did go out, so the event is kept, but it counts as no reminder and queues nothing.
      if (row.state === 'dropped' || row.state === 'failed') {
        this.sql('UPDATE outbox SET provider = ?, provider_message_id = ?, sent_at = ? WHERE organisation_id = ? AND id = ?').run(input.provider, input.providerMessageId, iso(input.at), input.organisationId, input.messageId);
        this.insertEvent(input.event);
        return 'late' as const;
      }
      this.sql("UPDATE outbox SET state = 'sent', lease_until = NULL, provider = ?, provider_message_id = ?, sent_at = ?, last_error = NULL WHERE organisation_id = ? AND id = ?")
        .run(input.provider, input.providerMessageId, iso(input.at), input.organisationId, input.messageId);
      // A confirmation (after the decision) changes nothing of the request.
      if (row.kind === 'invite' || row.kind === 'reminder') {
        this.sql(
            `UPDATE consent_requests SET status = CASE WHEN status = 'pending' THEN 'sent' ELSE status END, sent_at = COALESCE(sent_at, ?),
               reminder_count = reminder_count + ?, updated_at = ?, version = version + 1 WHERE organisation_id = ? AND id = ?`,
          )
          .run(iso(input.at), row.kind === 'reminder' ? 1 : 0, iso(input.at), input.organisationId, row.request_id);
      }
      this.insertEvent(input.event);
      if (input.followUp) this.insertMessage(input.followUp);
      return 'completed' as const;
    }).immediate();
  }

  async deferMessage(organisationId: string, messageId: string, dueAt: Date): Promise<void> {
    this.sql('UPDATE outbox SET due_at = ?, lease_until = NULL, attempts = MAX(attempts - 1, 0) WHERE organisation_id = ? AND id = ?').run(iso(dueAt), organisationId, messageId);
  }

  private toOutboxState(r: Row): OutboxState {
    return {
      id: String(r.id),
      requestId: String(r.request_id),
      organisationId: String(r.organisation_id),
      kind: r.kind as OutboxState['kind'],
      channel: r.channel as Channel,
      state: r.state as OutboxState['state'],
      attempts: Number(r.attempts),
      provider: (r.provider as string | null) ?? null,
      providerMessageId: (r.provider_message_id as string | null) ?? null,
      lastError: (r.last_error as string | null) ?? null,
      dueAt: date(r.due_at),
    };
  }

  /** By id alone: a provider's report names only our message id (see Store.getOutboxMessage). */
  async getOutboxMessage(messageId: string): Promise<OutboxState | null> {
    const row = this.sql('SELECT * FROM outbox WHERE id = ?').get(messageId) as Row | undefined;
    return row ? this.toOutboxState(row) : null;
  }

  async listOutboxMessages(organisationId: string, requestId: string): Promise<OutboxState[]> {
    return (this.sql('SELECT * FROM outbox WHERE organisation_id = ? AND request_id = ? ORDER BY created_at, rowid').all(organisationId, requestId) as Row[]).map((r) => this.toOutboxState(r));
  }

  async enqueueReminder(input: { message: Omit<OutboxMessage, 'link'>; event: EventRecord }): Promise<boolean> {
    const m = input.message;
    sameOrganisation(m.organisationId, input.event);
    return this.db.transaction(() => {
      const status = this.sql('SELECT status FROM consent_requests WHERE organisation_id = ? AND id = ?').pluck().get(m.organisationId, m.requestId) as ConsentStatus | undefined;
      const link = this.sql("SELECT link_enc FROM outbox WHERE organisation_id = ? AND request_id = ? AND kind = 'invite' ORDER BY created_at LIMIT 1").pluck().get(m.organisationId, m.requestId) as string | undefined;
      if (!status || !link || !['sent', 'delivered', 'opened'].includes(status)) return false;
      this.sql("UPDATE outbox SET state = 'dropped', lease_until = NULL, last_error = 'replaced by a manual reminder' WHERE organisation_id = ? AND request_id = ? AND kind = 'reminder' AND state = 'queued'").run(m.organisationId, m.requestId);
      this.sql('INSERT INTO outbox (id, request_id, organisation_id, kind, channel, link_enc, attempts, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(m.id, m.requestId, m.organisationId, m.kind, m.channel, link, m.attempts, iso(m.dueAt), iso(m.createdAt));
      this.insertEvent(input.event);
      return true;
    }).immediate();
  }

  async retryMessage(organisationId: string, messageId: string, dueAt: Date, error: string): Promise<void> {
    this.sql('UPDATE outbox SET due_at = ?, lease_until = NULL, last_error = ? WHERE organisation_id = ? AND id = ?').run(iso(dueAt), error, organisationId, messageId);
  }

  async dropMessage(organisationId: string, messageId: string, reason: string): Promise<void> {
    this.sql("UPDATE outbox SET state = 'dropped', lease_until = NULL, last_error = ? WHERE organisation_id = ? AND id = ?").run(reason, organisationId, messageId);
  }

  async failMessage(input: { organisationId: string; messageId: string; error: string; at: Date; event: EventRecord; failRequestFrom: readonly ConsentStatus[] }): Promise<boolean> {
    sameOrganisation(input.organisationId, input.event);
    return this.db.transaction(() => {
      const failed = this.sql("UPDATE outbox SET state = 'failed', lease_until = NULL, last_error = ? WHERE organisation_id = ? AND id = ? AND request_id = ?")
        .run(input.error, input.organisationId, input.messageId, input.event.requestId).changes === 1;
      if (!failed) return false;
      this.codes.clearCode(input.organisationId, input.messageId);
      const status = this.sql('SELECT status FROM consent_requests WHERE organisation_id = ? AND id = ?').pluck().get(input.organisationId, input.event.requestId) as ConsentStatus | undefined;
      if (status && input.failRequestFrom.includes(status)) {
        this.sql("UPDATE consent_requests SET status = 'failed', failure_reason = ?, updated_at = ?, version = version + 1 WHERE organisation_id = ? AND id = ?")
          .run(input.error, iso(input.at), input.organisationId, input.event.requestId);
      }
      this.insertEvent(input.event);
      return true;
    }).immediate();
  }

  async addDevOutboxEntry(e: DevOutboxEntry): Promise<void> {
    const payload = JSON.stringify({ to: e.to, subject: e.subject, body: e.body, html: e.html, link: e.link });
    this.sql('INSERT INTO dev_outbox (id, organisation_id, request_id, channel, payload_enc, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(e.id, e.organisationId, e.requestId, e.channel, this.cipher.encrypt(payload, C.devOutbox), iso(e.createdAt));
  }

  async listDevOutbox(limit: number): Promise<DevOutboxEntry[]> {
    const rows = this.sql('SELECT * FROM dev_outbox ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as Row[];
    return rows.map((r) => {
      const p = JSON.parse(this.cipher.decrypt(String(r.payload_enc), C.devOutbox)) as Pick<DevOutboxEntry, 'to' | 'subject' | 'body' | 'html' | 'link'>;
      return { id: String(r.id), organisationId: String(r.organisation_id), requestId: String(r.request_id), channel: r.channel as Channel, createdAt: date(r.created_at), ...p };
    });
  }

  async reserveIdempotencyKey(organisationId: string, key: string, requestHash: string, at: Date): Promise<IdempotencyRecord | null> {
    return this.db.transaction(() => {
      const row = this.sql('SELECT * FROM idempotency_keys WHERE organisation_id = ? AND key = ?').get(organisationId, key) as Row | undefined;
      if (row) {
        return { requestHash: String(row.request_hash), status: (row.status as number | null) ?? null, body: (row.body as string | null) ?? null, location: (row.location as string | null) ?? null, createdAt: date(row.created_at) };
      }
      this.sql('INSERT INTO idempotency_keys (organisation_id, key, request_hash, created_at) VALUES (?, ?, ?, ?)').run(organisationId, key, requestHash, iso(at));
      return null;
    }).immediate();
  }

  async takeOverIdempotencyKey(organisationId: string, key: string, reservedAt: Date, requestHash: string, at: Date): Promise<boolean> {
    const result = this.sql('UPDATE idempotency_keys SET request_hash = ?, status = NULL, body = NULL, location = NULL, created_at = ? WHERE organisation_id = ? AND key = ? AND created_at = ?')
      .run(requestHash, iso(at), organisationId, key, iso(reservedAt));
    return result.changes === 1;
  }

  async completeIdempotencyKey(organisationId: string, key: string, response: { status: number; body: string; location: string | null }, reservedAt?: Date): Promise<void> {
    this.sql('UPDATE idempotency_keys SET status = ?, body = ?, location = ? WHERE organisation_id = ? AND key = ? AND (? IS NULL OR created_at = ?)')
      .run(response.status, response.body, response.location, organisationId, key, isoOrNull(reservedAt), isoOrNull(reservedAt));
  }

  async releaseIdempotencyKey(organisationId: string, key: string, reservedAt?: Date): Promise<void> {
    this.sql('DELETE FROM idempotency_keys WHERE organisation_id = ? AND key = ? AND status IS NULL AND (? IS NULL OR created_at = ?)')
      .run(organisationId, key, isoOrNull(reservedAt), isoOrNull(reservedAt));
  }

  async pruneIdempotencyKeys(before: Date): Promise<number> {
    return this.sql('DELETE FROM idempotency_keys WHERE created_at < ?').run(iso(before)).changes;
  }

  /** Keyed by provider and the provider's event id, not by organisation: the ids are the provider's own. */
  async recordProviderEvent(provider: string, eventId: string, at: Date): Promise<boolean> {
    return this.sql('INSERT OR IGNORE INTO provider_events (provider, event_id, received_at) VALUES (?, ?, ?)').run(provider, eventId, iso(at)).changes === 1;
  }

  async forgetProviderEvent(provider: string, eventId: string): Promise<void> {
    this.sql('DELETE FROM provider_events WHERE provider = ? AND event_id = ?').run(provider, eventId);
  }

  async pruneProviderEvents(before: Date): Promise<number> {
    return this.sql('DELETE FROM provider_events WHERE received_at < ?').run(iso(before)).changes;
  }

  // One-time codes (issue 12; migration 017): sqlite-signer-codes.ts does the work.
  private signerCodes: SqliteSignerCodes | null = null;
  private get codes(): SqliteSignerCodes {
    return (this.signerCodes ??= new SqliteSignerCodes(this.db, this.cipher, (event) => this.insertEvent(event)));
  }
  createSignerCode: SignerCodeStore['createSignerCode'] = (input) => this.codes.createSignerCode(input);
  listSignerCodes: SignerCodeStore['listSignerCodes'] = (organisationId, requestId, since) => this.codes.listSignerCodes(organisationId, requestId, since);
  recordSignerCodeAttempt: SignerCodeStore['recordSignerCodeAttempt'] = (input) => this.codes.recordSignerCodeAttempt(input);

  // Many at once (dashboard, issue 11; migration 015): sqlite-bulk-batches.ts does the work.
  private bulkBatches: SqliteBulkBatches | null = null;
  private get bulk(): SqliteBulkBatches {
    return (this.bulkBatches ??= new SqliteBulkBatches(this.db, this.cipher));
  }
  createBulkBatch: BulkBatchStore['createBulkBatch'] = (batch, rows) => this.bulk.createBulkBatch(batch, rows);
  getBulkBatch: BulkBatchStore['getBulkBatch'] = (organisationId, batchId) => this.bulk.getBulkBatch(organisationId, batchId);
  listBulkBatches: BulkBatchStore['listBulkBatches'] = (organisationId, limit) => this.bulk.listBulkBatches(organisationId, limit);
  listBulkRows: BulkBatchStore['listBulkRows'] = (organisationId, batchId) => this.bulk.listBulkRows(organisationId, batchId);
  confirmBulkBatch: BulkBatchStore['confirmBulkBatch'] = (organisationId, batchId, at) => this.bulk.confirmBulkBatch(organisationId, batchId, at);
  listSendingBulkBatches: BulkBatchStore['listSendingBulkBatches'] = (limit) => this.bulk.listSendingBulkBatches(limit);
  reserveBulkRowRequest: BulkBatchStore['reserveBulkRowRequest'] = (organisationId, batchId, rowNo, requestId) => this.bulk.reserveBulkRowRequest(organisationId, batchId, rowNo, requestId);
  finishBulkRow: BulkBatchStore['finishBulkRow'] = (organisationId, batchId, rowNo, outcome) => this.bulk.finishBulkRow(organisationId, batchId, rowNo, outcome);
  finishBulkBatch: BulkBatchStore['finishBulkBatch'] = (organisationId, batchId, at) => this.bulk.finishBulkBatch(organisationId, batchId, at);
  replaceBulkRowData: BulkBatchStore['replaceBulkRowData'] = (organisationId, batchId, rowNo, data) => this.bulk.replaceBulkRowData(organisationId, batchId, rowNo, data);
  deleteBulkBatches: BulkBatchStore['deleteBulkBatches'] = (input) => this.bulk.deleteBulkBatches(input);

  // Turning 16, renewal and lapse (issue 12; migration 018): sqlite-lifecycle.ts does the work.
  private lifecycleStore: SqliteLifecycle | null = null;
  private get lifecycle(): SqliteLifecycle {
    return (this.lifecycleStore ??= new SqliteLifecycle(this.db, this.cipher, (event) => this.insertEvent(event)));
  }
  getSubjectLifecycle: LifecycleStore['getSubjectLifecycle'] = (o, ref) => this.lifecycle.getSubjectLifecycle(o, ref);
  /**
   * The hot path (Store.subjectStatus): one statement gives the projection and whether the subject
   * has a lifecycle row; only then (a subject flagged as turning 16) is the row itself read.
   */
  private subjectStatusStatement: Database.Statement | null = null;
  async subjectStatus(organisationId: string, subjectReference: string): Promise<{ decisions: SubjectDecisionRow[]; lifecycle: SubjectLifecycle | null }> {
    this.subjectStatusStatement ??= this.db.prepare(
      `SELECT (SELECT current_decisions FROM subject_status WHERE organisation_id = ? AND subject_reference = ?),
              EXISTS (SELECT 1 FROM subject_lifecycle WHERE organisation_id = ? AND subject_reference = ?)`,
    ).raw();
    const [json, flagged] = this.subjectStatusStatement.get(organisationId, subjectReference, organisationId, subjectReference) as [string | null, number];
    return { decisions: json === null ? [] : parseProjection(json), lifecycle: flagged === 1 ? await this.lifecycle.getSubjectLifecycle(organisationId, subjectReference) : null };
  }
  listTurning16Due: LifecycleStore['listTurning16Due'] = (o, until, limit) => this.lifecycle.listTurning16Due(o, until, limit);
  flagTurning16: LifecycleStore['flagTurning16'] = (row, event) => this.lifecycle.flagTurning16(row, event);
  listOpenLifecycles: LifecycleStore['listOpenLifecycles'] = (o, limit) => this.lifecycle.listOpenLifecycles(o, limit);
  reserveYoungRequest: LifecycleStore['reserveYoungRequest'] = (o, ref, id) => this.lifecycle.reserveYoungRequest(o, ref, id);
  completeYoungRequest: LifecycleStore['completeYoungRequest'] = (input) => this.lifecycle.completeYoungRequest(input);
  markYoungDecided: LifecycleStore['markYoungDecided'] = (o, ref, at) => this.lifecycle.markYoungDecided(o, ref, at);
  hasParticipantDecision: LifecycleStore['hasParticipantDecision'] = (o, ref, since) => this.lifecycle.hasParticipantDecision(o, ref, since);
  putSubjectContact: LifecycleStore['putSubjectContact'] = (o, ref, contact) => this.lifecycle.putSubjectContact(o, ref, contact);
  getSubjectContact: LifecycleStore['getSubjectContact'] = (o, ref) => this.lifecycle.getSubjectContact(o, ref);
  deleteSubjectContact: LifecycleStore['deleteSubjectContact'] = (o, ref) => this.lifecycle.deleteSubjectContact(o, ref);
  eraseSubjectContacts: LifecycleStore['eraseSubjectContacts'] = (before) => this.lifecycle.eraseSubjectContacts(before);
  listRenewalCandidates: LifecycleStore['listRenewalCandidates'] = (o, after, until, limit) => this.lifecycle.listRenewalCandidates(o, after, until, limit);
  newestRequestId: LifecycleStore['newestRequestId'] = (o, ref, formId) => this.lifecycle.newestRequestId(o, ref, formId);
  reserveRenewal: LifecycleStore['reserveRenewal'] = (record, event) => this.lifecycle.reserveRenewal(record, event);
  finishRenewal: LifecycleStore['finishRenewal'] = (input) => this.lifecycle.finishRenewal(input);
  listLapsedUnmarked: LifecycleStore['listLapsedUnmarked'] = (now, limit) => this.lifecycle.listLapsedUnmarked(now, limit);
  appendEventOnce: LifecycleStore['appendEventOnce'] = (event, kind) => this.lifecycle.appendEventOnce(event, kind);
  listLapsingSoon: LifecycleStore['listLapsingSoon'] = (o, after, until, limit) => this.lifecycle.listLapsingSoon(o, after, until, limit);
  listTurningSixteenSoon: LifecycleStore['listTurningSixteenSoon'] = (o, from, until, limit) => this.lifecycle.listTurningSixteenSoon(o, from, until, limit);

  // Webhooks (issue 13; migration 020): sqlite-webhooks.ts does the work.
  private webhookStore: SqliteWebhooks | null = null;
  private get webhooks(): SqliteWebhooks {
    return (this.webhookStore ??= new SqliteWebhooks(this.db, this.cipher, (event) => this.insertEvent(event)));
  }
  createWebhookEndpoint: WebhookStore['createWebhookEndpoint'] = (endpoint, max, event) => this.webhooks.createWebhookEndpoint(endpoint, max, event);
  listWebhookEndpoints: WebhookStore['listWebhookEndpoints'] = (o) => this.webhooks.listWebhookEndpoints(o);
  getWebhookEndpoint: WebhookStore['getWebhookEndpoint'] = (o, id) => this.webhooks.getWebhookEndpoint(o, id);
  deleteWebhookEndpoint: WebhookStore['deleteWebhookEndpoint'] = (o, id, event) => this.webhooks.deleteWebhookEndpoint(o, id, event);
  rotateWebhookSecret: WebhookStore['rotateWebhookSecret'] = (input) => this.webhooks.rotateWebhookSecret(input);
  disableWebhookEndpoint: WebhookStore['disableWebhookEndpoint'] = (input) => this.webhooks.disableWebhookEndpoint(input);
  enableWebhookEndpoint: WebhookStore['enableWebhookEndpoint'] = (o, id, at, event) => this.webhooks.enableWebhookEndpoint(o, id, at, event);
  listWebhookEndpointEvents: WebhookStore['listWebhookEndpointEvents'] = (o, endpointId, limit, cursor) => this.webhooks.listWebhookEndpointEvents(o, endpointId, limit, cursor);
  webhookDispatchCursor: WebhookStore['webhookDispatchCursor'] = () => this.webhooks.webhookDispatchCursor();
  listEventsAfter: WebhookStore['listEventsAfter'] = (after, limit) => this.webhooks.listEventsAfter(after, limit);
  listEnabledWebhookEndpoints: WebhookStore['listEnabledWebhookEndpoints'] = (o) => this.webhooks.listEnabledWebhookEndpoints(o);
  enqueueWebhookDeliveries: WebhookStore['enqueueWebhookDeliveries'] = (input) => this.webhooks.enqueueWebhookDeliveries(input);
  claimWebhookDeliveries: WebhookStore['claimWebhookDeliveries'] = (now, leaseUntil, limit, maxPerEndpoint) => this.webhooks.claimWebhookDeliveries(now, leaseUntil, limit, maxPerEndpoint);
  recordWebhookAttempt: WebhookStore['recordWebhookAttempt'] = (result) => this.webhooks.recordWebhookAttempt(result);
  listWebhookDeliveries: WebhookStore['listWebhookDeliveries'] = (o, endpointId, limit, cursor) => this.webhooks.listWebhookDeliveries(o, endpointId, limit, cursor);
  getWebhookDelivery: WebhookStore['getWebhookDelivery'] = (o, endpointId, id) => this.webhooks.getWebhookDelivery(o, endpointId, id);
  retryWebhookDelivery: WebhookStore['retryWebhookDelivery'] = (input) => this.webhooks.retryWebhookDelivery(input);
  pruneWebhookDeliveries: WebhookStore['pruneWebhookDeliveries'] = (before) => this.webhooks.pruneWebhookDeliveries(before);

  // Staff accounts (issue 11): the SQL is in sqlite-staff-store.ts.
  createStaffUser(user: StaffUserRecord, invite: StaffInviteRecord): Promise<boolean> {
    return this.staff.createStaffUser(user, invite);
  }
  replaceStaffInvite(invite: StaffInviteRecord): Promise<void> {
    return this.staff.replaceStaffInvite(invite);
  }
  getStaffInvite(tokenHash: string): Promise<StaffInviteRecord | null> {
    return this.staff.getStaffInvite(tokenHash);
  }
  getStaffUser(id: string): Promise<StaffUserRecord | null> {
    return this.staff.getStaffUser(id);
  }
  findStaffUserByEmailHash(emailHash: string): Promise<StaffUserRecord | null> {
    return this.staff.findStaffUserByEmailHash(emailHash);
  }
  listStaffUsers(organisationId: string): Promise<StaffUserRecord[]> {
    return this.staff.listStaffUsers(organisationId);
  }
  acceptStaffInvite(input: Parameters<SqliteStaffStore['acceptStaffInvite']>[0]): Promise<boolean> {
    return this.staff.acceptStaffInvite(input);
  }
  setStaffTotpSecret(userId: string, totpSecret: string): Promise<void> {
    return this.staff.setStaffTotpSecret(userId, totpSecret);
  }
  completeStaffEnrolment(input: Parameters<SqliteStaffStore['completeStaffEnrolment']>[0]): Promise<boolean> {
    return this.staff.completeStaffEnrolment(input);
  }
  useStaffTotpStep(userId: string, step: number): Promise<boolean> {
    return this.staff.useStaffTotpStep(userId, step);
  }
  useStaffRecoveryCode(userId: string, codeHash: string, at: Date): Promise<boolean> {
    return this.staff.useStaffRecoveryCode(userId, codeHash, at);
  }
  countUnusedRecoveryCodes(userId: string): Promise<number> {
    return this.staff.countUnusedRecoveryCodes(userId);
  }
  changeStaffRole(organisationId: string, userId: string, role: StaffRole, keepAnotherAdmin: boolean): Promise<boolean> {
    return this.staff.changeStaffRole(organisationId, userId, role, keepAnotherAdmin);
  }
  removeStaffUser(organisationId: string, userId: string, at: Date, keepAnotherAdmin: boolean): Promise<boolean> {
    return this.staff.removeStaffUser(organisationId, userId, at, keepAnotherAdmin);
  }
  createStaffSession(session: StaffSessionRecord): Promise<void> {
    return this.staff.createStaffSession(session);
  }
  getStaffSession(idHash: string): Promise<StaffSessionRecord | null> {
    return this.staff.getStaffSession(idHash);
  }
  replaceStaffSession(oldIdHash: string, session: StaffSessionRecord): Promise<boolean> {
    return this.staff.replaceStaffSession(oldIdHash, session);
  }
  touchStaffSession(idHash: string, at: Date): Promise<void> {
    return this.staff.touchStaffSession(idHash, at);
  }
  setStaffSessionLanguage(idHash: string, language: 'nl' | 'en'): Promise<void> {
    return this.staff.setStaffSessionLanguage(idHash, language);
  }
  deleteStaffSession(idHash: string): Promise<void> {
    return this.staff.deleteStaffSession(idHash);
  }
  deleteStaffSessions(userId: string): Promise<number> {
    return this.staff.deleteStaffSessions(userId);
  }
  getSignInFailures(subjects: string[]): Promise<SignInFailureRecord[]> {
    return this.staff.getSignInFailures(subjects);
  }
  countSignInFailure(subject: string, at: Date, forgetBefore: Date): Promise<number> {
    return this.staff.countSignInFailure(subject, at, forgetBefore);
  }
  setSignInBlock(subject: string, blockedUntil: Date): Promise<void> {
    return this.staff.setSignInBlock(subject, blockedUntil);
  }
  clearSignInFailures(subjects: string[]): Promise<void> {
    return this.staff.clearSignInFailures(subjects);
  }
}

/**
 * Migration 018: the day the subject turns 16, for every guardian request stored before it,
 * 1,000 rows a read (in the migration's transaction). The date of birth is opened here in code,
 * once; a value this key ring cannot open is skipped (the start-up key check reports the key).
 */
function backfillTurns16On(db: Database.Database, cipher: FieldCipher): void {
  const page = db.prepare("SELECT rowid AS r, subject_dob_enc FROM consent_requests WHERE rowid > ? AND signer_role = 'guardian' ORDER BY rowid LIMIT 1000");
  const write = db.prepare('UPDATE consent_requests SET turns_16_on = ? WHERE rowid = ?');
  let after = 0;
  for (;;) {
    const rows = page.all(after) as Row[];
    if (rows.length === 0) return;
    for (const row of rows) {
      let day: string | null = null;
      try {
        day = turns16On(cipher.decrypt(String(row.subject_dob_enc), C.dob));
      } catch {
        day = null;
      }
      if (day) write.run(day, row.r);
    }
    after = Number(rows[rows.length - 1]!.r);
  }
}
