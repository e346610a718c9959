import { randomBytes } from 'node:crypto';

import { GENESIS_HASH, legacyEventHash } from '../../src/evidence/audit-chain';
import { newId } from '../../src/shared/ids';
import type { ConsentRequestRecord, DecideInput, DocumentKind, EventRecord, OutboxMessage, Store, StoredSealState } from '../../src/storage/store';

/**
 * The behaviour every Store adapter must have. Each adapter's test file calls this with a
 * factory that gives a fresh, empty store.
 */
export function storeContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const t0 = new Date('2026-11-22T10:00:00Z');
    const org = 'org_contract';

    beforeEach(async () => {
      store = await makeStore();
      await store.createOrganisation({ id: org, name: 'Contract', createdAt: t0 });
    });
    afterEach(async () => {
      await store.close();
    });

    test('when a key is revoked, then it is marked, the key generation moves on, and a second revoke changes nothing', async () => {
      const key = { id: 'key_1', organisationId: org, name: 'k', keyHash: 'a'.repeat(64), createdAt: t0, revokedAt: null };
      await store.createApiKey(key);
      await store.createApiKey({ ...key, id: 'key_2', keyHash: 'b'.repeat(64) });
      const before = store.apiKeyGeneration();
      const at = new Date(t0.getTime() + 1000);
      expect(await store.revokeApiKey('key_1', at)).toBe(true);
      const after = store.apiKeyGeneration();
      expect(after).not.toBe(before);
      expect(await store.revokeApiKey('key_1', at)).toBe(false);
      expect(await store.revokeApiKey('key_nope', at)).toBe(false);
      expect(store.apiKeyGeneration()).toBe(after);
      expect((await store.listApiKeys(org)).map((k) => [k.id, k.revokedAt])).toEqual([['key_1', at], ['key_2', null]]);
      expect(await store.listOrganisations()).toEqual([{ id: org, name: 'Contract', createdAt: t0, activeKeys: 1, revokedKeys: 1 }]);
    });

    test('when organisation settings are saved, then they read back; an unknown organisation has none', async () => {
      const settings = {
        contactPhone: '+31201234567', contactEmail: 'info@example.nl', website: 'https://example.nl/', privacyStatementUrl: 'https://example.nl/privacy',
        dpoContact: 'F. El Amrani', smsSenderName: 'Buurtwerk', emailSenderName: 'Buurtwerk', emailReplyTo: 'jeugd@example.nl',
        defaultLanguage: 'en' as const, reminderAfterDays: 4, expiryDays: 21, logoPng: Buffer.from([1, 2, 3]),
      };
      expect(await store.updateOrganisation(org, 'Contract 2', settings)).toBe(true);
      expect(await store.getOrganisationSettings(org)).toEqual(settings);
      expect(await store.getOrganisation(org)).toMatchObject({ name: 'Contract 2' });
      expect(await store.updateOrganisation('org_nope', 'X', settings)).toBe(false);
      expect(await store.getOrganisationSettings('org_nope')).toBeNull();
    });

    test('when an organisation is created with its settings and first key, then all three exist, and when the key cannot be stored, then none does', async () => {
      const settings = {
        contactPhone: null, contactEmail: 'info@example.nl', website: null, privacyStatementUrl: null, dpoContact: null, smsSenderName: 'Noord',
        emailSenderName: null, emailReplyTo: null, defaultLanguage: 'nl' as const, reminderAfterDays: null, expiryDays: null, logoPng: null,
      };
      const key = { id: 'key_first', organisationId: 'org_noord', name: 'first key', keyHash: 'c'.repeat(64), createdAt: t0, revokedAt: null };
      await store.createOrganisation({ id: 'org_noord', name: 'Buurtwerk Noord', createdAt: t0 }, { settings, firstKey: key });
      expect(await store.getOrganisationSettings('org_noord')).toEqual(settings);
      expect((await store.listApiKeys('org_noord')).map((k) => k.id)).toEqual(['key_first']);

      // The same key hash again: the key insert fails, so the organisation and its settings are not kept either.
      // (The error is compared by its message: better-sqlite3's native part may build it in another jest file's realm.)
      const failure = await store.createOrganisation({ id: 'org_zuid', name: 'Buurtwerk Zuid', createdAt: t0 }, { settings, firstKey: { ...key, id: 'key_other', organisationId: 'org_zuid' } }).then(() => null, (error: unknown) => String((error as { message?: unknown }).message));
      expect(failure).toMatch(/UNIQUE/);
      expect(await store.getOrganisation('org_zuid')).toBeNull();
      expect(await store.listApiKeys('org_zuid')).toEqual([]);
    });

    test('when an organisation never chose its forms, then its list is null at version 0; a save replaces the list only from the version it read', async () => {
      await store.createOrganisation({ id: 'org_b', name: 'B', createdAt: t0 });
      expect(await store.getOrganisationForms(org)).toEqual({ entries: null, version: 0 });
      expect(await store.getOrganisationForms('org_nope')).toBeNull();
      const copy = { basedOn: 'foto', yaml: 'id: foto-noord\n', snapshot: { formId: 'foto-noord', version: 'abc123', content: '{"id":"foto-noord"}' } };
      const entries = [
        { formId: 'inloop', copy: null, addedAt: t0 },
        { formId: 'foto-noord', copy, addedAt: new Date(t0.getTime() + 1000) },
      ];
      expect(await store.saveOrganisationForms(org, entries, 0)).toBe(true);
      expect(await store.getOrganisationForms(org)).toEqual({ entries, version: 1 });
      // A save from a stale read changes nothing; nor does one for an organisation that does not exist.
      expect(await store.saveOrganisationForms(org, [], 0)).toBe(false);
      expect(await store.saveOrganisationForms('org_nope', [], 0)).toBe(false);
      expect(await store.getOrganisationForms(org)).toEqual({ entries, version: 1 });
      // Another organisation's list is its own.
      expect(await store.getOrganisationForms('org_b')).toEqual({ entries: null, version: 0 });
      expect(await store.saveOrganisationForms(org, [entries[1]!], 1)).toBe(true);
      expect(await store.getOrganisationForms(org)).toEqual({ entries: [entries[1]], version: 2 });
      // An empty list is a choice too: it stays empty, not "never chose".
      expect(await store.saveOrganisationForms(org, [], 2)).toBe(true);
      expect(await store.getOrganisationForms(org)).toEqual({ entries: [], version: 3 });
    });

    function request(overrides: Partial<ConsentRequestRecord> = {}): ConsentRequestRecord {
      return {
        id: newId('cr', t0),
        organisationId: org,
        formId: 'f',
        formVersion: 'v1',
        status: 'pending',
        signerRole: 'guardian',
        language: 'nl',
        subject: { reference: 'S-1', firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2014-04-02' },
        recipient: { name: 'Ans', channel: 'sms', address: '+31612345678', maskedAddress: '+316••••5678' },
        tokenHash: randomBytes(32).toString('hex'),
        createdAt: t0,
        updatedAt: t0,
        expiresAt: new Date(t0.getTime() + 86_400_000),
        sentAt: null,
        openedAt: null,
        decidedAt: null,
        reminderCount: 0,
        reminders: { afterDays: 3, automatic: 1, max: 2 },
        deliveredAt: null,
        failureReason: null,
        sealState: null,
        decisions: [],
        signerName: null,
        signatureKind: null,
        validUntil: null,
        requestedBy: null,
        primaryRequestId: null,
        signerSlot: 'guardian',
        authority: null,
        version: 0,
        ...overrides,
      };
    }
    const event = (r: ConsentRequestRecord, type: string, at = t0): EventRecord => ({ id: newId('evt', at), requestId: r.id, organisationId: org, type, at, actor: 'system', detail: { n: 1 } });
    const message = (r: ConsentRequestRecord): OutboxMessage => ({ id: newId('msg', t0), requestId: r.id, organisationId: org, kind: 'invite', channel: 'sms', link: 'https://x/c/t', attempts: 0, dueAt: t0, createdAt: t0 });
    async function insert(r = request()) {
      await store.createConsentRequest({ request: r, event: event(r, 'created'), message: message(r), form: { formId: 'f', version: 'v1', content: '{"id":"f"}' } });
      return r;
    }

    test('when a request is created, then it reads back by id and by token hash with its personal fields', async () => {
      const r = await insert();
      expect(await store.getConsentRequest(org, r.id)).toEqual(r);
      expect((await store.findConsentRequestByTokenHash(r.tokenHash))?.id).toBe(r.id);
      expect(await store.getConsentRequest('org_other', r.id)).toBeNull();
      expect(await store.getFormSnapshot('f', 'v1')).toEqual({ formId: 'f', version: 'v1', content: '{"id":"f"}' });
    });

    test('when a request names who asked for it, then that reads back, with or without a role', async () => {
      const r = await insert(request({ requestedBy: { name: 'Jesse Smit', role: 'jongerenwerker' } }));
      expect((await store.getConsentRequest(org, r.id))?.requestedBy).toEqual({ name: 'Jesse Smit', role: 'jongerenwerker' });
      const bare = await insert(request({ id: newId('cr', t0), requestedBy: { name: 'Jesse Smit', role: null } }));
      expect((await store.findConsentRequestByTokenHash(bare.tokenHash))?.requestedBy).toEqual({ name: 'Jesse Smit', role: null });
    });

    test('when contact details are erased, then only requests of the given statuses changed before the time lose their address and requestedBy, at most `limit` at a time', async () => {
      const later = new Date(t0.getTime() + 60_000);
      const who = { name: 'Jesse Smit', role: 'jongerenwerker' };
      const old = await insert(request({ status: 'signed', requestedBy: who }));
      const old2 = await insert(request({ id: newId('cr', t0), status: 'expired', requestedBy: who }));
      const open = await insert(request({ id: newId('cr', t0), status: 'sent', requestedBy: who }));
      const recent = await insert(request({ id: newId('cr', t0), status: 'signed', requestedBy: who, updatedAt: later, createdAt: later }));
      const statuses = ['signed', 'expired'] as const;
      expect(await store.eraseContactDetails({ statuses, changedBefore: new Date(t0.getTime() + 1), limit: 1 })).toBe(1);
      expect(await store.eraseContactDetails({ statuses, changedBefore: new Date(t0.getTime() + 1), limit: 10 })).toBe(1);
      expect(await store.eraseContactDetails({ statuses, changedBefore: new Date(t0.getTime() + 1), limit: 10 })).toBe(0);
      for (const r of [old, old2]) {
        expect(await store.getConsentRequest(org, r.id)).toEqual({ ...r, recipient: { ...r.recipient, address: null }, requestedBy: null });
      }
      for (const r of [open, recent]) expect(await store.getConsentRequest(org, r.id)).toEqual(r);
    });

    test('when a create fails half-way (duplicate token), then nothing of it is stored', async () => {
      const first = await insert();
      const second = request({ tokenHash: first.tokenHash });
      // Compare by outcome, not instanceof: native driver errors come from another realm under jest.
      const failure = await insert(second).then(() => null, (error: unknown) => error);
      expect(failure).not.toBeNull();
      expect(await store.getConsentRequest(org, second.id)).toBeNull();
      expect(await store.listEvents(org, second.id)).toEqual([]);
      expect(await store.claimMessages(t0, new Date(t0.getTime() + 1000), 10)).toHaveLength(1);
    });

    test('when events are appended, then each holds the hash of the one before', async () => {
      const r = await insert();
      await store.appendEvent(event(r, 'opened', new Date(t0.getTime() + 1000)));
      const events = await store.listEvents(org, r.id);
      expect(events.map((e) => e.type)).toEqual(['created', 'opened']);
      expect(events[0]!.prevHash).toBe(GENESIS_HASH);
      expect(events[1]!.prevHash).toBe(events[0]!.hash);
      // Keyed (AUDIT_CHAIN_KEY): not the plain SHA-256 that anyone with the rows could recompute.
      expect(events[1]!.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(events[1]!.hash).not.toBe(legacyEventHash(events[0]!.hash, events[1]!));
    });

    test('when the status changes from an allowed status, then it moves; from another, then it does not', async () => {
      const r = await insert();
      expect(await store.changeStatus({ organisationId: org, requestId: r.id, fromStatuses: ['pending'], status: 'cancelled', at: t0, event: event(r, 'cancelled'), dropPendingMessages: true })).toBe(true);
      expect(await store.changeStatus({ organisationId: org, requestId: r.id, fromStatuses: ['pending'], status: 'expired', at: t0, event: event(r, 'expired') })).toBe(false);
      expect((await store.getConsentRequest(org, r.id))?.status).toBe('cancelled');
      expect(await store.claimMessages(t0, new Date(t0.getTime() + 1000), 10)).toEqual([]);
      expect((await store.listEvents(org, r.id)).map((e) => e.type)).toEqual(['created', 'cancelled']);
    });

    test('when a request is decided, then decisions, signature, document and event are stored together, and only once', async () => {
      const r = await insert();
      const input = {
        organisationId: org,
        requestId: r.id,
        fromStatuses: ['pending'] as const,
        status: 'signed' as const,
        at: t0,
        signerName: 'Ans de Vries',
        decisions: [{ purposeId: 'a', granted: true }, { purposeId: 'b', granted: false }],
        requiredPurposes: ['a'],
        signature: { kind: 'typed' as const, text: 'Ans de Vries', image: null },
        document: { id: newId('doc', t0), requestId: r.id, organisationId: org, kind: 'consent-pdf' as const, contentType: 'application/pdf', sha256: 'ab', content: Buffer.from('%PDF-1.7 x'), createdAt: t0 },
        event: event(r, 'signed'),
      };
      expect(await store.decide(input)).toBe(true);
      expect(await store.decide({ ...input, document: { ...input.document, id: newId('doc', t0) }, event: event(r, 'signed') })).toBe(false);
      const got = await store.getConsentRequest(org, r.id);
      expect(got).toMatchObject({ status: 'signed', signerName: 'Ans de Vries', signatureKind: 'typed', decisions: input.decisions });
      expect(await store.getSignature(org, r.id)).toEqual({ kind: 'typed', text: 'Ans de Vries', image: null });
      expect((await store.getDocument(org, r.id))?.content.toString()).toBe('%PDF-1.7 x');
      expect(await store.getDocument('org_other', r.id)).toBeNull();
      expect((await store.getDocumentById(org, r.id, input.document.id))?.content.toString()).toBe('%PDF-1.7 x');
      expect(await store.getDocumentById('org_other', r.id, input.document.id)).toBeNull();
      expect(await store.getDocumentById(org, 'cr_other', input.document.id)).toBeNull();
      const rows = await store.currentDecisions(org, 'S-1');
      expect(rows).toEqual([
        { requestId: r.id, formId: 'f', purposeId: 'a', granted: true, required: true, since: t0.toISOString(), validUntil: null, waitingFor: [], signerRole: 'guardian' },
        { requestId: r.id, formId: 'f', purposeId: 'b', granted: false, required: false, since: t0.toISOString(), validUntil: null, waitingFor: [], signerRole: 'guardian' },
      ]);
    });

    test('when a purpose is withdrawn and a later request decides again, then the current decisions hold the latest per purpose, in first-decided order', async () => {
      const doc = (r: ConsentRequestRecord, at: Date) => ({ id: newId('doc', at), requestId: r.id, organisationId: org, kind: 'consent-pdf' as const, contentType: 'application/pdf', sha256: 'ab', content: Buffer.from('%PDF x'), createdAt: at });
      const t1 = new Date(t0.getTime() + 60_000);
      const t2 = new Date(t0.getTime() + 120_000);
      expect(await store.currentDecisions(org, 'S-1')).toEqual([]);
      const first = await insert();
      const decisions = [{ purposeId: 'a', granted: true }, { purposeId: 'b', granted: true }, { purposeId: 'c', granted: false }];
      await store.decide({ organisationId: org, requestId: first.id, fromStatuses: ['pending'], status: 'signed', at: t0, signerName: 'Ans', decisions, requiredPurposes: ['a'], signature: null, document: doc(first, t0), event: event(first, 'signed') });
      const { version } = (await store.getConsentRequest(org, first.id))!;
      expect(await store.withdraw({ organisationId: org, requestId: first.id, expectedVersion: version, at: t1, decisions: decisions.map((d) => (d.purposeId === 'b' ? { ...d, granted: false } : d)), withdrawn: ['b'], status: 'signed', document: { ...doc(first, t1), kind: 'withdrawal-receipt' as const }, event: event(first, 'withdrawn', t1) })).toBe(true);
      const second = await insert(request({ tokenHash: randomBytes(32).toString('hex') }));
      await store.decide({ organisationId: org, requestId: second.id, fromStatuses: ['pending'], status: 'signed', at: t2, signerName: 'Ans', decisions: [{ purposeId: 'c', granted: true }], requiredPurposes: [], signature: null, document: doc(second, t2), event: event(second, 'signed', t2) });
      expect(await store.currentDecisions(org, 'S-1')).toEqual([
        { requestId: first.id, formId: 'f', purposeId: 'a', granted: true, required: true, since: t0.toISOString(), validUntil: null, waitingFor: [], signerRole: 'guardian' },
        { requestId: first.id, formId: 'f', purposeId: 'b', granted: false, required: false, since: t1.toISOString(), validUntil: null, waitingFor: [], signerRole: 'guardian' },
        { requestId: second.id, formId: 'f', purposeId: 'c', granted: true, required: false, since: t2.toISOString(), validUntil: null, waitingFor: [], signerRole: 'guardian' },
      ]);
      expect(await store.currentDecisions('org_other', 'S-1')).toEqual([]);
      expect(await store.currentDecisions(org, 'S-2')).toEqual([]);
    });

    test('when a decision carries validUntil, then the request and every current decision keep it, a withdrawal row has none, and a later decision replaces it', async () => {
      const doc = (r: ConsentRequestRecord, at: Date) => ({ id: newId('doc', at), requestId: r.id, organisationId: org, kind: 'consent-pdf' as const, contentType: 'application/pdf', sha256: 'ab', content: Buffer.from('%PDF x'), createdAt: at });
      const t1 = new Date(t0.getTime() + 60_000);
      const t2 = new Date(t0.getTime() + 120_000);
      const until1 = new Date('2027-11-22T23:00:00.000Z');
      const until2 = new Date('2027-11-23T23:00:00.000Z');
      const first = await insert();
      const decisions = [{ purposeId: 'a', granted: true }, { purposeId: 'b', granted: true }];
      await store.decide({ organisationId: org, requestId: first.id, fromStatuses: ['pending'], status: 'signed', at: t0, signerName: 'Ans', decisions, validUntil: until1, requiredPurposes: ['a'], signature: null, document: doc(first, t0), event: event(first, 'signed') });
      expect((await store.getConsentRequest(org, first.id))?.validUntil).toEqual(until1);
      expect(await store.currentDecisions(org, 'S-1')).toEqual([
        { requestId: first.id, formId: 'f', purposeId: 'a', granted: true, required: true, since: t0.toISOString(), validUntil: until1.toISOString(), waitingFor: [], signerRole: 'guardian' },
        { requestId: first.id, formId: 'f', purposeId: 'b', granted: true, required: false, since: t0.toISOString(), validUntil: until1.toISOString(), waitingFor: [], signerRole: 'guardian' },
      ]);
      await store.withdraw({ organisationId: org, requestId: first.id, expectedVersion: (await store.getConsentRequest(org, first.id))!.version, at: t1, decisions: [decisions[0]!, { purposeId: 'b', granted: false }], withdrawn: ['b'], status: 'signed', document: { ...doc(first, t1), kind: 'withdrawal-receipt' as const }, event: event(first, 'withdrawn', t1) });
      expect((await store.currentDecisions(org, 'S-1'))[1]).toEqual({ requestId: first.id, formId: 'f', purposeId: 'b', granted: false, required: false, since: t1.toISOString(), validUntil: null, waitingFor: [], signerRole: 'guardian' });
      const second = await insert(request({ tokenHash: randomBytes(32).toString('hex') }));
      await store.decide({ organisationId: org, requestId: second.id, fromStatuses: ['pending'], status: 'signed', at: t2, signerName: 'Ans', decisions: [{ purposeId: 'a', granted: true }], validUntil: until2, requiredPurposes: ['a'], signature: null, document: doc(second, t2), event: event(second, 'signed', t2) });
      expect((await store.currentDecisions(org, 'S-1'))[0]).toEqual({ requestId: second.id, formId: 'f', purposeId: 'a', granted: true, required: true, since: t2.toISOString(), validUntil: until2.toISOString(), waitingFor: [], signerRole: 'guardian' });
      expect((await store.getConsentRequest(org, first.id))?.validUntil).toEqual(until1);
    });

    test('when a message is dropped while its send is under way, then completing it keeps the event but counts nothing and queues nothing', async () => {
      const r = await insert();
      const [claimed] = await store.claimMessages(t0, new Date(t0.getTime() + 60_000), 1);
      expect(claimed?.id).toBeDefined();
      await store.changeStatus({ organisationId: org, requestId: r.id, fromStatuses: ['pending'], status: 'cancelled', at: t0, event: event(r, 'cancelled'), dropPendingMessages: true });
      const followUp = { ...message(r), id: newId('msg', t0), kind: 'reminder' as const };
      expect(await store.completeMessage({ organisationId: org, messageId: claimed!.id, provider: 'twilio', providerMessageId: 'SM1', at: t0, event: event(r, 'sent'), followUp })).toBe('late');
      expect(await store.getConsentRequest(org, r.id)).toMatchObject({ status: 'cancelled', reminderCount: 0 });
      expect(await store.getOutboxMessage(claimed!.id)).toMatchObject({ state: 'dropped', providerMessageId: 'SM1' });
      expect(await store.listOutboxMessages(org, r.id)).toHaveLength(1);
      expect((await store.listEvents(org, r.id)).map((e) => e.type)).toEqual(['created', 'cancelled', 'sent']);
    });

    test('when two workers claim at once, then each message is leased to one of them until the lease ends', async () => {
      for (let i = 0; i < 5; i += 1) await insert();
      const lease = new Date(t0.getTime() + 60_000);
      const [a, b] = await Promise.all([store.claimMessages(t0, lease, 3), store.claimMessages(t0, lease, 3)]);
      const ids = [...a!, ...b!].map((m) => m.id);
      expect(ids).toHaveLength(5);
      expect(new Set(ids).size).toBe(5);
      expect(await store.claimMessages(new Date(t0.getTime() + 30_000), lease, 10)).toEqual([]);
      const again = await store.claimMessages(new Date(t0.getTime() + 61_000), new Date(t0.getTime() + 120_000), 10);
      expect(again).toHaveLength(5);
      expect(again[0]!.attempts).toBe(2);
      expect(again[0]!.link).toBe('https://x/c/t');
    });

    test('when a message is completed, then the request is sent and the message is not claimed again', async () => {
      const r = await insert();
      const [m] = await store.claimMessages(t0, new Date(t0.getTime() + 1000), 1);
      expect(await store.completeMessage({ organisationId: org, messageId: m!.id, provider: 'twilio', providerMessageId: 'SM1', at: t0, event: event(r, 'sent'), followUp: null })).toBe('completed');
      expect((await store.getConsentRequest(org, r.id))?.status).toBe('sent');
      expect(await store.claimMessages(new Date(t0.getTime() + 5000), new Date(t0.getTime() + 6000), 10)).toEqual([]);
      expect(await store.getOutboxMessage(m!.id)).toMatchObject({ state: 'sent', provider: 'twilio', providerMessageId: 'SM1', kind: 'invite' });
    });

    test('when a second worker completes the same message (lease ran out mid-send), then it is a duplicate and nothing counts twice', async () => {
      const r = await insert();
      const [m] = await store.claimMessages(t0, new Date(t0.getTime() + 1000), 1);
      const reminder = { ...message(r), id: newId('msg', t0), kind: 'reminder' as const, dueAt: new Date(t0.getTime() + 3 * 86_400_000) };
      await store.completeMessage({ organisationId: org, messageId: m!.id, provider: 'twilio', providerMessageId: 'SM1', at: t0, event: event(r, 'sent'), followUp: reminder });
      expect(await store.completeMessage({ organisationId: org, messageId: m!.id, provider: 'twilio', providerMessageId: 'SM2', at: t0, event: event(r, 'sent'), followUp: { ...reminder, id: newId('msg', t0) } })).toBe('duplicate');
      expect((await store.getOutboxMessage(m!.id))?.providerMessageId).toBe('SM1');
      const queued = (await store.listOutboxMessages(org, r.id)).filter((x) => x.state === 'queued');
      expect(queued).toHaveLength(1);
      expect(queued[0]).toMatchObject({ kind: 'reminder', dueAt: reminder.dueAt });
    });

    test('when a reminder is sent, then the reminder count goes up and a manual reminder replaces a queued one with the invite link', async () => {
      const r = await insert();
      const [m] = await store.claimMessages(t0, new Date(t0.getTime() + 1000), 1);
      const auto = { ...message(r), id: newId('msg', t0), kind: 'reminder' as const, dueAt: new Date(t0.getTime() + 86_400_000) };
      await store.completeMessage({ organisationId: org, messageId: m!.id, provider: 'dev', providerMessageId: 'x', at: t0, event: event(r, 'sent'), followUp: auto });
      const manualId = newId('msg', t0);
      expect(await store.enqueueReminder({ message: { id: manualId, requestId: r.id, organisationId: org, kind: 'reminder', channel: 'sms', attempts: 0, dueAt: t0, createdAt: t0 }, event: event(r, 'reminder_requested') })).toBe(true);
      expect((await store.getOutboxMessage(auto.id))?.state).toBe('dropped');
      const [claimed] = await store.claimMessages(new Date(t0.getTime() + 1), new Date(t0.getTime() + 1000), 5);
      expect(claimed).toMatchObject({ id: manualId, kind: 'reminder', link: 'https://x/c/t' });
      await store.completeMessage({ organisationId: org, messageId: manualId, provider: 'dev', providerMessageId: 'y', at: t0, event: event(r, 'reminder_sent'), followUp: null });
      expect((await store.getConsentRequest(org, r.id))?.reminderCount).toBe(1);
    });

    test('when a reminder is asked for on a request that is no longer waiting, then nothing is queued', async () => {
      const r = await insert();
      expect(await store.enqueueReminder({ message: { id: newId('msg', t0), requestId: r.id, organisationId: org, kind: 'reminder', channel: 'sms', attempts: 0, dueAt: t0, createdAt: t0 }, event: event(r, 'reminder_requested') })).toBe(false);
    });

    test('when a claimed message is deferred, then it is due later and the attempt is not counted', async () => {
      const r = await insert();
      const [m] = await store.claimMessages(t0, new Date(t0.getTime() + 1000), 1);
      const later = new Date(t0.getTime() + 3_600_000);
      await store.deferMessage(org, m!.id, later);
      expect(await store.getOutboxMessage(m!.id)).toMatchObject({ attempts: 0, dueAt: later, state: 'queued' });
      expect((await store.getConsentRequest(org, r.id))?.status).toBe('pending');
    });

    test('when a message is retried or fails, then it is due later or the request is failed', async () => {
      const r = await insert();
      const [m] = await store.claimMessages(t0, new Date(t0.getTime() + 1000), 1);
      await store.retryMessage(org, m!.id, new Date(t0.getTime() + 10_000), 'HTTP 500');
      expect(await store.claimMessages(new Date(t0.getTime() + 5000), new Date(t0.getTime() + 6000), 1)).toEqual([]);
      const [again] = await store.claimMessages(new Date(t0.getTime() + 10_000), new Date(t0.getTime() + 11_000), 1);
      expect(again?.id).toBe(m!.id);
      await store.failMessage({ organisationId: org, messageId: m!.id, error: 'invalid number', at: t0, event: event(r, 'failed'), failRequestFrom: ['pending', 'sent'] });
      expect((await store.getConsentRequest(org, r.id))?.status).toBe('failed');
    });

    test('when listing, then pages are newest first and filters apply', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push((await insert(request({ id: newId('cr', new Date(t0.getTime() + i * 1000)), subject: { reference: i % 2 ? 'odd' : 'even', firstName: 'x', lastName: null, dateOfBirth: '2014-01-01' } }))).id);
      const p1 = await store.listConsentRequests(org, {}, 2, null);
      const p2 = await store.listConsentRequests(org, {}, 2, p1.nextCursor);
      const p3 = await store.listConsentRequests(org, {}, 2, p2.nextCursor);
      expect([...p1.items, ...p2.items, ...p3.items].map((r) => r.id)).toEqual([...ids].reverse());
      expect(p3.nextCursor).toBeNull();
      expect((await store.listConsentRequests(org, { subjectReference: 'odd' }, 10, null)).items).toHaveLength(2);
    });

    test('when an idempotency key is reserved, then a second reserve returns the first, and completion is replayable', async () => {
      expect(await store.reserveIdempotencyKey(org, 'k', 'h1', t0)).toBeNull();
      expect(await store.reserveIdempotencyKey(org, 'k', 'h1', t0)).toEqual({ requestHash: 'h1', status: null, body: null, location: null, createdAt: t0 });
      await store.completeIdempotencyKey(org, 'k', { status: 201, body: '{}', location: '/x' });
      expect(await store.reserveIdempotencyKey(org, 'k', 'h2', t0)).toEqual({ requestHash: 'h1', status: 201, body: '{}', location: '/x', createdAt: t0 });
      expect(await store.reserveIdempotencyKey('org_other', 'k', 'h2', t0)).toBeNull();
    });

    test('when an expired idempotency key is taken over, then only the first taker wins and the old reservation can no longer answer or free it', async () => {
      const t1 = new Date(t0.getTime() + 600_000);
      expect(await store.reserveIdempotencyKey(org, 'k', 'h1', t0)).toBeNull();
      expect(await store.takeOverIdempotencyKey(org, 'k', t0, 'h2', t1)).toBe(true);
      expect(await store.takeOverIdempotencyKey(org, 'k', t0, 'h3', t1)).toBe(false);
      // The first request finishing late must not overwrite or free the new reservation.
      await store.completeIdempotencyKey(org, 'k', { status: 201, body: '{"old":true}', location: null }, t0);
      await store.releaseIdempotencyKey(org, 'k', t0);
      expect(await store.reserveIdempotencyKey(org, 'k', 'h2', t1)).toEqual({ requestHash: 'h2', status: null, body: null, location: null, createdAt: t1 });
      await store.completeIdempotencyKey(org, 'k', { status: 201, body: '{}', location: null }, t1);
      expect(await store.reserveIdempotencyKey(org, 'k', 'h2', t1)).toMatchObject({ status: 201, body: '{}' });
      expect(await store.takeOverIdempotencyKey(org, 'k', t1, 'h4', new Date(t1.getTime() + 86_400_000))).toBe(true);
      expect(await store.reserveIdempotencyKey(org, 'k', 'h4', t1)).toMatchObject({ requestHash: 'h4', status: null, body: null });
    });

    test('when idempotency keys are pruned, then those reserved before the cutoff are gone and newer ones stay', async () => {
      await store.reserveIdempotencyKey(org, 'old', 'h', t0);
      await store.completeIdempotencyKey(org, 'old', { status: 201, body: '{}', location: null });
      await store.reserveIdempotencyKey(org, 'new', 'h', new Date(t0.getTime() + 2000));
      expect(await store.pruneIdempotencyKeys(new Date(t0.getTime() + 1000))).toBe(1);
      expect(await store.reserveIdempotencyKey(org, 'old', 'h', t0)).toBeNull();
      expect(await store.reserveIdempotencyKey(org, 'new', 'h', t0)).toMatchObject({ requestHash: 'h' });
    });

    test('when a provider event id is recorded twice, then the second is recognised; forgotten or pruned, it counts again', async () => {
      expect(await store.recordProviderEvent('sendgrid', 'ev1', t0)).toBe(true);
      expect(await store.recordProviderEvent('sendgrid', 'ev1', t0)).toBe(false);
      expect(await store.recordProviderEvent('twilio', 'ev1', t0)).toBe(true);
      await store.forgetProviderEvent('sendgrid', 'ev1');
      expect(await store.recordProviderEvent('sendgrid', 'ev1', t0)).toBe(true);
      expect(await store.recordProviderEvent('sendgrid', 'ev2', new Date(t0.getTime() + 2000))).toBe(true);
      expect(await store.pruneProviderEvents(new Date(t0.getTime() + 1000))).toBe(2);
      expect(await store.recordProviderEvent('sendgrid', 'ev1', t0)).toBe(true);
      expect(await store.recordProviderEvent('sendgrid', 'ev2', t0)).toBe(false);
    });

    test('when a request is created decided, then request, events, decisions and document exist together and it is never open', async () => {
      const r = request({ recipient: { name: 'Ans', channel: 'paper', address: null, maskedAddress: 'paper' }, expiresAt: t0 });
      const decision = {
        status: 'signed' as const,
        at: t0,
        signerName: 'Ans de Vries',
        decisions: [{ purposeId: 'a', granted: true }],
        requiredPurposes: ['a'],
        signature: null,
        document: { id: newId('doc', t0), requestId: r.id, organisationId: org, kind: 'paper-record' as const, contentType: 'application/pdf', sha256: 'cd', content: Buffer.from('%PDF paper'), createdAt: t0 },
        event: event(r, 'signed'),
      };
      await store.createDecidedRequest({ request: r, event: event(r, 'created'), form: { formId: 'f', version: 'v1', content: '{"id":"f"}' }, decision });
      expect(await store.getConsentRequest(org, r.id)).toMatchObject({ status: 'signed', signerName: 'Ans de Vries', decisions: decision.decisions, version: 1 });
      expect((await store.listEvents(org, r.id)).map((e) => e.type)).toEqual(['created', 'signed']);
      expect((await store.getDocument(org, r.id, 'paper-record'))?.content.toString()).toBe('%PDF paper');
      expect(await store.currentDecisions(org, 'S-1')).toEqual([{ requestId: r.id, formId: 'f', purposeId: 'a', granted: true, required: true, since: t0.toISOString(), validUntil: null, waitingFor: [], signerRole: 'guardian' }]);
      expect(await store.listExpired(new Date(t0.getTime() + 1000), 10)).toEqual([]);

      // All or nothing: a second one whose document id is taken leaves no request behind.
      const second = request({ recipient: r.recipient, subject: { ...r.subject, reference: 'S-2' } });
      const failure = await store
        .createDecidedRequest({ request: second, event: event(second, 'created'), form: { formId: 'f', version: 'v1', content: '{"id":"f"}' }, decision: { ...decision, event: event(second, 'signed'), document: { ...decision.document, requestId: second.id } } })
        .then(() => null, (error: unknown) => error);
      expect(failure).not.toBeNull();
      expect(await store.getConsentRequest(org, second.id)).toBeNull();
      expect(await store.listEvents(org, second.id)).toEqual([]);
      expect(await store.currentDecisions(org, 'S-2')).toEqual([]);
    });

    test('when a request changes, then its version goes up; a withdrawal computed from an older version writes nothing', async () => {
      const r = await insert();
      expect((await store.getConsentRequest(org, r.id))?.version).toBe(0);
      await store.changeStatus({ organisationId: org, requestId: r.id, fromStatuses: ['pending'], status: 'opened', at: t0, event: event(r, 'opened') });
      expect((await store.getConsentRequest(org, r.id))?.version).toBe(1);
      const decisions = [{ purposeId: 'a', granted: true }, { purposeId: 'b', granted: true }];
      const doc = (kind: 'consent-pdf' | 'withdrawal-receipt') => ({ id: newId('doc', t0), requestId: r.id, organisationId: org, kind, contentType: 'application/pdf', sha256: 'ab', content: Buffer.from('%PDF x'), createdAt: t0 });
      await store.decide({ organisationId: org, requestId: r.id, fromStatuses: ['opened'], status: 'signed', at: t0, signerName: 'Ans', decisions, requiredPurposes: ['a'], signature: null, document: doc('consent-pdf'), event: event(r, 'signed') });
      const signed = (await store.getConsentRequest(org, r.id))!;
      expect(signed.version).toBe(2);
      const withdrawA = { organisationId: org, requestId: r.id, expectedVersion: signed.version, at: t0, decisions: [{ purposeId: 'a', granted: false }, { purposeId: 'b', granted: true }], withdrawn: ['a'], status: 'signed' as const, document: doc('withdrawal-receipt'), event: event(r, 'withdrawn') };
      expect(await store.withdraw(withdrawA)).toBe(true);
      // Computed from version 2 as well: it would put `a` back to granted. Refused, nothing written.
      const withdrawB = { ...withdrawA, decisions: [{ purposeId: 'a', granted: true }, { purposeId: 'b', granted: false }], withdrawn: ['b'], document: doc('withdrawal-receipt'), event: event(r, 'withdrawn') };
      expect(await store.withdraw(withdrawB)).toBe(false);
      const after = (await store.getConsentRequest(org, r.id))!;
      expect(after).toMatchObject({ version: 3, decisions: withdrawA.decisions });
      expect((await store.listDocuments(org, r.id)).map((d) => d.kind)).toEqual(['consent-pdf', 'withdrawal-receipt']);
      expect((await store.listEvents(org, r.id)).map((e) => e.type)).toEqual(['created', 'opened', 'signed', 'withdrawn']);
      expect(await store.withdraw({ ...withdrawB, expectedVersion: after.version })).toBe(true);
      expect((await store.currentDecisions(org, 'S-1')).map((d) => [d.purposeId, d.granted])).toEqual([['a', false], ['b', false]]);
    });

    test('when a time-stamp is completed for a version that no longer holds, then nothing is written', async () => {
      const r = await insert();
      const doc = { id: newId('doc', t0), requestId: r.id, organisationId: org, kind: 'consent-pdf' as const, contentType: 'application/pdf', sha256: 'ab', content: Buffer.from('%PDF x'), createdAt: t0 };
      await store.decide({ organisationId: org, requestId: r.id, fromStatuses: ['pending'], status: 'signed', at: t0, signerName: 'Ans', decisions: [{ purposeId: 'a', granted: true }], requiredPurposes: [], signature: null, document: doc, event: event(r, 'signed'), sealState: 'sealed_without_timestamp' });
      const [missing] = await store.listMissingTimestamps(10);
      expect(missing).toEqual({ id: r.id, organisationId: org, version: 1 });
      const complete = () => store.completeTimestamp({ organisationId: org, requestId: r.id, expectedVersion: missing!.version, document: { ...doc, id: newId('doc', t0) }, event: event(r, 'timestamp_added') });
      expect(await complete()).toBe(true);
      expect(await complete()).toBe(false);
      expect(await store.listMissingTimestamps(10)).toEqual([]);
      expect((await store.listDocuments(org, r.id)).map((d) => d.kind)).toEqual(['consent-pdf', 'consent-pdf']);
      expect((await store.listEvents(org, r.id)).map((e) => e.type)).toEqual(['created', 'signed', 'timestamp_added']);
    });

    test('when a message fails, then the request fails only from the statuses the caller names', async () => {
      const r = await insert();
      const [m] = await store.claimMessages(t0, new Date(t0.getTime() + 1000), 1);
      await store.changeStatus({ organisationId: org, requestId: r.id, fromStatuses: ['pending'], status: 'delivered', at: t0, event: event(r, 'delivered') });
      await store.failMessage({ organisationId: org, messageId: m!.id, error: 'bounced', at: t0, event: event(r, 'failed'), failRequestFrom: ['pending', 'sent'] });
      expect(await store.getConsentRequest(org, r.id)).toMatchObject({ status: 'delivered', failureReason: null });
      expect(await store.getOutboxMessage(m!.id)).toMatchObject({ state: 'failed', lastError: 'bounced' });
      expect((await store.listEvents(org, r.id)).map((e) => e.type)).toEqual(['created', 'delivered', 'failed']);
    });

    describe('organisations: a write naming another organisation changes nothing', () => {
      const other = 'org_intruder';
      beforeEach(async () => {
        await store.createOrganisation({ id: other, name: 'Intruder', createdAt: t0 });
      });
      /** The same event, document or message, labelled as the other organisation's. */
      const as = <T extends { organisationId: string }>(x: T): T => ({ ...x, organisationId: other });
      const pdf = (r: ConsentRequestRecord, kind: DocumentKind = 'consent-pdf', sealState: StoredSealState | null = null) => ({ id: newId('doc', t0), requestId: r.id, organisationId: org, kind, contentType: 'application/pdf', sha256: randomBytes(32).toString('hex'), content: Buffer.from('%PDF x'), createdAt: t0, sealState });
      const decideInput = (r: ConsentRequestRecord): DecideInput => ({ organisationId: org, requestId: r.id, fromStatuses: ['pending', 'sent'], status: 'signed', at: t0, signerName: 'Ans', decisions: [{ purposeId: 'a', granted: true }, { purposeId: 'b', granted: true }], requiredPurposes: ['a'], signature: { kind: 'typed', text: 'Ans', image: null }, document: pdf(r, 'consent-pdf', 'sealed_without_timestamp'), event: event(r, 'signed'), sealState: 'sealed_without_timestamp' });
      /** Everything of the request that a write could touch, read as its own organisation. */
      async function everything(r: ConsentRequestRecord) {
        return {
          request: await store.getConsentRequest(org, r.id),
          events: await store.listEvents(org, r.id),
          outbox: await store.listOutboxMessages(org, r.id),
          documents: await store.listDocuments(org, r.id),
          signature: await store.getSignature(org, r.id),
          status: await store.currentDecisions(org, r.subject.reference),
          otherStatus: await store.currentDecisions(other, r.subject.reference),
          totals: await store.auditTotals(),
          missing: await store.listMissingTimestamps(10),
          receipts: (await store.listReceiptsMissingTimestamps(10)).map((d) => d.id),
        };
      }

      test('when another organisation changes the status, decides, appends an event or queues a reminder for a request, then each says no and nothing changes', async () => {
        const r = await insert();
        await store.changeStatus({ organisationId: org, requestId: r.id, fromStatuses: ['pending'], status: 'sent', at: t0, event: event(r, 'sent') });
        const before = await everything(r);
        expect(await store.changeStatus({ organisationId: other, requestId: r.id, fromStatuses: ['sent'], status: 'cancelled', at: t0, dropPendingMessages: true, event: as(event(r, 'cancelled')) })).toBe(false);
        const decision = decideInput(r);
        expect(await store.decide({ ...decision, organisationId: other, document: as(decision.document), event: as(decision.event) })).toBe(false);
        expect(await store.appendEvent(as(event(r, 'opened')))).toBe(false);
        expect(await store.enqueueReminder({ message: { id: newId('msg', t0), requestId: r.id, organisationId: other, kind: 'reminder', channel: 'sms', attempts: 0, dueAt: t0, createdAt: t0 }, event: as(event(r, 'reminder_requested')) })).toBe(false);
        expect(await store.getSignature(other, r.id)).toBeNull();
        expect(await store.listOutboxMessages(other, r.id)).toEqual([]);
        expect(await everything(r)).toEqual(before);
        // The same writes by the request's own organisation do go through.
        expect(await store.appendEvent(event(r, 'opened'))).toBe(true);
        expect(await store.enqueueReminder({ message: { id: newId('msg', t0), requestId: r.id, organisationId: org, kind: 'reminder', channel: 'sms', attempts: 0, dueAt: t0, createdAt: t0 }, event: event(r, 'reminder_requested') })).toBe(true);
        expect(await store.decide(decision)).toBe(true);
      });

      test('when another organisation withdraws or completes the time-stamp of a decided request or receipt, then each says no and nothing changes', async () => {
        const r = await insert();
        expect(await store.decide(decideInput(r))).toBe(true);
        const version = (await store.getConsentRequest(org, r.id))!.version;
        const receipt = pdf(r, 'withdrawal-receipt', 'sealed_without_timestamp');
        expect(await store.withdraw({ organisationId: org, requestId: r.id, expectedVersion: version, at: t0, decisions: [{ purposeId: 'a', granted: true }, { purposeId: 'b', granted: false }], withdrawn: ['b'], status: 'signed', document: receipt, event: event(r, 'withdrawn') })).toBe(true);
        const before = await everything(r);
        expect(before.missing).toHaveLength(1);
        expect(before.receipts).toEqual([receipt.id]);
        const current = before.request!.version;
        expect(await store.withdraw({ organisationId: other, requestId: r.id, expectedVersion: current, at: t0, decisions: [{ purposeId: 'a', granted: false }, { purposeId: 'b', granted: false }], withdrawn: ['a'], status: 'withdrawn', document: as(pdf(r, 'withdrawal-receipt')), event: as(event(r, 'withdrawn')) })).toBe(false);
        expect(await store.completeTimestamp({ organisationId: other, requestId: r.id, expectedVersion: current, document: as(pdf(r, 'consent-pdf', 'timestamped')), event: as(event(r, 'timestamp_added')) })).toBe(false);
        expect(await store.completeTimestamp({ organisationId: other, requestId: r.id, document: as(pdf(r, 'consent-pdf', 'timestamped')), event: as(event(r, 'timestamp_added')) })).toBe(false);
        expect(await store.completeReceiptTimestamp({ organisationId: other, previousDocumentId: receipt.id, document: as(pdf(r, 'withdrawal-receipt', 'timestamped')), event: as(event(r, 'timestamp_added')) })).toBe(false);
        expect(await store.getSignature(other, r.id)).toBeNull();
        expect(await everything(r)).toEqual(before);
        expect(await store.completeTimestamp({ organisationId: org, requestId: r.id, expectedVersion: current, document: pdf(r, 'consent-pdf', 'timestamped'), event: event(r, 'timestamp_added') })).toBe(true);
        expect(await store.completeReceiptTimestamp({ organisationId: org, previousDocumentId: receipt.id, document: pdf(r, 'withdrawal-receipt', 'timestamped'), event: event(r, 'timestamp_added') })).toBe(true);
      });

      test('when another organisation completes, fails, retries, defers or drops a message, then nothing of the message or its request changes', async () => {
        const r = await insert();
        const [m] = await store.claimMessages(t0, new Date(t0.getTime() + 1000), 1);
        const before = await everything(r);
        expect(before.outbox[0]).toMatchObject({ id: m!.id, state: 'queued', attempts: 1 });
        expect(await store.completeMessage({ organisationId: other, messageId: m!.id, provider: 'twilio', providerMessageId: 'SMx', at: t0, event: as(event(r, 'sent')), followUp: null })).toBe('duplicate');
        expect(await store.failMessage({ organisationId: other, messageId: m!.id, error: 'bounced', at: t0, event: as(event(r, 'failed')), failRequestFrom: ['pending', 'sent'] })).toBe(false);
        await store.retryMessage(other, m!.id, new Date(t0.getTime() + 60_000), 'HTTP 500');
        await store.deferMessage(other, m!.id, new Date(t0.getTime() + 60_000));
        await store.dropMessage(other, m!.id, 'not yours');
        expect(await everything(r)).toEqual(before);
        expect(await store.getOutboxMessage(m!.id)).toEqual(before.outbox[0]);
        expect(await store.completeMessage({ organisationId: org, messageId: m!.id, provider: 'twilio', providerMessageId: 'SM1', at: t0, event: event(r, 'sent'), followUp: null })).toBe('completed');
      });

      test('when a scoped write carries an event or document of another organisation, then it throws and writes nothing', async () => {
        const r = await insert();
        const before = await everything(r);
        const decision = decideInput(r);
        await expect(store.decide({ ...decision, event: as(decision.event) })).rejects.toThrow();
        await expect(store.decide({ ...decision, document: as(decision.document) })).rejects.toThrow();
        await expect(store.changeStatus({ organisationId: org, requestId: r.id, fromStatuses: ['pending'], status: 'cancelled', at: t0, event: as(event(r, 'cancelled')) })).rejects.toThrow();
        expect(await everything(r)).toEqual(before);
      });
    });
  });
}
