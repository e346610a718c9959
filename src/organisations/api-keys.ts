import { createHash, randomBytes } from 'node:crypto';

import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { ApiKeyRecord, Store } from '../storage/store';

/** API keys: `ak_live_<random>`; only the SHA-256 is stored, so the secret is shown once. */
const PREFIX = 'ak_live_';

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export async function createApiKey(deps: { store: Store; clock: Clock }, organisationId: string, name: string): Promise<{ record: ApiKeyRecord; secret: string }> {
  const secret = `${PREFIX}${randomBytes(24).toString('base64url')}`;
  const now = deps.clock.now();
  const record: ApiKeyRecord = { id: newId('key', now), organisationId, name, keyHash: hashApiKey(secret), createdAt: now, revokedAt: null };
  await deps.store.createApiKey(record);
  return { record, secret };
}

export async function authenticateApiKey(store: Store, secret: string): Promise<ApiKeyRecord | null> {
  if (!secret.startsWith(PREFIX) || secret.length > 100) return null;
  const record = await store.findApiKeyByHash(hashApiKey(secret));
  return record && record.revokedAt === null ? record : null;
}
