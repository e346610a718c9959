import type { Logger } from 'pino';

import { presentConsentRequest } from '../consent/present-consent-request';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { Store } from '../storage/store';
import { subscribes, webhookTypeOf } from './event-types';
import { webhookHeaders } from './signing';
import { checkWebhookTarget, UrlRefused, type HostResolver } from './url-guard';
import { DISABLED_FAILING, type WebhookSettings } from './webhook-endpoints';
import { postWebhook } from './webhook-sender';
import type { ClaimedWebhookDelivery, WebhookDeliveryRecord, WebhookDeliveryStatus } from './webhook-store';

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
  for (const { event, type } of typed) {
    const targets = endpoints.filter((e) => e.organisationId === event.organisationId && subscribes(e.events, type));
    if (targets.length === 0) continue;
    const request = await store.getConsentRequest(event.organisationId, event.requestId);
    if (!request) continue;
    const family = await store.listFamilySigners(event.organisationId, [request.primaryRequestId ?? request.id]);
    const payload = JSON.stringify({ type, timestamp: event.at.toISOString(), data: presentConsentRequest(request, family) });
    for (const endpoint of targets) {
      deliveries.push({
        id: newId('whd', now), endpointId: endpoint.id, organisationId: event.organisationId, eventId: event.id, eventType: type, payload,
        status: 'pending', attempts: 0, nextAttemptAt: now, lastAttemptAt: null, lastStatusCode: null, lastError: null, createdAt: now, updatedAt: now,
      });
    }
  }
  const toSeq = events[events.length - 1]!.seq;
  return (await store.enqueueWebhookDeliveries({ fromSeq, toSeq, deliveries })) ? events.length : 0;
}

/** Claims due deliveries with a lease and sends them; returns how many it claimed. */
export async function sendDueWebhooks(deps: WebhookWorkerDeps, leaseMs: number, limit: number): Promise<number> {
  const now = deps.clock.now();
  const claimed = await deps.store.claimWebhookDeliveries(now, new Date(now.getTime() + leaseMs), limit);
  await Promise.all(claimed.map((c) => attemptDelivery(deps, c)));
  return claimed.length;
}

/** One attempt: check the address again, sign with the current secret (and the previous one during an overlap), post, record. */
async function attemptDelivery(deps: WebhookWorkerDeps, { delivery, endpoint }: ClaimedWebhookDelivery): Promise<void> {
  const { store, clock, logger } = deps;
  const at = clock.now();
  const secrets = [endpoint.secret, ...(endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > at ? [endpoint.previousSecret] : [])];
  let outcome: { ok: boolean; statusCode: number | null; error: string | null };
  try {
    const target = await checkWebhookTarget(endpoint.url, { requireHttps: deps.webhooks.requireHttps, allowPrivateUrls: deps.webhooks.allowPrivateUrls }, deps.resolveHost);
    outcome = await postWebhook(target, webhookHeaders(secrets, delivery.id, at, delivery.payload), delivery.payload, deps.webhooks.timeoutMs);
  } catch (error) {
    outcome = { ok: false, statusCode: null, error: error instanceof UrlRefused ? `refused: ${error.message}` : 'could not be sent' };
    if (!(error instanceof UrlRefused)) logger.error({ err: error, deliveryId: delivery.id, endpointId: endpoint.id }, 'webhook attempt failed unexpectedly');
  }
  const done = clock.now();
  // `attempts` was counted at claim: it includes this one.
  const status: WebhookDeliveryStatus = outcome.ok ? 'succeeded' : delivery.attempts >= webhookDeliveryJob.maxAttempts ? 'failed' : 'pending';
  const backoff = webhookDeliveryJob.backoffMs[Math.min(Math.max(delivery.attempts, 1), webhookDeliveryJob.backoffMs.length) - 1]!;
  const { failingSince } = await store.recordWebhookAttempt({
    organisationId: endpoint.organisationId, deliveryId: delivery.id, at: done, status, statusCode: outcome.statusCode, error: outcome.ok ? null : outcome.error,
    nextAttemptAt: status === 'pending' ? new Date(done.getTime() + backoff) : null,
  });
  const log = { deliveryId: delivery.id, endpointId: endpoint.id, organisationId: endpoint.organisationId, attempt: delivery.attempts, statusCode: outcome.statusCode };
  if (outcome.ok) logger.info(log, 'webhook delivered');
  else logger.warn({ ...log, error: outcome.error, status }, 'webhook attempt failed');
  if (failingSince && done.getTime() - failingSince.getTime() >= webhookDeliveryJob.disableAfterMs) {
    if (await store.disableWebhookEndpoint({ organisationId: endpoint.organisationId, id: endpoint.id, at: done, reason: DISABLED_FAILING })) {
      logger.warn({ endpointId: endpoint.id, organisationId: endpoint.organisationId, failingSince }, 'webhook endpoint disabled: every attempt failed for 3 days');
    }
  }
}

/** Retention: ended deliveries older than 30 days go (their bodies may hold personal data). */
export async function pruneWebhookDeliveries(deps: Pick<WebhookWorkerDeps, 'store' | 'clock'>): Promise<number> {
  return deps.store.pruneWebhookDeliveries(new Date(deps.clock.now().getTime() - webhookDeliveryJob.keepMs));
}
