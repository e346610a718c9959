import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import sharp from 'sharp';

import { runCli } from '../../src/cli';
import { loadConfig } from '../../src/config';
import { buildContainer } from '../../src/container';
import { rgbaPng } from '../helpers/png';

function capture(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env }, out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err, text: () => out.join(''), error: () => err.join('') };
}

describe('akkoord org and api-key commands', () => {
  let dir: string;
  const cli = async (args: string[]) => {
    const c = capture({ DATA_DIR: dir });
    const code = await runCli(args, c.io);
    return { code, out: c.text(), err: c.error() };
  };
  const withContainer = async <T>(use: (container: ReturnType<typeof buildContainer>) => Promise<T>): Promise<T> => {
    const container = buildContainer(loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, LOG_LEVEL: 'silent' }), { logger: pino({ level: 'silent' }) });
    try {
      return await use(container);
    } finally {
      await container.close();
    }
  };
  const create = async (...extra: string[]) => {
    const r = await cli(['org', 'create', '--name', 'Buurtwerk Noord', ...extra]);
    expect(r).toMatchObject({ code: 0, err: '' });
    const lines = r.out.trim().split('\n');
    return { id: /\((org_[^)]+)\)/.exec(r.out)![1]!, key: lines[lines.length - 1]!, out: r.out };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'akkoord-org-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('when an organisation is created with settings, then the last line is its key, the API accepts it for that organisation, and the settings are stored', async () => {
    const org = await create('--contact-phone', '020 123 4567', '--contact-email', 'Info@Buurtwerk-Noord.NL', '--website', 'https://buurtwerk-noord.nl',
      '--privacy-url', 'https://buurtwerk-noord.nl/privacy', '--dpo-contact', 'Fatima El Amrani, fg@buurtwerk-noord.nl', '--sms-sender', 'BuurtwerkN',
      '--email-sender-name', 'Buurtwerk  Noord', '--reply-to', 'jeugd@buurtwerk-noord.nl', '--language', 'en', '--reminder-after-days', '5', '--expiry-days', '30');
    expect(org.key).toMatch(/^ak_live_[A-Za-z0-9_-]{32}$/);
    await withContainer(async (container) => {
      const res = await request(container.app).get('/api/v1/forms').set('Authorization', `Bearer ${org.key}`);
      expect(res.status).toBe(200);
      const [key] = await container.store.listApiKeys(org.id);
      expect(await container.store.findApiKeyByHash(key!.keyHash)).toMatchObject({ organisationId: org.id });
      expect(await container.store.getOrganisationSettings(org.id)).toEqual({
        contactPhone: '+31201234567', contactEmail: 'Info@buurtwerk-noord.nl', website: 'https://buurtwerk-noord.nl/', privacyStatementUrl: 'https://buurtwerk-noord.nl/privacy',
        dpoContact: 'Fatima El Amrani, fg@buurtwerk-noord.nl', smsSenderName: 'BuurtwerkN', emailSenderName: 'Buurtwerk Noord', emailReplyTo: 'jeugd@buurtwerk-noord.nl',
        defaultLanguage: 'en', reminderAfterDays: 5, expiryDays: 30, logoPng: null,
      });
    });
    const shown = await cli(['org', 'show', org.id]);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`id\t${org.id}\n`);
    expect(shown.out).toContain('--name\tBuurtwerk Noord\n--contact-phone\t+31201234567\n');
    expect(shown.out).toContain('--dpo-contact\tFatima El Amrani, fg@buurtwerk-noord.nl\n');
    expect(shown.out).toContain('--reminder-after-days\t5\n--expiry-days\t30\n--logo\t-\n');
    expect(shown.out).not.toMatch(/ak_live_/);
    expect(await cli(['org', 'show', 'org_nope'])).toMatchObject({ code: 2, err: expect.stringContaining('there is no organisation org_nope') });
    // The data protection officer may be a person: not readable in the database file.
    const db = new Database(join(dir, 'akkoord.db'), { readonly: true });
    const row = db.prepare('SELECT * FROM organisations WHERE id = ?').get(org.id) as Record<string, unknown>;
    db.close();
    expect(JSON.stringify(row)).not.toContain('Fatima');
    expect(JSON.stringify(row)).toContain('+31201234567');
  });

  test('when organisations are listed, then each shows id, name, created and key counts, and no secret or hash', async () => {
    const org = await create();
    const second = await cli(['api-key', 'create', '--name', 'tweede', '--organisation', org.id]);
    expect(second.code).toBe(0);
    const list = await cli(['org', 'list']);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`^${org.id}\\tBuurtwerk Noord\\t\\d{4}-\\d\\d-\\d\\dT[^\\t]+\\t2\\t0$`, 'm'));
    expect(list.out).not.toMatch(/ak_live_|[0-9a-f]{64}/);
  });

  test('when API keys are listed and one is revoked, then the list shows it revoked, never a secret or hash; a second revoke or an unknown key exits 2', async () => {
    const org = await create();
    const other = await create();
    const all = await cli(['api-key', 'list']);
    expect(all.out.trim().split('\n')).toHaveLength(3);
    expect(all.out).not.toMatch(/ak_live_|[0-9a-f]{64}/);
    const mine = await cli(['api-key', 'list', '--organisation', org.id]);
    const [, row] = mine.out.trim().split('\n');
    const keyId = row!.split('\t')[0]!;
    expect(row).toMatch(new RegExp(`^key_\\S+\\t${org.id}\\tfirst key\\t\\S+\\t-\\tfull$`));
    expect(mine.out).not.toContain(other.id);

    expect(await cli(['api-key', 'revoke', keyId])).toMatchObject({ code: 0 });
    const after = await cli(['api-key', 'list', '--organisation', org.id]);
    expect(after.out).toMatch(new RegExp(`^${keyId}\\t.*\\t\\d{4}-\\d\\d-\\d\\dT\\S+Z\\tfull$`, 'm'));
    expect((await cli(['org', 'list'])).out).toMatch(new RegExp(`^${org.id}\\t.*\\t0\\t1$`, 'm'));
    await withContainer(async (container) => {
      expect((await request(container.app).get('/api/v1/forms').set('Authorization', `Bearer ${org.key}`)).status).toBe(401);
      expect((await request(container.app).get('/api/v1/forms').set('Authorization', `Bearer ${other.key}`)).status).toBe(200);
    });
    expect(await cli(['api-key', 'revoke', keyId])).toMatchObject({ code: 2, err: expect.stringContaining('already revoked') });
    expect(await cli(['api-key', 'revoke', 'key_nope'])).toMatchObject({ code: 2, err: expect.stringContaining('There is no API key key_nope') });
    expect(await cli(['api-key', 'list', '--organisation', 'org_nope'])).toMatchObject({ code: 2, err: expect.stringContaining('no organisation org_nope') });
  });

  test('when a read-only key is made, then it reads consent status (single and batch) and every other API route answers 403; the list says status-read', async () => {
    const org = await create();
    const made = await cli(['api-key', 'create', '--name', 'registratie lezen', '--organisation', org.id, '--read-only']);
    expect(made.code).toBe(0);
    expect(made.out).toContain('read-only: consent status lookups only');
    const secret = made.out.trim().split('\n').at(-1)!;
    expect((await cli(['api-key', 'list', '--organisation', org.id])).out).toMatch(/\tregistratie lezen\t\S+\t-\tstatus-read$/m);
    await withContainer(async (container) => {
      const as = (key: string) => ({ Authorization: `Bearer ${key}` });
      expect((await request(container.app).get('/api/v1/subjects/REG-1/consent').set(as(secret))).status).toBe(200);
      expect((await request(container.app).post('/api/v1/subjects/consent-status').set(as(secret)).send({ references: ['REG-1'] })).status).toBe(200);
      const refused = [
        await request(container.app).get('/api/v1/forms').set(as(secret)),
        await request(container.app).get('/api/v1/consent-requests').set(as(secret)),
        await request(container.app).post('/api/v1/consent-requests').set(as(secret)).send({}),
        await request(container.app).put('/api/v1/subjects/REG-1/contact').set(as(secret)).send({ channel: 'sms', phone: '0612345678' }),
      ];
      for (const res of refused) {
        expect(res.status).toBe(403);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.detail).toContain('may only read consent status');
      }
      // The full key of the same organisation still does everything.
      expect((await request(container.app).get('/api/v1/forms').set(as(org.key))).status).toBe(200);
    });
  });

  const BAD_VALUES: [string[], string][] = [
    [['--contact-phone', '12345'], '--contact-phone: This is not a valid phone number.'],
    [['--contact-email', 'info@'], '--contact-email: This is not a valid e-mail address.'],
    [['--reply-to', 'nope'], '--reply-to: This is not a valid e-mail address.'],
    [['--website', 'http://buurtwerk.nl'], '--website: Give a full https:// address'],
    [['--privacy-url', 'javascript:alert(1)'], '--privacy-url: Give a full https:// address'],
    [['--privacy-url', 'privacy'], '--privacy-url: This is not a valid URL'],
    [['--sms-sender', 'BuurtwerkNrd'], '--sms-sender: 1 to 11 characters'],
    [['--sms-sender', '0201234567'], '--sms-sender: 1 to 11 characters'],
    [['--sms-sender', 'Buurt_werk'], '--sms-sender: 1 to 11 characters'],
    [['--sms-sender', 'Bürgerhaus'], '--sms-sender: 1 to 11 characters'],
    [['--language', 'de'], '--language: One of: nl, en.'],
    [['--reminder-after-days', '0'], '--reminder-after-days: A whole number of days from 1 to 30.'],
    [['--reminder-after-days', '31'], '--reminder-after-days: A whole number of days from 1 to 30.'],
    [['--expiry-days', '366'], '--expiry-days: A whole number of days from 1 to 365.'],
    [['--expiry-days', '2.5'], '--expiry-days: A whole number of days from 1 to 365.'],
    [['--dpo-contact', 'Fatima\nEl Amrani'], '--dpo-contact: Must not contain control characters'],
    [['--email-sender-name', '\u202Eedron'], '--email-sender-name: Must not contain bidirectional'],
    [['--colour', 'blue'], 'unknown option "--colour"'],
    [['--website'], '--website needs a value'],
    [['--language', 'nl', '--language', 'en'], '--language is given twice'],
  ];
  test('when org create gets a bad value for any option, then it names the option and exits 2', async () => {
    for (const [extra, message] of BAD_VALUES) {
      const r = await cli(['org', 'create', '--name', 'Buurtwerk Noord', ...extra]);
      expect({ extra, code: r.code, out: r.out, err: r.err }).toEqual({ extra, code: 2, out: '', err: expect.stringContaining(message) });
      expect(r.err).toMatch(/^org create[ :]/);
    }
  });

  test('when org create has no name, an empty or too long one, or a bad setting, then it exits 2 naming the option and creates nothing', async () => {
    expect(await cli(['org', 'create'])).toMatchObject({ code: 2, err: expect.stringContaining('--name <name> is required') });
    expect(await cli(['org', 'create', '--name', '\u200B'])).toMatchObject({ code: 2, err: expect.stringContaining('org create --name: Must not be empty') });
    expect(await cli(['org', 'create', '--name', 'x'.repeat(101)])).toMatchObject({ code: 2, err: expect.stringContaining('org create --name: At most 100 characters.') });
    expect(await cli(['org', 'create', '--name', 'Buurtwerk Noord', '--sms-sender', 'Buurtwerk Noord'])).toMatchObject({ code: 2, err: expect.stringContaining('org create --sms-sender: ') });
    expect((await cli(['org', 'list'])).out.trim().split('\n')).toHaveLength(1);
  });

  test('when the turning-16 and renewal settings are updated, then they are stored and shown, and a bad value names its option', async () => {
    const org = await create();
    expect(await cli(['org', 'update', org.id, '--turning16-policy', 'lapses-after-days', '--turning16-lapse-days', '14', '--turning16-window-days', '45', '--turning16-form', 'inloop-16-plus', '--renewal-days-before', '0'])).toMatchObject({ code: 0 });
    expect(await cli(['org', 'update', org.id, '--turning16-window-days', '0'])).toMatchObject({ code: 2, err: expect.stringContaining('org update --turning16-window-days:') });
    expect(await cli(['org', 'update', org.id, '--turning16-policy', 'always'])).toMatchObject({ code: 2, err: expect.stringContaining('org update --turning16-policy:') });
    const shown = (await cli(['org', 'show', org.id])).out;
    expect(shown).toContain('--turning16-policy\tlapses-after-days\n');
    expect(shown).toContain('--turning16-lapse-days\t14\n');
    expect(shown).toContain('--renewal-days-before\t0\n');
    await withContainer(async (container) => {
      expect(await container.store.getOrganisationSettings(org.id)).toMatchObject({ turning16Policy: 'lapses-after-days', turning16LapseDays: 14, turning16WindowDays: 45, turning16FormId: 'inloop-16-plus', renewalDaysBefore: 0 });
    });
  });

  test('when an organisation is updated, then only the given settings change, "" clears one, and a bad value changes nothing', async () => {
    const org = await create('--contact-phone', '06 12345678', '--website', 'https://noord.example.nl', '--language', 'nl');
    expect(await cli(['org', 'update', org.id, '--name', 'Buurtwerk Noord-West', '--contact-phone', '+32 470 12 34 56', '--website', ''])).toMatchObject({ code: 0 });
    expect(await cli(['org', 'update', org.id, '--language', 'en', '--expiry-days', '400'])).toMatchObject({ code: 2, err: expect.stringContaining('org update --expiry-days:') });
    await withContainer(async (container) => {
      expect(await container.store.getOrganisation(org.id)).toMatchObject({ name: 'Buurtwerk Noord-West' });
      expect(await container.store.getOrganisationSettings(org.id)).toMatchObject({ contactPhone: '+32470123456', website: null, defaultLanguage: 'nl', expiryDays: null });
    });
    expect(await cli(['org', 'update', 'org_nope', '--name', 'X'])).toMatchObject({ code: 2, err: expect.stringContaining('There is no organisation org_nope') });
    expect(await cli(['org', 'update', org.id])).toMatchObject({ code: 2, err: expect.stringContaining('at least one setting') });
  });

  describe('logos', () => {
    const stored = (id: string) => withContainer(async (c) => (await c.store.getOrganisationSettings(id))!.logoPng);

    test('when a PNG logo with metadata is given, then a re-encoded PNG without the metadata, at most 512 pixels wide, is stored', async () => {
      const png = await sharp(rgbaPng(800, 200, (x) => [x % 256, 80, 160, 255])).png().withMetadata({ exif: { IFD0: { Copyright: 'Geheim Fotograaf' } } }).toBuffer();
      expect(png.toString('latin1')).toContain('Geheim Fotograaf');
      const file = join(dir, 'logo.png');
      writeFileSync(file, png);
      const org = await create('--logo', file);
      const logo = (await stored(org.id))!;
      expect(logo.toString('latin1')).not.toContain('Geheim Fotograaf');
      const meta = await sharp(logo).metadata();
      expect(meta).toMatchObject({ format: 'png', width: 512, height: 128 });
      expect(meta.exif).toBeUndefined();
      expect((await cli(['org', 'show', org.id])).out).toContain(`--logo\tPNG 512 × 128 pixels, ${logo.length} bytes\n`);
      expect(await cli(['org', 'update', org.id, '--logo', ''])).toMatchObject({ code: 0 });
      expect(await stored(org.id)).toBeNull();
    });

    test('when an SVG logo holds a script, event handlers, an external image and a foreignObject, then only a rasterised PNG is stored', async () => {
      const svg = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="1000" height="500" onload="alert(1)">
        <script>alert('x')</script><rect width="1000" height="500" fill="#1f6feb" onclick="steal()"/>
        <image xlink:href="https://tracker.example/pixel.png" width="10" height="10"/>
        <foreignObject width="100" height="100"><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject></svg>`;
      const file = join(dir, 'logo.svg');
      writeFileSync(file, svg);
      const org = await create('--logo', file);
      const logo = (await stored(org.id))!;
      expect(logo.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(logo.toString('latin1')).not.toMatch(/script|onload|onclick|tracker|foreignObject|svg/i);
      expect(await sharp(logo).metadata()).toMatchObject({ format: 'png', width: 512, height: 256 });
      const { data } = await sharp(logo).raw().toBuffer({ resolveWithObject: true });
      expect([data[0], data[1], data[2]]).toEqual([0x1f, 0x6f, 0xeb]);
    });

    test.each([
      ['big.png', () => Buffer.concat([rgbaPng(4, 4, () => [0, 0, 0, 255]), Buffer.alloc(200 * 1024)]), 'org create --logo: The logo is 204874 bytes; at most 204800 bytes (200 KB) are allowed.'],
      ['huge.png', () => rgbaPng(5000, 1, () => [0, 0, 0, 255]), '--logo: The logo may be at most 4096 × 4096 pixels.'],
      ['entity.svg', () => Buffer.from('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'), '--logo: The SVG logo must not contain a DOCTYPE or ENTITY declaration.'],
      ['logo.gif', () => Buffer.from('GIF89a....'), '--logo: The logo must be a PNG or SVG file.'],
      ['broken.svg', () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><rect'), '--logo: The logo could not be read as an image.'],
    ])('when the logo is %s, then it exits 2 naming --logo', async (name, bytes, message) => {
      const file = join(dir, name);
      writeFileSync(file, bytes());
      const r = await cli(['org', 'create', '--name', 'Buurtwerk Noord', '--logo', file]);
      expect(r).toMatchObject({ code: 2, out: '' });
      expect(r.err).toContain(message);
      expect(await cli(['org', 'create', '--name', 'X', '--logo', join(dir, 'missing.png')])).toMatchObject({ code: 2, err: expect.stringContaining('org create --logo: Cannot read the file') });
    });
  });
});
