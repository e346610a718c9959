import type { Logger } from 'pino';

import { presentConsentRequest } from '../consent/present-consent-request';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { Store } from '../storage/store';
import { subscribes, webhookTypeOf, type WebhookEventType } from './event-types';
import { webhookHeaders } from './signing';
import { checkWebhookTarget, UrlRefused, type HostResolver } from './url-guard';
import { DISABLED_FAILING, endpointEvent, signingSecrets, type WebhookSettings } from './webhook-endpoints';
import { postWebhook, type PostOptions, type PostOutcome, type WebhookConnections } from './webhook-sender';
import type { ClaimedWebhookDelivery, WebhookDeliveryRecord, WebhookDeliveryStatus, WebhookEndpointRecord } from './webhook-store';

/**
 * The webhook job (house style 7): its retries and backoff beside its handler. An attempt that
 * fails is tried again after 1 min, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h: 8 attempts over
 * 27 h 36 min, then the delivery fails. An endpoint whose attempts have all failed for 3 days
 * (its first failure since the last success is 3 days old) is disabled.
 */
export const webhookDeliveryJob = {
  id: 'webhook-delivery',
  backoffMs: [60_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const,
  maxAttempts: 8,
  disableAfterMs: 3 * 24 * 3_600_000,
  /** Audit events turned into deliveries per worker pass. */
  dispatchBatch: 500,
  /** Deliveries that ended (succeeded or failed) are kept this long for `GET …/deliveries`, then pruned. */
  keepMs: 30 * 24 * 3_600_000,
} as const;

export interface WebhookWorkerDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  webhooks: WebhookSettings;
  resolveHost?: HostResolver;
}

/**
 * The dispatcher: audit events after the stored cursor become one delivery per enabled endpoint
 * that subscribed to their type, and the cursor moves past them, in one store transaction. A crash
 * before it loses nothing (the events are read again); a second dispatcher that raced this one
 * writes nothing (the cursor moved). The body is fixed here: the request as the API shows it now,
 * right after the event (normally within one worker pass). Returns how many events it passed.
 */
export async function dispatchWebhookEvents(deps: Pick<WebhookWorkerDeps, 'store' | 'clock'>, limit: number = webhookDeliveryJob.dispatchBatch): Promise<number> {
  const { store } = deps;
  const fromSeq = await store.webhookDispatchCursor();
  const events = await store.listEventsAfter(fromSeq, limit);
  if (events.length === 0) return 0;
  const typed = events.flatMap((e) => {
    const type = webhookTypeOf(e.event.type);
    return type ? [{ ...e, type }] : [];
  });
  const organisations = [...new Set(typed.map((e) => e.event.organisationId))];
  const endpoints = organisations.length > 0 ? await store.listEnabledWebhookEndpoints(organisations) : [];
  const now = deps.clock.now();
  const deliveries: WebhookDeliveryRecord[] = [];
  // The request as the API shows it, read once per request in this batch (e.g. `sent` and `delivered` of one request).
  const shown = new Map<string, ReturnType<typeof presentConsentRequest> | null>();
  for (const { event, type } of typed) {
    const targets = endpoints.filter((e) => e.organisationId === event.organisationId && subscribes(e.events, type));
    if (targets.length === 0) continue;
    if (!shown.has(event.requestId)) shown.set(event.requestId, await presentedRequest(store, event.organisationId, event.requestId));
    const data = shown.get(event.requestId);
    if (!data) continue;
    const payload = JSON.stringify({ type, timestamp: event.at.toISOString(), data });
    for (const endpoint of targets) deliveries.push(pendingDelivery(endpoint, event.id, type, payload, now));
  }
  const toSeq = events[events.length - 1]!.seq;
  return (await store.enqueueWebhookDeliveries({ fromSeq, toSeq, deliveries })) ? events.length : 0;
}

/** The request as `GET /api/v1/consent-requests/{id}` shows it now (with its family's signers); null when it is gone. */
async function presentedRequest(store: Store, organisationId: string, requestId: string): Promise<ReturnType<typeof presentConsentRequest> | null> {
  const request = await store.getConsentRequest(organisationId, requestId);
  if (!request) return null;
  return presentConsentRequest(request, await store.listFamilySigners(organisationId, [request.primaryRequestId ?? request.id]));
}

/** A new delivery of one event to one endpoint, due at once. */
function pendingDelivery(endpoint: Pick<WebhookEndpointRecord, 'id' | 'organisationId'>, eventId: string, eventType: WebhookEventType, payload: string, at: Date): WebhookDeliveryRecord {
  return {
    id: newId('whd', at), endpointId: endpoint.id, organisationId: endpoint.organisationId, eventId, eventType, payload,
    status: 'pending', attempts: 0, nextAttemptAt: at, lastAttemptAt: null, lastStatusCode: null, lastError: null, createdAt: at, updatedAt: at,
  };
}

