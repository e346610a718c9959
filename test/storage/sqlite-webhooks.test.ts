import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FieldCipher, parseKeyRing } from '../../src/privacy/field-cipher';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store';
import { webhookStoreContract } from './store-contract-webhooks';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function makeStore(): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'akkoord-store-'));
  dirs.push(dir);
  return new SqliteStore({ file: join(dir, 'test.db'), cipher: new FieldCipher(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`)) });
}

webhookStoreContract('sqlite', async () => makeStore());

describe('sqlite: webhooks (migration 020)', () => {
  test('when endpoints and deliveries are stored, then secrets and bodies are encrypted at rest and listed for the key check', async () => {
    const store = makeStore();
    const t0 = new Date('2026-11-22T10:00:00Z');
    await store.createOrganisation({ id: 'org_a', name: 'A', createdAt: t0 });
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    await store.createWebhookEndpoint({ id: 'whe_1', organisationId: 'org_a', url: 'https://x.example.nl/', description: null, events: ['*'], secret, previousSecret: null, previousSecretExpiresAt: null, createdAt: t0, updatedAt: t0, disabledAt: null, disabledReason: null, failingSince: null }, 10);
    const raw = store.db.prepare('SELECT secret_enc FROM webhook_endpoints').pluck().get() as string;
    expect(raw).not.toContain(secret.slice(6, 20));
    const contexts: string[] = [];
    for await (const v of store.sealedValues()) contexts.push(v.context);
    expect(contexts).toContain('webhook_endpoints.secret');
    await store.close();
  });
});
