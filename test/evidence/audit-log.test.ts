import { createHash, createHmac, randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { runCli } from '../../src/cli';
import { AuditChainKey, canonicalJson, legacyEventHash } from '../../src/evidence/audit-chain';
import { describeUnchecked, verifyAuditLog, type AuditProblem } from '../../src/evidence/verify-audit-log';
import { FieldCipher, parseKeyRing } from '../../src/privacy/field-cipher';
import { applyMigrations, MIGRATIONS_DIR } from '../../src/storage/sqlite/migrate';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store';
import { adultRequest, auth, childRequest, createTestApp, deliverAndGetLink, openSigningPage, uploadAdultPaperConsent } from '../helpers/test-app';
import { createAndSign } from '../helpers/signing';
import { greyPng } from '../helpers/png';

/**
 * `audit verify` against a database with three requests: A cancelled after its invite went out,
 * B signed through its link and then one purpose withdrawn, C a paper consent. Each test tampers
 * with its own copy of that database directly in SQLite, as someone with write access to the file
 * but without AUDIT_CHAIN_KEY could, and reads what verify reports.
 */
let template: string;
const ids = { a: '', b: '', c: '' };
const copies: string[] = [];

beforeAll(async () => {
  const app = await createTestApp();
  const a = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest());
  const { id: b, link, cookie } = await createAndSign(app, adultRequest(), { purpose_registratie: 'yes', purpose_contact: 'yes', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker' });
  const done = await app.http.get(link).set('Cookie', cookie);
  const csrf2 = /name="_csrf"\s+value="([^"]+)"/.exec(done.text)![1]!;
  expect((await app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf2, purpose: 'contact', action: 'selected' })).status).toBe(303);
  expect((await app.http.post(`/api/v1/consent-requests/${a.body.id}/cancel`).set(auth(app.apiKey))).status).toBe(200);
  const c = await uploadAdultPaperConsent(app, 'REG-PAPER-1', greyPng());
  expect(c.status).toBe(201);
  Object.assign(ids, { a: a.body.id, b, c: c.body.id });
  await app.container.close();
  template = app.dataDir;
  // The first verify also makes the development seal in DATA_DIR, so the copies need not.
  const clean = await verify(template);
  expect(clean.err).toBe('');
}, 60_000);

afterAll(() => {
  for (const dir of [template, ...copies]) rmSync(dir, { recursive: true, force: true });
});

async function verify(dir: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['audit', 'verify'], { env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dir }, out: (t) => void out.push(t), err: (t) => void err.push(t) });
  return { code, out: out.join(''), err: err.join('') };
}

/** A copy of the seeded data folder, changed by `change` through a plain SQLite connection. */
function tampered(change: (db: Database.Database) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'akkoord-audit-'));
  copies.push(dir);
  cpSync(template, dir, { recursive: true });
  const db = new Database(join(dir, 'akkoord.db'));
  try {
    change(db);
  } finally {
    db.close();
  }
  return dir;
}

const dropTriggers = (db: Database.Database) => db.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; DROP TRIGGER audit_chain_heads_no_delete;');
const eventIds = (db: Database.Database, requestId: string) => db.prepare('SELECT id FROM events WHERE request_id = ? ORDER BY seq').pluck().all(requestId) as string[];
const lines = (text: string) => text.trim().split('\n');
function orgOf(dir: string, requestId: string): string {
  const db = new Database(join(dir, 'akkoord.db'), { readonly: true });
  try {
    return db.prepare('SELECT organisation_id FROM consent_requests WHERE id = ?').pluck().get(requestId) as string;
  } finally {
    db.close();
  }
}

