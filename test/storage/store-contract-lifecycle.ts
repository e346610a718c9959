import { randomBytes } from 'node:crypto';

import { newId } from '../../src/shared/ids';
import type { ConsentRequestRecord, EventRecord, Store } from '../../src/storage/store';

/**
 * Turning 16, renewal and lapse's part of the store contract (issue 12): the lifecycle row and its
 * event are written once, reservations keep the first id, a mark makes an event once, and contacts
 * round-trip encrypted and go. Called from each adapter's test file.
 */
export function lifecycleStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract (lifecycle): ${name}`, () => {
    let store: Store;
    const t0 = new Date('2026-11-22T10:00:00Z');
    const org = 'org_life';
    const other = 'org_life_other';

    beforeEach(async () => {
      store = await makeStore();
      await store.createOrganisation({ id: org, name: 'Life', createdAt: t0 });
      await store.createOrganisation({ id: other, name: 'Other', createdAt: t0 });
    });
    afterEach(async () => {
      await store.close();
    });

    const request = (overrides: Partial<ConsentRequestRecord> = {}): ConsentRequestRecord => ({
      id: newId('cr', t0), organisationId: org, formId: 'f', formVersion: 'v1', status: 'pending', signerRole: 'guardian', language: 'nl',
      subject: { reference: 'S-1', firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2010-12-10' },
      recipient: { name: 'Ans', channel: 'sms', address: '+31612345678', maskedAddress: '+316••••5678' },
      tokenHash: randomBytes(32).toString('hex'), createdAt: t0, updatedAt: t0, expiresAt: new Date(t0.getTime() + 86_400_000),
      sentAt: null, openedAt: null, decidedAt: null, reminderCount: 0, reminders: { afterDays: 3, automatic: 1, max: 2 }, deliveredAt: null, failureReason: null,
      sealState: null, decisions: [], signerName: null, signatureKind: null, validUntil: null, requestedBy: null, turns16On: '2026-12-10', version: 0, ...overrides,
    });
    const event = (r: { id: string; organisationId: string }, type: string): EventRecord => ({ id: newId('evt', t0), requestId: r.id, organisationId: r.organisationId, type, at: t0, actor: 'system', detail: {} });
    async function signed(overrides: Partial<ConsentRequestRecord> = {}, validUntil: Date | null = null): Promise<ConsentRequestRecord> {
      const r = request(overrides);
      await store.createConsentRequest({ request: r, event: event(r, 'created'), message: null, form: { formId: 'f', version: 'v1', content: '{"id":"f"}' } });
      const doc = { id: newId('doc', t0), requestId: r.id, organisationId: r.organisationId, kind: 'consent-pdf' as const, contentType: 'application/pdf', sha256: 'ab', content: Buffer.from('%PDF'), createdAt: t0 };
      expect(await store.decide({ organisationId: r.organisationId, requestId: r.id, fromStatuses: ['pending'], status: 'signed', at: t0, signerName: 'Ans', decisions: [{ purposeId: 'a', granted: true }], requiredPurposes: ['a'], validUntil, signature: null, document: doc, event: event(r, 'signed') })).toBe(true);
      return r;
    }
    const types = async (r: ConsentRequestRecord) => (await store.listEvents(r.organisationId, r.id)).map((e) => e.type);

    test('when a guardian request turns 16 within the window, then it is due; flagging writes the row and its event once', async () => {
      const r = await signed();
      expect((await store.getConsentRequest(org, r.id))?.turns16On).toBe('2026-12-10');
      expect(await store.subjectStatus(org, 'S-1')).toEqual({ decisions: [expect.objectContaining({ requestId: r.id, purposeId: 'a', granted: true })], lifecycle: null });
      expect(await store.listTurning16Due(org, '2026-12-09', 10)).toEqual([]);
      expect(await store.listTurning16Due(org, '2026-12-10', 10)).toEqual([{ requestId: r.id, subjectReference: 'S-1', turns16On: '2026-12-10' }]);
      expect(await store.listTurning16Due(other, '2026-12-10', 10)).toEqual([]);
      const row = { organisationId: org, subjectReference: 'S-1', turns16On: '2026-12-10', guardianRequestId: r.id, flaggedAt: t0, youngRequestId: null, youngRequestedAt: null, youngDecidedAt: null };
      expect(await store.flagTurning16(row, event(r, 'subject.turning_16'))).toBe(true);
      expect(await store.flagTurning16(row, event(r, 'subject.turning_16'))).toBe(false);
      expect(await types(r)).toEqual(['created', 'signed', 'subject.turning_16']);
      expect(await store.getSubjectLifecycle(org, 'S-1')).toEqual(row);
      expect(await store.getSubjectLifecycle(other, 'S-1')).toBeNull();
      expect(await store.subjectStatus(org, 'S-1')).toEqual({ decisions: await store.currentDecisions(org, 'S-1'), lifecycle: row });
      expect(await store.subjectStatus(other, 'S-1')).toEqual({ decisions: [], lifecycle: null });
      expect(await store.listTurning16Due(org, '2026-12-10', 10)).toEqual([]);
      // The young person's request: the first reserved id stays; done once, with its event, and the contact goes.
      await store.putSubjectContact(org, 'S-1', { channel: 'email', address: 'sam@example.nl', updatedAt: t0 });
      expect(await store.reserveYoungRequest(org, 'S-1', 'cr_a')).toBe('cr_a');
      expect(await store.reserveYoungRequest(org, 'S-1', 'cr_b')).toBe('cr_a');
      expect(await store.completeYoungRequest({ organisationId: org, subjectReference: 'S-1', at: t0, event: event(r, 'reconfirmation_requested') })).toBe(true);
      expect(await store.completeYoungRequest({ organisationId: org, subjectReference: 'S-1', at: t0, event: event(r, 'reconfirmation_requested') })).toBe(false);
      expect(await store.reserveYoungRequest(org, 'S-1', 'cr_c')).toBeNull();
      expect(await store.getSubjectContact(org, 'S-1')).toBeNull();
      expect((await types(r)).filter((t) => t === 'reconfirmation_requested')).toHaveLength(1);
    });

    test('when a contact is stored, then it reads back in its organisation only, is replaced, deleted, and erased when older than the sweep', async () => {
      await store.putSubjectContact(org, 'S-1', { channel: 'sms', address: '+31612345678', updatedAt: t0 });
      expect(await store.getSubjectContact(org, 'S-1')).toEqual({ channel: 'sms', address: '+31612345678', updatedAt: t0 });
      expect(await store.getSubjectContact(other, 'S-1')).toBeNull();
      await store.putSubjectContact(org, 'S-1', { channel: 'email', address: 'sam@example.nl', updatedAt: t0 });
      expect(await store.getSubjectContact(org, 'S-1')).toMatchObject({ channel: 'email', address: 'sam@example.nl' });
      expect(await store.deleteSubjectContact(other, 'S-1')).toBe(false);
      expect(await store.deleteSubjectContact(org, 'S-1')).toBe(true);
      await store.putSubjectContact(org, 'S-2', { channel: 'email', address: 'x@example.nl', updatedAt: t0 });
      expect(await store.eraseSubjectContacts(t0)).toBe(0);
      expect(await store.eraseSubjectContacts(new Date(t0.getTime() + 1))).toBe(1);
      expect(await store.getSubjectContact(org, 'S-2')).toBeNull();
    });

    test('when a renewal is reserved twice, then the first row and its one event stay; it finishes once', async () => {
      const end = new Date('2027-11-22T23:00:00Z');
      const r = await signed({}, end);
      expect(await store.listRenewalCandidates(org, t0, new Date('2027-11-22T22:00:00Z'), 10)).toEqual([]);
      expect(await store.listRenewalCandidates(org, t0, end, 10)).toEqual([{ requestId: r.id, subjectReference: 'S-1', formId: 'f', validUntil: end, reservedRenewalId: null }]);
      const first = await store.reserveRenewal({ requestId: r.id, organisationId: org, renewalRequestId: 'cr_r1', state: 'reserved', at: t0 }, event(r, 'renewal_due'));
      const second = await store.reserveRenewal({ requestId: r.id, organisationId: org, renewalRequestId: 'cr_r2', state: 'reserved', at: t0 }, event(r, 'renewal_due'));
      expect(first).toMatchObject({ created: true, renewal: { renewalRequestId: 'cr_r1' } });
      expect(second).toMatchObject({ created: false, renewal: { renewalRequestId: 'cr_r1', state: 'reserved' } });
      expect(await store.listRenewalCandidates(org, t0, end, 10)).toEqual([expect.objectContaining({ reservedRenewalId: 'cr_r1' })]);
      expect(await store.finishRenewal({ organisationId: other, requestId: r.id, state: 'requested', at: t0, event: null })).toBe(false);
      expect(await store.finishRenewal({ organisationId: org, requestId: r.id, state: 'requested', at: t0, event: event(r, 'renewal_requested') })).toBe(true);
      expect(await store.finishRenewal({ organisationId: org, requestId: r.id, state: 'requested', at: t0, event: event(r, 'renewal_requested') })).toBe(false);
      expect(await store.listRenewalCandidates(org, t0, end, 10)).toEqual([]);
      expect(await types(r)).toEqual(['created', 'signed', 'renewal_due', 'renewal_requested']);
      expect(await store.newestRequestId(org, 'S-1', 'f')).toBe(r.id);
    });

    test('when a consent lapsed, then it is listed until its lapsed event is recorded, once', async () => {
      const end = new Date('2027-11-22T23:00:00Z');
      const r = await signed({}, end);
      expect(await store.listLapsedUnmarked(new Date(end.getTime() - 1), 10)).toEqual([]);
      expect(await store.listLapsedUnmarked(end, 10)).toEqual([{ requestId: r.id, organisationId: org, validUntil: end }]);
      expect(await store.appendEventOnce(event(r, 'lapsed'), 'lapsed')).toBe(true);
      expect(await store.appendEventOnce(event(r, 'lapsed'), 'lapsed')).toBe(false);
      expect(await store.appendEventOnce({ ...event(r, 'lapsed'), organisationId: other }, 'other')).toBe(false);
      expect(await store.listLapsedUnmarked(end, 10)).toEqual([]);
      expect((await types(r)).filter((t) => t === 'lapsed')).toHaveLength(1);
    });

    test('when the dashboard asks, then consents lapsing soon and children turning 16 soon are listed with names, in their organisation only', async () => {
      const end = new Date('2027-01-10T23:00:00Z');
      const r = await signed({}, end);
      await signed({ organisationId: other }, end);
      expect(await store.listLapsingSoon(org, t0, new Date('2027-01-21T10:00:00Z'), 10)).toEqual([{ requestId: r.id, formId: 'f', subject: { reference: 'S-1', firstName: 'Sam', lastName: 'de Vries' }, validUntil: end, renewal: null }]);
      expect(await store.listTurningSixteenSoon(org, '2026-11-22', '2026-12-22', 10)).toEqual([{ requestId: r.id, subject: { reference: 'S-1', firstName: 'Sam', lastName: 'de Vries' }, turns16On: '2026-12-10', lifecycle: null }]);
      expect(await store.listTurningSixteenSoon(org, '2026-11-22', '2026-12-09', 10)).toEqual([]);
    });
  });
}
