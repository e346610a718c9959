import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';

import { ConfigError, loadConfig } from '../src/config';
import { buildContainer } from '../src/container';
import { bootstrapDemo } from '../src/organisations/bootstrap-demo';

const PROVIDERS = {
  TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: '2'.repeat(32),
  TWILIO_MESSAGING_SERVICE_SID: `MG${'3'.repeat(32)}`,
  SENDGRID_API_KEY: 'SG.test-key-123',
  SENDGRID_FROM: 'Akkoord <noreply@akkoord.example.nl>',
  SENDGRID_WEBHOOK_PUBLIC_KEY: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE' + 'A'.repeat(40),
  SIGNING_P12_PATH: '/etc/akkoord/seal.p12',
  SIGNING_P12_PASSWORD: 'secret',
};

describe('configuration', () => {
  test('when production starts without base URL and keys, then one error lists everything missing', () => {
    try {
      loadConfig({ NODE_ENV: 'production' });
      throw new Error('started');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(/PUBLIC_BASE_URL is required/);
      expect(message).toMatch(/ENCRYPTION_KEYS is required/);
      expect(message).toMatch(/LINK_SIGNING_KEY is required/);
      expect(message).toMatch(/AUDIT_CHAIN_KEY is required in production/);
      expect(message).toMatch(/SMS has no provider: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM/);
      expect(message).toMatch(/E-mail has no provider: set SENDGRID_API_KEY and SENDGRID_FROM/);
      expect(message).toMatch(/SIGNING_P12_PATH and SIGNING_P12_PASSWORD are required in production/);
    }
  });

  test('when a provider is configured only in part, then the missing variables are named', () => {
    expect(() => loadConfig({ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}` })).toThrow(/Twilio is partly configured; also set TWILIO_AUTH_TOKEN, TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM/);
    expect(() => loadConfig({ SENDGRID_API_KEY: 'SG.abcdefgh' })).toThrow(/also set SENDGRID_FROM/);
    expect(() => loadConfig({ SENDGRID_API_KEY: 'SG.abcdefgh', SENDGRID_FROM: 'not an address' })).toThrow(/SENDGRID_FROM/);
    expect(() => loadConfig({ TWILIO_FROM: 'Buurtwerk Noord Oost' })).toThrow(/TWILIO_FROM/);
  });

  test('when providers are configured, then the sender id, mailbox and API addresses are read', () => {
    const c = loadConfig({ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'b'.repeat(32), TWILIO_FROM: 'Buurtwerk', SENDGRID_API_KEY: 'SG.abcdefgh', SENDGRID_FROM: 'Buurtwerk Noord <noreply@buurtwerk.example.nl>', SENDGRID_API_BASE_URL: 'https://api.eu.sendgrid.com' });
    expect(c.twilio).toMatchObject({ from: 'Buurtwerk', messagingServiceSid: undefined });
    expect(c.sendgrid).toMatchObject({ from: { email: 'noreply@buurtwerk.example.nl', name: 'Buurtwerk Noord' }, apiBaseUrl: 'https://api.eu.sendgrid.com' });
  });

  test('when production gets an http base URL, then it refuses', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://akkoord.example.nl', ENCRYPTION_KEYS: 'k1:x', LINK_SIGNING_KEY: 'x' })).toThrow(/must start with https/);
  });

  test('when production has everything, then it loads', () => {
    const config = loadConfig({ ...PROVIDERS, NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://akkoord.example.nl/', ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`, LINK_SIGNING_KEY: randomBytes(32).toString('base64'), AUDIT_CHAIN_KEY: randomBytes(32).toString('base64') });
    expect(config.publicBaseUrl).toBe('https://akkoord.example.nl');
  });

  test('when the base URL is too long for a link in one SMS, then it is refused', () => {
    expect(() => loadConfig({ PUBLIC_BASE_URL: `https://${'a'.repeat(40)}.example.nl` })).toThrow(/at most 56 characters/);
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://toestemming.buurtwerk-noord.example.nl' }).publicBaseUrl).toBe('https://toestemming.buurtwerk-noord.example.nl');
  });

  test('when a value is invalid, then the variable is named', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => loadConfig({ DEFAULT_EXPIRY_DAYS: '0' })).toThrow(/DEFAULT_EXPIRY_DAYS/);
  });

  test('when a production key is malformed, then start-up refuses and says why, in the same list as the other problems', () => {
    const env = { ...PROVIDERS, NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://a.example.nl', ENCRYPTION_KEYS: 'k1:short', LINK_SIGNING_KEY: 'c2hvcnQ=', DATA_DIR: mkdtempSync(join(tmpdir(), 'akk-')) };
    expect(() => loadConfig(env)).toThrow(/ENCRYPTION_KEYS: .*32 bytes[\s\S]*LINK_SIGNING_KEY[\s\S]*https/);
  });

  test('when production has a malformed value and missing settings, then one error lists them all', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', PORT: 'abc' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'PUBLIC_BASE_URL', 'ENCRYPTION_KEYS', 'LINK_SIGNING_KEY', 'AUDIT_CHAIN_KEY', 'SIGNING_P12_PATH']) expect(problems).toContain(name);
  });

  test('when development starts without keys, then a key file with mode 0600 is made, and the demo key is given only on the first start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-dev-'));
    const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: dir, LOG_LEVEL: 'silent' });
    const first = buildContainer(config, { logger: pino({ level: 'silent' }) });
    expect(statSync(join(dir, 'dev-keys.json')).mode & 0o777).toBe(0o600);
    expect(await bootstrapDemo(first)).toMatchObject({ secret: expect.stringMatching(/^ak_live_/) });
    await first.close();
    const second = buildContainer(config, { logger: pino({ level: 'silent' }) });
    expect(await bootstrapDemo(second)).toBeNull();
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('when AUDIT_CHAIN_KEY is shorter than 32 bytes, then start-up refuses and names it', () => {
    expect(() => loadConfig({ AUDIT_CHAIN_KEY: randomBytes(31).toString('base64') })).toThrow(/AUDIT_CHAIN_KEY: must be base64 of at least 32 bytes/);
  });

  test('when a development key file from before the audit key is found, then the audit key is added and the other keys stay', () => {
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-dev-'));
    const old = { encryptionKeys: `dev1:${randomBytes(32).toString('base64')}`, linkSigningKey: randomBytes(32).toString('base64') };
    writeFileSync(join(dir, 'dev-keys.json'), JSON.stringify(old), { mode: 0o600 });
    const container = buildContainer(loadConfig({ NODE_ENV: 'development', DATA_DIR: dir, LOG_LEVEL: 'silent' }), { logger: pino({ level: 'silent' }) });
    const keys = JSON.parse(readFileSync(join(dir, 'dev-keys.json'), 'utf8')) as Record<string, string>;
    expect(keys).toMatchObject(old);
    expect(Buffer.from(keys.auditChainKey!, 'base64')).toHaveLength(32);
    expect(statSync(join(dir, 'dev-keys.json')).mode & 0o777).toBe(0o600);
    return container.close().then(() => rmSync(dir, { recursive: true, force: true }));
  });

  test('when TSA_TRUSTED_CERTS is missing or holds no certificate, then start-up refuses and names it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-tsa-'));
    try {
      writeFileSync(join(dir, 'empty.pem'), 'not a certificate\n');
      const start = (file: string) => () => buildContainer(loadConfig({ NODE_ENV: 'development', DATA_DIR: dir, LOG_LEVEL: 'silent', TSA_TRUSTED_CERTS: file }), { logger: pino({ level: 'silent' }) });
      expect(start(join(dir, 'missing.pem'))).toThrow(expect.objectContaining({ problems: [expect.stringMatching(/^TSA_TRUSTED_CERTS: ENOENT/)] }));
      expect(start(join(dir, 'empty.pem'))).toThrow(expect.objectContaining({ problems: ['TSA_TRUSTED_CERTS: the file holds no PEM certificate'] }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
