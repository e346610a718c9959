import type { FieldError } from '../errors';
import type { Language, SignerRole } from '../consent/form-types';
import type { RequestConsentInput } from '../consent/request-consent';
import type { Channel } from '../storage/store';

/**
 * The storage "many at once" needs (issue 11): a list sent one form as a batch, and its rows.
 * Personal fields (the activity's name, each row as entered and who receives it) arrive in plain
 * text and the adapter encrypts them. Every read and write names the organisation; a batch of
 * another organisation is not found and not changed.
 */

/** `preview`: checked, nothing sent; `sending`: confirmed, the worker makes the requests; `done`. */
export type BulkBatchState = 'preview' | 'sending' | 'done';

export interface BulkBatchRecord {
  id: string;
  organisationId: string;
  formId: string;
  /** The activity or trip, as the youth worker named it (can name people: encrypted). */
  activity: string;
  /** The staff user who made it (an id, never a name). */
  createdBy: string;
  createdAt: Date;
  state: BulkBatchState;
  confirmedAt: Date | null;
  finishedAt: Date | null;
}

/** One person of the list as it was given, column by column (after mapping the header). */
export interface BulkRowInput {
  firstName: string;
  lastName: string;
  /** As entered; `dateOfBirthIso` is what the request uses (null when it is not a date we read). */
  dateOfBirth: string;
  dateOfBirthIso: string | null;
  reference: string;
  channel: string;
  phone: string;
  email: string;
  recipientName: string;
  language: string;
}

/** Who will receive the request of a row that passed every rule. */
export interface BulkRowPlan {
  signerRole: SignerRole;
  recipientName: string;
  channel: Channel;
  maskedAddress: string;
  language: Language;
}

/**
 * `invalid`: a rule refused it, it is not sent; `ready`: waits to be sent; `created`: its request
 * exists (`requestId`); `failed`: a rule refused it when it was sent (the problems say which).
 */
export type BulkRowState = 'invalid' | 'ready' | 'created' | 'failed';

export interface BulkRowRecord {
  batchId: string;
  organisationId: string;
  /** 1, 2, …: the row's place among the people of the list. */
  rowNo: number;
  /** The line of the list the row starts on (the header is line 1). */
  line: number;
  input: BulkRowInput;
  plan: BulkRowPlan | null;
  /** The request exactly as it passed every rule (cleaned), which the sender makes; null when refused. */
  request: RequestConsentInput | null;
  /** Rule texts only (never a value from the row). */
  problems: FieldError[];
  state: BulkRowState;
  /** Reserved before the request is made, so a retry makes the same request, never a second. */
  requestId: string | null;
}

/** What a row holds of the person (encrypted as one value). */
export type BulkRowData = Pick<BulkRowRecord, 'input' | 'plan' | 'request'>;

export interface BulkBatchStore {
  /** The batch and all its rows, at once. */
  createBulkBatch(batch: BulkBatchRecord, rows: BulkRowRecord[]): Promise<void>;
  getBulkBatch(organisationId: string, batchId: string): Promise<BulkBatchRecord | null>;
  /** Newest first. */
  listBulkBatches(organisationId: string, limit: number): Promise<BulkBatchRecord[]>;
  /** In row order; empty for a batch of another organisation. */
  listBulkRows(organisationId: string, batchId: string): Promise<BulkRowRecord[]>;
  /** preview → sending; false when it was not in preview (a second click, another organisation). */
  confirmBulkBatch(organisationId: string, batchId: string, at: Date): Promise<boolean>;
  /** Batches being sent; across organisations on purpose (one worker serves all), each names its organisation. */
  listSendingBulkBatches(limit: number): Promise<{ id: string; organisationId: string }[]>;
  /**
   * The request id of a `ready` row: the one reserved before, or `requestId` when none was
   * (written now). Null when the row is not ready (already done) or not of that organisation.
   */
  reserveBulkRowRequest(organisationId: string, batchId: string, rowNo: number, requestId: string): Promise<string | null>;
  /**
   * ready → created or failed (with the problems), and with `data` the row's person data replaced
   * in the same write (the use case drops what is no longer needed); a row no longer ready is left as it is.
   */
  finishBulkRow(organisationId: string, batchId: string, rowNo: number, outcome: ({ state: 'created' } | { state: 'failed'; problems: FieldError[] }) & { data?: BulkRowData }): Promise<void>;
  /** Replaces a row's person data (whatever its state). */
  replaceBulkRowData(organisationId: string, batchId: string, rowNo: number, data: BulkRowData): Promise<void>;
  /** Deletes at most `limit` batches (with their rows) in `state` made before `createdBefore`; returns how many. Across organisations (the worker's sweep). */
  deleteBulkBatches(input: { state: BulkBatchState; createdBefore: Date; limit: number }): Promise<number>;
  /** sending → done. */
  finishBulkBatch(organisationId: string, batchId: string, at: Date): Promise<void>;
}
