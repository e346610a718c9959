import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import pino from 'pino';

import { runCli } from '../../src/cli';
import { loadConfig } from '../../src/config';
import { buildContainer } from '../../src/container';
import { auth, childRequest, createTestApp, deliverAndGetLink } from '../helpers/test-app';

function capture(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env }, out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

describe('akkoord CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'akkoord-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('when an API key is created, then its last printed line is a key that the API accepts', async () => {
    const c = capture({ DATA_DIR: dir });
    expect(await runCli(['api-key', 'create', '--name', 'registratiesysteem'], c.io)).toBe(0);
    const lines = c.out.join('').trim().split('\n');
    const key = lines[lines.length - 1]!;
    expect(key).toMatch(/^ak_live_[A-Za-z0-9_-]{32}$/);
    const container = buildContainer(loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, LOG_LEVEL: 'silent' }), { logger: pino({ level: 'silent' }) });
    const res = await request(container.app).get('/api/v1/forms').set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(200);
    await container.close();
  });

  test('when no name is given, then it explains and exits 2', async () => {
    const c = capture({ DATA_DIR: dir });
    expect(await runCli(['api-key', 'create'], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(/--name/);
  });

  test('when the key name holds a bidi override or a line break, then it explains and exits 2; padded spaces are trimmed', async () => {
    for (const name of ['\u202Eyek-noitartsiger', 'registratie\nsysteem']) {
      const c = capture({ DATA_DIR: dir });
      expect(await runCli(['api-key', 'create', '--name', name], c.io)).toBe(2);
      expect(c.err.join('')).toMatch(/--name: Must not contain/);
    }
    const c = capture({ DATA_DIR: dir });
    expect(await runCli(['api-key', 'create', '--name', '  registratie   systeem '], c.io)).toBe(0);
    expect(c.out.join('')).toContain('API key "registratie systeem"');
  });

  test('when the shipped forms are checked, then all are valid', async () => {
    const c = capture({ DATA_DIR: dir });
    expect(await runCli(['forms', 'check'], c.io)).toBe(0);
    expect(c.out.join('')).toMatch(/3 forms valid/);
  });

  test('when a form is broken, then forms check names file, line and field and exits 1', async () => {
    const formsDir = join(dir, 'forms');
    mkdirSync(formsDir);
    writeFileSync(join(formsDir, 'kapot.yaml'), 'id: kapot\naudience: everyone\n');
    const c = capture({ DATA_DIR: dir, FORMS_DIR: formsDir });
    expect(await runCli(['forms', 'check'], c.io)).toBe(1);
    expect(c.err.join('')).toMatch(/kapot\.yaml:2 audience/);
  });

  test('when an unknown command is given, then usage is shown', async () => {
    const c = capture({ DATA_DIR: dir });
    expect(await runCli(['nope'], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(/Usage/);
  });
});

describe('akkoord audit verify', () => {
  test('when the event rows are untouched, then every chain holds; when a row is edited or removed in SQLite (trigger dropped), then the broken link is named', async () => {
    const app = await createTestApp();
    const ids: string[] = [];
    for (const ref of ['A-1', 'A-2']) {
      const res = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest({ subject: { reference: ref, firstName: 'Sam', dateOfBirth: '2014-04-02' } }));
      ids.push(res.body.id);
      await deliverAndGetLink(app, res.body.id);
      await app.http.post(`/api/v1/consent-requests/${res.body.id}/cancel`).set(auth(app.apiKey));
    }
    const env = { DATA_DIR: app.dataDir };
    const ok = capture(env);
    expect(await runCli(['audit', 'verify'], ok.io)).toBe(0);
    expect(ok.out.join('')).toMatch(/ok: 2 chains, 6 events/);

    const db = (app.container.store as unknown as { db: Database.Database }).db;
    // The database refuses edits of events; someone with write access can drop that guard.
    db.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;');
    const second = db.prepare('SELECT id FROM events WHERE request_id = ? ORDER BY seq LIMIT 1 OFFSET 1').pluck().get(ids[1]) as string;
    db.prepare(`UPDATE events SET detail = json_set(detail, '$.channel', 'email') WHERE id = ?`).run(second);
    const edited = capture(env);
    expect(await runCli(['audit', 'verify'], edited.io)).toBe(1);
    expect(edited.err.join('')).toContain(`BROKEN: request ${ids[1]}, event ${second} (#2): its content does not match its hash`);

    db.prepare('DELETE FROM events WHERE id = ?').run(second);
    const removed = capture(env);
    expect(await runCli(['audit', 'verify'], removed.io)).toBe(1);
    expect(removed.err.join('')).toMatch(/#2\): its previous-hash does not match/);
    await app.close();
  });
});
