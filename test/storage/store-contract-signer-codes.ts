import { randomBytes } from 'node:crypto';

import type { SignerCodeRecord } from '../../src/consent/signer-code-store';
import { newId } from '../../src/shared/ids';
import type { ConsentRequestRecord, EventRecord, Store } from '../../src/storage/store';

/**
 * Issue 12 (verify): what every Store adapter must do with one-time codes (consent/signer-code-store.ts).
 * The rules (limits, expiry, 5 tries) are the use case's; the store keeps codes, counts tries
 * only while the caller's view still holds, and uses a verified code once.
 */
export function signerCodeStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract (signer codes): ${name}`, () => {
    let store: Store;
    const t0 = new Date('2026-11-22T10:00:00Z');
    const org = 'org_codes';

    beforeEach(async () => {
      store = await makeStore();
      await store.createOrganisation({ id: org, name: 'Codes', createdAt: t0 });
      await store.createOrganisation({ id: 'org_other', name: 'Other', createdAt: t0 });
    });
    afterEach(async () => {
      await store.close();
    });

    async function insertRequest(organisationId = org): Promise<ConsentRequestRecord> {
      const r: ConsentRequestRecord = {
        id: newId('cr', t0), organisationId, formId: 'f', formVersion: 'v1', status: 'opened', signerRole: 'guardian', language: 'nl',
        subject: { reference: 'S-1', firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2014-04-02' },
        recipient: { name: 'Ans', channel: 'sms', address: '+31612345678', maskedAddress: '+316••••5678' },
        tokenHash: randomBytes(32).toString('hex'), createdAt: t0, updatedAt: t0, expiresAt: new Date(t0.getTime() + 86_400_000),
        sentAt: null, openedAt: null, decidedAt: null, reminderCount: 0, reminders: { afterDays: 3, automatic: 1, max: 2 }, deliveredAt: null,
        failureReason: null, sealState: null, decisions: [], signerName: null, signatureKind: null, validUntil: null, requestedBy: null, version: 0,
      };
      await store.createConsentRequest({
        request: r,
        event: { id: newId('evt', t0), requestId: r.id, organisationId, type: 'created', at: t0, actor: 'system', detail: {} },
        message: { id: newId('msg', t0), requestId: r.id, organisationId, kind: 'invite', channel: 'sms', link: 'https://x/c/t', attempts: 0, dueAt: t0, createdAt: t0 },
        form: { formId: 'f', version: 'v1', content: '{"id":"f"}' },
      });
      return r;
    }
    const code = (r: ConsentRequestRecord, at = t0): SignerCodeRecord => ({
      id: newId('sc', at), organisationId: r.organisationId, requestId: r.id, codeHmac: randomBytes(32).toString('hex'), channel: 'sms', maskedAddress: '+316••••5678',
      createdAt: at, expiresAt: new Date(at.getTime() + 600_000), attempts: 0, verifiedAt: null, usedAt: null,
    });
    const codeMessage = (r: ConsentRequestRecord, digits: string, at = t0) => ({ id: newId('msg', at), requestId: r.id, organisationId: r.organisationId, kind: 'signer-code' as const, channel: 'sms' as const, code: digits, attempts: 0, dueAt: at, createdAt: at });
    const event = (r: ConsentRequestRecord, type: string, at = t0): EventRecord => ({ id: newId('evt', at), requestId: r.id, organisationId: r.organisationId, type, at, actor: 'recipient', detail: { attempt: 1 } });

    test('when a code is created, then it reads back newest first with its message queued (the code inside, the invite link copied); a stale latest id writes nothing', async () => {
      const r = await insertRequest();
      const first = code(r);
      expect(await store.createSignerCode({ code: first, message: codeMessage(r, '123456'), expectedLatestId: null })).toBe(true);
      // Another tap read "no code yet" too: refused.
      expect(await store.createSignerCode({ code: code(r), message: codeMessage(r, '654321'), expectedLatestId: null })).toBe(false);
      const t1 = new Date(t0.getTime() + 1000);
      const second = code(r, t1);
      expect(await store.createSignerCode({ code: second, message: codeMessage(r, '111111', t1), expectedLatestId: first.id })).toBe(true);
      expect((await store.listSignerCodes(org, r.id, t0)).map((c) => c.id)).toEqual([second.id, first.id]);
      expect(await store.listSignerCodes(org, r.id, t1)).toEqual([second]);
      expect(await store.listSignerCodes('org_other', r.id, t0)).toEqual([]);
      const claimed = (await store.claimMessages(t1, new Date(t1.getTime() + 60_000), 10)).filter((m) => m.kind === 'signer-code');
      expect(claimed.map((m) => [m.code, m.link])).toEqual([['123456', 'https://x/c/t'], ['111111', 'https://x/c/t']]);
    });

    test('when a code names another organisation\'s request, then nothing is written', async () => {
      const other = await insertRequest('org_other');
      const c = { ...code(other), organisationId: org };
      expect(await store.createSignerCode({ code: c, message: { ...codeMessage(other, '123456'), organisationId: org }, expectedLatestId: null })).toBe(false);
      expect(await store.listSignerCodes('org_other', other.id, t0)).toEqual([]);
    });

    test('when a try is counted, then it counts only while the attempts still are what the caller read, with its event; a verified code takes no more tries', async () => {
      const r = await insertRequest();
      const c = code(r);
      await store.createSignerCode({ code: c, message: codeMessage(r, '123456'), expectedLatestId: null });
      expect(await store.recordSignerCodeAttempt({ organisationId: org, requestId: r.id, codeId: c.id, expectedAttempts: 0, verifiedAt: null, event: event(r, 'signer_code_failed') })).toBe(true);
      // The same view again (a second tap at once): not counted twice.
      expect(await store.recordSignerCodeAttempt({ organisationId: org, requestId: r.id, codeId: c.id, expectedAttempts: 0, verifiedAt: null, event: event(r, 'signer_code_failed') })).toBe(false);
      const at = new Date(t0.getTime() + 5000);
      expect(await store.recordSignerCodeAttempt({ organisationId: org, requestId: r.id, codeId: c.id, expectedAttempts: 1, verifiedAt: at, event: event(r, 'signer_verified', at) })).toBe(true);
      expect(await store.recordSignerCodeAttempt({ organisationId: org, requestId: r.id, codeId: c.id, expectedAttempts: 2, verifiedAt: null, event: event(r, 'signer_code_failed') })).toBe(false);
      expect((await store.listSignerCodes(org, r.id, t0))[0]).toMatchObject({ attempts: 2, verifiedAt: at, usedAt: null });
      expect((await store.listEvents(org, r.id)).map((e) => e.type)).toEqual(['created', 'signer_code_failed', 'signer_verified']);
    });

    test('when a decision rests on a code, then it is written only with a verified, unused code of that request, and marks it used', async () => {
      const r = await insertRequest();
      const c = code(r);
      await store.createSignerCode({ code: c, message: codeMessage(r, '123456'), expectedLatestId: null });
      const decision = (at: Date) => ({
        organisationId: org, requestId: r.id, fromStatuses: ['opened' as const], status: 'signed' as const, at, signerName: 'Ans', decisions: [{ purposeId: 'a', granted: true }], requiredPurposes: [], signature: null,
        document: { id: newId('doc', at), requestId: r.id, organisationId: org, kind: 'consent-pdf' as const, contentType: 'application/pdf', sha256: 'ab', content: Buffer.from('%PDF x'), createdAt: at },
        event: event(r, 'signed', at), signerCodeId: c.id,
      });
      // Not verified yet: nothing is written.
      expect(await store.decide(decision(t0))).toBe(false);
      expect((await store.getConsentRequest(org, r.id))!.status).toBe('opened');
      expect(await store.listDocuments(org, r.id)).toEqual([]);
      const at = new Date(t0.getTime() + 5000);
      await store.recordSignerCodeAttempt({ organisationId: org, requestId: r.id, codeId: c.id, expectedAttempts: 0, verifiedAt: at, event: event(r, 'signer_verified', at) });
      // Another request's code: nothing.
      const other = await insertRequest();
      expect(await store.decide({ ...decision(at), requestId: other.id, document: { ...decision(at).document, requestId: other.id }, event: event(other, 'signed', at) })).toBe(false);
      expect(await store.decide(decision(at))).toBe(true);
      expect((await store.listSignerCodes(org, r.id, t0))[0]!.usedAt).toEqual(at);
    });
  });
}
