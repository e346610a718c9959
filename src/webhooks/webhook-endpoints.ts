import { AppError } from '../errors';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { Store } from '../storage/store';
import { ALL_EVENTS, isWebhookEventType } from './event-types';
import { newWebhookSecret } from './signing';
import { checkWebhookTarget, UrlRefused, type HostResolver } from './url-guard';
import type { WebhookDeliveryRecord, WebhookEndpointEventRecord, WebhookEndpointEventType, WebhookEndpointRecord } from './webhook-store';

/** What the webhook use cases need to know from the configuration (config.ts). */
export interface WebhookSettings {
  /** NODE_ENV=production: only https URLs. */
  requireHttps: boolean;
  /** WEBHOOK_ALLOW_PRIVATE_URLS: URLs that resolve to loopback, private or link-local addresses are allowed (tests, a local network). */
  allowPrivateUrls: boolean;
  /** WEBHOOK_TIMEOUT_MS: one attempt, from connecting to the answer's status line (10,000 ms unless set). */
  timeoutMs: number;
  /** WEBHOOK_MAX_ENDPOINTS: endpoints per organisation (10 unless set). */
  maxEndpointsPerOrganisation: number;
  /** WEBHOOK_CONCURRENCY: attempts in flight at once per worker process (20 unless set). */
  concurrency?: number;
  /** WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: attempts in flight at once to one endpoint, over all workers (4 unless set). */
  maxInFlightPerEndpoint?: number;
  /** PUBLIC_BASE_URL's origin (scheme, host, port): a webhook to Akkoord itself is refused (it could only make us call ourselves). */
  ownOrigin?: string;
}

export interface WebhookDeps {
  store: Store;
  clock: Clock;
  webhooks: WebhookSettings;
  /** DNS; absent: the system resolver. */
  resolveHost?: HostResolver;
}

/** Overlap after a rotation in which both secrets sign: 24 hours unless given, at most 7 days. */
export const DEFAULT_OVERLAP_HOURS = 24;
export const MAX_OVERLAP_HOURS = 7 * 24;
/** Why an endpoint was disabled (a stable code; the dashboard words it in nl and en). */
export const DISABLED_FAILING = 'failing_for_3_days';

/** An endpoint as the API and the dashboard show it: never its secret. */
export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  /** 'disabled' after 3 days of failures (see `disabledAt`, `disabledReason`) until enabled again. */
  status: 'enabled' | 'disabled';
  createdAt: string;
  updatedAt: string;
  disabledAt: string | null;
  /** `failing_for_3_days`; null while enabled. */
  disabledReason: string | null;
  /** The first failed attempt since the last success; null when not failing. */
  failingSince: string | null;
  /** After a rotation: until when the previous secret still signs too; null otherwise. */
  previousSecretExpiresAt: string | null;
}

/** The answer to create and rotate: the view plus the secret, shown this once. */
export interface WebhookEndpointWithSecret extends WebhookEndpointView {
  secret: string;
}

export interface WebhookDeliveryView {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryRecord['status'];
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One entry of an endpoint's history (`GET …/{id}/events`, the dashboard's detail page). */
export interface WebhookEndpointEventView {
  id: string;
  type: WebhookEndpointEventType;
  at: string;
  /** `api:<keyId>`, `staff:<userId>` or `system` (the worker, e.g. disabling after 3 days of failures). */
  actor: string;
  /** What changed, never a secret: `created` {url, events}, `secret_rotated` {previousSecretExpiresAt}, `disabled` {reason, failingSince}, `deleted` {url}, `enabled` {}. */
  detail: Record<string, unknown>;
}

/** A history entry for a change, stored by the store in the same transaction as the change. */
export function endpointEvent(endpoint: Pick<WebhookEndpointRecord, 'id' | 'organisationId'>, type: WebhookEndpointEventType, at: Date, actor: string, detail: Record<string, unknown> = {}): WebhookEndpointEventRecord {
  return { id: newId('whev', at), organisationId: endpoint.organisationId, endpointId: endpoint.id, type, at, actor, detail };
}

export function presentWebhookEndpointEvent(e: WebhookEndpointEventRecord): WebhookEndpointEventView {
  return { id: e.id, type: e.type, at: e.at.toISOString(), actor: e.actor, detail: e.detail };
}

export interface CreateEndpointInput {
  url: string;
  events: string[];
  description?: string | undefined;
}

const isoOrNull = (d: Date | null): string | null => d?.toISOString() ?? null;

/** Whether the previous secret still signs, next to the current one, after a rotation. */
function inOverlap(e: Pick<WebhookEndpointRecord, 'previousSecret' | 'previousSecretExpiresAt'>, at: Date): boolean {
  return e.previousSecret !== null && e.previousSecretExpiresAt !== null && e.previousSecretExpiresAt > at;
}