/** What an attempt may use: kept-alive connections per endpoint, and a signal that cuts it off when the worker stops. */
export interface AttemptIo {
  connections?: WebhookConnections;
  signal?: AbortSignal;
}

/** One attempt: check the address again, sign with the current secret (and the previous one during an overlap), post, record. */
export async function attemptDelivery(deps: WebhookWorkerDeps, { delivery, endpoint }: ClaimedWebhookDelivery, io: AttemptIo = {}): Promise<void> {
  const { store, clock, logger } = deps;
  const at = clock.now();
  const secrets = signingSecrets(endpoint, at);
  let outcome: PostOutcome;
  try {
    const target = await checkWebhookTarget(endpoint.url, { requireHttps: deps.webhooks.requireHttps, allowPrivateUrls: deps.webhooks.allowPrivateUrls }, deps.resolveHost);
    const post: PostOptions = { ...(io.connections ? { agent: io.connections.agentFor(endpoint.id, target) } : {}), ...(io.signal ? { signal: io.signal } : {}) };
    outcome = await postWebhook(target, webhookHeaders(secrets, delivery.id, at, delivery.payload), delivery.payload, deps.webhooks.timeoutMs, post);
  } catch (error) {
    outcome = { ok: false, statusCode: null, error: error instanceof UrlRefused ? `refused: ${error.message}` : 'could not be sent' };
    if (!(error instanceof UrlRefused)) logger.error({ err: error, deliveryId: delivery.id, endpointId: endpoint.id }, 'webhook attempt failed unexpectedly');
  }
  const done = clock.now();
  // `attempts` was counted at claim: it includes this one.
  const status: WebhookDeliveryStatus = outcome.ok ? 'succeeded' : delivery.attempts >= webhookDeliveryJob.maxAttempts && !outcome.aborted ? 'failed' : 'pending';
  const backoff = webhookDeliveryJob.backoffMs[Math.min(Math.max(delivery.attempts, 1), webhookDeliveryJob.backoffMs.length) - 1]!;
  // Cut off by the worker stopping (not the receiver's fault): due again at once, for the next worker.
  const { failingSince } = await store.recordWebhookAttempt({
    organisationId: endpoint.organisationId, deliveryId: delivery.id, at: done, status, statusCode: outcome.statusCode, error: outcome.ok ? null : outcome.error,
    nextAttemptAt: status === 'pending' ? new Date(done.getTime() + (outcome.aborted ? 0 : backoff)) : null,
  });
  const log = { deliveryId: delivery.id, endpointId: endpoint.id, organisationId: endpoint.organisationId, attempt: delivery.attempts, statusCode: outcome.statusCode };
  if (outcome.ok) logger.info(log, 'webhook delivered');
  else logger.warn({ ...log, error: outcome.error, status }, 'webhook attempt failed');
  if (failingSince && done.getTime() - failingSince.getTime() >= webhookDeliveryJob.disableAfterMs) {
    if (await disableFailingEndpoint(deps, endpoint, done, failingSince)) {
      logger.warn({ endpointId: endpoint.id, organisationId: endpoint.organisationId, failingSince }, 'webhook endpoint disabled: every attempt failed for 3 days');
    }
  }
}

/**
 * Disables an endpoint whose attempts all failed for 3 days: in one store transaction, the endpoint
 * is disabled, its history gets a `disabled` entry (actor `system`), and the organisation's OTHER
 * enabled endpoints that subscribe to `webhook_endpoint.disabled` (or "*") get a delivery
 * `{type, timestamp, data: {id, url, disabledAt, reason}}`. False when it was disabled already.
 */
async function disableFailingEndpoint(deps: WebhookWorkerDeps, endpoint: ClaimedWebhookDelivery['endpoint'], at: Date, failingSince: Date): Promise<boolean> {
  const type = 'webhook_endpoint.disabled' as const;
  const event = endpointEvent(endpoint, 'disabled', at, 'system', { reason: DISABLED_FAILING, failingSince: failingSince.toISOString() });
  const payload = JSON.stringify({ type, timestamp: at.toISOString(), data: { id: endpoint.id, url: endpoint.url, disabledAt: at.toISOString(), reason: DISABLED_FAILING } });
  const others = (await deps.store.listEnabledWebhookEndpoints([endpoint.organisationId])).filter((e) => e.id !== endpoint.id && subscribes(e.events, type));
  const deliveries = others.map((other) => pendingDelivery(other, event.id, type, payload, at));
  return deps.store.disableWebhookEndpoint({ organisationId: endpoint.organisationId, id: endpoint.id, at, reason: DISABLED_FAILING, event, deliveries });
}

/** Retention: ended deliveries older than 30 days go (their bodies may hold personal data). */
export async function pruneWebhookDeliveries(deps: Pick<WebhookWorkerDeps, 'store' | 'clock'>): Promise<number> {
  return deps.store.pruneWebhookDeliveries(new Date(deps.clock.now().getTime() - webhookDeliveryJob.keepMs));
}
