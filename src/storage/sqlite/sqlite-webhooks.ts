import type {
  ClaimedWebhookDelivery, SequencedEvent, WebhookAttemptResult, WebhookDeliveryRecord, WebhookDeliveryStatus, WebhookEndpointEventRecord, WebhookEndpointEventType, WebhookEndpointRecord, WebhookStore,
} from '../../webhooks/webhook-store';
import type { Page } from '../store';
import { SqliteStorePart } from './statement-cache';
import { dateOrNull, iso, isoOrNull, type Row } from './sql-values';

/** Encryption contexts: a ciphertext only opens in the column it was written to. */
export const WEBHOOK_CONTEXTS = {
  secret: 'webhook_endpoints.secret',
  previousSecret: 'webhook_endpoints.previous_secret',
  payload: 'webhook_deliveries.payload',
} as const;

/** The encrypted columns of migration 020, for the key check at start-up (see SEALED_COLUMNS). */
export const WEBHOOK_SEALED_COLUMNS: readonly { context: string; page: string; one: string }[] = [
  { context: WEBHOOK_CONTEXTS.secret, page: 'SELECT rowid AS r, substr(secret_enc, 1, 64) AS head FROM webhook_endpoints WHERE rowid > ? ORDER BY rowid LIMIT 500', one: 'SELECT secret_enc FROM webhook_endpoints WHERE rowid = ?' },
  { context: WEBHOOK_CONTEXTS.previousSecret, page: 'SELECT rowid AS r, substr(previous_secret_enc, 1, 64) AS head FROM webhook_endpoints WHERE rowid > ? AND previous_secret_enc IS NOT NULL ORDER BY rowid LIMIT 500', one: 'SELECT previous_secret_enc FROM webhook_endpoints WHERE rowid = ?' },
  { context: WEBHOOK_CONTEXTS.payload, page: 'SELECT rowid AS r, substr(payload_enc, 1, 64) AS head FROM webhook_deliveries WHERE rowid > ? ORDER BY rowid LIMIT 500', one: 'SELECT payload_enc FROM webhook_deliveries WHERE rowid = ?' },
];

/** The SQLite side of webhooks (migration 020); SqliteStore hands its calls here. */
export class SqliteWebhooks extends SqliteStorePart implements WebhookStore {
  private toEndpoint(r: Row): WebhookEndpointRecord {
    return {
      id: String(r.id),
      organisationId: String(r.organisation_id),
      url: String(r.url),
      description: (r.description as string | null) ?? null,
      events: JSON.parse(String(r.events)) as string[],
      secret: this.cipher.decrypt(String(r.secret_enc), WEBHOOK_CONTEXTS.secret),
      previousSecret: this.cipher.decryptOptional(r.previous_secret_enc as string | null, WEBHOOK_CONTEXTS.previousSecret),
      previousSecretExpiresAt: dateOrNull(r.previous_secret_expires_at),
      createdAt: new Date(String(r.created_at)),
      updatedAt: new Date(String(r.updated_at)),
      disabledAt: dateOrNull(r.disabled_at),
      disabledReason: (r.disabled_reason as string | null) ?? null,
      failingSince: dateOrNull(r.failing_since),
    };
  }

  private toDelivery(r: Row): WebhookDeliveryRecord {
    return {
      id: String(r.id),
      endpointId: String(r.endpoint_id),
      organisationId: String(r.organisation_id),
      eventId: String(r.event_id),
      eventType: String(r.event_type),
      payload: this.cipher.decrypt(String(r.payload_enc), WEBHOOK_CONTEXTS.payload),
      status: r.status as WebhookDeliveryStatus,
      attempts: Number(r.attempts),
      nextAttemptAt: dateOrNull(r.next_attempt_at),
      lastAttemptAt: dateOrNull(r.last_attempt_at),
      lastStatusCode: r.last_status_code === null || r.last_status_code === undefined ? null : Number(r.last_status_code),
      lastError: (r.last_error as string | null) ?? null,
      createdAt: new Date(String(r.created_at)),
      updatedAt: new Date(String(r.updated_at)),
    };
  }

