import type { ConsentStatus } from '../consent/lifecycle';
import type { Language, SignerRole } from '../consent/form-types';
import type { BulkBatchStore } from '../dashboard/bulk-store';
import type { LifecycleStore } from '../consent/lifecycle-store';
import type { StaffStore } from '../dashboard/staff-store';
import type { SignerCodeStore } from '../consent/signer-code-store';
import type { WebhookStore } from '../webhooks/webhook-store';

/**
 * The storage port the features need. Adapters (SQLite, MongoDB) implement it; every method that
 * must change several things at once does so atomically. Personal fields arrive here in plain
 * text and the adapter encrypts them with the field cipher it was built with.
 *
 * Organisations: every read and write keyed by a request, message or document id also takes the
 * organisation id, and a write naming another organisation's id changes nothing. The few lookups
 * that must work across organisations (link token, provider report, public verify, the worker's
 * queues) say why where they are declared.
 */
export type Channel = 'sms' | 'email';
/** How a request reached its signer: a message, or a paper form recorded afterwards. */
export type RequestChannel = Channel | 'paper';

/**
 * Who signs within a family (issue 12): the first guardian asked, the second guardian with joint
 * parental authority (a request of their own, linked to the first), or the participant (16+).
 */
export type SignerSlot = 'guardian' | 'second-guardian' | 'participant';
/** What a guardian declared on the signing page: parental authority alone, or jointly with someone else. */
export type ParentalAuthority = 'sole' | 'joint';

export interface Organisation {
  id: string;
  name: string;
  createdAt: Date;
}

/** What an organisation set for itself (issue 10); null means "not set": the service default applies. */
export interface OrganisationSettings {
  contactPhone: string | null;
  contactEmail: string | null;
  website: string | null;
  privacyStatementUrl: string | null;
  /** Can name a person: the adapter encrypts it. */
  dpoContact: string | null;
  smsSenderName: string | null;
  emailSenderName: string | null;
  emailReplyTo: string | null;
  defaultLanguage: Language | null;
  reminderAfterDays: number | null;
  expiryDays: number | null;
  /** A PNG we re-encoded ourselves, at most 512 × 512 pixels. */
  logoPng: Buffer | null;
  /** Issue 12 (README, "Turning 16 and renewal"): what happens to a guardian's consent after the child turns 16; null: 'until-young-person-decides'. */
  turning16Policy?: Turning16Policy | null;
  /** With 'lapses-after-days': the guardian's grants stop counting this many days after the 16th birthday. */
  turning16LapseDays?: number | null;
  /** How many days before the 16th birthday the daily job flags it; null: 30. */
  turning16WindowDays?: number | null;
  /** The form for the young person's own consent; null: the organisation's only 16+ form, if it has exactly one. */
  turning16FormId?: string | null;
  /** How many days before consent lapses a renewal request is sent; 0: none; null: 30. */
  renewalDaysBefore?: number | null;
}

export type Turning16Policy = 'until-young-person-decides' | 'lapses-after-days';

export interface OrganisationSummary extends Organisation {
  /** Keys not revoked. */
  activeKeys: number;
  revokedKeys: number;
}

/** What an API key may do: everything of its organisation, or only read consent status (issue 13). */
export type ApiKeyScope = 'full' | 'status-read';

