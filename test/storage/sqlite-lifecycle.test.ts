import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FieldCipher, parseKeyRing } from '../../src/privacy/field-cipher';
import { newId } from '../../src/shared/ids';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store';
import type { ConsentRequestRecord } from '../../src/storage/store';

const t0 = new Date('2026-11-22T10:00:00Z');

describe('sqlite: turning 16 (migration 018)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'akkoord-life-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('when a database from before migration 018 holds requests, then 018 writes the day each guardian request\'s subject turns 16, decrypting in code, and none for a participant', async () => {
    const cipher = new FieldCipher(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`));
    const file = join(dir, 'old.db');
    let store = new SqliteStore({ file, cipher });
    await store.createOrganisation({ id: 'org_a', name: 'A', createdAt: t0 });
    const make = async (signerRole: 'guardian' | 'participant', dateOfBirth: string): Promise<string> => {
      const r: ConsentRequestRecord = {
        id: newId('cr', t0), organisationId: 'org_a', formId: 'f', formVersion: 'v1', status: 'pending', signerRole, language: 'nl',
        subject: { reference: `S-${dateOfBirth}`, firstName: 'Sam', lastName: null, dateOfBirth }, recipient: { name: 'Ans', channel: 'sms', address: '+31612345678', maskedAddress: '+316••••5678' },
        tokenHash: randomBytes(32).toString('hex'), createdAt: t0, updatedAt: t0, expiresAt: t0, sentAt: null, openedAt: null, decidedAt: null, reminderCount: 0,
        reminders: { afterDays: 3, automatic: 1, max: 2 }, deliveredAt: null, failureReason: null, decisions: [], signerName: null, signatureKind: null, sealState: null, version: 0,
      };
      await store.createConsentRequest({ request: r, event: { id: newId('evt', t0), requestId: r.id, organisationId: 'org_a', type: 'created', at: t0, actor: 'system', detail: {} }, message: null, form: { formId: 'f', version: 'v1', content: '{}' } });
      return r.id;
    };
    const leap = await make('guardian', '2012-02-29');
    const plain = await make('guardian', '2014-04-02');
    const adult = await make('participant', '2008-01-15');
    // Back to the database as it was before 018.
    store.db.exec(`DROP INDEX consent_requests_turns_16; DROP INDEX consent_requests_valid_until; ALTER TABLE consent_requests DROP COLUMN turns_16_on;
      DROP TABLE subject_lifecycle; DROP TABLE subject_contacts; DROP TABLE renewals; DROP TABLE lifecycle_marks;
      DELETE FROM schema_migrations WHERE name = '018_lifecycle.sql'`);
    await store.close();

    store = new SqliteStore({ file, cipher });
    try {
      expect((await store.getConsentRequest('org_a', leap))?.turns16On).toBe('2028-02-29');
      expect((await store.getConsentRequest('org_a', plain))?.turns16On).toBe('2030-04-02');
      expect((await store.getConsentRequest('org_a', adult))?.turns16On ?? null).toBeNull();
      const clear = store.db.prepare('SELECT turns_16_on FROM consent_requests ORDER BY rowid').pluck().all();
      expect(clear).toEqual(['2028-02-29', '2030-04-02', null]);
    } finally {
      await store.close();
    }
  });
});
