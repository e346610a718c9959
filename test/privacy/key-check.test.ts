import { spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';

import { runCli } from '../../src/cli';
import { ConfigError, loadConfig } from '../../src/config';
import { FieldCipher, keyFingerprint, parseKeyRing } from '../../src/privacy/field-cipher';
import { openContainer, type Container } from '../../src/container';
import { FixedClock } from '../../src/shared/clock';
import { projectPath } from '../../src/shared/paths';
import type { SqliteStore } from '../../src/storage/sqlite/sqlite-store';
import { auth, childRequest, createTestApp, deliverAndGetLink, freePort, testSigningIdentity } from '../helpers/test-app';

const key = () => randomBytes(32).toString('base64');
const A = key();
const B = key();
const LINK = key();

describe('start-up check of the encryption keys against the stored data', () => {
  const dirs: string[] = [];
  const open: Container[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
  });

  /** A store with one consent request (names, address, link) and its dev outbox message, sealed with `keys`; returns its folder and the request id. */
  async function storeWithData(env: Record<string, string>): Promise<{ dataDir: string; requestId: string; apiKey: string }> {
    const app = await createTestApp(env);
    dirs.push(app.dataDir);
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest());
    expect(created.status).toBe(201);
    await deliverAndGetLink(app, created.body.id);
    await app.container.close();
    return { dataDir: app.dataDir, requestId: created.body.id, apiKey: app.apiKey };
  }

  async function start(dataDir: string, env: Record<string, string>): Promise<Container> {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent', WORKER_ENABLED: 'false', PUBLIC_BASE_URL: 'http://127.0.0.1:3000', ...env });
    const container = await openContainer(config, { clock: new FixedClock('2026-11-23T10:00:00Z'), logger: pino({ level: 'silent' }), signingIdentity: testSigningIdentity() });
    open.push(container);
    return container;
  }

  async function refusal(dataDir: string, env: Record<string, string>): Promise<string> {
    const error = await start(dataDir, env).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }

  test('when data was sealed with key k1 = A and the service restarts with k1 = B, then it refuses to start, naming k1 and how to rotate', async () => {
    const { dataDir } = await storeWithData({ ENCRYPTION_KEYS: `k1:${A}`, LINK_SIGNING_KEY: LINK });
    const message = await refusal(dataDir, { ENCRYPTION_KEYS: `k1:${B}`, LINK_SIGNING_KEY: LINK });
    expect(message).toMatch(/^Akkoord cannot start/);
    expect(message).toContain('key "k1" is not the key that sealed the data');
    expect(message).toContain('To rotate, put the new key first and keep the old ones after it');
    expect(message).not.toContain(A);
    expect(message).not.toContain(B);
  });

  test('when the old key is missing from the ring, then it refuses; with the new key first and the old one after it, it starts and reads the old data', async () => {
    const { dataDir, requestId, apiKey } = await storeWithData({ ENCRYPTION_KEYS: `k1:${A}`, LINK_SIGNING_KEY: LINK });
    expect(await refusal(dataDir, { ENCRYPTION_KEYS: `k2:${B}`, LINK_SIGNING_KEY: LINK })).toContain('holds data sealed with key "k1", which is not configured (configured: "k2")');

    const rotated = await start(dataDir, { ENCRYPTION_KEYS: `k2:${B},k1:${A}`, LINK_SIGNING_KEY: LINK });
    const read = await request(rotated.app).get(`/api/v1/consent-requests/${requestId}`).set(auth(apiKey));
    expect(read.status).toBe(200);
    expect((await request(rotated.app).get('/readyz')).body.status).toBe('ready');
    expect((await rotated.store.listKeyFingerprints()).map((f) => f.keyId).sort()).toEqual(['#audit-chain', 'k1', 'k2']);
  });

  test('when LINK_SIGNING_KEY changes, then the service starts (only the links stop working)', async () => {
    const { dataDir } = await storeWithData({ ENCRYPTION_KEYS: `k1:${A}`, LINK_SIGNING_KEY: LINK });
    await expect(start(dataDir, { ENCRYPTION_KEYS: `k1:${A}`, LINK_SIGNING_KEY: key() })).resolves.toBeDefined();
  });

  test('when a store from before fingerprints holds data, then the first start opens one value per key id: the wrong key is refused, the right one starts and is recorded', async () => {
    const { dataDir } = await storeWithData({ ENCRYPTION_KEYS: `k1:${A}`, LINK_SIGNING_KEY: LINK });
    const first = await start(dataDir, { ENCRYPTION_KEYS: `k1:${A}`, LINK_SIGNING_KEY: LINK });
    (first.store as SqliteStore).db.exec('DELETE FROM key_fingerprints');
    await first.close();

    expect(await refusal(dataDir, { ENCRYPTION_KEYS: `k1:${B}`, LINK_SIGNING_KEY: LINK })).toMatch(/key "k1" cannot open the data it sealed in .*akkoord\.db \(tried consent_requests\./);
    const right = await start(dataDir, { ENCRYPTION_KEYS: `k1:${A}`, LINK_SIGNING_KEY: LINK });
    expect((await right.store.listKeyFingerprints()).map((f) => f.keyId).sort()).toEqual(['#audit-chain', 'k1']);
  });

  test('when a store holds no encrypted data yet, then other keys are accepted and recorded instead', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'akkoord-keys-'));
    dirs.push(dataDir);
    await (await start(dataDir, { ENCRYPTION_KEYS: `k1:${A}`, LINK_SIGNING_KEY: LINK })).close();
    const again = await start(dataDir, { ENCRYPTION_KEYS: `k1:${B}`, LINK_SIGNING_KEY: LINK });
    expect((await again.store.listKeyFingerprints()).map((f) => f.keyId).sort()).toEqual(['#audit-chain', 'k1']);
  });

  describe('AUDIT_CHAIN_KEY', () => {
    const AUDIT = key();
    const OTHER_AUDIT = key();
    const keys = (audit: string) => ({ ENCRYPTION_KEYS: `k1:${A}`, LINK_SIGNING_KEY: LINK, AUDIT_CHAIN_KEY: audit });
    const auditFingerprint = async (c: Container) => (await c.store.listKeyFingerprints()).find((f) => f.keyId === '#audit-chain')?.fingerprint;
    const eventCount = (c: Container) => (c.store as SqliteStore).db.prepare('SELECT COUNT(*) FROM events').pluck().get();

    test('when events were sealed with audit key A and the service restarts with audit key B, then it refuses to start, naming AUDIT_CHAIN_KEY and what to do', async () => {
      const { dataDir } = await storeWithData(keys(AUDIT));
      const message = await refusal(dataDir, keys(OTHER_AUDIT));
      expect(message).toMatch(/^Akkoord cannot start/);
      expect(message).toContain(`AUDIT_CHAIN_KEY: this is not the key that sealed the audit log in ${join(dataDir, 'akkoord.db')} (its fingerprint differs)`);
      expect(message).toContain('Set AUDIT_CHAIN_KEY to the key this store ran with before');
      expect(message).not.toContain(AUDIT);
      expect(message).not.toContain(OTHER_AUDIT);
    });

    test('when the service restarts with the same audit key, then it starts, and the store holds the key\'s fingerprint, never the key', async () => {
      const { dataDir } = await storeWithData(keys(AUDIT));
      const again = await start(dataDir, keys(AUDIT));
      const expected = createHmac('sha256', Buffer.from(AUDIT, 'base64')).update('akkoord audit key fingerprint v1').digest('hex').slice(0, 32);
      expect(await auditFingerprint(again)).toBe(expected);
      const everything = JSON.stringify((again.store as SqliteStore).db.prepare('SELECT * FROM key_fingerprints').all());
      expect(everything).not.toContain(AUDIT);
      expect(everything).not.toContain(Buffer.from(AUDIT, 'base64').toString('hex'));
    });

    test('when a store from before the audit key fingerprint holds events, then the first start checks the key against a sealed chain head: the wrong key is refused, the right one starts and is recorded', async () => {
      const { dataDir } = await storeWithData(keys(AUDIT));
      const first = await start(dataDir, keys(AUDIT));
      const events = eventCount(first);
      (first.store as SqliteStore).db.exec("DELETE FROM key_fingerprints WHERE key_id = '#audit-chain'");
      await first.close();

      expect(await refusal(dataDir, keys(OTHER_AUDIT))).toContain(`AUDIT_CHAIN_KEY: this is not the key that sealed the audit log in ${join(dataDir, 'akkoord.db')} (the seal of a stored chain head does not match it)`);
      const right = await start(dataDir, keys(AUDIT));
      expect(eventCount(right)).toBe(events);
      expect(await auditFingerprint(right)).toMatch(/^[0-9a-f]{32}$/);
      await right.close();
      expect(await refusal(dataDir, keys(OTHER_AUDIT))).toContain('(its fingerprint differs)');
    });

    test('when a store holds no events yet, then another audit key is accepted and recorded instead', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'akkoord-keys-'));
      dirs.push(dataDir);
      const first = await start(dataDir, keys(AUDIT));
      const before = await auditFingerprint(first);
      await first.close();
      const again = await start(dataDir, keys(OTHER_AUDIT));
      expect(await auditFingerprint(again)).toMatch(/^[0-9a-f]{32}$/);
      expect(await auditFingerprint(again)).not.toBe(before);
    });
  });

  test('when dev-keys.json is deleted in development while the store holds data, then it refuses, says the file is missing and data exists, and keeps no new key file', async () => {
    const { dataDir } = await storeWithData({});
    unlinkSync(join(dataDir, 'dev-keys.json'));
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const message = await refusal(dataDir, { NODE_ENV: 'development' });
      expect(message).toContain(`${join(dataDir, 'dev-keys.json')} is missing, but ${join(dataDir, 'akkoord.db')} holds data sealed with the development keys`);
      expect(message).toContain('Put that dev-keys.json back');
      expect(existsSync(join(dataDir, 'dev-keys.json'))).toBe(false);
    }
  });

  test('when the CLI is run with the wrong key, then it refuses with the same message before touching the store', async () => {
    const { dataDir } = await storeWithData({ ENCRYPTION_KEYS: `k1:${A}`, LINK_SIGNING_KEY: LINK });
    const io = { env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ENCRYPTION_KEYS: `k1:${B}`, LINK_SIGNING_KEY: LINK }, out: () => undefined, err: () => undefined };
    await expect(runCli(['api-key', 'create', '--name', 'late'], io)).rejects.toThrow('key "k1" is not the key that sealed the data');
    await expect(runCli(['audit', 'verify'], io)).rejects.toThrow(ConfigError);
  });

  test('when the server process is started with the wrong key, then it exits 1 with the message and never answers readyz', async () => {
    const { dataDir } = await storeWithData({ ENCRYPTION_KEYS: `k1:${A}`, LINK_SIGNING_KEY: LINK });
    const port = await freePort();
    const child = spawn(process.execPath, ['-r', projectPath('test', 'helpers', 'ts-register.js'), projectPath('src', 'main.ts')], {
      cwd: projectPath(),
      env: { PATH: process.env.PATH, NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ENCRYPTION_KEYS: `k1:${B}`, LINK_SIGNING_KEY: LINK },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.resume();
    try {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      // A service that starts anyway would never exit: then readyz is asked until the test gives up.
      const answeredReady = (async () => {
        for (;;) {
          if (child.exitCode !== null) return false;
          const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
          if (ready) return true;
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      expect(await Promise.race([exited.then(() => false), answeredReady])).toBe(false);
      expect(await exited).toBe(1);
      expect(stderr).toContain('key "k1" is not the key that sealed the data');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('key fingerprints and key ids', () => {
  test('when a key is fingerprinted, then the record is 16 bytes of hex that is neither the key nor its plain hash, and the same key gives the same record', () => {
    const raw = Buffer.from(A, 'base64');
    const fingerprint = keyFingerprint(raw);
    expect(fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(fingerprint).toBe(keyFingerprint(Buffer.from(A, 'base64')));
    expect(fingerprint).not.toBe(keyFingerprint(Buffer.from(B, 'base64')));
    expect(createHash('sha256').update(raw).digest('hex')).not.toContain(fingerprint);
  });

  test('when a sealed value or its first 64 characters or bytes are read, then the key id that sealed it is found', () => {
    const cipher = new FieldCipher(parseKeyRing(`rotated-2026:${A},k1:${B}`));
    expect(cipher.keyIdOf(cipher.encrypt('Sam', 'x').slice(0, 64))).toBe('rotated-2026');
    expect(cipher.keyIdOf(cipher.encryptBytes(Buffer.alloc(1000), 'y').subarray(0, 64))).toBe('rotated-2026');
    expect(cipher.keyIdOf('not ours')).toBeNull();
  });
});
