import type Database from 'better-sqlite3';

import type { BulkBatchRecord, BulkBatchState, BulkBatchStore, BulkRowData, BulkRowRecord } from '../../dashboard/bulk-store';
import type { FieldError } from '../../errors';
import type { FieldCipher } from '../../privacy/field-cipher';
import { dateOrNull, type Row } from './sql-values';

/** Encryption contexts: a ciphertext only opens in the column it was written to. */
export const BULK_CONTEXTS = {
  activity: 'bulk_batches.activity',
  row: 'bulk_batch_rows.data',
} as const;

/** The encrypted columns of migration 015, for the key check at start-up (see SEALED_COLUMNS). */
export const BULK_SEALED_COLUMNS: readonly { context: string; page: string; one: string }[] = [
  { context: BULK_CONTEXTS.activity, page: 'SELECT rowid AS r, substr(activity_enc, 1, 64) AS head FROM bulk_batches WHERE rowid > ? ORDER BY rowid LIMIT 500', one: 'SELECT activity_enc FROM bulk_batches WHERE rowid = ?' },
  { context: BULK_CONTEXTS.row, page: 'SELECT rowid AS r, substr(data_enc, 1, 64) AS head FROM bulk_batch_rows WHERE rowid > ? ORDER BY rowid LIMIT 500', one: 'SELECT data_enc FROM bulk_batch_rows WHERE rowid = ?' },
];

/** The SQLite side of "many at once" (migration 015); SqliteStore hands its calls here. */
export class SqliteBulkBatches implements BulkBatchStore {
  constructor(
    private readonly db: Database.Database,
    private readonly cipher: FieldCipher,
  ) {}

  private toBatch(row: Row): BulkBatchRecord {
    return {
      id: String(row.id),
      organisationId: String(row.organisation_id),
      formId: String(row.form_id),
      activity: this.cipher.decrypt(String(row.activity_enc), BULK_CONTEXTS.activity),
      createdBy: String(row.created_by),
      createdAt: new Date(String(row.created_at)),
      state: row.state as BulkBatchRecord['state'],
      confirmedAt: dateOrNull(row.confirmed_at),
      finishedAt: dateOrNull(row.finished_at),
    };
  }

  private toRow(row: Row): BulkRowRecord {
    const data = JSON.parse(this.cipher.decrypt(String(row.data_enc), BULK_CONTEXTS.row)) as Pick<BulkRowRecord, 'input' | 'plan' | 'request'>;
    return {
      batchId: String(row.batch_id),
      organisationId: String(row.organisation_id),
      rowNo: Number(row.row_no),
      line: Number(row.line),
      input: data.input,
      plan: data.plan,
      request: data.request,
      problems: JSON.parse(String(row.problems)) as FieldError[],
      state: row.state as BulkRowRecord['state'],
      requestId: row.request_id === null ? null : String(row.request_id),
    };
  }