describe('akkoord audit verify', () => {
  test('when nothing was touched, then every chain is reported whole with the number of chains and events', async () => {
    const res = await verify(tampered(() => undefined));
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    // A: created, sent, cancelled; B: created, sent, opened, signed, withdrawn; C: created, signed.
    expect(res.out).toMatch(/^ok: 3 chains, 10 events: /);
  });

  test('when an event\'s detail is edited (trigger dropped), then that event is named', async () => {
    let signed = '';
    const dir = tampered((db) => {
      dropTriggers(db);
      signed = db.prepare("SELECT id FROM events WHERE request_id = ? AND type = 'signed'").pluck().get(ids.b) as string;
      db.prepare(`UPDATE events SET detail = json_set(detail, '$.browser', 'Firefox 120 on Windows') WHERE id = ?`).run(signed);
    });
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(res.err).toContain(`BROKEN: request ${ids.b}, event ${signed} (#4): its content does not match its hash`);
    expect(res.err).toMatch(/^1 problem in 1 of 3 chains \(10 events\)$/m);
  });

  test('when the last event is deleted (trigger dropped), then the chain head shows it, and the status no longer agrees', async () => {
    const dir = tampered((db) => {
      dropTriggers(db);
      db.prepare('DELETE FROM events WHERE id = ?').run(eventIds(db, ids.a).at(-1));
    });
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(new RegExp(`BROKEN: request ${ids.a}, event evt_\\S+ \\(#2\\): the chain head counts 3 events, the chain has 2`));
    expect(res.err).toMatch(new RegExp(`request ${ids.a}.*the request's status is cancelled, its chain ends in sent`));
  });

  test('when a middle event is deleted (trigger dropped), then the link after it is named', async () => {
    let opened = '';
    const dir = tampered((db) => {
      dropTriggers(db);
      const [, sent, openedId] = eventIds(db, ids.b);
      opened = openedId!;
      db.prepare('DELETE FROM events WHERE id = ?').run(sent);
    });
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(res.err).toContain(`BROKEN: request ${ids.b}, event ${opened} (#2): its previous-hash does not match the event before it`);
    expect(res.err).toContain('the chain head counts 5 events, the chain has 4');
  });

  test('when a whole chain is rewritten consistently with plain SHA-256 or with another key, then it fails for want of the audit key', async () => {
    const rewrite = (hashOf: (prev: string, body: Parameters<typeof legacyEventHash>[1]) => string, alg: string) =>
      tampered((db) => {
        dropTriggers(db);
        const rows = db.prepare('SELECT * FROM events WHERE request_id = ? ORDER BY seq').all(ids.a) as Record<string, string>[];
        let prev = '0'.repeat(64);
        for (const r of rows) {
          const actor = r.type === 'cancelled' ? 'system' : r.actor!; // "nobody cancelled it by hand"
          const hash = hashOf(prev, { id: r.id!, requestId: r.request_id!, organisationId: r.organisation_id!, type: r.type!, at: new Date(r.at!), actor, detail: JSON.parse(r.detail!) as Record<string, unknown> });
          db.prepare('UPDATE events SET actor = ?, prev_hash = ?, hash = ?, hash_alg = ? WHERE id = ?').run(actor, prev, hash, alg, r.id);
          prev = hash;
        }
        // The head is made to match; its seal cannot be, without the key.
        const forged = createHmac('sha256', randomBytes(32)).update(prev).digest('hex');
        db.prepare('UPDATE audit_chain_heads SET hash = ?, mac = ? WHERE request_id = ?').run(prev, forged, ids.a);
      });
    const plain = await verify(rewrite(legacyEventHash, 'sha256'));
    expect(plain.code).toBe(1);
    expect(plain.err).toContain(`BROKEN: request ${ids.a}, event `);
    expect(plain.err).toContain('its chain head is not sealed with the audit key');
    expect(lines(plain.err).filter((l) => l.startsWith('BROKEN')).every((l) => l.includes(ids.a))).toBe(true);

    const otherKey = randomBytes(32);
    const keyed = await verify(rewrite((prev, e) => createHmac('sha256', otherKey).update('akkoord-audit-event-v1\n').update(`${prev}\n${canonicalJson({ ...e, at: e.at.toISOString() })}`).digest('hex'), 'hmac-sha256'));
    expect(keyed.code).toBe(1);
    expect(keyed.err).toMatch(new RegExp(`request ${ids.a}, event \\S+ \\(#1\\): its content does not match its hash`));
    expect(keyed.err).toContain('its chain head is not sealed with the audit key');
  });

  test('when a request\'s status is changed, then verify says the status and the chain disagree', async () => {
    const dir = tampered((db) => db.prepare("UPDATE consent_requests SET status = 'signed' WHERE id = ?").run(ids.a));
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(new RegExp(`BROKEN: request ${ids.a}, event \\S+ \\(#3\\): the request's status is signed, its chain ends in cancelled`));
  });

  test('when decisions are changed in the request, the decision rows or the status projection, then each is named', async () => {
    const dir = tampered((db) => {
      db.prepare(`UPDATE consent_requests SET decisions = json_set(decisions, '$[1].granted', json('true')) WHERE id = ?`).run(ids.b);
      db.prepare("UPDATE decisions SET granted = 1 WHERE request_id = ? AND purpose_id = 'contact' AND granted = 0").run(ids.b);
      // The status API's projection: contact granted again.
      db.prepare(
        `UPDATE subject_status SET current_decisions = (SELECT json_group_array(CASE WHEN json_extract(value, '$[2]') = 'contact' THEN json_set(value, '$[3]', 1) ELSE json(value) END) FROM json_each(current_decisions))
         WHERE subject_reference = 'REG-2001'`,
      ).run();
    });
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(res.err).toContain("the request's decisions registratie=yes,contact=yes,gegevens-delen=no differ from its chain's registratie=yes,contact=no,gegevens-delen=no");
    expect(res.err).toContain('its decision rows registratie=yes,contact=yes,gegevens-delen=no differ');
    expect(res.err).toContain("the subject's status projection says contact granted, its chain does not");
  });

  test('when the status projection is pointed at another request or deleted, then the subject is named', async () => {
    const pointed = tampered((db) =>
      db.prepare(
        `UPDATE subject_status SET current_decisions = (SELECT json_group_array(CASE WHEN json_extract(value, '$[2]') = 'contact' THEN json_set(value, '$[0]', ?, '$[3]', 1) ELSE json(value) END) FROM json_each(current_decisions))
         WHERE subject_reference = 'REG-2001'`,
      ).run(ids.a),
    );
    const res = await verify(pointed);
    expect(res.code).toBe(1);
    expect(lines(res.err)[0]).toBe(`BROKEN: the audit log: subject REG-2001 (${orgOf(pointed, ids.b)}): the status projection says inloop-16-plus/contact granted by ${ids.a}, the latest decision row says not granted by ${ids.b} (changed outside the event log)`);

    const deleted = tampered((db) => db.prepare("DELETE FROM subject_status WHERE subject_reference = 'REG-PAPER-1'").run());
    expect((await verify(deleted)).err).toMatch(/BROKEN: the audit log: subject REG-PAPER-1 \(org_\S+\) has decisions but no status projection/);
  });

  test('when a document is added, replaced or deleted outside the event log, then it is named', async () => {
    const fake = createHash('sha256').update('not the record').digest('hex');
    const dir = tampered((db) => {
      db.prepare("INSERT INTO documents (id, request_id, organisation_id, kind, content_type, sha256, content_enc, created_at) SELECT 'doc_extra', id, organisation_id, 'consent-pdf', 'application/pdf', ?, x'00', created_at FROM consent_requests WHERE id = ?").run(fake, ids.a);
      db.prepare("DELETE FROM documents WHERE request_id = ? AND kind = 'paper-record'").run(ids.c);
    });
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(res.err).toContain(`BROKEN: request ${ids.a}: document doc_extra (consent-pdf) has a SHA-256 that no event records (${fake.slice(0, 16)}…)`);
    expect(res.err).toMatch(new RegExp(`BROKEN: request ${ids.c}, event \\S+ \\(#2\\): its documentSha256 names a document that is not stored`));
  });

  test('when two requests are broken, then both are reported, not only the first', async () => {
    const dir = tampered((db) => {
      db.prepare("UPDATE consent_requests SET status = 'expired' WHERE id = ?").run(ids.a);
      db.prepare("UPDATE consent_requests SET status = 'declined' WHERE id = ?").run(ids.c);
    });
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(res.err).toContain(`request ${ids.a}`);
    expect(res.err).toContain(`request ${ids.c}`);
    expect(res.err).toMatch(/2 problems in 2 of 3 chains \(10 events\)/);
  });

  test('when a whole chain, its head or its request row is deleted, then the request is named', async () => {
    const dir = tampered((db) => {
      dropTriggers(db);
      db.pragma('foreign_keys = OFF');
      db.prepare('DELETE FROM events WHERE request_id = ?').run(ids.a);
      db.prepare('DELETE FROM audit_chain_heads WHERE request_id = ?').run(ids.a);
      db.prepare('DELETE FROM audit_chain_heads WHERE request_id = ?').run(ids.c);
      db.prepare('DELETE FROM outbox WHERE request_id = ?').run(ids.b);
      db.prepare('DELETE FROM consent_requests WHERE id = ?').run(ids.b);
    });
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(res.err).toContain(`BROKEN: request ${ids.a}: the request has no events: its chain is missing`);
    expect(res.err).toMatch(new RegExp(`BROKEN: request ${ids.c}, event \\S+ \\(#2\\): the chain has no stored chain head`));
    expect(res.err).toContain(`BROKEN: request ${ids.b}: the request is not stored, but its events, chain head or documents are`);
  });

  test('when a whole request is deleted with every row that names it, then the sealed totals show it', async () => {
    const dir = tampered((db) => {
      dropTriggers(db);
      db.pragma('foreign_keys = OFF');
      for (const table of ['events', 'audit_chain_heads', 'outbox', 'documents', 'decisions', 'dev_outbox']) db.prepare(`DELETE FROM ${table} WHERE request_id = ?`).run(ids.a);
      db.prepare('DELETE FROM consent_requests WHERE id = ?').run(ids.a);
    });
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(lines(res.err)).toEqual([
      'BROKEN: the audit log: the sealed totals count 3 chains and 10 events, 2 chains and 7 events were found (whole chains or events were deleted or added)',
      '1 problem in 0 of 2 chains (7 events)',
    ]);
    // Setting the totals to match needs the key for their seal.
    const recounted = tampered((db) => {
      dropTriggers(db);
      db.pragma('foreign_keys = OFF');
      for (const table of ['events', 'audit_chain_heads', 'outbox']) db.prepare(`DELETE FROM ${table} WHERE request_id = ?`).run(ids.a);
      db.prepare('DELETE FROM consent_requests WHERE id = ?').run(ids.a);
      db.prepare('UPDATE audit_totals SET chains = 2, events = 7').run();
    });
    expect((await verify(recounted)).err).toContain('BROKEN: the audit log: the totals of the audit log are missing or not sealed with the audit key');
  });

  test('when a consent is moved to another subject in the request, its decision rows and the status projection, then verify names the request', async () => {
    const dir = tampered((db) => {
      db.prepare("UPDATE consent_requests SET subject_reference = 'VICTIM-1' WHERE id = ?").run(ids.c);
      db.prepare("UPDATE decisions SET subject_reference = 'VICTIM-1' WHERE request_id = ?").run(ids.c);
      db.prepare("UPDATE subject_status SET subject_reference = 'VICTIM-1' WHERE subject_reference = 'REG-PAPER-1'").run();
    });
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(new RegExp(`BROKEN: request ${ids.c}, event \\S+ \\(#2\\): the request's subject is VICTIM-1, its chain was created for REG-PAPER-1`));
    expect(res.err).toContain('its decision rows name subject VICTIM-1, its chain was created for REG-PAPER-1');
  });

  test('when a consent is extended in the request, its decision rows and the status projection, then verify names the request', async () => {
    const until = '2099-01-01T00:00:00.000Z';
    const dir = tampered((db) => {
      db.prepare('UPDATE consent_requests SET valid_until = ? WHERE id = ?').run(until, ids.b);
      db.prepare('UPDATE decisions SET valid_until = ? WHERE request_id = ?').run(until, ids.b);
      db.prepare(
        `UPDATE subject_status SET current_decisions = (SELECT json_group_array(CASE WHEN json_extract(value, '$[0]') = ? THEN json_set(value, '$[6]', ?) ELSE json(value) END) FROM json_each(current_decisions))
         WHERE subject_reference = 'REG-2001'`,
      ).run(ids.b, until);
    });
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(new RegExp(`BROKEN: request ${ids.b}, event \\S+ \\(#5\\): the request is valid until ${until}, its chain says until 20\\d\\d-`));
    expect(res.err).toMatch(/its decision row registratie is valid until 2099-01-01T00:00:00.000Z, its chain says until 20\d\d-/);
    expect(res.err).toMatch(/the subject's status projection has registratie valid until 2099-01-01T00:00:00.000Z, its chain says until 20\d\d-/);
  });

  test('when a purpose\'s required flag is changed in the decision rows and the status projection, then verify names the request', async () => {
    const dir = tampered((db) => {
      db.prepare("UPDATE decisions SET required = 1 - required WHERE request_id = ? AND purpose_id = 'gegevens-delen'").run(ids.b);
      db.prepare(
        `UPDATE subject_status SET current_decisions = (SELECT json_group_array(CASE WHEN json_extract(value, '$[2]') = 'gegevens-delen' THEN json_set(value, '$[4]', 1 - json_extract(value, '$[4]')) ELSE json(value) END) FROM json_each(current_decisions))
         WHERE subject_reference = 'REG-2001'`,
      ).run();
    });
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(new RegExp(`BROKEN: request ${ids.b}, event \\S+ \\(#5\\): its decision row gegevens-delen says (required|not required), its chain says (required|not required)`));
    expect(res.err).toMatch(/the subject's status projection has gegevens-delen (required|not required), its chain says/);
  });

  test('when nothing was touched, then the subject, validity and required purposes of every request are checked', async () => {
    const res = await verify(tampered(() => undefined));
    expect(res.code).toBe(0);
    expect(res.out).not.toContain('not checked');
  });

  test('when an event row is updated or deleted through SQLite, then the database refuses', () => {
    tampered((db) => {
      const [first] = eventIds(db, ids.a);
      expect(() => db.prepare("UPDATE events SET actor = 'api:other' WHERE id = ?").run(first)).toThrow('events are append-only');
      expect(() => db.prepare('DELETE FROM events WHERE id = ?').run(first)).toThrow('events are append-only');
      expect(() => db.prepare('DELETE FROM audit_chain_heads WHERE request_id = ?').run(ids.a)).toThrow('audit chain heads are kept');
      expect(() => db.prepare('DELETE FROM audit_totals').run()).toThrow('audit totals are kept');
      expect(eventIds(db, ids.a)).toHaveLength(3);
    });
  });
});

describe('audit verify of a declined request', () => {
  test('when a request is declined through its link, then its chain says "without an end date", verify says ok, and an end set afterwards is reported', async () => {
    const app = await createTestApp();
    copies.push(app.dataDir);
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest());
    const link = await deliverAndGetLink(app, created.body.id);
    const { csrf, cookie } = await openSigningPage(app, link);
    await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'decline' });
    const events = await app.http.get(`/api/v1/consent-requests/${created.body.id}/events`).set(auth(app.apiKey));
    const declined = (events.body.data as { type: string; detail: Record<string, unknown> }[]).find((e) => e.type === 'declined')!;
    expect(declined.detail).toMatchObject({ validUntil: null, requiredPurposes: expect.arrayContaining([expect.any(String)]) });
    await app.container.close();

    const clean = await verify(app.dataDir);
    expect(clean.err).toBe('');
    expect(clean.out).not.toContain('not checked');
    const db = new Database(join(app.dataDir, 'akkoord.db'));
    try {
      db.prepare("UPDATE decisions SET granted = 1, valid_until = '2099-01-01T00:00:00.000Z' WHERE request_id = ? AND purpose_id = 'registratie'").run(created.body.id);
    } finally {
      db.close();
    }
    const res = await verify(app.dataDir);
    expect(res.code).toBe(1);
    expect(res.err).toContain('its decision row registratie is valid until 2099-01-01T00:00:00.000Z, its chain says without an end date');
  }, 30_000);
});