  /** Migration 021: one history row, inside the caller's transaction. */
  private insertEndpointEvent(event: WebhookEndpointEventRecord | undefined): void {
    if (!event) return;
    this.sql('INSERT INTO webhook_endpoint_events (id, organisation_id, endpoint_id, type, at, actor, detail) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(event.id, event.organisationId, event.endpointId, event.type, iso(event.at), event.actor, JSON.stringify(event.detail));
  }

  async listWebhookEndpointEvents(organisationId: string, endpointId: string, limit: number, cursor: string | null): Promise<Page<WebhookEndpointEventRecord>> {
    const rows = (cursor === null
      ? this.sql('SELECT * FROM webhook_endpoint_events WHERE organisation_id = ? AND endpoint_id = ? ORDER BY seq DESC LIMIT ?').all(organisationId, endpointId, limit + 1)
      : this.sql('SELECT * FROM webhook_endpoint_events WHERE organisation_id = ? AND endpoint_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?').all(organisationId, endpointId, Number(cursor), limit + 1)) as Row[];
    const items = rows.slice(0, limit).map((r) => ({
      id: String(r.id), organisationId: String(r.organisation_id), endpointId: String(r.endpoint_id), type: String(r.type) as WebhookEndpointEventType,
      at: new Date(String(r.at)), actor: String(r.actor), detail: JSON.parse(String(r.detail)) as Record<string, unknown>,
    }));
    // The cursor: the last row's place in the order of changes.
    return { items, nextCursor: rows.length > limit ? String(rows[limit - 1]!.seq) : null };
  }

  async createWebhookEndpoint(e: WebhookEndpointRecord, maxPerOrganisation: number, event?: WebhookEndpointEventRecord): Promise<boolean> {
    return this.db.transaction(() => {
      const count = this.sql('SELECT COUNT(*) FROM webhook_endpoints WHERE organisation_id = ?').pluck().get(e.organisationId) as number;
      if (count >= maxPerOrganisation) return false;
      this.sql(
        `INSERT INTO webhook_endpoints (id, organisation_id, url, description, events, secret_enc, previous_secret_enc, previous_secret_expires_at, created_at, updated_at, disabled_at, disabled_reason, failing_since)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        e.id, e.organisationId, e.url, e.description, JSON.stringify(e.events), this.cipher.encrypt(e.secret, WEBHOOK_CONTEXTS.secret),
        this.cipher.encryptOptional(e.previousSecret, WEBHOOK_CONTEXTS.previousSecret), isoOrNull(e.previousSecretExpiresAt),
        iso(e.createdAt), iso(e.updatedAt), isoOrNull(e.disabledAt), e.disabledReason, isoOrNull(e.failingSince),
      );
      this.insertEndpointEvent(event);
      return true;
    }).immediate();
  }

  async listWebhookEndpoints(organisationId: string): Promise<WebhookEndpointRecord[]> {
    return (this.sql('SELECT * FROM webhook_endpoints WHERE organisation_id = ? ORDER BY created_at, id').all(organisationId) as Row[]).map((r) => this.toEndpoint(r));
  }

  async getWebhookEndpoint(organisationId: string, id: string): Promise<WebhookEndpointRecord | null> {
    const row = this.sql('SELECT * FROM webhook_endpoints WHERE organisation_id = ? AND id = ?').get(organisationId, id) as Row | undefined;
    return row ? this.toEndpoint(row) : null;
  }

  async deleteWebhookEndpoint(organisationId: string, id: string, event?: WebhookEndpointEventRecord): Promise<boolean> {
    return this.db.transaction(() => {
      this.sql('DELETE FROM webhook_deliveries WHERE organisation_id = ? AND endpoint_id = ?').run(organisationId, id);
      const deleted = this.sql('DELETE FROM webhook_endpoints WHERE organisation_id = ? AND id = ?').run(organisationId, id).changes === 1;
      if (deleted) this.insertEndpointEvent(event);
      return deleted;
    }).immediate();
  }

  async rotateWebhookSecret(input: { organisationId: string; id: string; secret: string; previousExpiresAt: Date; at: Date; event?: WebhookEndpointEventRecord }): Promise<boolean> {
    return this.db.transaction(() => {
      const current = this.sql('SELECT secret_enc FROM webhook_endpoints WHERE organisation_id = ? AND id = ?').pluck().get(input.organisationId, input.id) as string | undefined;
      if (current === undefined) return false;
      const previous = this.cipher.decrypt(current, WEBHOOK_CONTEXTS.secret);
      this.sql('UPDATE webhook_endpoints SET secret_enc = ?, previous_secret_enc = ?, previous_secret_expires_at = ?, updated_at = ? WHERE organisation_id = ? AND id = ?').run(
        this.cipher.encrypt(input.secret, WEBHOOK_CONTEXTS.secret), this.cipher.encrypt(previous, WEBHOOK_CONTEXTS.previousSecret), iso(input.previousExpiresAt), iso(input.at), input.organisationId, input.id,
      );
      this.insertEndpointEvent(input.event);
      return true;
    }).immediate();
  }

  async disableWebhookEndpoint(input: { organisationId: string; id: string; at: Date; reason: string; event?: WebhookEndpointEventRecord; deliveries?: WebhookDeliveryRecord[] }): Promise<boolean> {
    return this.db.transaction(() => {
      const changed = this.sql('UPDATE webhook_endpoints SET disabled_at = ?, disabled_reason = ?, updated_at = ? WHERE organisation_id = ? AND id = ? AND disabled_at IS NULL')
        .run(iso(input.at), input.reason, iso(input.at), input.organisationId, input.id).changes === 1;
      if (changed) {
        this.sql("UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, lease_until = NULL, last_error = ?, updated_at = ? WHERE organisation_id = ? AND endpoint_id = ? AND status = 'pending'")
          .run(`endpoint disabled (${input.reason})`, iso(input.at), input.organisationId, input.id);
        this.insertEndpointEvent(input.event);
        // The notices to the other endpoints: only to ones still enabled (the same rule as dispatch).
        const insert = this.insertDelivery(true);
        for (const d of input.deliveries ?? []) this.runInsertDelivery(insert, d);
      }
      return changed;
    }).immediate();
  }

  async enableWebhookEndpoint(organisationId: string, id: string, at: Date, event?: WebhookEndpointEventRecord): Promise<boolean> {
    return this.db.transaction(() => {
      const changed = this.sql('UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL, failing_since = NULL, updated_at = ? WHERE organisation_id = ? AND id = ? AND disabled_at IS NOT NULL')
        .run(iso(at), organisationId, id).changes === 1;
      if (changed) this.insertEndpointEvent(event);
      return changed;
    }).immediate();
  }

  async webhookDispatchCursor(): Promise<number> {
    return Number(this.sql('SELECT last_seq FROM webhook_dispatch WHERE id = 1').pluck().get() ?? 0);
  }

  async listEventsAfter(afterSeq: number, limit: number): Promise<SequencedEvent[]> {
    const rows = this.sql('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as Row[];
    return rows.map((r) => ({
      seq: Number(r.seq),
      event: {
        id: String(r.id), requestId: String(r.request_id), organisationId: String(r.organisation_id), type: String(r.type), at: new Date(String(r.at)),
        actor: String(r.actor), detail: JSON.parse(String(r.detail)) as Record<string, unknown>, prevHash: String(r.prev_hash), hash: String(r.hash),
      },
    }));
  }

  async listEnabledWebhookEndpoints(organisationIds: readonly string[]): Promise<WebhookEndpointRecord[]> {
    const one = this.sql('SELECT * FROM webhook_endpoints WHERE organisation_id = ? AND disabled_at IS NULL ORDER BY created_at, id');
    return organisationIds.flatMap((o) => (one.all(o) as Row[]).map((r) => this.toEndpoint(r)));
  }

  /** A delivery for an endpoint of its organisation (`enabledOnly`: and still enabled); an existing (endpoint, event) pair is skipped. */
  private insertDelivery(enabledOnly: boolean) {
    return this.sql(
      `INSERT OR IGNORE INTO webhook_deliveries (id, endpoint_id, organisation_id, event_id, event_type, payload_enc, status, attempts, next_attempt_at, lease_until, last_attempt_at, last_status_code, last_error, created_at, updated_at)
       SELECT ?, id, organisation_id, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?, ? FROM webhook_endpoints WHERE id = ? AND organisation_id = ?${enabledOnly ? ' AND disabled_at IS NULL' : ''}`,
    );
  }

  private runInsertDelivery(insert: ReturnType<SqliteWebhooks['insertDelivery']>, d: WebhookDeliveryRecord): void {
    insert.run(d.id, d.eventId, d.eventType, this.cipher.encrypt(d.payload, WEBHOOK_CONTEXTS.payload), d.status, d.attempts, isoOrNull(d.nextAttemptAt), iso(d.createdAt), iso(d.updatedAt), d.endpointId, d.organisationId);
  }

  async enqueueWebhookDeliveries(input: { fromSeq: number; toSeq: number; deliveries: WebhookDeliveryRecord[] }): Promise<boolean> {
    const insert = this.insertDelivery(false);
    return this.db.transaction(() => {
      if (this.sql('UPDATE webhook_dispatch SET last_seq = ? WHERE id = 1 AND last_seq = ?').run(input.toSeq, input.fromSeq).changes !== 1) return false;
      for (const d of input.deliveries) this.runInsertDelivery(insert, d);
      return true;
    }).immediate();
  }

  /**
   * Due deliveries in claim order (next attempt, id), at most `cap` per endpoint counting the ones
   * leased now (in flight at any worker). Reads the due index in pages and skips endpoints at their
   * cap, so a slow endpoint's backlog does not hide the others' deliveries.
   */
  private dueDeliveries(now: string, limit: number, cap: number): Row[] {
    const taken = new Map<string, number>();
    for (const r of this.sql("SELECT endpoint_id, COUNT(*) AS n FROM webhook_deliveries WHERE status = 'pending' AND lease_until > ? GROUP BY endpoint_id").all(now) as Row[]) {
      taken.set(String(r.endpoint_id), Number(r.n));
    }
    const page = this.sql(
      `SELECT d.* FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until <= ?) AND e.disabled_at IS NULL
         AND d.endpoint_id NOT IN (SELECT value FROM json_each(?))
         AND (d.next_attempt_at, d.id) > (?, ?)
       ORDER BY d.next_attempt_at, d.id LIMIT ?`,
    );
    const chosen: Row[] = [];
    let after: [string, string] = ['', ''];
    for (let round = 0; round < 16 && chosen.length < limit; round++) {
      const full = [...taken].filter(([, n]) => n >= cap).map(([id]) => id);
      const want = limit - chosen.length;
      const rows = page.all(now, now, JSON.stringify(full), after[0], after[1], want) as Row[];
      for (const r of rows) {
        const endpointId = String(r.endpoint_id);
        const n = taken.get(endpointId) ?? 0;
        if (n >= cap) continue;
        taken.set(endpointId, n + 1);
        chosen.push(r);
      }
      if (rows.length < want) break;
      const last = rows[rows.length - 1]!;
      after = [String(last.next_attempt_at), String(last.id)];
    }
    return chosen;
  }

  async claimWebhookDeliveries(now: Date, leaseUntil: Date, limit: number, maxPerEndpoint?: number): Promise<ClaimedWebhookDelivery[]> {
    return this.db.transaction(() => {
      const rows = this.dueDeliveries(iso(now), limit, maxPerEndpoint ?? Number.MAX_SAFE_INTEGER);
      const lease = this.sql('UPDATE webhook_deliveries SET lease_until = ?, attempts = attempts + 1 WHERE id = ?');
      const endpointOf = this.sql('SELECT * FROM webhook_endpoints WHERE id = ?');
      const endpoints = new Map<string, WebhookEndpointRecord>();
      return rows.map((r) => {
        lease.run(iso(leaseUntil), r.id);
        const endpointId = String(r.endpoint_id);
        let endpoint = endpoints.get(endpointId);
        if (!endpoint) endpoints.set(endpointId, (endpoint = this.toEndpoint(endpointOf.get(endpointId) as Row)));
        const { id, organisationId, url, secret, previousSecret, previousSecretExpiresAt } = endpoint;
        return { delivery: { ...this.toDelivery(r), attempts: Number(r.attempts) + 1 }, endpoint: { id, organisationId, url, secret, previousSecret, previousSecretExpiresAt } };
      });
    }).immediate();
  }

  async recordWebhookAttempt(result: WebhookAttemptResult): Promise<{ failingSince: Date | null }> {
    return this.db.transaction(() => {
      const endpointId = this.sql('SELECT endpoint_id FROM webhook_deliveries WHERE organisation_id = ? AND id = ?').pluck().get(result.organisationId, result.deliveryId) as string | undefined;
      if (endpointId === undefined) return { failingSince: null };
      this.sql('UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, lease_until = NULL, last_attempt_at = ?, last_status_code = ?, last_error = ?, updated_at = ? WHERE id = ?')
        .run(result.status, isoOrNull(result.nextAttemptAt), iso(result.at), result.statusCode, result.error, iso(result.at), result.deliveryId);
      if (result.status === 'succeeded') this.sql('UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ?').run(endpointId);
      else this.sql('UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ?) WHERE id = ?').run(iso(result.at), endpointId);
      return { failingSince: dateOrNull(this.sql('SELECT failing_since FROM webhook_endpoints WHERE id = ?').pluck().get(endpointId)) };
    }).immediate();
  }

  async listWebhookDeliveries(organisationId: string, endpointId: string, limit: number, cursor: string | null): Promise<Page<WebhookDeliveryRecord>> {
    const rows = (cursor === null
      ? this.sql('SELECT * FROM webhook_deliveries WHERE organisation_id = ? AND endpoint_id = ? ORDER BY id DESC LIMIT ?').all(organisationId, endpointId, limit + 1)
      : this.sql('SELECT * FROM webhook_deliveries WHERE organisation_id = ? AND endpoint_id = ? AND id < ? ORDER BY id DESC LIMIT ?').all(organisationId, endpointId, cursor, limit + 1)) as Row[];
    const items = rows.slice(0, limit).map((r) => this.toDelivery(r));
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
  }

  async getWebhookDelivery(organisationId: string, endpointId: string, deliveryId: string): Promise<WebhookDeliveryRecord | null> {
    const row = this.sql('SELECT * FROM webhook_deliveries WHERE organisation_id = ? AND endpoint_id = ? AND id = ?').get(organisationId, endpointId, deliveryId) as Row | undefined;
    return row ? this.toDelivery(row) : null;
  }

  async retryWebhookDelivery(input: { organisationId: string; endpointId: string; deliveryId: string; at: Date }): Promise<boolean> {
    return this.sql(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, lease_until = NULL, updated_at = ?
       WHERE organisation_id = ? AND endpoint_id = ? AND id = ? AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = endpoint_id AND e.disabled_at IS NULL)`,
    ).run(iso(input.at), iso(input.at), input.organisationId, input.endpointId, input.deliveryId).changes === 1;
  }

  async pruneWebhookDeliveries(before: Date): Promise<number> {
    return this.sql("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < ?").run(iso(before)).changes;
  }
}
