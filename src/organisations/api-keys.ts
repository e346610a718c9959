import { createHash, randomBytes } from 'node:crypto';

import { AppError } from '../errors';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { ApiKeyRecord, ApiKeyScope, Store } from '../storage/store';

/** API keys: `ak_live_<random>`; only the SHA-256 is stored, so the secret is shown once. */
const PREFIX = 'ak_live_';

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new key and its secret, not stored yet (the caller stores the record, never the secret). */
export function newApiKey(clock: Clock, organisationId: string, name: string, scope: ApiKeyScope = 'full'): { record: ApiKeyRecord; secret: string } {
  const secret = `${PREFIX}${randomBytes(24).toString('base64url')}`;
  const now = clock.now();
  return { record: { id: newId('key', now), organisationId, name, scope, keyHash: hashApiKey(secret), createdAt: now, revokedAt: null }, secret };
}

/** `scope` 'status-read': the key may only read consent status (issue 13; src/http/middleware/auth.ts). */
export async function createApiKey(deps: { store: Store; clock: Clock }, organisationId: string, name: string, scope: ApiKeyScope = 'full'): Promise<{ record: ApiKeyRecord; secret: string }> {
  const key = newApiKey(deps.clock, organisationId, name, scope);
  await deps.store.createApiKey(key.record);
  return key;
}

export async function authenticateApiKey(store: Store, secret: string): Promise<ApiKeyRecord | null> {
  if (!secret.startsWith(PREFIX) || secret.length > 100) return null;
  const record = await store.findApiKeyByHash(hashApiKey(secret));
  return record && record.revokedAt === null ? record : null;
}

/** What may be shown about a key: never its hash, and the secret is not stored at all. */
export type ApiKeyListing = Omit<ApiKeyRecord, 'keyHash'>;

export async function listApiKeys(store: Store, organisationId?: string): Promise<ApiKeyListing[]> {
  return (await store.listApiKeys(organisationId)).map(({ keyHash: _hash, ...listing }) => listing);
}

/**
 * Revokes a key. The store bumps the key generation in the same transaction, and every process's
 * API auth compares it before using a key it remembered (src/http/middleware/auth.ts), so the key
 * stops working at once everywhere.
 */
export async function revokeApiKey(deps: { store: Store; clock: Clock }, keyId: string): Promise<ApiKeyListing> {
  const key = (await deps.store.listApiKeys()).find((k) => k.id === keyId);
  if (!key) throw new AppError('not_found', `There is no API key ${keyId}.`);
  if (key.revokedAt !== null) throw new AppError('conflict', `API key ${keyId} was already revoked at ${key.revokedAt.toISOString()}.`);
  const at = deps.clock.now();
  if (!(await deps.store.revokeApiKey(keyId, at))) throw new AppError('conflict', `API key ${keyId} was already revoked.`);
  const { keyHash: _hash, ...listing } = key;
  return { ...listing, revokedAt: at };
}
