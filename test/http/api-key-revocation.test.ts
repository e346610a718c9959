import pino from 'pino';
import request from 'supertest';

import { runCli } from '../../src/cli';
import { loadConfig } from '../../src/config';
import { openContainer } from '../../src/container';
import { revokeApiKey } from '../../src/organisations/api-keys';
import { auth, createTestApp, testSigningIdentity } from '../helpers/test-app';

/**
 * Two processes' worth: app A and app B each with their own SqliteStore connection on the same
 * file (and the CLI, which opens a third). A key remembered by A must stop working at once when
 * it is revoked elsewhere, not after A's 10 s cache.
 */
describe('revoking an API key', () => {
  test('when A has just accepted a key and B revokes it, then the next request on A is 401', async () => {
    const a = await createTestApp();
    const b = await openContainer(loadConfig({ NODE_ENV: 'test', DATA_DIR: a.dataDir, LOG_LEVEL: 'silent', WORKER_ENABLED: 'false' }), { logger: pino({ level: 'silent' }), signingIdentity: testSigningIdentity() });
    try {
      expect((await a.http.get('/api/v1/forms').set(auth(a.apiKey))).status).toBe(200);
      expect((await request(b.app).get('/api/v1/forms').set(auth(a.apiKey))).status).toBe(200);
      const keyId = (await b.store.listApiKeys(a.organisationId))[0]!.id;
      await revokeApiKey(b, keyId);
      expect((await a.http.get('/api/v1/forms').set(auth(a.apiKey))).status).toBe(401);
      expect((await request(b.app).get('/api/v1/forms').set(auth(a.apiKey))).status).toBe(401);
      // Another organisation's key, remembered before the revoke, still works on both.
      expect((await a.http.get('/api/v1/forms').set(auth(a.other.apiKey))).status).toBe(200);
      expect((await request(b.app).get('/api/v1/forms').set(auth(a.other.apiKey))).status).toBe(200);
    } finally {
      await b.close();
      await a.close();
    }
  });

  test('when the CLI revokes a key that a running app remembers, then that app refuses it at once', async () => {
    const a = await createTestApp();
    try {
      expect((await a.http.get('/api/v1/forms').set(auth(a.apiKey))).status).toBe(200);
      const keyId = (await a.container.store.listApiKeys(a.organisationId))[0]!.id;
      const err: string[] = [];
      const out: string[] = [];
      const io = { env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: a.dataDir }, out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) };
      expect(await runCli(['api-key', 'revoke', keyId], io)).toBe(0);
      expect(out.join('')).toContain(`(${keyId})`);
      const refused = await a.http.get('/api/v1/forms').set(auth(a.apiKey));
      expect(refused.status).toBe(401);
    } finally {
      await a.close();
    }
  });
});
