import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';

import { runCli } from '../../src/cli';
import { loadConfig } from '../../src/config';
import { buildContainer } from '../../src/container';
import { DEMO_ADMIN_EMAIL, firstStart } from '../../src/organisations/bootstrap-demo';
import { completeSetup } from '../helpers/staff';
import type { TestApp } from '../helpers/test-app';

const ENV = { NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_BASE_URL: 'https://akkoord.example.nl', STAFF_PASSWORD_SCRYPT_LOG2N: '14' };
const LINK = /^https:\/\/akkoord\.example\.nl\/app\/setup\/[A-Za-z0-9_-]{43}$/;

describe('akkoord user invite and org create --admin-email', () => {
  let dir: string;
  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { env: { ...ENV, DATA_DIR: dir }, out: (t) => void out.push(t), err: (t) => void err.push(t) });
    return { code, out: out.join(''), err: err.join(''), lines: out.join('').trim().split('\n') };
  };
  const withContainer = async <T>(use: (container: ReturnType<typeof buildContainer>) => Promise<T>): Promise<T> => {
    // Over plain http (supertest), so that the cookies are not Secure-only; the data is the same.
    const container = buildContainer(loadConfig({ ...ENV, DATA_DIR: dir, PUBLIC_BASE_URL: 'http://127.0.0.1:3000' }), { logger: pino({ level: 'silent' }) });
    try {
      return await use(container);
    } finally {
      await container.close();
    }
  };
  /** Set-up through the app of a container on the same data (the set-up link's path on it). */
  const setUp = (container: ReturnType<typeof buildContainer>, link: string) =>
    completeSetup({ container, clock: container.clock } as unknown as TestApp, request.agent(container.app), link);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'akkoord-user-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('when org create is given --admin-email, then the first admin\'s set-up link is on its own line above the API key, and it works once', async () => {
    const r = await cli(['org', 'create', '--name', 'Buurtwerk Noord', '--admin-email', 'Coordinator@Buurtwerk-Noord.nl']);
    expect(r).toMatchObject({ code: 0, err: '' });
    const n = r.lines.length;
    expect(r.lines[n - 1]).toMatch(/^ak_live_\S{32}$/);
    expect(r.lines[n - 2]).toMatch(/^Its first API key/);
    expect(r.lines[n - 3]).toMatch(LINK);
    expect(r.lines[n - 4]).toContain('Coordinator@buurtwerk-noord.nl (admin)');
    const organisationId = /\((org_[^)]+)\)/.exec(r.out)![1]!;
    await withContainer(async (container) => {
      await setUp(container, r.lines[n - 3]!);
      const [user] = await container.store.listStaffUsers(organisationId);
      expect(user).toMatchObject({ role: 'admin', email: 'Coordinator@buurtwerk-noord.nl' });
      expect(user!.enrolledAt).not.toBeNull();
      expect((await request(container.app).get(new URL(r.lines[n - 3]!).pathname).set('Accept', 'text/html')).status).toBe(410);
    });
  });

  test('when org create has a bad --admin-email, then it exits 2 naming the option and creates nothing; without it, it says how to invite', async () => {
    expect(await cli(['org', 'create', '--name', 'X', '--admin-email', 'geen-adres'])).toMatchObject({ code: 2, out: '', err: expect.stringContaining('org create --admin-email: This is not a valid e-mail address.') });
    expect((await cli(['org', 'list'])).lines).toHaveLength(1);
    const plain = await cli(['org', 'create', '--name', 'Buurtwerk Zuid']);
    expect(plain.out).toMatch(/user invite --organisation org_\S+ --email <address> --role admin/);
  });

  test('when user invite is run, then its last line is a one-time set-up link for that role; user list shows the account', async () => {
    const org = await cli(['org', 'create', '--name', 'Buurtwerk Noord']);
    const organisationId = /\((org_[^)]+)\)/.exec(org.out)![1]!;
    const r = await cli(['user', 'invite', '--organisation', organisationId, '--email', 'jongerenwerker@example.nl', '--role', 'youth-worker']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.lines[r.lines.length - 1]).toMatch(LINK);
    expect(r.out).toContain('(72 hours), works once');
    const list = await cli(['user', 'list', '--organisation', organisationId]);
    expect(list.out).toMatch(/usr_\S+\tjongerenwerker@example\.nl\tyouth-worker\tinvited\t/);
    await withContainer(async (container) => {
      await setUp(container, r.lines[r.lines.length - 1]!);
    });
    expect((await cli(['user', 'list', '--organisation', organisationId])).out).toMatch(/\tyouth-worker\tactive\t/);
    expect(await cli(['user', 'invite', '--organisation', organisationId, '--email', 'jongerenwerker@example.nl', '--role', 'admin'])).toMatchObject({ code: 2, err: expect.stringContaining('already has an account') });
  });

  test('when user invite lacks an option or has a wrong one, then it exits 2 and says which', async () => {
    const org = await cli(['org', 'create', '--name', 'Buurtwerk Noord']);
    const organisationId = /\((org_[^)]+)\)/.exec(org.out)![1]!;
    expect(await cli(['user', 'invite', '--organisation', organisationId, '--email', 'a@example.nl'])).toMatchObject({ code: 2, err: expect.stringContaining('--role is required') });
    expect(await cli(['user', 'invite', '--organisation', organisationId, '--email', 'a@example.nl', '--role', 'baas'])).toMatchObject({ code: 2, err: expect.stringContaining('user invite: --role: One of: admin, youth-worker.') });
    expect(await cli(['user', 'invite', '--organisation', organisationId, '--email', 'geen', '--role', 'admin'])).toMatchObject({ code: 2, err: expect.stringContaining('user invite: --email: This is not a valid e-mail address.') });
    expect(await cli(['user', 'invite', '--organisation', 'org_bestaatniet', '--email', 'a@example.nl', '--role', 'admin'])).toMatchObject({ code: 2, err: expect.stringContaining('There is no organisation org_bestaatniet') });
  });

  test('when development starts with an empty store, then it prints a set-up link for the Demo administrator too', async () => {
    await withContainer(async (container) => {
      const text = (await firstStart(container, 'development', 'http://localhost:3000'))!;
      expect(text).toContain(`Set up the Demo administrator (${DEMO_ADMIN_EMAIL})`);
      expect(text).toMatch(/^ {2}http:\/\/localhost:3000\/app\/setup\/[A-Za-z0-9_-]{43}$/m);
      const [organisation] = await container.store.listOrganisations();
      const [admin] = await container.store.listStaffUsers(organisation!.id);
      expect(admin).toMatchObject({ role: 'admin', email: DEMO_ADMIN_EMAIL, enrolledAt: null });
      expect(await firstStart(container, 'development', 'http://localhost:3000')).toBeNull();
    });
  });
});
