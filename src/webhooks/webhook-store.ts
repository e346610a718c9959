import type { Page, StoredEvent } from '../storage/store';

/**
 * The storage port of webhooks (issue 13). The adapters implement it; the rules (which events go
 * where, backoff, when an endpoint is disabled, SSRF) stay in src/webhooks. Secrets and payloads
 * arrive here in plain text and the adapter encrypts them with its field cipher.
 */

export interface WebhookEndpointRecord {
  /** `whe_…`. */
  id: string;
  organisationId: string;
  url: string;
  /** The organisation's own label; null when none. */
  description: string | null;
  /** Webhook event types (webhooks/event-types.ts), or `["*"]` for all. */
  events: string[];
  /** `whsec_` + base64 of the signing key; encrypted at rest. */
  secret: string;
  /** After a rotation: the secret before it, still used to sign until `previousSecretExpiresAt`; null otherwise. */
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** When the endpoint was disabled (after 3 days of failures, see deliver-webhooks.ts); null while enabled. */
  disabledAt: Date | null;
  /** A short text without personal data; null while enabled. */
  disabledReason: string | null;
  /** The first failed attempt since the last successful one; null when the last attempt succeeded or none failed yet. */
  failingSince: Date | null;
}

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** One event for one endpoint: sent until it succeeds or its retries run out; its id is the `webhook-id` of every attempt. */
export interface WebhookDeliveryRecord {
  /** `whd_…`; the Standard Webhooks `webhook-id`, the same on every attempt. */
  id: string;
  endpointId: string;
  organisationId: string;
  /** The audit event it was made from (`evt_…`). */
  eventId: string;
  eventType: string;
  /** The exact JSON body sent, fixed when queued (the same bytes on every attempt); may hold personal data, encrypted at rest. */
  payload: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** When the next attempt is due; null once succeeded or failed. */
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  /** The receiver's HTTP status of the last attempt; null when it did not answer (or no attempt yet). */
  lastStatusCode: number | null;
  /** Why the last attempt failed, in our words (never the receiver's body); null after a success. */
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A delivery claimed by a worker, with what sending needs: where, and the secrets to sign with. */
export interface ClaimedWebhookDelivery {
  delivery: WebhookDeliveryRecord;
  endpoint: Pick<WebhookEndpointRecord, 'id' | 'organisationId' | 'url' | 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>;
}

/** An audit event after the dispatch cursor, with its position in the log. */
export interface SequencedEvent {
  seq: number;
  event: StoredEvent;
}

/** The result of one attempt, as the use case decided it. */
export interface WebhookAttemptResult {
  organisationId: string;
  deliveryId: string;
  at: Date;
  /** 'pending': failed, another attempt at `nextAttemptAt`; 'failed': given up; 'succeeded'. */
  status: WebhookDeliveryStatus;
  statusCode: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
}

export interface WebhookStore {
  /**
   * Stores a new endpoint when the organisation has fewer than `maxPerOrganisation` endpoints
   * (counted in the same transaction); false, and nothing stored, otherwise.
   */
  createWebhookEndpoint(endpoint: WebhookEndpointRecord, maxPerOrganisation: number): Promise<boolean>;
  /** One organisation's endpoints, oldest first. */
  listWebhookEndpoints(organisationId: string): Promise<WebhookEndpointRecord[]>;
  /** Null for an unknown id or another organisation's endpoint. */
  getWebhookEndpoint(organisationId: string, id: string): Promise<WebhookEndpointRecord | null>;
  /** Deletes the endpoint and its deliveries; false when there was no such endpoint in that organisation. */
  deleteWebhookEndpoint(organisationId: string, id: string): Promise<boolean>;
  /** Sets a new secret; the current one becomes `previousSecret` until `previousExpiresAt`. False when there is no such endpoint. */
  rotateWebhookSecret(input: { organisationId: string; id: string; secret: string; previousExpiresAt: Date; at: Date }): Promise<boolean>;
  /**
   * Disables an enabled endpoint and gives up its pending deliveries (status 'failed', `reason` as
   * their last error); false when it is already disabled or not there.
   */
  disableWebhookEndpoint(input: { organisationId: string; id: string; at: Date; reason: string }): Promise<boolean>;
  /** Enables a disabled endpoint and clears its failing streak; false when it was not disabled or not there. */
  enableWebhookEndpoint(organisationId: string, id: string, at: Date): Promise<boolean>;

  /** The dispatch cursor: the `seq` of the last audit event turned into deliveries (starts at the newest event when migration 020 ran). */
  webhookDispatchCursor(): Promise<number>;
  /**
   * Audit events after `afterSeq`, oldest first, across organisations on purpose (one dispatcher
   * serves all; each event names its organisation). Only organisations with an enabled endpoint
   * matter to the caller, but the adapter returns every event, so the cursor can pass the others.
   */
  listEventsAfter(afterSeq: number, limit: number): Promise<SequencedEvent[]>;
  /** The enabled endpoints of these organisations (one read for a batch of events). */
  listEnabledWebhookEndpoints(organisationIds: readonly string[]): Promise<WebhookEndpointRecord[]>;
  /**
   * In ONE transaction: inserts the deliveries (a delivery for an (endpoint, event) pair that
   * exists already is skipped, so a second dispatcher or a re-run is harmless) and moves the
   * cursor to `toSeq`, only when it is still `fromSeq`; false, and nothing written, when another
   * dispatcher moved it first.
   */
  enqueueWebhookDeliveries(input: { fromSeq: number; toSeq: number; deliveries: WebhookDeliveryRecord[] }): Promise<boolean>;
  /**
   * Due pending deliveries of enabled endpoints, leased to this worker until `leaseUntil`;
   * across organisations on purpose (one worker serves all): each delivery names its organisation.
   * `attempts` is counted at claim, so a crash mid-send still counts the attempt.
   */
  claimWebhookDeliveries(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedWebhookDelivery[]>;
  /**
   * Records an attempt's result and the endpoint's failing streak (`failingSince` set at the first
   * failure, cleared by a success), together. Returns the endpoint's `failingSince` after it
   * (null when it no longer fails, or the delivery is gone).
   */
  recordWebhookAttempt(result: WebhookAttemptResult): Promise<{ failingSince: Date | null }>;
  /** One organisation's deliveries to one endpoint, newest first, keyset-paged (the cursor is opaque). */
  listWebhookDeliveries(organisationId: string, endpointId: string, limit: number, cursor: string | null): Promise<Page<WebhookDeliveryRecord>>;
  getWebhookDelivery(organisationId: string, endpointId: string, deliveryId: string): Promise<WebhookDeliveryRecord | null>;
  /**
   * Makes a delivery due at `at` again (status 'pending', lease cleared), whatever its status;
   * false when there is no such delivery or its endpoint is disabled.
   */
  retryWebhookDelivery(input: { organisationId: string; endpointId: string; deliveryId: string; at: Date }): Promise<boolean>;
  /** Deletes succeeded and failed deliveries last changed before `before` (retention); returns how many. */
  pruneWebhookDeliveries(before: Date): Promise<number>;
}
