import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { FieldCipher, parseKeyRing } from '../../src/privacy/field-cipher';
import { applyMigrations, MIGRATIONS_DIR } from '../../src/storage/sqlite/migrate';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store';
import { familyStoreContract } from './store-contract-family';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const cipher = () => new FieldCipher(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`));

familyStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akkoord-store-'));
  dirs.push(dir);
  return new SqliteStore({ file: join(dir, 'test.db'), cipher: cipher() });
});

describe('sqlite migration 016 (families)', () => {
  test('when a database from before 016 holds requests and decisions, then each is its own family, a participant keeps its slot, and the projection is made again by the new rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-migrate-'));
    dirs.push(dir);
    const early = join(dir, 'early');
    mkdirSync(early);
    for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => f < '016')) copyFileSync(join(MIGRATIONS_DIR, f), join(early, f));
    const db = new Database(join(dir, 'old.db'));
    applyMigrations(db, early);
    db.pragma('foreign_keys = OFF');
    const request = db.prepare(
      `INSERT INTO consent_requests (id, organisation_id, form_id, form_version, status, signer_role, language, subject_reference, subject_first_name_enc, subject_dob_enc,
         recipient_name_enc, recipient_channel, recipient_masked, token_hash, created_at, updated_at, expires_at, reminder_after_days, reminder_automatic, reminder_max)
       VALUES (?, 'org_a', 'f', 'v1', 'signed', ?, 'nl', ?, 'x', 'x', 'x', 'sms', 'm', ?, 't', 't', 't', 3, 1, 2)`,
    );
    request.run('cr_old', 'guardian', 'S-1', 'h1');
    request.run('cr_new', 'guardian', 'S-1', 'h2');
    request.run('cr_adult', 'participant', 'S-2', 'h3');
    const decision = db.prepare('INSERT INTO decisions (request_id, organisation_id, subject_reference, form_id, purpose_id, granted, required, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    decision.run('cr_old', 'org_a', 'S-1', 'f', 'foto', 1, 0, '2026-01-01T10:00:00.000Z');
    decision.run('cr_new', 'org_a', 'S-1', 'f', 'foto', 1, 0, '2026-02-01T10:00:00.000Z');
    // A withdrawal on the older request after the newer one granted: the newer request counts now.
    decision.run('cr_old', 'org_a', 'S-1', 'f', 'foto', 0, 0, '2026-03-01T10:00:00.000Z');
    decision.run('cr_adult', 'org_a', 'S-2', 'f', 'reg', 1, 1, '2026-01-05T10:00:00.000Z');
    db.exec(`INSERT INTO subject_status (organisation_id, subject_reference, current_decisions) VALUES
      ('org_a', 'S-1', '[["cr_old","f","foto",0,0,"2026-03-01T10:00:00.000Z",null]]'),
      ('org_a', 'S-2', '[["cr_adult","f","reg",1,1,"2026-01-05T10:00:00.000Z",null]]')`);
    db.close();

    const store = new SqliteStore({ file: join(dir, 'old.db'), cipher: cipher() });
    try {
      expect(await store.currentDecisions('org_a', 'S-1')).toEqual([
        { requestId: 'cr_new', formId: 'f', purposeId: 'foto', granted: true, required: false, since: '2026-02-01T10:00:00.000Z', validUntil: null, waitingFor: [], signerRole: 'guardian' },
      ]);
      expect(await store.currentDecisions('org_a', 'S-2')).toEqual([
        { requestId: 'cr_adult', formId: 'f', purposeId: 'reg', granted: true, required: true, since: '2026-01-05T10:00:00.000Z', validUntil: null, waitingFor: [], signerRole: 'participant' },
      ]);
      const rows = store.db.prepare('SELECT request_id, family_id, signer_slot, authority, needs_all_guardians FROM decisions ORDER BY seq').raw().all();
      expect(rows).toEqual([['cr_old', 'cr_old', 'guardian', null, 0], ['cr_new', 'cr_new', 'guardian', null, 0], ['cr_old', 'cr_old', 'guardian', null, 0], ['cr_adult', 'cr_adult', 'participant', null, 0]]);
      expect(store.db.prepare('SELECT id, signer_slot, primary_request_id FROM consent_requests ORDER BY id').raw().all()).toEqual([['cr_adult', 'participant', null], ['cr_new', 'guardian', null], ['cr_old', 'guardian', null]]);
    } finally {
      await store.close();
    }
  });

  test('when a projection was stored before 016 with seven elements, then it still reads (no waitingFor, no signer role)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-store-'));
    dirs.push(dir);
    const store = new SqliteStore({ file: join(dir, 'test.db'), cipher: cipher() });
    try {
      store.db.prepare('INSERT INTO subject_status (organisation_id, subject_reference, current_decisions) VALUES (?, ?, ?)').run('org_a', 'S-9', '[["cr_1","f","a",1,1,"2026-01-01T10:00:00.000Z","2027-01-01T23:00:00.000Z"]]');
      expect(await store.currentDecisions('org_a', 'S-9')).toEqual([{ requestId: 'cr_1', formId: 'f', purposeId: 'a', granted: true, required: true, since: '2026-01-01T10:00:00.000Z', validUntil: '2027-01-01T23:00:00.000Z' }]);
    } finally {
      await store.close();
    }
  });
});