describe('migration 008 on a database from before the audit key', () => {
  test('when a database with unkeyed chains is opened with the key, then it verifies, new events are keyed, and an old event rewritten later is still found', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-audit-migrate-'));
    copies.push(dir);
    const early = join(dir, 'early');
    mkdirSync(early);
    for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => f < '008')) copyFileSync(join(MIGRATIONS_DIR, f), join(early, f));
    const file = join(dir, 'old.db');
    const old = new Database(file);
    applyMigrations(old, early);
    old.pragma('foreign_keys = OFF');
    const t0 = new Date('2026-06-01T10:00:00Z');
    const request = old.prepare(
      `INSERT INTO consent_requests (id, organisation_id, form_id, form_version, status, signer_role, language, subject_reference, subject_first_name_enc,
         subject_dob_enc, recipient_name_enc, recipient_channel, recipient_masked, token_hash, created_at, updated_at, expires_at)
       VALUES (?, 'org_old', 'f', 'v1', ?, 'guardian', 'nl', ?, 'x', 'x', 'x', 'sms', '+316••••5678', ?, ?, ?, ?)`,
    );
    const event = old.prepare('INSERT INTO events (id, request_id, organisation_id, type, at, actor, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    // What the code before migration 008 wrote: plain SHA-256 links.
    const legacyChain = (requestId: string, types: string[]) => {
      let prev = '0'.repeat(64);
      types.forEach((type, i) => {
        const e = { id: `evt_${requestId}_${i}`, requestId, organisationId: 'org_old', type, at: new Date(t0.getTime() + i * 60_000), actor: 'system', detail: { step: i } };
        const hash = legacyEventHash(prev, e);
        event.run(e.id, requestId, e.organisationId, type, e.at.toISOString(), e.actor, JSON.stringify(e.detail), prev, hash);
        prev = hash;
      });
    };
    request.run('cr_closed', 'cancelled', 'S-1', 'a'.repeat(64), t0.toISOString(), t0.toISOString(), t0.toISOString());
    legacyChain('cr_closed', ['created', 'sent', 'cancelled']);
    request.run('cr_open', 'sent', 'S-2', 'b'.repeat(64), t0.toISOString(), t0.toISOString(), t0.toISOString());
    legacyChain('cr_open', ['created', 'sent']);
    old.close();

    const key = AuditChainKey.from(randomBytes(32));
    const store = new SqliteStore({ file, cipher: new FieldCipher(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`)), auditChain: key });
    const check = async () => {
      const problems: AuditProblem[] = [];
      const summary = await verifyAuditLog({ source: store, key }, (p) => problems.push(p));
      return { problems, summary };
    };
    try {
      // Their `created` events name no subject: verify says so instead of checking it.
      const before = await check();
      expect(before).toEqual({ problems: [], summary: { chains: 2, events: 5, problems: 0, brokenChains: 0, subjectsUnchecked: 2, decisionsUnchecked: 0 } });
      expect(describeUnchecked(before.summary)).toBe('2 requests from before subject binding: subject, form and signer role not checked');

      const at = new Date(t0.getTime() + 3_600_000);
      expect(await store.changeStatus({ organisationId: 'org_old', requestId: 'cr_open', fromStatuses: ['sent'], status: 'cancelled', at, event: { id: 'evt_new', requestId: 'cr_open', organisationId: 'org_old', type: 'cancelled', at, actor: 'api:key_1', detail: { previousStatus: 'sent' } } })).toBe(true);
      expect(store.db.prepare("SELECT hash_alg FROM events WHERE request_id = 'cr_open' ORDER BY seq").pluck().all()).toEqual(['sha256', 'sha256', 'hmac-sha256']);
      expect(await check()).toEqual({ problems: [], summary: { chains: 2, events: 6, problems: 0, brokenChains: 0, subjectsUnchecked: 2, decisionsUnchecked: 0 } });

      // An old chain rewritten after the upgrade, consistently, with plain SHA-256: its sealed head gives it away.
      store.db.exec('DROP TRIGGER events_no_update');
      let prev = '0'.repeat(64);
      for (const r of store.db.prepare("SELECT * FROM events WHERE request_id = 'cr_closed' ORDER BY seq").all() as Record<string, string>[]) {
        const actor = r.type === 'cancelled' ? 'api:key_2' : r.actor!;
        const hash = legacyEventHash(prev, { id: r.id!, requestId: r.request_id!, organisationId: r.organisation_id!, type: r.type!, at: new Date(r.at!), actor, detail: JSON.parse(r.detail!) as Record<string, unknown> });
        store.db.prepare('UPDATE events SET actor = ?, prev_hash = ?, hash = ? WHERE id = ?').run(actor, prev, hash, r.id);
        prev = hash;
      }
      store.db.prepare("UPDATE audit_chain_heads SET hash = ? WHERE request_id = 'cr_closed'").run(prev);
      const { problems } = await check();
      expect(problems).toEqual([{ requestId: 'cr_closed', eventId: 'evt_cr_closed_2', index: 2, reason: expect.stringContaining('its chain head is not sealed with the audit key') }]);
    } finally {
      await store.close();
    }
  });
});

describe('audit verify while the service writes', () => {
  test('when events and requests are added between two chains being read, then nothing is reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-audit-live-'));
    copies.push(dir);
    const key = AuditChainKey.from(randomBytes(32));
    const store = new SqliteStore({ file: join(dir, 'live.db'), cipher: new FieldCipher(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`)), auditChain: key });
    const t0 = new Date('2026-11-22T10:00:00Z');
    const create = async (id: string) => {
      await store.createConsentRequest({
        request: {
          id, organisationId: 'org_live', formId: 'f', formVersion: 'v1', status: 'pending', signerRole: 'guardian', language: 'nl',
          subject: { reference: `S-${id}`, firstName: 'Sam', lastName: null, dateOfBirth: '2014-04-02' },
          recipient: { name: 'Ans', channel: 'sms', address: '+31612345678', maskedAddress: '+316••••5678' },
          tokenHash: randomBytes(32).toString('hex'), createdAt: t0, updatedAt: t0, expiresAt: t0, sentAt: null, openedAt: null, decidedAt: null,
          reminderCount: 0, reminders: { afterDays: 3, automatic: 1, max: 2 }, deliveredAt: null, failureReason: null, decisions: [], signerName: null, signatureKind: null, sealState: null, version: 0,
        },
        event: { id: `evt_${id}`, requestId: id, organisationId: 'org_live', type: 'created', at: t0, actor: 'api:key_1', detail: {} },
        message: null,
        form: { formId: 'f', version: 'v1', content: '{}' },
      });
    };
    try {
      await store.createOrganisation({ id: 'org_live', name: 'Live', createdAt: t0 });
      await create('cr_1');
      await create('cr_2');
      // The service goes on writing after the check has read the first chain.
      const source = {
        auditTotals: () => store.auditTotals(),
        statusProjections: () => store.statusProjections(),
        async *eventChains() {
          let first = true;
          for await (const chain of store.eventChains()) {
            yield chain;
            if (first) {
              first = false;
              await store.appendEvent({ id: 'evt_reminder', requestId: 'cr_1', organisationId: 'org_live', type: 'reminder_requested', at: t0, actor: 'api:key_1', detail: {} });
              await create('cr_0');
              await create('cr_3');
            }
          }
        },
      };
      const problems: AuditProblem[] = [];
      const summary = await verifyAuditLog({ source, key }, (p) => problems.push(p));
      expect(problems).toEqual([]);
      // cr_1 was read before its reminder; cr_0 and cr_3 came after the page of ids was read.
      expect(summary).toEqual({ chains: 2, events: 2, problems: 0, brokenChains: 0, subjectsUnchecked: 2, decisionsUnchecked: 0 });
      const again = await verifyAuditLog({ source: store, key }, (p) => problems.push(p));
      expect(again).toEqual({ chains: 4, events: 5, problems: 0, brokenChains: 0, subjectsUnchecked: 4, decisionsUnchecked: 0 });
    } finally {
      await store.close();
    }
  });
});
