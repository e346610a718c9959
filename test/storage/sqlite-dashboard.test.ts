import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AuditChainKey } from '../../src/evidence/audit-chain';
import { FieldCipher, parseKeyRing } from '../../src/privacy/field-cipher';
import { newId } from '../../src/shared/ids';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store';
import type { ConsentRequestRecord } from '../../src/storage/store';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const t0 = new Date('2026-11-22T10:00:00Z');
function openStore(file: string, cipher: FieldCipher, auditKey: Buffer): SqliteStore {
  return new SqliteStore({ file, cipher, auditChain: AuditChainKey.from(auditKey) });
}
async function createRequest(store: SqliteStore, first: string, last: string | null): Promise<string> {
  const r: ConsentRequestRecord = {
    id: newId('cr', t0), organisationId: 'org_a', formId: 'f', formVersion: 'v1', status: 'pending', signerRole: 'participant', language: 'nl',
    subject: { reference: `R-${first}`, firstName: first, lastName: last, dateOfBirth: '2008-04-02' },
    recipient: { name: first, channel: 'sms', address: '+31612345678', maskedAddress: '+316••••5678' },
    tokenHash: randomBytes(32).toString('hex'), createdAt: t0, updatedAt: t0, expiresAt: new Date(t0.getTime() + 86_400_000),
    sentAt: null, openedAt: null, decidedAt: null, reminderCount: 0, reminders: { afterDays: 3, automatic: 1, max: 2 }, deliveredAt: null, failureReason: null,
    sealState: null, decisions: [], signerName: null, signatureKind: null, version: 0,
  };
  await store.createConsentRequest({ request: r, event: { id: newId('evt', t0), requestId: r.id, organisationId: 'org_a', type: 'created', at: t0, actor: 'system', detail: {} }, message: null, form: { formId: 'f', version: 'v1', content: '{}' } });
  return r.id;
}

describe('sqlite: dashboard search and access log (migration 014)', () => {
  let dir: string;
  const cipher = new FieldCipher(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`));
  const auditKey = randomBytes(32);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'akkoord-dash-'));
    dirs.push(dir);
  });

  test('when a database from before migration 014 holds requests, then 014 writes their name hashes and they are found by name', async () => {
    const file = join(dir, 'old.db');
    let store = openStore(file, cipher, auditKey);
    await store.createOrganisation({ id: 'org_a', name: 'A', createdAt: t0 });
    const ids = [await createRequest(store, 'Zoë', 'El Amrani'), await createRequest(store, 'Daan', null)];
    // Back to the database as it was before 014: without its tables, indexes and the record of it.
    store.db.exec(`DROP TABLE request_name_hashes; DROP TABLE access_log; DROP INDEX consent_requests_org_status; DROP INDEX consent_requests_org_form;
      DELETE FROM schema_migrations WHERE name = '014_dashboard_search_access_log.sql'`);
    await store.close();

    store = openStore(file, cipher, auditKey);
    try {
      expect((await store.listRequestOverview('org_a', { search: 'el amrani' }, 10, null)).items.map((r) => r.id)).toEqual([ids[0]]);
      expect((await store.listRequestOverview('org_a', { search: 'ZOE' }, 10, null)).items.map((r) => r.id)).toEqual([ids[0]]);
      expect((await store.listRequestOverview('org_a', { search: 'daan' }, 10, null)).items.map((r) => r.id)).toEqual([ids[1]]);
    } finally {
      await store.close();
    }
  });

  test('when the service starts with another audit chain key, then a name no longer matches: the hashes need the key', async () => {
    const file = join(dir, 'key.db');
    let store = openStore(file, cipher, auditKey);
    await store.createOrganisation({ id: 'org_a', name: 'A', createdAt: t0 });
    await createRequest(store, 'Zoë', 'El Amrani');
    const stored = store.db.prepare('SELECT hash FROM request_name_hashes').pluck().all() as string[];
    // No plain name and no unkeyed hash of one in the table.
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.every((h) => /^[0-9a-f]{32}$/.test(h))).toBe(true);
    await store.close();
    store = openStore(file, cipher, randomBytes(32));
    try {
      expect((await store.listRequestOverview('org_a', { search: 'zoe' }, 10, null)).items).toEqual([]);
    } finally {
      await store.close();
    }
  });

  test('when anything tries to change or remove an access log entry, then the database refuses: the log is append-only', async () => {
    const store = openStore(join(dir, 'log.db'), cipher, auditKey);
    try {
      await store.createOrganisation({ id: 'org_a', name: 'A', createdAt: t0 });
      await store.appendAccessLog({ id: 'acc_1', organisationId: 'org_a', userId: 'usr_1', action: 'request.view', requestId: 'cr_1', detail: null, at: t0 });
      expect(() => store.db.prepare("UPDATE access_log SET user_id = 'usr_2'").run()).toThrow(/append-only/);
      expect(() => store.db.prepare('DELETE FROM access_log').run()).toThrow(/append-only/);
      expect((await store.listAccessLog('org_a', 10, null)).items.map((e) => e.userId)).toEqual(['usr_1']);
    } finally {
      await store.close();
    }
  });
});
