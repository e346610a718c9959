import { randomBytes } from 'node:crypto';

import { newId } from '../../src/shared/ids';
import type { ConsentRequestRecord, Store } from '../../src/storage/store';

/**
 * The dashboard's part of the store contract (issue 11): the overview's filters, name search and
 * keyset paging, and the access log. Called from each adapter's test file besides storeContract.
 */
export function dashboardStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract (dashboard): ${name}`, () => {
    let store: Store;
    const t0 = new Date('2026-11-22T10:00:00Z');
    const org = 'org_dash';
    const other = 'org_dash_other';

    beforeEach(async () => {
      store = await makeStore();
      await store.createOrganisation({ id: org, name: 'Dash', createdAt: t0 });
      await store.createOrganisation({ id: other, name: 'Other', createdAt: t0 });
    });
    afterEach(async () => {
      await store.close();
    });

    let n = 0;
    async function add(o: { org?: string; first: string; last: string | null; ref?: string; status?: ConsentRequestRecord['status']; formId?: string; at?: Date }): Promise<ConsentRequestRecord> {
      n += 1;
      const at = o.at ?? new Date(t0.getTime() + n * 1000);
      const organisationId = o.org ?? org;
      const r: ConsentRequestRecord = {
        id: newId('cr', at), organisationId, formId: o.formId ?? 'f', formVersion: 'v1', status: o.status ?? 'pending', signerRole: 'guardian', language: 'nl',
        subject: { reference: o.ref ?? `R-${n}`, firstName: o.first, lastName: o.last, dateOfBirth: '2014-04-02' },
        recipient: { name: 'Ans', channel: 'sms', address: '+31612345678', maskedAddress: '+316••••5678' },
        tokenHash: randomBytes(32).toString('hex'), createdAt: at, updatedAt: at, expiresAt: new Date(at.getTime() + 86_400_000),
        sentAt: null, openedAt: null, decidedAt: null, reminderCount: 0, reminders: { afterDays: 3, automatic: 1, max: 2 }, deliveredAt: null,
        failureReason: null, sealState: null, decisions: [], signerName: null, signatureKind: null, validUntil: null, requestedBy: null, version: 0,
      };
      await store.createConsentRequest({
        request: r,
        event: { id: newId('evt', at), requestId: r.id, organisationId, type: 'created', at, actor: 'system', detail: {} },
        message: null,
        form: { formId: r.formId, version: 'v1', content: '{}' },
      });
      return r;
    }
    const ids = (page: { items: { subject: { firstName: string } }[] }) => page.items.map((r) => r.subject.firstName);

    test('when the overview is searched by a name, then any name term matches regardless of case, accents and spaces, and only in the own organisation', async () => {
      await add({ first: 'Zoë', last: 'de Vries' });
      await add({ first: 'Jan-Willem', last: 'Bakker' });
      await add({ first: 'Sam', last: 'Vries' });
      await add({ org: other, first: 'Zoe', last: 'de Vries' });
      expect(ids(await store.listRequestOverview(org, { search: 'zoe' }, 10, null))).toEqual(['Zoë']);
      expect(ids(await store.listRequestOverview(org, { search: '  ZOË   DE  vries ' }, 10, null))).toEqual(['Zoë']);
      expect(ids(await store.listRequestOverview(org, { search: 'De Vries' }, 10, null))).toEqual(['Zoë']);
      expect(ids(await store.listRequestOverview(org, { search: 'vries' }, 10, null))).toEqual(['Sam', 'Zoë']);
      expect(ids(await store.listRequestOverview(org, { search: 'willem' }, 10, null))).toEqual(['Jan-Willem']);
      // A part of a word is not a term: the hash of "vri" matches nothing.
      expect(ids(await store.listRequestOverview(org, { search: 'vri' }, 10, null))).toEqual([]);
      expect(ids(await store.listRequestOverview(other, { search: 'zoe' }, 10, null))).toEqual(['Zoe']);
    });

    test('when the overview is searched by a subject reference, then that request is found; filters on status, form and dates narrow the list', async () => {
      await add({ first: 'A', last: null, ref: 'REG-1', status: 'signed', formId: 'f1', at: new Date('2026-11-01T09:00:00Z') });
      await add({ first: 'B', last: null, ref: 'REG-2', status: 'pending', formId: 'f2', at: new Date('2026-11-10T09:00:00Z') });
      await add({ first: 'C', last: null, ref: 'REG-3', status: 'signed', formId: 'f2', at: new Date('2026-11-20T09:00:00Z') });
      expect(ids(await store.listRequestOverview(org, { search: 'REG-2' }, 10, null))).toEqual(['B']);
      expect(ids(await store.listRequestOverview(org, { status: 'signed' }, 10, null))).toEqual(['C', 'A']);
      expect(ids(await store.listRequestOverview(org, { formId: 'f2' }, 10, null))).toEqual(['C', 'B']);
      expect(ids(await store.listRequestOverview(org, { status: 'signed', formId: 'f2' }, 10, null))).toEqual(['C']);
      expect(ids(await store.listRequestOverview(org, { createdFrom: new Date('2026-11-05T00:00:00Z'), createdBefore: new Date('2026-11-20T00:00:00Z') }, 10, null))).toEqual(['B']);
      expect(ids(await store.listRequestOverview(other, { search: 'REG-2' }, 10, null))).toEqual([]);
    });

    test('when the overview is paged and new requests arrive between pages, then the next page goes on where the last ended: nothing twice, nothing skipped', async () => {
      for (const first of ['a', 'b', 'c', 'd', 'e']) await add({ first, last: null });
      const one = await store.listRequestOverview(org, {}, 2, null);
      expect(ids(one)).toEqual(['e', 'd']);
      await add({ first: 'new', last: null });
      const two = await store.listRequestOverview(org, {}, 2, one.nextCursor);
      expect(ids(two)).toEqual(['c', 'b']);
      const three = await store.listRequestOverview(org, {}, 2, two.nextCursor);
      expect(ids(three)).toEqual(['a']);
      expect(three.nextCursor).toBeNull();
    });

    test('when a search matches some requests by reference and others by name, then each shows once, newest first, paged, with the filters applied', async () => {
      await add({ first: 'Kim', last: 'Ref', ref: 'KIM' });
      await add({ first: 'Kim', last: 'Een', status: 'signed' });
      await add({ first: 'Bo', last: 'Kim', ref: 'KIM-2' });
      await add({ first: 'Kim', last: 'Drie', ref: 'kim', status: 'signed' });
      const one = await store.listRequestOverview(org, { search: 'kim' }, 2, null);
      expect(ids(one)).toEqual(['Kim', 'Bo']);
      const two = await store.listRequestOverview(org, { search: 'kim' }, 2, one.nextCursor);
      expect(two.items.map((r) => r.subject.lastName)).toEqual(['Een', 'Ref']);
      expect(two.nextCursor).toBeNull();
      expect((await store.listRequestOverview(org, { search: 'kim', status: 'signed' }, 10, null)).items.map((r) => r.subject.lastName)).toEqual(['Drie', 'Een']);
      // The reference is exact: "KIM" finds its request by reference and the Kims by name.
      expect((await store.listRequestOverview(org, { search: 'KIM' }, 10, null)).items.map((r) => r.subject.reference)).toEqual(['kim', 'KIM-2', expect.any(String), 'KIM']);
    });

    test('when access is logged, then entries read back newest first per organisation, keyset-paged', async () => {
      for (let i = 1; i <= 3; i += 1) {
        await store.appendAccessLog({ id: `acc_${i}`, organisationId: org, userId: 'usr_1', action: 'request.view', requestId: `cr_${i}`, detail: null, at: new Date(t0.getTime() + i * 1000) });
      }
      await store.appendAccessLog({ id: 'acc_x', organisationId: other, userId: 'usr_2', action: 'overview.view', requestId: null, detail: 'page=1', at: t0 });
      const first = await store.listAccessLog(org, 2, null);
      expect(first.items.map((e) => e.id)).toEqual(['acc_3', 'acc_2']);
      expect(first.items[0]).toEqual({ id: 'acc_3', organisationId: org, userId: 'usr_1', action: 'request.view', requestId: 'cr_3', detail: null, at: new Date(t0.getTime() + 3000) });
      const second = await store.listAccessLog(org, 2, first.nextCursor);
      expect(second.items.map((e) => e.id)).toEqual(['acc_1']);
      expect(second.nextCursor).toBeNull();
      expect((await store.listAccessLog(other, 10, null)).items.map((e) => [e.id, e.detail])).toEqual([['acc_x', 'page=1']]);
    });
  });
}