export interface ApiKeyRecord {
  id: string;
  organisationId: string;
  name: string;
  /** Absent on records made before issue 13: 'full'. */
  scope?: ApiKeyScope;
  /** SHA-256 hex of the secret; the secret itself is never stored. */
  keyHash: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface Decision {
  purposeId: string;
  granted: boolean;
}

export interface SignatureRecord {
  kind: 'drawn' | 'typed';
  /** PNG bytes for a drawn signature. */
  image: Buffer | null;
  /** The typed name for a typed signature. */
  text: string | null;
}

export interface ConsentRequestRecord {
  id: string;
  organisationId: string;
  formId: string;
  formVersion: string;
  status: ConsentStatus;
  signerRole: SignerRole;
  language: Language;
  subject: { reference: string; firstName: string; lastName: string | null; dateOfBirth: string };
  recipient: { name: string; channel: RequestChannel; address: string | null; maskedAddress: string };
  tokenHash: string;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  sentAt: Date | null;
  openedAt: Date | null;
  decidedAt: Date | null;
  reminderCount: number;
  reminders: ReminderPolicy;
  deliveredAt: Date | null;
  failureReason: string | null;
  decisions: Decision[];
  signerName: string | null;
  signatureKind: 'drawn' | 'typed' | null;
  /** The time-stamp state of the request's record; null before there is one. */
  sealState: StoredSealState | null;
  /** When the consent of a decided request stops counting (see consent/validity.ts); null or absent when undecided or no end was recorded. */
  validUntil?: Date | null;
  /**
   * The youth worker who asked (POST field `requestedBy`, optional): shown on the signing page
   * under "who is asking". Personal data, stored encrypted. Absent or null when not given.
   */
  requestedBy?: { name: string; role: string | null } | null;
  /** Issue 12: for a second guardian's request, the first guardian's request it belongs to; null or absent for a first request. */
  primaryRequestId?: string | null;
  /** Issue 12: the signer's place in the family; absent on records read before issue 12 (then it follows from `signerRole`). */
  signerSlot?: SignerSlot;
  /** Issue 12: what the guardian declared when deciding; null before deciding, for a participant, or when it was not asked (paper, before issue 12). */
  authority?: ParentalAuthority | null;
  /** Issue 12: the day the subject turns 16 (YYYY-MM-DD), kept in the clear for guardian requests only (consent/turning-16.ts); null or absent otherwise. */
  turns16On?: string | null;
  /**
   * Raised by every write that changes the status, the decisions or the seal state (0 when
   * created): a use case that computes from what it read writes only if it still holds.
   */
  version: number;
}

/**
 * How the request's record was sealed: with a time-stamp, without one because no TSA is
 * configured, or without one while the TSA failed (a job retries; the API calls that
 * `timestamp_pending`; the stored value keeps its first name).
 */
export type StoredSealState = 'timestamped' | 'no_timestamp_authority' | 'sealed_without_timestamp';

/** When to remind: `automatic` reminders `afterDays` apart after sending, at most `max` in all (manual ones included). */
export interface ReminderPolicy {
  afterDays: number;
  automatic: number;
  max: number;
}

export interface EventRecord {
  id: string;
  requestId: string;
  organisationId: string;
  type: string;
  at: Date;
  /** Who caused it: `api:<keyId>`, `recipient`, `system`, `provider:<name>`. Never a name. */
  actor: string;
  detail: Record<string, unknown>;
}

export interface StoredEvent extends EventRecord {
  prevHash: string;
  hash: string;
}

/** 'sha256': unkeyed, events stored before migration 008; 'hmac-sha256': keyed with AUDIT_CHAIN_KEY. */
export type HashAlg = 'sha256' | 'hmac-sha256';

export interface StatusProjectionRows {
  organisationId: string;
  subjectReference: string;
  /** The subject's projection as stored (subject_status); null when it has none. */
  stored: SubjectDecisionRow[] | null;
  /** Every decision row of the subject, in the order they were written. */
  rows: StoredDecisionRow[];
}

/**
 * Issue 12: one row of the decisions table with what the status projection needs
 * (consent/family-consent.ts projects a subject's rows, in write order, to its SubjectDecisionRow[]).
 */
export interface StoredDecisionRow {
  /** Write order. */
  seq: number;
  requestId: string;
  /** The family: the first guardian's request id (the request's own id when it is a first request). */
  familyId: string;
  formId: string;
  purposeId: string;
  signerSlot: SignerSlot;
  authority: ParentalAuthority | null;
  needsAllGuardians: boolean;
  granted: boolean;
  required: boolean;
  /** ISO 8601 UTC, as stored. */
  decidedAt: string;
  validUntil: string | null;
}

/** Issue 12: one signer of a family, as the request resource lists it. */
export interface FamilySigner {
  familyId: string;
  requestId: string;
  signerSlot: SignerSlot;
  authority: ParentalAuthority | null;
  status: ConsentStatus;
  decidedAt: Date | null;
  createdAt: Date;
}

export interface AuditTotals {
  chains: number;
  events: number;
  mac: string | null;
}

/**
 * One request's evidence as stored, raw, for `audit verify` (src/evidence/verify-audit-log.ts):
 * its events with their hash algorithm, its sealed chain head, and what must agree with the chain.
 */
export interface AuditChainRows {
  requestId: string;
  /** null when events, a chain head or documents name a request that is not stored. */
  request: {
    organisationId: string;
    status: string;
    decisions: Decision[];
    subjectReference: string;
    formId: string;
    formVersion: string;
    signerRole: string;
    /** ISO 8601 UTC as stored; null when none. */
    validUntil: string | null;
    /** Issue 12: the family link, slot and declared authority as stored (absent from adapters that predate it). */
    primaryRequestId?: string | null;
    signerSlot?: string;
    authority?: string | null;
  } | null;
  events: (StoredEvent & { hashAlg: string })[];
  /** The chain head written with each event: count, last hash and its keyed seal. */
  head: { events: number; hash: string; mac: string | null } | null;
  documents: { id: string; kind: string; sha256: string }[];
  /** The request's rows in the decisions table, oldest first. */
  decisionRows: {
    purposeId: string; granted: boolean; subjectReference: string; required: boolean; validUntil: string | null;
    /** Issue 12: what the projection combines by (absent from adapters that predate it). */
    familyId?: string; signerSlot?: string; authority?: string | null; needsAllGuardians?: boolean;
  }[];
  /**
   * The entries of its subject's status projection (subject_status) that name this request.
   * `family` (issue 12): the entry's purpose was also decided by another signer of this request's
   * family, so the entry combines their answers and is checked per subject instead.
   */
  projection: { purposeId: string; granted: boolean; required: boolean; validUntil: string | null; family?: boolean }[];
}

/** `confirmation`: after signing or declining; `withdrawal-confirmation`: after a withdrawal (issue 10); `signer-code`: a one-time code the signer asked for (issue 12). */
export type OutboxKind = 'invite' | 'reminder' | 'confirmation' | 'withdrawal-confirmation' | 'signer-code';

export interface OutboxMessage {
  id: string;
  requestId: string;
  organisationId: string;
  kind: OutboxKind;
  channel: Channel;
  /** Sealed link token: the worker needs the link to build the message; encrypted at rest. */
  link: string;
  /** Issue 12: the one-time code of a `signer-code` message (encrypted at rest, cleared once sent); absent for other kinds. */
  code?: string;
  attempts: number;
  dueAt: Date;
  createdAt: Date;
}

/** What the store knows of an outbox message after it was queued. */
export interface OutboxState {
  id: string;
  requestId: string;
  organisationId: string;
  kind: OutboxKind;
  channel: Channel;
  state: 'queued' | 'sent' | 'failed' | 'dropped';
  attempts: number;
  provider: string | null;
  providerMessageId: string | null;
  lastError: string | null;
  dueAt: Date;
}

export type DocumentKind = 'consent-pdf' | 'withdrawal-receipt' | 'paper-record';

export interface DocumentRecord {
  id: string;
  requestId: string;
  organisationId: string;
  kind: DocumentKind;
  contentType: string;
  sha256: string;
  content: Buffer;
  createdAt: Date;
  /** This document's time-stamp state; null when unknown (stored before migration 009 without a matching event). */
  sealState?: DocumentSealState | null;
}

/** A request's seal state, per document; a version whose time-stamp came in a later version is 'timestamp_added_later'. */
export type DocumentSealState = StoredSealState | 'timestamp_added_later';

export interface DevOutboxEntry {
  id: string;
  organisationId: string;
  requestId: string;
  channel: Channel;
  to: string;
  subject: string | null;
  body: string;
  html: string | null;
  link: string;
  createdAt: Date;
}

export interface SubjectDecisionRow {
  requestId: string;
  formId: string;
  purposeId: string;
  granted: boolean;
  required: boolean;
  /** ISO 8601 UTC, as stored: the status API answers it as it is, without a Date round trip. */
  since: string;
  /** ISO 8601 UTC instant at which this decision stops counting, as stored; null when no end was recorded. */
  validUntil: string | null;
  /** Issue 12: the signers still to answer before this purpose can count as granted (joint authority, `needsAllGuardians`); absent or empty when none. */
  waitingFor?: SignerSlot[];
  /** Issue 12: who gave this decision: a guardian (either guardian) or the participant; absent on rows projected before issue 12. */
  signerRole?: SignerRole;
}

export interface FormSnapshot {
  formId: string;
  version: string;
  /** JSON of the exact form content, so that an old request always shows the text that was signed. */
  content: string;
}

/**
 * One form an organisation uses (issue 10): a shared form from consent-forms/ by its id (`copy`
 * null), or the organisation's own copy: the YAML it gave, the shared form it was copied from, and
 * the validated form as a snapshot, so a read needs no YAML parse.
 */
export interface OrganisationFormEntry {
  formId: string;
  copy: { basedOn: string | null; yaml: string; snapshot: FormSnapshot } | null;
  addedAt: Date;
}

export interface OrganisationFormList {
  /** In the order they were added; null when the organisation never chose (the use case's default applies). */
  entries: OrganisationFormEntry[] | null;
  /** Raised by every save: a save names the version it read. 0 while it never chose. */
  version: number;
}

export interface IdempotencyRecord {
  requestHash: string;
  status: number | null;
  body: string | null;
  location: string | null;
  /** When the key was reserved: the use of the key that this record answers for. */
  createdAt: Date;
}

export interface ListFilter {
  subjectReference?: string | undefined;
  status?: ConsentStatus | undefined;
  formId?: string | undefined;
}

/**
 * The dashboard's overview (issue 11), newest first. `search` is a subject reference (exact) or a
 * name: the adapter looks the name up by its keyed hash (privacy/name-search.ts), never by text.
 */
export interface OverviewFilter {
  status?: ConsentStatus | undefined;
  formId?: string | undefined;
  /** Created at or after this moment. */
  createdFrom?: Date | undefined;
  /** Created before this moment. */
  createdBefore?: Date | undefined;
  search?: string | undefined;
}

/** One row of the overview: only what the list shows, so a page decrypts two fields a row, not all. */
export interface OverviewItem {
  id: string;
  formId: string;
  status: ConsentStatus;
  subject: { reference: string; firstName: string; lastName: string | null };
  channel: RequestChannel;
  createdAt: Date;
}

/** One view of personal data by staff (issue 11): who, what, when. Never personal data itself. */
export interface AccessLogEntry {
  id: string;
  organisationId: string;
  userId: string;
  action: string;
  requestId: string | null;
  /** A short text without personal data (a filter, a page number, a document kind). */
  detail: string | null;
  at: Date;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface DecideInput {
  /** The request's organisation: a request of another organisation is not changed (false). */
  organisationId: string;
  requestId: string;
  fromStatuses: readonly ConsentStatus[];
  status: 'signed' | 'declined';
  at: Date;
  signerName: string;
  decisions: Decision[];
  /** When the consent given here stops counting (the use case computes it); stored with every decision row. Absent or null: no end recorded. */
  validUntil?: Date | null;
  /** Which purposes count for `mayRegister`, copied from the form so status reads need no form. */
  requiredPurposes: string[];
  /** Issue 12: the purposes that need every guardian with joint authority, copied from the form like `requiredPurposes`; absent: none. */
  needsAllGuardians?: string[];
  /** Issue 12: what the guardian declared on the signing page; absent or null for a participant or when not asked. */
  authority?: ParentalAuthority | null;
  /** Issue 12 (verify): the verified one-time code this sign rests on; marked used in the same transaction, and nothing is written (false) when it is not a verified, unused code of this request. */
  signerCodeId?: string | null;
  signature: SignatureRecord | null;
  document: DocumentRecord;
  event: EventRecord;
  /** 'sealed_without_timestamp' when the time-stamp authority could not be reached: a job retries. */
  sealState?: StoredSealState | null;
  /**
   * A confirmation to queue in the same transaction, with the invite's link (the adapter copies it,
   * as for a reminder); nothing is queued when the request has no invite. Absent: none.
   */
  confirmation?: Omit<OutboxMessage, 'link'> | null;
}

export interface StatusChangeInput {
  /** The request's organisation: a request of another organisation is not changed (false). */
  organisationId: string;
  requestId: string;
  fromStatuses: readonly ConsentStatus[];
  status: ConsentStatus;
  at: Date;
  event: EventRecord;
  /** Drop messages not yet sent (cancel, expiry). */
  dropPendingMessages?: boolean;
  patch?: { sentAt?: Date; openedAt?: Date; deliveredAt?: Date; failureReason?: string };
}

/** A field-encryption key that sealed data here: its id and fingerprint (privacy/key-check.ts). */
export interface KeyFingerprint {
  keyId: string;
  fingerprint: string;
  firstUsedAt: Date;
}

/** One encrypted value: its column (the encryption context), its first 64 bytes or characters, and all of it on demand. */
export interface SealedValue {
  context: string;
  /** Enough to read the key id from (see FieldCipher.keyIdOf). */
  head: string | Buffer;
  read(): Promise<string | Buffer>;
}

/** Staff accounts (dashboard/staff-store.ts) are a port of their own, which the adapters implement too. */
export interface Store extends StaffStore, BulkBatchStore, SignerCodeStore, LifecycleStore, WebhookStore {
  readonly kind: 'sqlite' | 'mongo';
  isReady(): Promise<boolean>;
  close(): Promise<void>;