  async createBulkBatch(batch: BulkBatchRecord, rows: BulkRowRecord[]): Promise<void> {
    const insertRow = this.db.prepare('INSERT INTO bulk_batch_rows (batch_id, row_no, organisation_id, line, data_enc, problems, state, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO bulk_batches (id, organisation_id, form_id, activity_enc, created_by, created_at, state, confirmed_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(batch.id, batch.organisationId, batch.formId, this.cipher.encrypt(batch.activity, BULK_CONTEXTS.activity), batch.createdBy, batch.createdAt.toISOString(), batch.state, batch.confirmedAt?.toISOString() ?? null, batch.finishedAt?.toISOString() ?? null);
      for (const r of rows) {
        if (r.batchId !== batch.id || r.organisationId !== batch.organisationId) throw new Error('a batch row names another batch or organisation');
        insertRow.run(r.batchId, r.rowNo, r.organisationId, r.line, this.sealRow(r), JSON.stringify(r.problems), r.state, r.requestId);
      }
    })();
  }

  async getBulkBatch(organisationId: string, batchId: string): Promise<BulkBatchRecord | null> {
    const row = this.db.prepare('SELECT * FROM bulk_batches WHERE organisation_id = ? AND id = ?').get(organisationId, batchId) as Row | undefined;
    return row ? this.toBatch(row) : null;
  }

  async listBulkBatches(organisationId: string, limit: number): Promise<BulkBatchRecord[]> {
    const rows = this.db.prepare('SELECT * FROM bulk_batches WHERE organisation_id = ? ORDER BY created_at DESC, id DESC LIMIT ?').all(organisationId, limit) as Row[];
    return rows.map((r) => this.toBatch(r));
  }

  async listBulkRows(organisationId: string, batchId: string): Promise<BulkRowRecord[]> {
    const rows = this.db.prepare('SELECT * FROM bulk_batch_rows WHERE organisation_id = ? AND batch_id = ? ORDER BY row_no').all(organisationId, batchId) as Row[];
    return rows.map((r) => this.toRow(r));
  }

  async confirmBulkBatch(organisationId: string, batchId: string, at: Date): Promise<boolean> {
    const result = this.db.prepare("UPDATE bulk_batches SET state = 'sending', confirmed_at = ? WHERE organisation_id = ? AND id = ? AND state = 'preview'").run(at.toISOString(), organisationId, batchId);
    return result.changes === 1;
  }

  async listSendingBulkBatches(limit: number): Promise<{ id: string; organisationId: string }[]> {
    const rows = this.db.prepare("SELECT id, organisation_id FROM bulk_batches WHERE state = 'sending' ORDER BY confirmed_at, id LIMIT ?").all(limit) as Row[];
    return rows.map((r) => ({ id: String(r.id), organisationId: String(r.organisation_id) }));
  }

  async reserveBulkRowRequest(organisationId: string, batchId: string, rowNo: number, requestId: string): Promise<string | null> {
    return this.db.transaction(() => {
      this.db.prepare("UPDATE bulk_batch_rows SET request_id = ? WHERE organisation_id = ? AND batch_id = ? AND row_no = ? AND state = 'ready' AND request_id IS NULL").run(requestId, organisationId, batchId, rowNo);
      const row = this.db.prepare("SELECT request_id FROM bulk_batch_rows WHERE organisation_id = ? AND batch_id = ? AND row_no = ? AND state = 'ready'").get(organisationId, batchId, rowNo) as Row | undefined;
      return row ? String(row.request_id) : null;
    }).immediate();
  }

  private sealRow(data: BulkRowData): string {
    return this.cipher.encrypt(JSON.stringify({ input: data.input, plan: data.plan, request: data.request }), BULK_CONTEXTS.row);
  }

  async finishBulkRow(organisationId: string, batchId: string, rowNo: number, outcome: ({ state: 'created' } | { state: 'failed'; problems: FieldError[] }) & { data?: BulkRowData }): Promise<void> {
    const problems = outcome.state === 'failed' ? JSON.stringify(outcome.problems) : '[]';
    const sealed = outcome.data ? this.sealRow(outcome.data) : null;
    this.db
      .prepare("UPDATE bulk_batch_rows SET state = ?, problems = ?, data_enc = coalesce(?, data_enc) WHERE organisation_id = ? AND batch_id = ? AND row_no = ? AND state = 'ready'")
      .run(outcome.state, problems, sealed, organisationId, batchId, rowNo);
  }

  async replaceBulkRowData(organisationId: string, batchId: string, rowNo: number, data: BulkRowData): Promise<void> {
    this.db.prepare('UPDATE bulk_batch_rows SET data_enc = ? WHERE organisation_id = ? AND batch_id = ? AND row_no = ?').run(this.sealRow(data), organisationId, batchId, rowNo);
  }

  async deleteBulkBatches(input: { state: BulkBatchState; createdBefore: Date; limit: number }): Promise<number> {
    return this.db.transaction(() => {
      const ids = this.db.prepare('SELECT id FROM bulk_batches WHERE state = ? AND created_at < ? ORDER BY created_at LIMIT ?').pluck().all(input.state, input.createdBefore.toISOString(), input.limit) as string[];
      const rows = this.db.prepare('DELETE FROM bulk_batch_rows WHERE batch_id = ?');
      const batch = this.db.prepare('DELETE FROM bulk_batches WHERE id = ?');
      for (const id of ids) {
        rows.run(id);
        batch.run(id);
      }
      return ids.length;
    })();
  }

  async finishBulkBatch(organisationId: string, batchId: string, at: Date): Promise<void> {
    this.db.prepare("UPDATE bulk_batches SET state = 'done', finished_at = ? WHERE organisation_id = ? AND id = ? AND state = 'sending'").run(at.toISOString(), organisationId, batchId);
  }
}
