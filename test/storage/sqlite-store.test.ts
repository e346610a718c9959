import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { newId } from '../../src/shared/ids';
import { FieldCipher, parseKeyRing } from '../../src/privacy/field-cipher';
import { applyMigrations, MIGRATIONS_DIR } from '../../src/storage/sqlite/migrate';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store';
import type { ConsentRequestRecord, StoredSealState } from '../../src/storage/store';
import { storeContract } from './store-contract';
import { staffStoreContract } from './staff-store-contract';
import { dashboardStoreContract } from './store-contract-dashboard';
import { bulkStoreContract } from './store-contract-bulk';
import { lifecycleStoreContract } from './store-contract-lifecycle';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

storeContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akkoord-store-'));
  dirs.push(dir);
  return new SqliteStore({ file: join(dir, 'test.db'), cipher: new FieldCipher(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`)) });
});

dashboardStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akkoord-store-'));
  dirs.push(dir);
  return new SqliteStore({ file: join(dir, 'test.db'), cipher: new FieldCipher(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`)) });
});

bulkStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akkoord-store-'));
  dirs.push(dir);
  return new SqliteStore({ file: join(dir, 'test.db'), cipher: new FieldCipher(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`)) });
});

lifecycleStoreContract('sqlite', async () => {
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
        { requestId: 'cr_1', formId: 'f', purposeId: 'a', granted: true, required: true, since: '2026-01-01T10:00:00.000Z', validUntil: null, waitingFor: [], signerRole: 'guardian' },
        { requestId: 'cr_1', formId: 'f', purposeId: 'b', granted: false, required: false, since: '2026-02-01T10:00:00.000Z', validUntil: null, waitingFor: [], signerRole: 'guardian' },
      ]);
      expect(await store.currentDecisions('org_a', 'S-2')).toEqual([{ requestId: 'cr_2', formId: 'f', purposeId: 'a', granted: false, required: true, since: '2026-01-05T10:00:00.000Z', validUntil: null, waitingFor: [], signerRole: 'guardian' }]);
      expect(await store.currentDecisions('org_b', 'S-1')).toEqual([{ requestId: 'cr_3', formId: 'g', purposeId: 'x', granted: true, required: true, since: '2026-01-06T10:00:00.000Z', validUntil: null, waitingFor: [], signerRole: 'guardian' }]);
    } finally {
      await store.close();
    }
  });

  test('when a database from before migration 009 holds records, then 009 names their seal state from their events and leaves requests without a record alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-migrate-'));
    dirs.push(dir);
    const file = join(dir, 'seal.db');
    const cipher = new FieldCipher(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`));
    const t0 = new Date('2026-11-22T10:00:00Z');
    let store = new SqliteStore({ file, cipher });
    await store.createOrganisation({ id: 'org_a', name: 'A', createdAt: t0 });
    const create = async (ref: string): Promise<ConsentRequestRecord> => {
      const r: ConsentRequestRecord = {
        id: newId('cr', t0), organisationId: 'org_a', formId: 'f', formVersion: 'v1', status: 'pending', signerRole: 'participant', language: 'nl',
        subject: { reference: ref, firstName: 'Sam', lastName: null, dateOfBirth: '2008-04-02' },
        recipient: { name: 'Sam', channel: 'sms', address: '+31612345678', maskedAddress: '+316••••5678' },
        tokenHash: randomBytes(32).toString('hex'), createdAt: t0, updatedAt: t0, expiresAt: new Date(t0.getTime() + 86_400_000),
        sentAt: null, openedAt: null, decidedAt: null, reminderCount: 0, reminders: { afterDays: 3, automatic: 1, max: 2 }, deliveredAt: null, failureReason: null,
        sealState: null, decisions: [], signerName: null, signatureKind: null, version: 0,
      };
      await store.createConsentRequest({ request: r, event: { id: newId('evt', t0), requestId: r.id, organisationId: 'org_a', type: 'created', at: t0, actor: 'system', detail: {} }, message: null, form: { formId: 'f', version: 'v1', content: '{}' } });
      return r;
    };
    const decide = async (r: ConsentRequestRecord, timestamped: boolean, sealState: StoredSealState | null) => {
      const document = { id: newId('doc', t0), requestId: r.id, organisationId: 'org_a', kind: 'consent-pdf' as const, contentType: 'application/pdf', sha256: randomBytes(32).toString('hex'), content: Buffer.from('%PDF-1.7'), createdAt: t0 };
      const detail = { documentSha256: document.sha256, timestamped, ...(sealState ? { sealNote: 'sealed without timestamp' } : {}) };
      await store.decide({ organisationId: 'org_a', requestId: r.id, fromStatuses: ['pending'], status: 'signed', at: t0, signerName: 'Sam', decisions: [{ purposeId: 'a', granted: true }], requiredPurposes: ['a'], signature: null, document, event: { id: newId('evt', t0), requestId: r.id, organisationId: 'org_a', type: 'signed', at: t0, actor: 'recipient', detail }, sealState });
      return document;
    };
    const stamped = await create('S-1');
    await decide(stamped, true, null);
    const noAuthority = await create('S-2');
    await decide(noAuthority, false, null);
    const pending = await create('S-3');
    await decide(pending, false, 'sealed_without_timestamp');
    const stampedLater = await create('S-4');
    const first = await decide(stampedLater, false, 'sealed_without_timestamp');
    const second = randomBytes(32).toString('hex');
    await store.completeTimestamp({ organisationId: 'org_a', requestId: stampedLater.id, document: { ...first, id: newId('doc', t0), sha256: second }, event: { id: newId('evt', t0), requestId: stampedLater.id, organisationId: 'org_a', type: 'timestamp_added', at: t0, actor: 'system', detail: { previousDocumentSha256: first.sha256, documentSha256: second } } });
    const open = await create('S-5');
    await store.close();
    // As before 009: NULL for every request but the one still waiting, no seal state for documents.
    const db = new Database(file);
    db.prepare("UPDATE consent_requests SET seal_state = NULL WHERE seal_state IS NOT 'sealed_without_timestamp'").run();
    db.exec('DROP INDEX documents_missing_timestamp; ALTER TABLE documents DROP COLUMN seal_state;');
    db.prepare("DELETE FROM schema_migrations WHERE name = '009_seal_state.sql'").run();
    db.close();

    store = new SqliteStore({ file, cipher });
    try {
      const states = await Promise.all([stamped, noAuthority, pending, stampedLater, open].map(async (r) => (await store.getConsentRequest('org_a', r.id))?.sealState));
      expect(states).toEqual(['timestamped', 'no_timestamp_authority', 'sealed_without_timestamp', 'timestamped', null]);
      const documents = await Promise.all([stamped, noAuthority, pending, stampedLater].map(async (r) => (await store.listDocuments('org_a', r.id)).map((d) => d.sealState)));
      expect(documents).toEqual([['timestamped'], ['no_timestamp_authority'], ['sealed_without_timestamp'], ['timestamp_added_later', 'timestamped']]);
    } finally {
      await store.close();
    }
  });
});

staffStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akkoord-staff-store-'));
  dirs.push(dir);
  return new SqliteStore({ file: join(dir, 'test.db'), cipher: new FieldCipher(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`)) });
});
