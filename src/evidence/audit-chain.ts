import { createHash } from 'node:crypto';

import type { EventRecord, StoredEvent } from '../storage/store';

/**
 * Events of one request form a hash chain: each event's hash covers the previous event's hash and
 * its own content, so an edited or removed row breaks every link after it.
 */
export const GENESIS_HASH = '0'.repeat(64);

export function eventHash(prevHash: string, event: EventRecord): string {
  const body = canonicalJson({
    id: event.id,
    requestId: event.requestId,
    organisationId: event.organisationId,
    type: event.type,
    at: event.at.toISOString(),
    actor: event.actor,
    detail: event.detail,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export type ChainCheck = { ok: true } | { ok: false; eventId: string; index: number; reason: string };

/** Checks one request's events, oldest first; names the first link that does not hold. */
export function verifyChain(events: StoredEvent[]): ChainCheck {
  let prev = GENESIS_HASH;
  for (const [index, e] of events.entries()) {
    if (e.prevHash !== prev) return { ok: false, eventId: e.id, index, reason: 'its previous-hash does not match the event before it (an event was removed, inserted or reordered)' };
    if (eventHash(prev, e) !== e.hash) return { ok: false, eventId: e.id, index, reason: 'its content does not match its hash (the event was edited)' };
    prev = e.hash;
  }
  return { ok: true };
}
