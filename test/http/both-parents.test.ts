import { projectSubjectDecisions } from '../../src/consent/family-consent';
import { renderConsentPdf } from '../../src/evidence/render-consent-pdf';
import { decide, resolveLink, type SignDeps } from '../../src/consent/sign-consent';
import type { Sealer } from '../../src/evidence/sealer';
import { verifyAuditLog, type AuditProblem } from '../../src/evidence/verify-audit-log';
import type { SqliteStore } from '../../src/storage/sqlite/sqlite-store';
import { adultRequest, auth, childRequest, createTestApp, deliverAndGetLink, openSigningPage, type TestApp } from '../helpers/test-app';

/**
 * Both parents (issue 12) through the API: the second guardian's request, the family on every
 * resource, and the status API's rules for purposes that need both guardians (beeldmateriaal: its
 * three purposes are images, so each needs both guardians under joint authority).
 */
describe('both parents (joint parental authority)', () => {
  let app: TestApp;
  let sealer: Sealer;
  beforeEach(async () => {
    app = await createTestApp({}, '2026-11-22T10:00:00Z', undefined, { wrapSealer: (s) => (sealer = s) });
  });
  afterEach(async () => app.close());

  const photoRequest = (reference = 'REG-FAM') =>
    childRequest({ formId: 'beeldmateriaal', subject: { reference, firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2014-04-02' } });
  const bram = { name: 'Bram de Vries', channel: 'sms', phone: '06 87654321' };
  const answers = (website: 'yes' | 'no', rest: 'yes' | 'no' = 'yes') => ({ 'intern-gebruik': rest, website, 'social-media': rest }) as Record<string, 'yes' | 'no'>;

  async function create(body: Record<string, unknown>): Promise<string> {
    const res = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(body);
    expect(res.status).toBe(201);
    return res.body.id as string;
  }
  async function invite(primaryId: string, recipient: Record<string, unknown> = bram): Promise<string> {
    const res = await app.http.post(`/api/v1/consent-requests/${primaryId}/second-guardian`).set(auth(app.apiKey)).send({ recipient });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }
  /** Signs through the link as a parent does; each guardian here declares joint authority (the page requires a declaration to sign). */
  async function signByLink(id: string, choice: Record<string, 'yes' | 'no'>, name = 'Ans de Vries'): Promise<string> {
    const link = await deliverAndGetLink(app, id);
    const { csrf, cookie } = await openSigningPage(app, link);
    const fields = Object.fromEntries(Object.entries(choice).map(([k, v]) => [`purpose_${k}`, v]));
    const res = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...fields, declaration: 'yes', authority: 'joint', signerName: name, action: 'sign' });
    expect(res.status).toBe(303);
    return link;
  }
  /** Signs through the use case with the authority the guardian declared (the page field comes with the signing page's part of issue 12). */
  async function signDeclaring(id: string, authority: 'sole' | 'joint', choice: Record<string, 'yes' | 'no'>): Promise<void> {
    const link = await deliverAndGetLink(app, id);
    const deps: SignDeps = { store: app.container.store, tokens: app.container.tokens, clock: app.clock, renderPdf: renderConsentPdf, sealer };
    const state = await resolveLink(deps, link.slice('/c/'.length));
    if (state.kind !== 'open') throw new Error(`link is ${state.kind}`);
    const result = await decide(deps, state.request, state.form, { action: 'sign', answers: choice, declarationConfirmed: true, signerName: 'Ans de Vries', signatureDataUrl: '', userAgent: undefined, authority });
    expect(result.ok).toBe(true);
  }
  async function withdrawByLink(link: string, purpose: string): Promise<void> {
    const { csrf, cookie } = await openSigningPage(app, link);
    expect((await app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose, action: 'selected' })).status).toBe(303);
  }
  async function status(reference = 'REG-FAM') {
    const res = await app.http.get(`/api/v1/subjects/${reference}/consent`).set(auth(app.apiKey));
    expect(res.status).toBe(200);
    return res.body as { mayRegister: boolean; purposes: { formId: string; purposeId: string; granted: boolean; waitingFor: string[]; requestId: string; validUntil: string | null }[] };
  }
  const purpose = (body: Awaited<ReturnType<typeof status>>, id: string) => body.purposes.find((p) => p.formId === 'beeldmateriaal' && p.purposeId === id)!;

  describe('POST /consent-requests/{id}/second-guardian', () => {
    test('when a caller invites the second guardian, then 201 with Location and the new request, and every resource of the family lists both signers', async () => {
      const primaryId = await create(photoRequest());
      const res = await app.http.post(`/api/v1/consent-requests/${primaryId}/second-guardian`).set(auth(app.apiKey)).send({ recipient: bram });
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`/api/v1/consent-requests/${res.body.id}`);
      expect(res.body).toMatchObject({ formId: 'beeldmateriaal', signerRole: 'guardian', signerSlot: 'second-guardian', primaryRequestId: primaryId, status: 'pending', subject: { reference: 'REG-FAM' }, recipient: { channel: 'sms', maskedAddress: '+316••••4321' } });
      const signers = [
        { requestId: primaryId, role: 'guardian', authority: null, status: 'pending', decidedAt: null },
        { requestId: res.body.id, role: 'second-guardian', authority: null, status: 'pending', decidedAt: null },
      ];
      expect(res.body.signers).toEqual(signers);
      const primary = await app.http.get(`/api/v1/consent-requests/${primaryId}`).set(auth(app.apiKey));
      expect(primary.body).toMatchObject({ signerSlot: 'guardian', primaryRequestId: null, signers });
      const other = await create(photoRequest('REG-SOLO'));
      const list = await app.http.get('/api/v1/consent-requests').set(auth(app.apiKey));
      // Same clock, so the list's order among these three is the ids' order: compare per id.
      const listed = Object.fromEntries(list.body.data.map((r: { id: string; signers: { requestId: string }[] }) => [r.id, r.signers.map((s) => s.requestId)]));
      expect(listed).toEqual({ [other]: [other], [res.body.id]: [primaryId, res.body.id], [primaryId]: [primaryId, res.body.id] });
      const events = await app.http.get(`/api/v1/consent-requests/${primaryId}/events`).set(auth(app.apiKey));
      expect(events.body.data.at(-1)).toMatchObject({ type: 'second_guardian_invited', actor: expect.stringMatching(/^api:/), detail: { channel: 'sms', maskedAddress: '+316••••4321', secondRequestId: res.body.id, origin: 'caller' } });
    });

    test('when the address is the first guardian\'s own, then 422 naming the field; when a second request is open or the request is a participant\'s, then 409; another organisation\'s request is 404', async () => {
      const primaryId = await create(photoRequest());
      const same = await app.http.post(`/api/v1/consent-requests/${primaryId}/second-guardian`).set(auth(app.apiKey)).send({ recipient: { ...bram, phone: '+31612345678' } });
      expect(same.status).toBe(422);
      expect(same.body.errors).toEqual([{ path: 'recipient.phone', message: expect.any(String) }]);
      const unknownField = await app.http.post(`/api/v1/consent-requests/${primaryId}/second-guardian`).set(auth(app.apiKey)).send({ recipient: bram, formId: 'x' });
      expect(unknownField.status).toBe(422);
      await invite(primaryId);
      expect((await app.http.post(`/api/v1/consent-requests/${primaryId}/second-guardian`).set(auth(app.apiKey)).send({ recipient: { ...bram, phone: '0611112222' } })).status).toBe(409);
      const adult = await create(adultRequest());
      expect((await app.http.post(`/api/v1/consent-requests/${adult}/second-guardian`).set(auth(app.apiKey)).send({ recipient: bram })).status).toBe(409);
      expect((await app.http.post(`/api/v1/consent-requests/${primaryId}/second-guardian`).set(auth(app.other.apiKey)).send({ recipient: bram })).status).toBe(404);
      expect((await app.http.get(`/api/v1/consent-requests/${primaryId}`).set(auth(app.other.apiKey))).status).toBe(404);
    });

    test('when the same Idempotency-Key comes again, then the first answer is repeated and no second request is made; with another body it is refused', async () => {
      const primaryId = await create(photoRequest());
      const send = (recipient: Record<string, unknown>) => app.http.post(`/api/v1/consent-requests/${primaryId}/second-guardian`).set(auth(app.apiKey)).set('Idempotency-Key', 'second-1').send({ recipient });
      const first = await send(bram);
      const again = await send(bram);
      expect([first.status, again.status]).toEqual([201, 201]);
      expect(again.body.id).toBe(first.body.id);
      expect((await send({ ...bram, name: 'Iemand Anders' })).status).toBe(422);
      const family = await app.http.get(`/api/v1/consent-requests/${primaryId}`).set(auth(app.apiKey));
      expect(family.body.signers).toHaveLength(2);
    });
  });

  describe('the status API', () => {
    test('when the guardian declared joint authority and the second has not answered, then purposes that need both wait for the second guardian', async () => {
      const primaryId = await create(photoRequest());
      await signDeclaring(primaryId, 'joint', answers('yes'));
      const body = await status();
      expect(purpose(body, 'website')).toMatchObject({ granted: false, waitingFor: ['second-guardian'], requestId: primaryId, validUntil: null });
      const resource = await app.http.get(`/api/v1/consent-requests/${primaryId}`).set(auth(app.apiKey));
      expect(resource.body.signers).toEqual([{ requestId: primaryId, role: 'guardian', authority: 'joint', status: 'signed', decidedAt: '2026-11-22T10:00:00.000Z' }]);
    });

    test('when one guardian says yes and the other no, then the purpose is not granted and waits for nobody; the yes of both counts', async () => {
      const primaryId = await create(photoRequest());
      await signDeclaring(primaryId, 'joint', answers('yes'));
      const secondId = await invite(primaryId);
      app.clock.advance(60_000);
      await signByLink(secondId, answers('no'), 'Bram de Vries');
      const body = await status();
      expect(purpose(body, 'website')).toMatchObject({ granted: false, waitingFor: [], requestId: primaryId });
      expect(purpose(body, 'intern-gebruik')).toMatchObject({ granted: true, waitingFor: [], requestId: primaryId, validUntil: expect.any(String) });
    });

    test('when the second guardian withdraws after both granted, then the purpose is not granted at once; the other purposes and mayRegister stay as they were', async () => {
      const registration = await create(childRequest({ subject: { reference: 'REG-FAM', firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2014-04-02' } }));
      await signByLink(registration, { registratie: 'yes', 'contact-ouder': 'no', 'gegevens-delen': 'no', 'medische-gegevens': 'no' });
      const primaryId = await create(photoRequest());
      await signByLink(primaryId, answers('yes'));
      const secondId = await invite(primaryId);
      const secondLink = await signByLink(secondId, answers('yes'), 'Bram de Vries');
      const before = await status();
      expect(before.mayRegister).toBe(true);
      expect(purpose(before, 'website')).toMatchObject({ granted: true, waitingFor: [] });
      app.clock.advance(60_000);
      await withdrawByLink(secondLink, 'website');
      const after = await status();
      expect(purpose(after, 'website')).toMatchObject({ granted: false, waitingFor: [] });
      expect(purpose(after, 'intern-gebruik')).toMatchObject({ granted: true });
      expect(purpose(after, 'social-media')).toMatchObject({ granted: true });
      expect(after.mayRegister).toBe(true);
      expect(after.purposes.find((p) => p.purposeId === 'registratie')).toMatchObject({ granted: true, requestId: registration });
    });

    test('when the guardian has sole authority, then one grant suffices', async () => {
      const primaryId = await create(photoRequest());
      await signDeclaring(primaryId, 'sole', answers('yes'));
      expect(purpose(await status(), 'website')).toMatchObject({ granted: true, waitingFor: [], requestId: primaryId });
    });

    test('when a newer request is decided, then it supersedes the older family, and a late answer of that family\'s second guardian does not win', async () => {
      const oldId = await create(photoRequest());
      await signDeclaring(oldId, 'joint', answers('yes'));
      const oldSecond = await invite(oldId);
      app.clock.advance(60_000);
      const newId = await create(photoRequest());
      await signDeclaring(newId, 'sole', answers('yes'));
      app.clock.advance(60_000);
      await signByLink(oldSecond, answers('no', 'no'), 'Bram de Vries');
      const body = await status();
      expect(purpose(body, 'website')).toMatchObject({ granted: true, requestId: newId, waitingFor: [] });
    });

    test('when a store holds a joint family with a yes and a no and later withdrawals, then audit verify finds nothing; a changed projection entry is reported', async () => {
      const primaryId = await create(photoRequest());
      const firstLink = await signByLink(primaryId, answers('yes'));
      const secondId = await invite(primaryId);
      const secondLink = await signByLink(secondId, answers('no'), 'Bram de Vries');
      app.clock.advance(60_000);
      await withdrawByLink(secondLink, 'intern-gebruik');
      app.clock.advance(60_000);
      await withdrawByLink(firstLink, 'social-media');
      const verify = async () => {
        const problems: AuditProblem[] = [];
        await verifyAuditLog({ source: app.container.store, key: app.container.auditChain }, (p) => problems.push(p));
        return problems;
      };
      expect(await verify()).toEqual([]);
      const db = (app.container.store as SqliteStore).db;
      // Someone with write access grants the website purpose in the projection.
      const row = db.prepare("SELECT current_decisions FROM subject_status WHERE subject_reference = 'REG-FAM'").pluck().get() as string;
      const entries = JSON.parse(row) as unknown[][];
      const website = entries.find((e) => e[2] === 'website')!;
      website[3] = 1;
      db.prepare("UPDATE subject_status SET current_decisions = ? WHERE subject_reference = 'REG-FAM'").run(JSON.stringify(entries));
      expect((await verify()).map((p) => p.reason)).toEqual([expect.stringMatching(/website granted by .*changed outside the event log/)]);
    });

    test('when the facts a family is combined by are changed in the database, with a projection made to fit, then audit verify reports each against the chain', async () => {
      const primaryId = await create(photoRequest());
      await signDeclaring(primaryId, 'joint', answers('yes'));
      const secondId = await invite(primaryId);
      await signByLink(secondId, answers('no'), 'Bram de Vries');
      const db = (app.container.store as SqliteStore).db;
      // One parent's yes made to count alone: the authority to sole, the website no longer needing both, the second request moved out of the family.
      db.prepare("UPDATE decisions SET authority = 'sole', needs_all_guardians = 0 WHERE request_id = ? AND purpose_id = 'website'").run(primaryId);
      db.prepare("UPDATE consent_requests SET primary_request_id = NULL, signer_slot = 'guardian' WHERE id = ?").run(secondId);
      db.prepare("UPDATE decisions SET family_id = request_id, signer_slot = 'guardian' WHERE request_id = ?").run(secondId);
      // A projection that fits the changed rows, so only the binding to the chains can tell.
      for await (const subject of app.container.store.statusProjections()) {
        if (subject.subjectReference !== 'REG-FAM') continue;
        const entries = projectSubjectDecisions(subject.rows).map((e) => [e.requestId, e.formId, e.purposeId, e.granted ? 1 : 0, e.required ? 1 : 0, e.since, e.validUntil, e.waitingFor, e.signerRole]);
        db.prepare("UPDATE subject_status SET current_decisions = ? WHERE subject_reference = 'REG-FAM'").run(JSON.stringify(entries));
      }
      const problems: AuditProblem[] = [];
      await verifyAuditLog({ source: app.container.store, key: app.container.auditChain }, (p) => problems.push(p));
      const reasons = problems.map((p) => `${p.requestId}: ${p.reason}`);
      expect(reasons).toEqual(expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${primaryId}: its decision row website declares authority sole, its chain says joint`)),
        expect.stringMatching(new RegExp(`^${primaryId}: its decision row website says it does not need both guardians`)),
        expect.stringMatching(new RegExp(`^${secondId}: the request's signer slot is guardian, its chain was created as second-guardian`)),
        expect.stringMatching(new RegExp(`^${secondId}: the request belongs to the family of itself, its chain was created for ${primaryId}`)),
        expect.stringMatching(new RegExp(`^${secondId}: its decision row .* counts for the family of ${secondId} as guardian, its chain says ${primaryId} as second-guardian`)),
      ]));
      expect(problems.every((p) => p.requestId !== null)).toBe(true);
    });
  });
});
