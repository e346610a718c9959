import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';

import { runCli } from '../../src/cli';
import { loadConfig } from '../../src/config';
import { createSelfSignedP12 } from '../../src/evidence/signing-identity';
import { buildContainer } from '../../src/container';
import { firstStart } from '../../src/organisations/bootstrap-demo';

describe('the first start', () => {
  let dir: string;
  let container: ReturnType<typeof buildContainer>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'akkoord-first-'));
    container = buildContainer(loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, LOG_LEVEL: 'silent' }), { logger: pino({ level: 'silent' }) });
  });
  afterEach(async () => {
    await container.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('when production starts with an empty store, then it creates nothing, prints no secret and says how to create the first organisation, every time', async () => {
    for (let start = 0; start < 2; start += 1) {
      const text = await firstStart(container, 'production', 'https://akkoord.example.nl');
      expect(text).toContain('npm run akkoord -- org create --name "…"');
      expect(text).not.toMatch(/ak_live_|Demo/);
      expect(await container.store.countOrganisations()).toBe(0);
      expect(await container.store.listApiKeys()).toEqual([]);
    }
  });

  test('when production starts with an organisation, then it prints nothing', async () => {
    await container.store.createOrganisation({ id: 'org_1', name: 'Buurtwerk Noord', createdAt: container.clock.now() });
    expect(await firstStart(container, 'production', 'https://akkoord.example.nl')).toBeNull();
  });

  test('when development starts with an empty store, then it creates "Demo" and prints its key once; the next start prints nothing', async () => {
    const text = (await firstStart(container, 'development', 'http://localhost:3000'))!;
    const [organisation] = await container.store.listOrganisations();
    expect(organisation).toMatchObject({ name: 'Demo', activeKeys: 1 });
    expect(text).toMatch(/^ {2}ak_live_\S{32}$/m);
    expect(await firstStart(container, 'development', 'http://localhost:3000')).toBeNull();
  });
});

describe('the CLI in production', () => {
  test('when the store is empty, then api-key create creates no Demo and says to run org create; org create makes the first organisation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-prod-'));
    try {
      writeFileSync(join(dir, 'seal.p12'), createSelfSignedP12('Akkoord test seal', 'Buurtwerk Noord', 'geheim'));
      const env = {
        NODE_ENV: 'production', LOG_LEVEL: 'silent', DATA_DIR: dir, PUBLIC_BASE_URL: 'https://akkoord.example.nl',
        ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`, LINK_SIGNING_KEY: randomBytes(32).toString('base64'), AUDIT_CHAIN_KEY: randomBytes(32).toString('base64'),
        SIGNING_P12_PATH: join(dir, 'seal.p12'), SIGNING_P12_PASSWORD: 'geheim',
        TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`, TWILIO_AUTH_TOKEN: '2'.repeat(32), TWILIO_MESSAGING_SERVICE_SID: `MG${'3'.repeat(32)}`,
        SENDGRID_API_KEY: 'SG.test-key-123', SENDGRID_FROM: 'Akkoord <noreply@akkoord.example.nl>', SENDGRID_WEBHOOK_PUBLIC_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      };
      const run = async (args: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await runCli(args, { env, out: (t) => void out.push(t), err: (t) => void err.push(t) });
        return { code, out: out.join(''), err: err.join('') };
      };
      expect(await run(['api-key', 'create', '--name', 'registratie'])).toEqual({ code: 2, out: '', err: expect.stringContaining('There is no organisation yet: create one with org create') });
      expect((await run(['org', 'list'])).out.trim().split('\n')).toHaveLength(1);
      const created = await run(['org', 'create', '--name', 'Buurtwerk Noord']);
      expect(created.code).toBe(0);
      expect(created.out.trim().split('\n').pop()).toMatch(/^ak_live_\S{32}$/);
      expect((await run(['org', 'list'])).out).toMatch(/\tBuurtwerk Noord\t\S+\t1\t0\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