  listKeyFingerprints(): Promise<KeyFingerprint[]>;
  /** Adds fingerprints for key ids not recorded yet; a recorded key id is left as it is. */
  addKeyFingerprints(records: KeyFingerprint[]): Promise<void>;
  /** Replaces every recorded fingerprint with these, at once. */
  replaceKeyFingerprints(records: KeyFingerprint[]): Promise<void>;
  /** Every encrypted value in the store, column by column (for checking the keys at start-up). */
  sealedValues(): AsyncIterable<SealedValue>;

  countOrganisations(): Promise<number>;
  /** The organisation, with its settings and first API key when given: all or nothing. */
  createOrganisation(org: Organisation, extras?: { settings?: OrganisationSettings; firstKey?: ApiKeyRecord }): Promise<void>;
  getOrganisation(id: string): Promise<Organisation | null>;
  firstOrganisationId(): Promise<string | null>;
  createApiKey(key: ApiKeyRecord): Promise<void>;
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
  listOrganisations(): Promise<OrganisationSummary[]>;
  /** Null when there is no such organisation. */
  getOrganisationSettings(id: string): Promise<OrganisationSettings | null>;
  /** Name and settings at once; false when there is no such organisation. */
  updateOrganisation(id: string, name: string, settings: OrganisationSettings): Promise<boolean>;
  /** Oldest first; only the keys of one organisation when given. */
  listApiKeys(organisationId?: string): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked and bumps the key generation, at once; false when no such key or already revoked. */
  revokeApiKey(id: string, at: Date): Promise<boolean>;
  /**
   * A number that changes whenever any process revokes a key. Synchronous on purpose: it is read
   * on the API's hot path, where a promise per request costs more than the read.
   */
  apiKeyGeneration(): number;

