import type { BulkBatchRecord, BulkRowRecord } from '../../src/dashboard/bulk-store';
import type { Store } from '../../src/storage/store';

/**
 * Many at once's part of the store contract (issue 11): batches and their rows round-trip, a
 * batch is confirmed once, a row's request id is reserved once and a row finishes once, and
 * nothing of another organisation is read or changed. Called from each adapter's test file.
 */
export function bulkStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract (many at once): ${name}`, () => {
    let store: Store;
    const t0 = new Date('2026-11-22T10:00:00Z');
    const org = 'org_bulk';
    const other = 'org_bulk_other';

    beforeEach(async () => {
      store = await makeStore();
      await store.createOrganisation({ id: org, name: 'Bulk', createdAt: t0 });
      await store.createOrganisation({ id: other, name: 'Other', createdAt: t0 });
    });
    afterEach(async () => {
      await store.close();
    });

    const batch = (id: string, organisationId = org, at = t0): BulkBatchRecord => ({ id, organisationId, formId: 'activiteit-onder-16', activity: 'Zomerkamp', createdBy: 'usr_1', createdAt: at, state: 'preview', confirmedAt: null, finishedAt: null });
    const row = (b: BulkBatchRecord, rowNo: number, state: BulkRowRecord['state'] = 'ready'): BulkRowRecord => ({
      batchId: b.id,
      organisationId: b.organisationId,
      rowNo,
      line: rowNo + 1,
      input: { firstName: `Kind${rowNo}`, lastName: 'Test', dateOfBirth: '02-04-2014', dateOfBirthIso: '2014-04-02', reference: `R-${rowNo}`, channel: 'sms', phone: '0612345678', email: '', recipientName: 'Ans', language: '' },
      plan: state === 'ready' ? { signerRole: 'guardian', recipientName: 'Ans', channel: 'sms', maskedAddress: '+316••••5678', language: 'nl' } : null,
      request: state === 'ready' ? { formId: 'activiteit-onder-16', subject: { reference: `R-${rowNo}`, firstName: `Kind${rowNo}`, lastName: 'Test', dateOfBirth: '2014-04-02' }, recipient: { name: 'Ans', channel: 'sms', phone: '0612345678' } } : null,
      problems: state === 'invalid' ? [{ path: 'recipient.phone', message: 'This is not a valid phone number.' }] : [],
      state,
      requestId: null,
    });

    test('when a batch is stored with its rows, then both read back as stored, newest batch first, and only in its own organisation', async () => {
      const a = batch('bat_a');
      const b = batch('bat_b', org, new Date(t0.getTime() + 1000));
      await store.createBulkBatch(a, [row(a, 1), row(a, 2, 'invalid')]);
      await store.createBulkBatch(b, []);
      expect(await store.getBulkBatch(org, 'bat_a')).toEqual(a);
      expect(await store.listBulkRows(org, 'bat_a')).toEqual([row(a, 1), row(a, 2, 'invalid')]);
      expect((await store.listBulkBatches(org, 10)).map((x) => x.id)).toEqual(['bat_b', 'bat_a']);
      expect(await store.getBulkBatch(other, 'bat_a')).toBeNull();
      expect(await store.listBulkRows(other, 'bat_a')).toEqual([]);
      expect(await store.listBulkBatches(other, 10)).toEqual([]);
    });

    test('when a batch is confirmed twice, or by another organisation, then only the first confirm counts', async () => {
      const a = batch('bat_c');
      await store.createBulkBatch(a, [row(a, 1)]);
      expect(await store.confirmBulkBatch(other, 'bat_c', t0)).toBe(false);
      expect(await store.listSendingBulkBatches(10)).toEqual([]);
      expect(await store.confirmBulkBatch(org, 'bat_c', t0)).toBe(true);
      expect(await store.confirmBulkBatch(org, 'bat_c', new Date(t0.getTime() + 5))).toBe(false);
      expect(await store.getBulkBatch(org, 'bat_c')).toMatchObject({ state: 'sending', confirmedAt: t0 });
      expect(await store.listSendingBulkBatches(10)).toEqual([{ id: 'bat_c', organisationId: org }]);
      await store.finishBulkBatch(other, 'bat_c', t0);
      expect((await store.getBulkBatch(org, 'bat_c'))?.state).toBe('sending');
      await store.finishBulkBatch(org, 'bat_c', t0);
      expect(await store.getBulkBatch(org, 'bat_c')).toMatchObject({ state: 'done', finishedAt: t0 });
      expect(await store.listSendingBulkBatches(10)).toEqual([]);
    });

    test('when a row\'s request id is reserved twice, then the first id stays; a finished, invalid or foreign row gives none', async () => {
      const a = batch('bat_d');
      await store.createBulkBatch(a, [row(a, 1), row(a, 2, 'invalid')]);
      expect(await store.reserveBulkRowRequest(other, 'bat_d', 1, 'cr_x')).toBeNull();
      expect(await store.reserveBulkRowRequest(org, 'bat_d', 1, 'cr_first')).toBe('cr_first');
      expect(await store.reserveBulkRowRequest(org, 'bat_d', 1, 'cr_second')).toBe('cr_first');
      expect(await store.reserveBulkRowRequest(org, 'bat_d', 2, 'cr_y')).toBeNull();
      await store.finishBulkRow(other, 'bat_d', 1, { state: 'failed', problems: [] });
      expect((await store.listBulkRows(org, 'bat_d'))[0]!.state).toBe('ready');
      await store.finishBulkRow(org, 'bat_d', 1, { state: 'created' });
      await store.finishBulkRow(org, 'bat_d', 1, { state: 'failed', problems: [{ path: 'formId', message: 'x' }] });
      expect((await store.listBulkRows(org, 'bat_d'))[0]).toMatchObject({ state: 'created', requestId: 'cr_first', problems: [] });
      expect(await store.reserveBulkRowRequest(org, 'bat_d', 1, 'cr_third')).toBeNull();
    });

    test('when a row fails while sending, then its problems are kept', async () => {
      const a = batch('bat_e');
      await store.createBulkBatch(a, [row(a, 1)]);
      await store.finishBulkRow(org, 'bat_e', 1, { state: 'failed', problems: [{ path: 'formId', message: 'There is no form "x".' }] });
      expect((await store.listBulkRows(org, 'bat_e'))[0]).toMatchObject({ state: 'failed', problems: [{ path: 'formId', message: 'There is no form "x".' }] });
    });

    test('when a row finishes with new data, or its data is replaced, then that is what reads back', async () => {
      const a = batch('bat_g');
      await store.createBulkBatch(a, [row(a, 1), row(a, 2, 'invalid')]);
      const scrubbed = { input: { ...row(a, 1).input, phone: '' }, plan: row(a, 1).plan, request: null };
      await store.finishBulkRow(org, 'bat_g', 1, { state: 'created', data: scrubbed });
      expect((await store.listBulkRows(org, 'bat_g'))[0]).toMatchObject({ state: 'created', ...scrubbed });
      await store.replaceBulkRowData(other, 'bat_g', 2, scrubbed);
      expect((await store.listBulkRows(org, 'bat_g'))[1]!.input.phone).toBe('0612345678');
      await store.replaceBulkRowData(org, 'bat_g', 2, scrubbed);
      expect((await store.listBulkRows(org, 'bat_g'))[1]).toMatchObject({ state: 'invalid', input: { phone: '' } });
    });

    test('when old batches in a state are deleted, then only those made before the moment go, with their rows, at most `limit`', async () => {
      const old1 = batch('bat_old1', org, t0);
      const old2 = batch('bat_old2', other, new Date(t0.getTime() + 1));
      const sending = batch('bat_sending', org, t0);
      const fresh = batch('bat_fresh', org, new Date(t0.getTime() + 10_000));
      for (const b of [old1, old2, sending, fresh]) await store.createBulkBatch(b, [row(b, 1)]);
      await store.confirmBulkBatch(org, 'bat_sending', t0);
      const before = new Date(t0.getTime() + 5000);
      expect(await store.deleteBulkBatches({ state: 'preview', createdBefore: before, limit: 1 })).toBe(1);
      expect(await store.deleteBulkBatches({ state: 'preview', createdBefore: before, limit: 10 })).toBe(1);
      expect(await store.getBulkBatch(org, 'bat_old1')).toBeNull();
      expect(await store.getBulkBatch(other, 'bat_old2')).toBeNull();
      expect(await store.listBulkRows(org, 'bat_old1')).toEqual([]);
      expect(await store.getBulkBatch(org, 'bat_sending')).not.toBeNull();
      expect(await store.getBulkBatch(org, 'bat_fresh')).not.toBeNull();
    });

    test('when batches are stored, then their encrypted values are among the sealed values the key check reads', async () => {
      const a = batch('bat_h');
      await store.createBulkBatch(a, [row(a, 1)]);
      const contexts = new Set<string>();
      for await (const value of store.sealedValues()) contexts.add(value.context);
      expect([...contexts]).toEqual(expect.arrayContaining(['bulk_batches.activity', 'bulk_batch_rows.data']));
    });

    test('when a row names another batch or organisation than its batch, then nothing is stored', async () => {
      const a = batch('bat_f');
      await expect(store.createBulkBatch(a, [{ ...row(a, 1), organisationId: other }])).rejects.toThrow();
      expect(await store.getBulkBatch(org, 'bat_f')).toBeNull();
    });
  });
}
