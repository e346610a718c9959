import type { AuditChainKey } from '../evidence/audit-chain';
import type { Clock } from '../shared/clock';
import type { KeyFingerprint, Store } from '../storage/store';
import { keyFingerprint, type FieldCipher, type KeyRing } from './field-cipher';

/**
 * Start-up check of the field-encryption keys against the store. With keys that cannot open the
 * stored data the service would start, answer "ready" and then fail every read; instead it refuses
 * to start and says which key ids are wrong or missing and what to do.
 *
 * The store records a fingerprint per key id (field-cipher.ts keyFingerprint) once a process has
 * started with that key first in the ring. At start-up every recorded key must be in the ring with
 * the same fingerprint; a ring that keeps an old key after the new one (rotation) passes. A store
 * without fingerprints (made before this check) is verified by opening one stored value per key id
 * found in the data; a recorded key that no stored value names any more is forgotten.
 */
export type KeyCheckStore = Pick<Store, 'listKeyFingerprints' | 'addKeyFingerprints' | 'replaceKeyFingerprints' | 'sealedValues'>;

/** Where the ring came from, for advice that fits. */
export type KeySource = { kind: 'env' } | { kind: 'dev-file'; file: string; created: boolean };

export interface KeyCheckDeps {
  store: KeyCheckStore;
  cipher: FieldCipher;
  ring: KeyRing;
  clock: Clock;
  source: KeySource;
  /** The store's name in messages (the database file). */
  storeName: string;
}

type KeyProblem = { keyId: string; kind: 'missing' | 'different' | 'unreadable' | 'foreign'; context?: string };

/** The problems found (empty when the keys fit); records the fingerprints when they fit. */
export async function checkKeyRing(deps: KeyCheckDeps): Promise<string[]> {
  const { store, ring } = deps;
  const now = deps.clock.now();
  const fingerprintOf = (keyId: string): string | null => {
    const key = ring.keys.get(keyId);
    return key ? keyFingerprint(key) : null;
  };
  const active: KeyFingerprint = { keyId: ring.activeKeyId, fingerprint: fingerprintOf(ring.activeKeyId)!, firstUsedAt: now };
  // The audit key's row is checkAuditKey's: kept as it is here.
  const all = await store.listKeyFingerprints();
  const recorded = all.filter((r) => r.keyId !== AUDIT_KEY_FINGERPRINT_ID);
  const reserved = all.filter((r) => r.keyId === AUDIT_KEY_FINGERPRINT_ID);
  const fits = (r: KeyFingerprint) => fingerprintOf(r.keyId) === r.fingerprint;

  // The usual start: every recorded key is configured and the same. No data is read.
  if (recorded.length > 0 && recorded.every(fits)) {
    await store.addKeyFingerprints([active]);
    return [];
  }

  // Otherwise look at the data itself: which key ids seal something, and can we open them?
  const byId = new Map(recorded.map((r) => [r.keyId, r]));
  const present = new Map<string, KeyProblem | null>();
  for await (const value of store.sealedValues()) {
    const keyId = deps.cipher.keyIdOf(value.head);
    if (keyId === null) {
      present.set(`?${value.context}`, { keyId: '?', kind: 'foreign', context: value.context });
      continue;
    }
    if (present.has(keyId)) continue;
    const record = byId.get(keyId);
    if (!ring.keys.has(keyId)) present.set(keyId, { keyId, kind: 'missing' });
    else if (record && fits(record)) present.set(keyId, null);
    else if (record) present.set(keyId, { keyId, kind: 'different' });
    else present.set(keyId, opens(deps.cipher, await value.read(), value.context) ? null : { keyId, kind: 'unreadable', context: value.context });
  }
  const problems = [...present.values()].filter((p): p is KeyProblem => p !== null);
  if (problems.length > 0) return describe(problems, deps);

  const keep = (keyId: string): KeyFingerprint => {
    const record = byId.get(keyId);
    return record && fits(record) ? record : { keyId, fingerprint: fingerprintOf(keyId)!, firstUsedAt: now };
  };
  const ids = new Set([...present.keys(), ring.activeKeyId]);
  await store.replaceKeyFingerprints([...[...ids].map(keep), ...reserved]);
  return [];
}

/**
 * The row of AUDIT_CHAIN_KEY's fingerprint (AuditChainKey.fingerprint) in the same table. Not a
 * possible ENCRYPTION_KEYS id: those hold only letters, digits, _ and -.
 */
export const AUDIT_KEY_FINGERPRINT_ID = '#audit-chain';

export interface AuditKeyCheckDeps {
  store: Pick<Store, 'listKeyFingerprints' | 'addKeyFingerprints' | 'replaceKeyFingerprints' | 'eventChains' | 'auditTotals'>;
  key: AuditChainKey;
  clock: Clock;
  storeName: string;
  /** Whether to record the fingerprint when the key fits (not while another key check fails). */
  record: boolean;
}

/** How many sealed chain heads a store from before the fingerprint is tried against before the key is refused. */
const HEADS_TRIED = 3;

