import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

import type { EventRecord, HashAlg } from '../storage/store';

/**
 * Events of one request form a hash chain: each event's hash covers the previous event's hash and
 * its own content, so an edited or removed row breaks every link after it. Since migration 008 the
 * hash is an HMAC-SHA256 with AUDIT_CHAIN_KEY, a key that is not in the database: without it no
 * one can make a link that verifies. Events stored before that keep their plain SHA-256
 * (`hash_alg` 'sha256'); a chain goes on from them with keyed links.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** The minimum size of AUDIT_CHAIN_KEY, in bytes. */
export const AUDIT_KEY_MIN_BYTES = 32;

function eventBody(event: EventRecord): string {
  return canonicalJson({
    id: event.id,
    requestId: event.requestId,
    organisationId: event.organisationId,
    type: event.type,
    at: event.at.toISOString(),
    actor: event.actor,
    detail: event.detail,
  });
}

/** The unkeyed hash of events stored before migration 008 (`hash_alg` 'sha256'). */
export function legacyEventHash(prevHash: string, event: EventRecord): string {
  return createHash('sha256').update(prevHash).update('\n').update(eventBody(event)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The audit key: makes and checks keyed event links and chain-head seals. */
export class AuditChainKey {
  private constructor(private readonly key: Buffer) {}

  static from(key: Buffer): AuditChainKey {
    if (key.length < AUDIT_KEY_MIN_BYTES) throw new Error(`the audit chain key must be at least ${AUDIT_KEY_MIN_BYTES} bytes`);
    return new AuditChainKey(Buffer.from(key));
  }

  /** A random key for this process only: for stores that are never verified later (tests). */
  static ephemeral(): AuditChainKey {
    return new AuditChainKey(randomBytes(32));
  }

  /** The algorithm of every new link. */
  readonly alg: HashAlg = 'hmac-sha256';

  private mac(domain: string, text: string): string {
    return createHmac('sha256', this.key).update(domain).update('\n').update(text).digest('hex');
  }

  /** A new event's link: HMAC over the previous hash and the event's canonical JSON. */
  eventHash(prevHash: string, event: EventRecord): string {
    return this.mac('akkoord-audit-event-v1', `${prevHash}\n${eventBody(event)}`);
  }

  /** What an event's stored hash must be, by the algorithm it was stored with; null for an unknown one. */
  expectedHash(alg: string, prevHash: string, event: EventRecord): string | null {
    if (alg === 'hmac-sha256') return this.eventHash(prevHash, event);
    if (alg === 'sha256') return legacyEventHash(prevHash, event);
    return null;
  }

  /** The seal of a request's chain head: its id, how many events it has and the last hash. */
  headMac(requestId: string, events: number, hash: string): string {
    return this.mac('akkoord-audit-head-v1', `${requestId}\n${events}\n${hash}`);
  }

  /**
   * What the store keeps to recognise this key at the next start (privacy/key-check.ts):
   * HMAC-SHA256(key, "akkoord audit key fingerprint v1"), its first 16 bytes in hex. Neither the
   * key nor a plain hash of it.
   */
  fingerprint(): string {
    return createHmac('sha256', this.key).update('akkoord audit key fingerprint v1').digest('hex').slice(0, 32);
  }

  /**
   * A key of its own for another purpose, derived with HKDF-SHA-256 (`purpose` as its info): the
   * name search hashes (privacy/name-search.ts) need a key that is stable and kept outside the
   * database, as this one is, without reusing it.
   */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), purpose, 32));
  }

  /** The seal of the whole log's totals: how many chains and events it has. */
  totalsMac(chains: number, events: number): string {
    return this.mac('akkoord-audit-totals-v1', `${chains}\n${events}`);
  }
}