  /** Null when there is no such organisation. */
  getOrganisationForms(organisationId: string): Promise<OrganisationFormList | null>;
  /** Replaces the whole list and raises its version, when the version is still `expectedVersion`; false (nothing written) otherwise or when there is no such organisation. */
  saveOrganisationForms(organisationId: string, entries: OrganisationFormEntry[], expectedVersion: number): Promise<boolean>;

  getFormSnapshot(formId: string, version: string): Promise<FormSnapshot | null>;

  /** Request, its first event, its invite message and the form snapshot, all or nothing. */
  createConsentRequest(input: {
    request: ConsentRequestRecord;
    event: EventRecord;
    /** null for paper consent recorded without a message. */
    message: OutboxMessage | null;
    form: FormSnapshot;
  }): Promise<void>;
  /**
   * A request that is decided as it is created (paper consent for a subject without a request):
   * the request, its `created` event, the form snapshot and the decision (decisions, document,
   * decision event), all or nothing. Nobody can see or change it half-made.
   */
  createDecidedRequest(input: {
    request: ConsentRequestRecord;
    event: EventRecord;
    form: FormSnapshot;
    decision: Omit<DecideInput, 'organisationId' | 'requestId' | 'fromStatuses'>;
  }): Promise<void>;
  getConsentRequest(organisationId: string, id: string): Promise<ConsentRequestRecord | null>;
  /**
   * Issue 12: a second guardian's request (`request.primaryRequestId` set), its `created` event, its
   * invite and the `second_guardian_invited` event on the first request's chain, all or nothing.
   * False, and nothing written, when the first request is not of that organisation or the family
   * already has a second guardian's request whose status is one of `openStatuses`.
   */
  createFamilyRequest(input: {
    request: ConsentRequestRecord;
    event: EventRecord;
    message: OutboxMessage;
    form: FormSnapshot;
    primaryEvent: EventRecord;
    openStatuses: readonly ConsentStatus[];
  }): Promise<boolean>;
  /** Issue 12: the requests of one family of one organisation, the first request first, then by creation; empty when there is none. */
  listFamilyRequests(organisationId: string, familyId: string): Promise<ConsentRequestRecord[]>;
  /** Issue 12: the signers of these families (first request ids) of one organisation, in one read: per family the first request first, then by creation. */
  listFamilySigners(organisationId: string, familyIds: readonly string[]): Promise<FamilySigner[]>;
  /**
   * Across organisations on purpose: the personal link carries no organisation, its token is the
   * key. Every write that follows names the organisation of the request found here.
   */
  findConsentRequestByTokenHash(tokenHash: string): Promise<ConsentRequestRecord | null>;
  listConsentRequests(organisationId: string, filter: ListFilter, limit: number, cursor: string | null): Promise<Page<ConsentRequestRecord>>;
  /** The dashboard's overview: one organisation's requests, newest first, keyset-paged (the cursor is the last id seen). */
  listRequestOverview(organisationId: string, filter: OverviewFilter, limit: number, cursor: string | null): Promise<Page<OverviewItem>>;
  /** Moves the status when it is still one of `fromStatuses`; false when it was not. */
  changeStatus(input: StatusChangeInput): Promise<boolean>;
  /** Signs or declines: decisions, signature, document and event together; false when the status had moved on. */
  decide(input: DecideInput): Promise<boolean>;
  /** Appends to the chain of the event's request; false, and nothing written, when that request is not of the event's organisation. */
  appendEvent(event: EventRecord): Promise<boolean>;
  listEvents(organisationId: string, requestId: string): Promise<StoredEvent[]>;
  /**
   * Every request's chain with what must agree with it, one request at a time (each read as one
   * snapshot), ordered by request id; then whatever names a request that is not stored.
   */
  eventChains(): AsyncIterable<AuditChainRows>;
  /** The sealed totals of the whole audit log (chains with events, events); null when missing. */
  auditTotals(): Promise<AuditTotals | null>;
  /** Per subject, its stored status projection and the decision rows it is made from (for `audit verify`). */
  statusProjections(): AsyncIterable<StatusProjectionRows>;
  getSignature(organisationId: string, requestId: string): Promise<SignatureRecord | null>;
  /** The newest document of that kind (default: the signed consent record). */
  getDocument(organisationId: string, requestId: string, kind?: DocumentKind): Promise<DocumentRecord | null>;
  listDocuments(organisationId: string, requestId: string): Promise<Omit<DocumentRecord, 'content'>[]>;
  /** One document of one request of one organisation, with its content; null for any other. */
  getDocumentById(organisationId: string, requestId: string, documentId: string): Promise<DocumentRecord | null>;
  /**
   * Documents whose SHA-256 matches (for verification of an uploaded file); no content. Across
   * organisations on purpose: the public /verify page has no organisation; with an API key the
   * use case keeps only that organisation's documents (evidence/verify-record.ts).
   */
  findDocumentsBySha256(sha256: string): Promise<Omit<DocumentRecord, 'content'>[]>;
  /** Requests whose record still waits for a time-stamp. */
  listMissingTimestamps(limit: number): Promise<{ id: string; organisationId: string; version: number }[]>;
  /**
   * Stores the re-sealed record that now carries a time-stamp, with its event, sets the request's
   * seal state to 'timestamped' and the earlier version's to 'timestamp_added_later'. With
   * `expectedVersion`: nothing is written, and false returned, when the request changed since
   * (another worker came first).
   */
  completeTimestamp(input: { organisationId: string; requestId: string; expectedVersion?: number; document: DocumentRecord; event: EventRecord }): Promise<boolean>;
  /** Withdrawal receipts sealed while the TSA failed ('sealed_without_timestamp'), oldest first, with content. */
  listReceiptsMissingTimestamps(limit: number): Promise<DocumentRecord[]>;
  /**
   * Stores the time-stamped version of a receipt with its event and marks the earlier version
   * 'timestamp_added_later'; false (nothing stored) when that version no longer waits.
   */
  completeReceiptTimestamp(input: { organisationId: string; previousDocumentId: string; document: DocumentRecord; event: EventRecord }): Promise<boolean>;
  /**
   * Withdraws purposes of a signed request: new decisions, "not granted" rows for the withdrawn
   * purposes (so they win in the status API), the receipt and the event, together. The earlier
   * evidence stays. False, and nothing written, when the request's version is no longer
   * `expectedVersion` (another write came first: read again and redo).
   */
  withdraw(input: { organisationId: string; requestId: string; expectedVersion: number; at: Date; decisions: Decision[]; withdrawn: string[]; status: 'signed' | 'withdrawn'; document: DocumentRecord; event: EventRecord; confirmation?: Omit<OutboxMessage, 'link'> | null }): Promise<boolean>;
  /**
   * The latest decision per (form, purpose) of one subject, in the order each was first decided.
   * Kept by the adapter in the same transaction that records decisions; read on the hot path.
   */
  currentDecisions(organisationId: string, subjectReference: string): Promise<SubjectDecisionRow[]>;
  /** Open requests whose expiry has passed. */
  listExpired(now: Date, limit: number): Promise<{ id: string; organisationId: string; status: ConsentStatus }[]>;
  /**
   * Erases the recipient's address and `requestedBy` of at most `limit` requests whose status is
   * one of `statuses` and that last changed before `changedBefore` (the privacy sweep decides
   * which); names, decisions, events and documents stay. Returns how many requests it erased.
   */
  eraseContactDetails(input: {
    statuses: readonly ConsentStatus[];
    changedBefore: Date;
    limit: number;
    /** Issue 12: only this organisation's requests; absent: all. */
    organisationId?: string;
    /** Issue 12: only requests without a validity end or whose end is before this moment; absent: any. */
    validUntilBefore?: Date;
  }): Promise<number>;