/** The secrets that sign a message at `at`: the current one, and during an overlap the previous one after it. */
export function signingSecrets(e: Pick<WebhookEndpointRecord, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>, at: Date): string[] {
  return inOverlap(e, at) ? [e.secret, e.previousSecret!] : [e.secret];
}

export function presentWebhookEndpoint(e: WebhookEndpointRecord, now: Date): WebhookEndpointView {
  const overlap = inOverlap(e, now);
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: e.events,
    status: e.disabledAt ? 'disabled' : 'enabled',
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
    disabledAt: isoOrNull(e.disabledAt),
    disabledReason: e.disabledReason,
    failingSince: isoOrNull(e.failingSince),
    previousSecretExpiresAt: overlap ? isoOrNull(e.previousSecretExpiresAt) : null,
  };
}

export function presentWebhookDelivery(d: WebhookDeliveryRecord): WebhookDeliveryView {
  return {
    id: d.id,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    nextAttemptAt: isoOrNull(d.nextAttemptAt),
    lastAttemptAt: isoOrNull(d.lastAttemptAt),
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

/** Unknown names → 422 naming `events.<i>`; `*` only on its own; duplicates removed. */
function checkEvents(events: readonly string[]): string[] {
  const errors = events.flatMap((name, i) =>
    name === ALL_EVENTS ? (events.length > 1 ? [{ path: `events.${i}`, message: 'Use "*" on its own: it already means every event.' }] : [])
      : isWebhookEventType(name) ? [] : [{ path: `events.${i}`, message: `Unknown event type "${name.slice(0, 64)}".` }],
  );
  if (errors.length > 0) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  return [...new Set(events)];
}

async function checkUrl(deps: WebhookDeps, url: string): Promise<void> {
  const own = deps.webhooks.ownOrigin;
  if (own && URL.canParse(url) && new URL(url).origin === own) throw AppError.validation('url', 'This URL points at Akkoord itself; give the address of your own system.');
  try {
    await checkWebhookTarget(url, { requireHttps: deps.webhooks.requireHttps, allowPrivateUrls: deps.webhooks.allowPrivateUrls }, deps.resolveHost);
  } catch (error) {
    if (error instanceof UrlRefused) throw AppError.validation('url', error.message);
    throw error;
  }
}

const tooMany = (max: number) => new AppError('conflict', `This organisation already has ${max} webhook endpoints, the most allowed. Delete one first.`);

const noEndpoint = () => new AppError('not_found', 'There is no webhook endpoint with this id.');

async function endpointOf(deps: Pick<WebhookDeps, 'store'>, organisationId: string, id: string): Promise<WebhookEndpointRecord> {
  const endpoint = await deps.store.getWebhookEndpoint(organisationId, id);
  if (!endpoint) throw noEndpoint();
  return endpoint;
}

/**
 * A new endpoint with a new secret (returned this once). 422 for a refused URL or unknown events; 409 past the limit.
 * `actor` (here and below): who does it, for the endpoint's history: `api:<keyId>` or `staff:<userId>`.
 */
export async function createWebhookEndpoint(deps: WebhookDeps, organisationId: string, input: CreateEndpointInput, actor: string): Promise<WebhookEndpointWithSecret> {
  const events = checkEvents(input.events);
  const max = deps.webhooks.maxEndpointsPerOrganisation;
  // Before the DNS look-up: an organisation at its limit costs one read, not a resolution (the store checks again atomically).
  if ((await deps.store.listWebhookEndpoints(organisationId)).length >= max) throw tooMany(max);
  await checkUrl(deps, input.url);
  const now = deps.clock.now();
  const record: WebhookEndpointRecord = {
    id: newId('whe', now),
    organisationId,
    url: input.url,
    description: input.description ?? null,
    events,
    secret: newWebhookSecret(),
    previousSecret: null,
    previousSecretExpiresAt: null,
    createdAt: now,
    updatedAt: now,
    disabledAt: null,
    disabledReason: null,
    failingSince: null,
  };
  const event = endpointEvent(record, 'created', now, actor, { url: record.url, events: record.events });
  if (!(await deps.store.createWebhookEndpoint(record, max, event))) throw tooMany(max);
  return { ...presentWebhookEndpoint(record, now), secret: record.secret };
}

export async function listWebhookEndpoints(deps: Pick<WebhookDeps, 'store' | 'clock'>, organisationId: string): Promise<WebhookEndpointView[]> {
  const now = deps.clock.now();
  return (await deps.store.listWebhookEndpoints(organisationId)).map((e) => presentWebhookEndpoint(e, now));
}

/** 404 for an unknown id or another organisation's endpoint. */
export async function getWebhookEndpoint(deps: Pick<WebhookDeps, 'store' | 'clock'>, organisationId: string, id: string): Promise<WebhookEndpointView> {
  return presentWebhookEndpoint(await endpointOf(deps, organisationId, id), deps.clock.now());
}

/** Deletes the endpoint and its deliveries (pending ones are not sent). 404 when not there. */
export async function deleteWebhookEndpoint(deps: Pick<WebhookDeps, 'store' | 'clock'>, organisationId: string, id: string, actor: string): Promise<void> {
  const endpoint = await endpointOf(deps, organisationId, id);
  const event = endpointEvent(endpoint, 'deleted', deps.clock.now(), actor, { url: endpoint.url });
  if (!(await deps.store.deleteWebhookEndpoint(organisationId, id, event))) throw noEndpoint();
}

/**
 * A new secret (returned this once); the old one keeps signing, next to the new one, for
 * `overlapHours` (default 24, at most 168 = 7 days; 0: the old one stops at once).
 */
export async function rotateWebhookSecret(deps: Pick<WebhookDeps, 'store' | 'clock'>, organisationId: string, id: string, input: { overlapHours?: number | undefined }, actor: string): Promise<WebhookEndpointWithSecret> {
  const overlapHours = input.overlapHours ?? DEFAULT_OVERLAP_HOURS;
  if (!Number.isInteger(overlapHours) || overlapHours < 0 || overlapHours > MAX_OVERLAP_HOURS) throw AppError.validation('overlapHours', `Give a whole number of hours from 0 to ${MAX_OVERLAP_HOURS} (7 days).`);
  const now = deps.clock.now();
  const secret = newWebhookSecret();
  const previousExpiresAt = new Date(now.getTime() + overlapHours * 3_600_000);
  const event = endpointEvent({ id, organisationId }, 'secret_rotated', now, actor, { previousSecretExpiresAt: previousExpiresAt.toISOString() });
  if (!(await deps.store.rotateWebhookSecret({ organisationId, id, secret, previousExpiresAt, at: now, event }))) throw noEndpoint();
  const endpoint = await endpointOf(deps, organisationId, id);
  return { ...presentWebhookEndpoint(endpoint, now), secret };
}

/** Enables a disabled endpoint again (its failing streak starts anew); enabling an enabled one changes nothing. */
export async function enableWebhookEndpoint(deps: Pick<WebhookDeps, 'store' | 'clock'>, organisationId: string, id: string, actor: string): Promise<WebhookEndpointView> {
  const now = deps.clock.now();
  await endpointOf(deps, organisationId, id);
  await deps.store.enableWebhookEndpoint(organisationId, id, now, endpointEvent({ id, organisationId }, 'enabled', now, actor));
  return presentWebhookEndpoint(await endpointOf(deps, organisationId, id), now);
}

/** Newest first; 404 when the endpoint is not the organisation's. */
export async function listWebhookDeliveries(deps: Pick<WebhookDeps, 'store'>, organisationId: string, endpointId: string, page: { limit: number; cursor: string | null }): Promise<{ data: WebhookDeliveryView[]; nextCursor: string | null }> {
  await endpointOf(deps, organisationId, endpointId);
  const result = await deps.store.listWebhookDeliveries(organisationId, endpointId, page.limit, page.cursor);
  return { data: result.items.map(presentWebhookDelivery), nextCursor: result.nextCursor };
}

/** The endpoint's history, newest first; 404 when the endpoint is not the organisation's. */
export async function listWebhookEndpointEvents(deps: Pick<WebhookDeps, 'store'>, organisationId: string, endpointId: string, page: { limit: number; cursor: string | null }): Promise<{ data: WebhookEndpointEventView[]; nextCursor: string | null }> {
  await endpointOf(deps, organisationId, endpointId);
  const result = await deps.store.listWebhookEndpointEvents(organisationId, endpointId, page.limit, page.cursor);
  return { data: result.items.map(presentWebhookEndpointEvent), nextCursor: result.nextCursor };
}

/**
 * Sends one delivery again, now: it is made due at once and the worker's next pass sends it, with
 * the same `webhook-id` and body. 404 when not there; 409 when the endpoint is disabled (enable it first).
 */
export async function retryWebhookDelivery(deps: Pick<WebhookDeps, 'store' | 'clock'>, organisationId: string, endpointId: string, deliveryId: string): Promise<WebhookDeliveryView> {
  const endpoint = await endpointOf(deps, organisationId, endpointId);
  if (!(await deps.store.getWebhookDelivery(organisationId, endpointId, deliveryId))) throw new AppError('not_found', 'There is no delivery with this id for this endpoint.');
  if (endpoint.disabledAt) throw new AppError('conflict', 'This webhook endpoint is disabled; enable it before sending deliveries again.');
  await deps.store.retryWebhookDelivery({ organisationId, endpointId, deliveryId, at: deps.clock.now() });
  return presentWebhookDelivery((await deps.store.getWebhookDelivery(organisationId, endpointId, deliveryId))!);
}
