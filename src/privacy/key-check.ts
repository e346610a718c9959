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
  const recorded = await store.listKeyFingerprints();
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
  await store.replaceKeyFingerprints([...ids].map(keep));
  return [];
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
