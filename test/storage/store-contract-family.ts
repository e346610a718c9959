import { randomBytes } from 'node:crypto';

import { newId } from '../../src/shared/ids';
import type { ConsentRequestRecord, DecideInput, EventRecord, OutboxMessage, StatusProjectionRows, Store } from '../../src/storage/store';

/**
 * Both parents (issue 12): families of requests in the store contract. Called from each adapter's
 * test file besides storeContract.
 */
export function familyStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract (families): ${name}`, () => {
    let store: Store;
    const t0 = new Date('2026-11-22T10:00:00Z');
    const org = 'org_family';
    const other = 'org_family_other';

    beforeEach(async () => {
      store = await makeStore();
      await store.createOrganisation({ id: org, name: 'Family', createdAt: t0 });
      await store.createOrganisation({ id: other, name: 'Other', createdAt: t0 });
    });
    afterEach(async () => {
      await store.close();
    });

    let n = 0;
    function request(overrides: Partial<ConsentRequestRecord> = {}): ConsentRequestRecord {
      n += 1;
      const at = new Date(t0.getTime() + n * 1000);
      return {
        id: newId('cr', at), organisationId: org, formId: 'f', formVersion: 'v1', status: 'pending', signerRole: 'guardian', language: 'nl',
        subject: { reference: 'S-1', firstName: 'Sam', lastName: null, dateOfBirth: '2014-04-02' },
        recipient: { name: 'Ans', channel: 'sms', address: '+31612345678', maskedAddress: '+316••••5678' },
        tokenHash: randomBytes(32).toString('hex'), createdAt: at, updatedAt: at, expiresAt: new Date(at.getTime() + 86_400_000),
        sentAt: null, openedAt: null, decidedAt: null, reminderCount: 0, reminders: { afterDays: 3, automatic: 1, max: 2 }, deliveredAt: null,
        failureReason: null, sealState: null, decisions: [], signerName: null, signatureKind: null, validUntil: null, requestedBy: null,
        primaryRequestId: null, signerSlot: 'guardian', authority: null, version: 0, ...overrides,
      };
    }
    const event = (r: { id: string; organisationId: string }, type: string, at = t0): EventRecord => ({ id: newId('evt', at), requestId: r.id, organisationId: r.organisationId, type, at, actor: 'system', detail: {} });
    const message = (r: ConsentRequestRecord): OutboxMessage => ({ id: newId('msg', t0), requestId: r.id, organisationId: r.organisationId, kind: 'invite', channel: 'sms', link: 'https://x/c/t', attempts: 0, dueAt: t0, createdAt: t0 });
    const form = { formId: 'f', version: 'v1', content: '{"id":"f"}' };
    async function insert(r = request()): Promise<ConsentRequestRecord> {
      await store.createConsentRequest({ request: r, event: event(r, 'created'), message: message(r), form });
      return r;
    }
    async function addSecond(primary: ConsentRequestRecord, overrides: Partial<ConsentRequestRecord> = {}): Promise<{ ok: boolean; request: ConsentRequestRecord }> {
      const r = request({ primaryRequestId: primary.id, signerSlot: 'second-guardian', recipient: { name: 'Bram', channel: 'sms', address: '+31687654321', maskedAddress: '+316••••4321' }, ...overrides });
      const ok = await store.createFamilyRequest({ request: r, event: event(r, 'created'), message: message(r), form, primaryEvent: event({ id: primary.id, organisationId: r.organisationId }, 'second_guardian_invited'), openStatuses: ['pending', 'sent', 'delivered', 'opened'] });
      return { ok, request: r };
    }
    function decision(r: ConsentRequestRecord, at: Date, decisions: { purposeId: string; granted: boolean }[], extra: Partial<DecideInput> = {}): DecideInput {
      return {
        organisationId: r.organisationId, requestId: r.id, fromStatuses: ['pending'], status: 'signed', at, signerName: r.recipient.name, decisions, requiredPurposes: ['reg'],
        signature: null, document: { id: newId('doc', at), requestId: r.id, organisationId: r.organisationId, kind: 'consent-pdf', contentType: 'application/pdf', sha256: randomBytes(32).toString('hex'), content: Buffer.from('%PDF'), createdAt: at },
        event: event(r, 'signed', at), ...extra,
      };
    }
    async function projectionRows(reference: string): Promise<StatusProjectionRows | undefined> {
      for await (const s of store.statusProjections()) if (s.organisationId === org && s.subjectReference === reference) return s;
      return undefined;
    }

    test('when a second guardian\'s request is created, then it reads back linked to the first, with its invite, its created event and the invited event on the first chain', async () => {
      const primary = await insert();
      const { ok, request: second } = await addSecond(primary);
      expect(ok).toBe(true);
      expect(await store.getConsentRequest(org, second.id)).toEqual(second);
      expect(await store.getConsentRequest(org, primary.id)).toMatchObject({ primaryRequestId: null, signerSlot: 'guardian', authority: null });
      expect((await store.listEvents(org, second.id)).map((e) => e.type)).toEqual(['created']);
      expect((await store.listEvents(org, primary.id)).map((e) => e.type)).toEqual(['created', 'second_guardian_invited']);
      expect((await store.listOutboxMessages(org, second.id)).map((m) => [m.kind, m.state])).toEqual([['invite', 'queued']]);
      expect((await store.listFamilyRequests(org, primary.id)).map((r) => r.id)).toEqual([primary.id, second.id]);
      expect(await store.listFamilyRequests(other, primary.id)).toEqual([]);
    });

    test('when the family already has an open second request, or the first request is of another organisation, then nothing is written; after a cancel another may come', async () => {
      const primary = await insert();
      const first = await addSecond(primary);
      const again = await addSecond(primary);
      expect(again.ok).toBe(false);
      expect(await store.getConsentRequest(org, again.request.id)).toBeNull();
      const foreign = await addSecond(primary, { organisationId: other });
      expect(foreign.ok).toBe(false);
      expect(await store.getConsentRequest(other, foreign.request.id)).toBeNull();
      expect((await store.listEvents(org, primary.id)).map((e) => e.type)).toEqual(['created', 'second_guardian_invited']);
      expect(await store.changeStatus({ organisationId: org, requestId: first.request.id, fromStatuses: ['pending'], status: 'cancelled', at: t0, event: event(first.request, 'cancelled') })).toBe(true);
      expect((await addSecond(primary)).ok).toBe(true);
      expect((await store.listFamilyRequests(org, primary.id)).map((r) => [r.signerSlot, r.status])).toEqual([['guardian', 'pending'], ['second-guardian', 'cancelled'], ['second-guardian', 'pending']]);
    });

    test('when the signers of several families are read, then one call gives each family\'s requests, first request first, with authority and decision time; another organisation\'s are left out', async () => {
      const a = await insert();
      const b = await insert(request({ subject: { reference: 'S-2', firstName: 'Lot', lastName: null, dateOfBirth: '2015-01-01' } }));
      const { request: a2 } = await addSecond(a);
      const foreign = request({ organisationId: other });
      await store.createConsentRequest({ request: foreign, event: event(foreign, 'created'), message: null, form });
      const at = new Date(t0.getTime() + 60_000);
      expect(await store.decide(decision(a, at, [{ purposeId: 'foto', granted: true }], { authority: 'joint', needsAllGuardians: ['foto'] }))).toBe(true);
      const signers = await store.listFamilySigners(org, [a.id, b.id, foreign.id, a.id]);
      expect(signers.filter((s) => s.familyId === a.id)).toEqual([
        { familyId: a.id, requestId: a.id, signerSlot: 'guardian', authority: 'joint', status: 'signed', decidedAt: at, createdAt: a.createdAt },
        { familyId: a.id, requestId: a2.id, signerSlot: 'second-guardian', authority: null, status: 'pending', decidedAt: null, createdAt: a2.createdAt },
      ]);
      expect(signers.filter((s) => s.familyId === b.id).map((s) => s.requestId)).toEqual([b.id]);
      expect(signers).toHaveLength(3);
      expect(await store.listFamilySigners(org, [])).toEqual([]);
      expect((await store.getConsentRequest(org, a.id))?.authority).toBe('joint');
    });

    test('when both guardians decide and one withdraws, then the decision rows carry family, slot, authority and needsAll, and the projection combines them', async () => {
      const primary = await insert();
      const { request: second } = await addSecond(primary);
      const t1 = new Date(t0.getTime() + 60_000);
      const t2 = new Date(t0.getTime() + 120_000);
      const t3 = new Date(t0.getTime() + 180_000);
      await store.decide(decision(primary, t1, [{ purposeId: 'reg', granted: true }, { purposeId: 'foto', granted: true }], { authority: 'joint', needsAllGuardians: ['foto'] }));
      expect((await store.currentDecisions(org, 'S-1')).map((d) => [d.purposeId, d.granted, d.waitingFor])).toEqual([['reg', true, []], ['foto', false, ['second-guardian']]]);
      await store.decide(decision(second, t2, [{ purposeId: 'reg', granted: true }, { purposeId: 'foto', granted: true }], { needsAllGuardians: ['foto'] }));
      expect(await store.currentDecisions(org, 'S-1')).toEqual([
        { requestId: primary.id, formId: 'f', purposeId: 'reg', granted: true, required: true, since: t2.toISOString(), validUntil: null, waitingFor: [], signerRole: 'guardian' },
        { requestId: primary.id, formId: 'f', purposeId: 'foto', granted: true, required: false, since: t2.toISOString(), validUntil: null, waitingFor: [], signerRole: 'guardian' },
      ]);
      const version = (await store.getConsentRequest(org, second.id))!.version;
      expect(await store.withdraw({ organisationId: org, requestId: second.id, expectedVersion: version, at: t3, decisions: [{ purposeId: 'reg', granted: true }, { purposeId: 'foto', granted: false }], withdrawn: ['foto'], status: 'signed', document: { ...decision(second, t3, []).document, kind: 'withdrawal-receipt' }, event: event(second, 'withdrawn', t3) })).toBe(true);
      expect((await store.currentDecisions(org, 'S-1')).map((d) => [d.purposeId, d.granted, d.waitingFor])).toEqual([['reg', true, []], ['foto', false, []]]);
      const rows = (await projectionRows('S-1'))!.rows;
      expect(rows.map((r) => [r.requestId, r.familyId, r.purposeId, r.signerSlot, r.authority, r.needsAllGuardians, r.granted])).toEqual([
        [primary.id, primary.id, 'reg', 'guardian', 'joint', false, true],
        [primary.id, primary.id, 'foto', 'guardian', 'joint', true, true],
        [second.id, primary.id, 'reg', 'second-guardian', null, false, true],
        [second.id, primary.id, 'foto', 'second-guardian', null, true, true],
        [second.id, primary.id, 'foto', 'second-guardian', null, true, false],
      ]);
    });
  });
}
