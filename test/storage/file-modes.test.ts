import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { FieldCipher, parseKeyRing } from '../../src/privacy/field-cipher';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store';
import { createTestApp } from '../helpers/test-app';

const mode = (file: string): string => (statSync(file).mode & 0o777).toString(8);
const cipher = () => new FieldCipher(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`));

describe('file modes of the data folder', () => {
  const dirs: string[] = [];
  let umask: number;
  beforeEach(() => {
    // A common, permissive umask: without our care SQLite would make 0644 files.
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
    dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
  });

  test('when the store creates its database and writes, then the database, -wal and -shm are 0600 and a folder it makes is 0700', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'akkoord-modes-'));
    dirs.push(parent);
    const file = join(parent, 'data', 'akkoord.db');
    const store = new SqliteStore({ file, cipher: cipher() });
    try {
      await store.createOrganisation({ id: 'org_modes', name: 'Modes', createdAt: new Date('2026-11-22T10:00:00Z') });
      expect(existsSync(`${file}-wal`)).toBe(true);
      expect(existsSync(`${file}-shm`)).toBe(true);
      expect([mode(file), mode(`${file}-wal`), mode(`${file}-shm`)]).toEqual(['600', '600', '600']);
      expect(mode(join(parent, 'data'))).toBe('700');
    } finally {
      await store.close();
    }
  });

  test('when an existing database is 0644, then opening the store makes it 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-modes-'));
    dirs.push(dir);
    const file = join(dir, 'akkoord.db');
    const db = new Database(file);
    db.exec('CREATE TABLE t (x)');
    db.close();
    chmodSync(file, 0o644);
    const store = new SqliteStore({ file, cipher: cipher() });
    try {
      await store.createOrganisation({ id: 'org_modes', name: 'Modes', createdAt: new Date('2026-11-22T10:00:00Z') });
      expect([mode(file), mode(`${file}-wal`), mode(`${file}-shm`)]).toEqual(['600', '600', '600']);
    } finally {
      await store.close();
    }
  });

  test('when the service starts in development without keys, then dev-keys.json is 0600', async () => {
    const app = await createTestApp();
    try {
      expect(mode(join(app.dataDir, 'dev-keys.json'))).toBe('600');
      expect(mode(join(app.dataDir, 'akkoord.db'))).toBe('600');
    } finally {
      await app.close();
    }
  });
});