  /**
   * Due outbox messages, leased to this worker until `leaseUntil`; across organisations on purpose
   * (one worker serves all): each message names its organisation, and the writes that follow carry it.
   */
  claimMessages(now: Date, leaseUntil: Date, limit: number): Promise<OutboxMessage[]>;
  /**
   * Marks a message sent with the provider's id; an invite moves the request pending → sent, a
   * reminder counts, a confirmation leaves the request as it is; `followUp` (the next automatic reminder) is queued in the same transaction.
   * 'duplicate' when another worker had already completed it (lease ran out mid-send): then only
   * the event is kept, nothing is counted twice. 'late' when it was dropped or given up while the
   * send was under way: the event and provider id are kept, nothing is counted or queued.
   * 'duplicate', and nothing written, when the message is not of that organisation.
   */
  completeMessage(input: { organisationId: string; messageId: string; provider: string; providerMessageId: string; at: Date; event: EventRecord; followUp: OutboxMessage | null }): Promise<'completed' | 'duplicate' | 'late'>;
  /** Schedules another attempt after a failure. */
  retryMessage(organisationId: string, messageId: string, dueAt: Date, error: string): Promise<void>;
  /** Moves a claimed message to later without counting the attempt (quiet hours). */
  deferMessage(organisationId: string, messageId: string, dueAt: Date): Promise<void>;
  /**
   * Across organisations on purpose: a provider's delivery report names only our message id. The
   * writes that follow name the organisation of the message found here.
   */
  getOutboxMessage(messageId: string): Promise<OutboxState | null>;
  listOutboxMessages(organisationId: string, requestId: string): Promise<OutboxState[]>;
  /**
   * Queues a reminder with the invite's link, replacing queued reminders, with its event; false
   * when the request is no longer waiting for an answer or is not of the message's organisation.
   */
  enqueueReminder(input: { message: Omit<OutboxMessage, 'link'>; event: EventRecord }): Promise<boolean>;
  /** The request closed before the message went out: drop it without touching the request. */
  dropMessage(organisationId: string, messageId: string, reason: string): Promise<void>;
  /**
   * Gives a message up with its event; the request becomes `failed` only when its status is one
   * of `failRequestFrom` (empty: the request stays as it is, e.g. for a reminder). False, and
   * nothing written, when the message is not of that organisation.
   */
  failMessage(input: { organisationId: string; messageId: string; error: string; at: Date; event: EventRecord; failRequestFrom: readonly ConsentStatus[] }): Promise<boolean>;

