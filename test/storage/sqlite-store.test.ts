import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { FieldCipher, parseKeyRing } from '../../src/privacy/field-cipher';
import { applyMigrations, MIGRATIONS_DIR } from '../../src/storage/sqlite/migrate';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store';
import { storeContract } from './store-contract';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

storeContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akkoord-store-'));
  dirs.push(dir);
  return new SqliteStore({ file: join(dir, 'test.db'), cipher: new FieldCipher(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`)) });
});

describe('sqlite migrations', () => {
  test('when a database from before migration 004 holds decisions, then 004 builds each subject\'s current decisions from them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-migrate-'));
    dirs.push(dir);
    const early = join(dir, 'early');
    mkdirSync(early);
    for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => f < '004')) copyFileSync(join(MIGRATIONS_DIR, f), join(early, f));
    const db = new Database(join(dir, 'old.db'));
    applyMigrations(db, early);
    db.pragma('foreign_keys = OFF');
    const insert = db.prepare('INSERT INTO decisions (request_id, organisation_id, subject_reference, form_id, purpose_id, granted, required, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    insert.run('cr_1', 'org_a', 'S-1', 'f', 'a', 1, 1, '2026-01-01T10:00:00.000Z');
    insert.run('cr_1', 'org_a', 'S-1', 'f', 'b', 1, 0, '2026-01-01T10:00:00.000Z');
    insert.run('cr_1', 'org_a', 'S-1', 'f', 'b', 0, 0, '2026-02-01T10:00:00.000Z'); // withdrawn later
    insert.run('cr_2', 'org_a', 'S-2', 'f', 'a', 0, 1, '2026-01-05T10:00:00.000Z');
    insert.run('cr_3', 'org_b', 'S-1', 'g', 'x', 1, 1, '2026-01-06T10:00:00.000Z');
    db.close();

    const store = new SqliteStore({ file: join(dir, 'old.db'), cipher: new FieldCipher(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`)) });
    try {
      // Decided before migration 006: no end recorded.
      expect(await store.currentDecisions('org_a', 'S-1')).toEqual([
        { requestId: 'cr_1', formId: 'f', purposeId: 'a', granted: true, required: true, since: '2026-01-01T10:00:00.000Z', validUntil: null },
        { requestId: 'cr_1', formId: 'f', purposeId: 'b', granted: false, required: false, since: '2026-02-01T10:00:00.000Z', validUntil: null },
      ]);
      expect(await store.currentDecisions('org_a', 'S-2')).toEqual([{ requestId: 'cr_2', formId: 'f', purposeId: 'a', granted: false, required: true, since: '2026-01-05T10:00:00.000Z', validUntil: null }]);
      expect(await store.currentDecisions('org_b', 'S-1')).toEqual([{ requestId: 'cr_3', formId: 'g', purposeId: 'x', granted: true, required: true, since: '2026-01-06T10:00:00.000Z', validUntil: null }]);
    } finally {
      await store.close();
    }
  });
});