/**
 * Start-up check of AUDIT_CHAIN_KEY. With another key the service would start and seal every new
 * event and chain head with it: `audit verify` (with either key) would then report the log as
 * rewritten. The store records the key's fingerprint at the first start; a later start with a key
 * of another fingerprint is refused while the store holds events (with none, nothing was sealed
 * and the new key is recorded instead). A store from before the fingerprint is checked once
 * against the seals of its stored chain heads: one that the key makes is enough; none of the
 * first three is a refusal.
 */
export async function checkAuditKey(deps: AuditKeyCheckDeps): Promise<string[]> {
  const { store, key } = deps;
  const fingerprint = key.fingerprint();
  const all = await store.listKeyFingerprints();
  const recorded = all.find((r) => r.keyId === AUDIT_KEY_FINGERPRINT_ID);
  if (recorded?.fingerprint === fingerprint) return [];

  const heads = await sealedHeads(deps);
  const hasEvents = heads.length > 0 || ((await store.auditTotals())?.events ?? 0) > 0;
  if (recorded && hasEvents) return refuseAuditKey(deps, 'its fingerprint differs');
  if (!recorded && heads.length > 0 && !heads.some((h) => h.mac === key.headMac(h.requestId, h.events, h.hash))) {
    return refuseAuditKey(deps, 'the seal of a stored chain head does not match it');
  }
  if (!deps.record) return [];
  const row: KeyFingerprint = { keyId: AUDIT_KEY_FINGERPRINT_ID, fingerprint, firstUsedAt: deps.clock.now() };
  if (recorded) await store.replaceKeyFingerprints([...all.filter((r) => r !== recorded), row]);
  else await store.addKeyFingerprints([row]);
  return [];
}

async function sealedHeads(deps: AuditKeyCheckDeps): Promise<{ requestId: string; events: number; hash: string; mac: string }[]> {
  const found: { requestId: string; events: number; hash: string; mac: string }[] = [];
  for await (const chain of deps.store.eventChains()) {
    if (chain.head?.mac) found.push({ requestId: chain.requestId, events: chain.head.events, hash: chain.head.hash, mac: chain.head.mac });
    if (found.length >= HEADS_TRIED) break;
  }
  return found;
}

function refuseAuditKey(deps: AuditKeyCheckDeps, why: string): string[] {
  return [
    `AUDIT_CHAIN_KEY: this is not the key that sealed the audit log in ${deps.storeName} (${why}). ` +
      'With it, new events and chain heads would be sealed with another key, and `audit verify` would report the log as rewritten.',
    'Set AUDIT_CHAIN_KEY to the key this store ran with before (in development without AUDIT_CHAIN_KEY: the auditChainKey in the dev-keys.json of its DATA_DIR). ' +
      'The audit key cannot be rotated: keep it as long as the store. Nothing in the store was changed.',
  ];
}

function opens(cipher: FieldCipher, sealed: string | Buffer, context: string): boolean {
  try {
    cipher.decryptAny(sealed, context);
    return true;
  } catch {
    return false;
  }
}

function describe(problems: KeyProblem[], deps: KeyCheckDeps): string[] {
  const configured = [...deps.ring.keys.keys()].map((id) => `"${id}"`).join(', ');
  const lines = problems.map((p) => {
    if (p.kind === 'missing') return `ENCRYPTION_KEYS: ${deps.storeName} holds data sealed with key "${p.keyId}", which is not configured (configured: ${configured}).`;
    if (p.kind === 'different') return `ENCRYPTION_KEYS: key "${p.keyId}" is not the key that sealed the data in ${deps.storeName} (its fingerprint differs).`;
    if (p.kind === 'foreign') return `${deps.storeName} holds a value in ${p.context} that is not sealed in Akkoord's format.`;
    return `ENCRYPTION_KEYS: key "${p.keyId}" cannot open the data it sealed in ${deps.storeName} (tried ${p.context}).`;
  });
  const missingIds = problems.filter((p) => p.kind !== 'foreign').map((p) => p.keyId).join(', ');
  const source = deps.source;
  if (source.kind === 'dev-file' && source.created) {
    lines.push(
      `${source.file} is missing, but ${deps.storeName} holds data sealed with the development keys that were in it (${missingIds}). ` +
        `Put that dev-keys.json back, or set ENCRYPTION_KEYS to those keys. To start over with an empty development store instead, ` +
        `delete ${deps.storeName} and its -wal and -shm files. No new keys were kept and nothing in the store was changed.`,
    );
  } else if (source.kind === 'dev-file') {
    lines.push(`The keys come from ${source.file}: put back the dev-keys.json that belongs to this store, or set ENCRYPTION_KEYS to the keys that sealed its data. Nothing in the store was changed.`);
  } else {
    lines.push(
      `Configure the keys that sealed the data (${missingIds}). To rotate, put the new key first and keep the old ones after it, ` +
        `e.g. ENCRYPTION_KEYS=<new id>:<new key>,${problems[0]!.keyId}:<old key>: the first key seals new values, the others still open old ones. Nothing in the store was changed.`,
    );
  }
  return lines;
}