  /** Appends to the access log; the log is append-only (nothing changes or removes an entry). */
  appendAccessLog(entry: AccessLogEntry): Promise<void>;
  /** One organisation's access log, newest first, keyset-paged (the cursor is opaque). */
  listAccessLog(organisationId: string, limit: number, cursor: string | null): Promise<Page<AccessLogEntry>>;

  addDevOutboxEntry(entry: DevOutboxEntry): Promise<void>;
  listDevOutbox(limit: number): Promise<DevOutboxEntry[]>;

  /** Reserves an Idempotency-Key; returns the earlier record when the key was used before. */
  reserveIdempotencyKey(organisationId: string, key: string, requestHash: string, at: Date): Promise<IdempotencyRecord | null>;
  /**
   * Replaces the record that was reserved at `reservedAt` (one the caller found expired) with a
   * new reservation; false when the record is no longer that one (another retry took it first).
   */
  takeOverIdempotencyKey(organisationId: string, key: string, reservedAt: Date, requestHash: string, at: Date): Promise<boolean>;
  /** Stores the response; with `reservedAt`, only while the key is still that reservation. */
  completeIdempotencyKey(organisationId: string, key: string, response: { status: number; body: string; location: string | null }, reservedAt?: Date): Promise<void>;
  /** Frees a reservation that has no response; with `reservedAt`, only that reservation. */
  releaseIdempotencyKey(organisationId: string, key: string, reservedAt?: Date): Promise<void>;
  /** Deletes keys reserved before `before` (answered or not); returns how many. */
  pruneIdempotencyKeys(before: Date): Promise<number>;

  /**
   * Records a provider callback event id; false when it was recorded before (a replay). Not per
   * organisation: the ids are the provider's, unique across all our messages.
   */
  recordProviderEvent(provider: string, eventId: string, at: Date): Promise<boolean>;
  /** Forgets an event id whose report could not be applied, so the provider's retry counts. */
  forgetProviderEvent(provider: string, eventId: string): Promise<void>;
  /** Deletes event ids received before `before`; returns how many. */
  pruneProviderEvents(before: Date): Promise<number>;
}
