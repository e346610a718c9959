import { requestConsent } from '../../src/consent/request-consent';
import { turns16On } from '../../src/consent/turning-16';
import { verifyAuditLog } from '../../src/evidence/verify-audit-log';
import { runLifecycle, type LifecycleDeps } from '../../src/jobs/lifecycle';
import { updateOrganisation } from '../../src/organisations/organisation-settings';
import type { SqliteStore } from '../../src/storage/sqlite/sqlite-store';
import { createAndSign } from '../helpers/signing';
import { adultRequest, auth, childRequest, createTestApp, deliverAndGetLink, openSigningPage, type TestApp } from '../helpers/test-app';

/** Sam was born on 2010-12-10: 15 today (2026-11-22), 16 on 2026-12-10, 18 days from now. */
const SAM = { reference: 'REG-SAM', firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2010-12-10' };
const CHILD_ANSWERS = { purpose_registratie: 'yes', 'purpose_contact-ouder': 'yes', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'no', declaration: 'yes', signerName: 'Ans de Vries' };
const ADULT_ANSWERS = { purpose_registratie: 'yes', purpose_contact: 'no', 'purpose_gegevens-delen': 'no', declaration: 'yes' };

function jobDeps(app: TestApp): LifecycleDeps {
  const { container } = app;
  return { store: container.store, clock: app.clock, forms: container.forms, tokens: container.tokens, publicBaseUrl: container.config.publicBaseUrl, defaultExpiryDays: container.config.defaultExpiryDays, reminderDefaults: container.config.reminders };
}

interface StatusBody {
  mayRegister: boolean;
  reconfirmationDue?: boolean;
  purposes: { formId: string; purposeId: string; granted: boolean; lapsed: boolean; validUntil: string | null; requestId: string; reconfirmationDue?: boolean }[];
}

describe('turning 16 (today is 2026-11-22, Sam turns 16 on 2026-12-10)', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  const status = async (reference = SAM.reference): Promise<StatusBody> => (await app.http.get(`/api/v1/subjects/${reference}/consent`).set(auth(app.apiKey)).expect(200)).body;
  const purpose = (body: StatusBody, formId: string, purposeId: string) => body.purposes.find((p) => p.formId === formId && p.purposeId === purposeId)!;
  const events = async (requestId: string) => (await app.container.store.listEvents(app.organisationId, requestId)).map((e) => ({ type: e.type, actor: e.actor, detail: e.detail }));

  async function guardianSigns(): Promise<string> {
    const { id, signed } = await createAndSign(app, childRequest({ subject: SAM }), CHILD_ANSWERS);
    expect(signed.status).toBe(303);
    return id;
  }

  test('when a guardian request is created, then the day the child turns 16 is kept with it, and not for a 16+ request', async () => {
    const child = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest({ subject: SAM })).expect(201);
    const adult = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest()).expect(201);
    expect((await app.container.store.getConsentRequest(app.organisationId, child.body.id))?.turns16On).toBe('2026-12-10');
    expect((await app.container.store.getConsentRequest(app.organisationId, adult.body.id))?.turns16On ?? null).toBeNull();
  });

  test('when the job runs within 30 days of the birthday, then subject.turning_16 is recorded once and the status API says reconfirmationDue until the young person decides; that ends the guardian grants under the default policy', async () => {
    const guardianId = await guardianSigns();
    const before = await status();
    expect(before.reconfirmationDue).toBeUndefined();
    expect(purpose(before, 'activiteit-onder-16', 'registratie')).not.toHaveProperty('reconfirmationDue');

    expect((await runLifecycle(jobDeps(app))).flagged).toBe(1);
    expect((await runLifecycle(jobDeps(app))).flagged).toBe(0);
    const flagged = (await events(guardianId)).filter((e) => e.type === 'subject.turning_16');
    expect(flagged).toEqual([{ type: 'subject.turning_16', actor: 'system', detail: { turns16On: '2026-12-10' } }]);

    const due = await status();
    expect(due).toMatchObject({ mayRegister: true, reconfirmationDue: true });
    expect(purpose(due, 'activiteit-onder-16', 'registratie')).toMatchObject({ granted: true, lapsed: false, reconfirmationDue: true, validUntil: '2027-11-22T23:00:00.000Z' });

    // On the birthday (10:00 in Amsterdam), without the young person's contact: nothing is sent, the guardian's grants still count.
    app.clock.set('2026-12-10T09:00:00Z');
    expect(await runLifecycle(jobDeps(app))).toMatchObject({ youngRequested: 0 });
    expect(await status()).toMatchObject({ mayRegister: true, reconfirmationDue: true });

    // The registration system gives Sam's own e-mail address: the next run asks Sam.
    await app.http.put(`/api/v1/subjects/${SAM.reference}/contact`).set(auth(app.apiKey)).send({ channel: 'email', email: 'sam.devries@example.nl' }).expect(200);
    expect((await runLifecycle(jobDeps(app))).youngRequested).toBe(1);
    expect((await runLifecycle(jobDeps(app))).youngRequested).toBe(0);
    const asked = (await events(guardianId)).filter((e) => e.type === 'reconfirmation_requested');
    expect(asked).toEqual([{ type: 'reconfirmation_requested', actor: 'system', detail: { requestId: expect.stringMatching(/^cr_/), formId: 'inloop-16-plus' } }]);
    const youngId = asked[0]!.detail.requestId as string;
    const young = await app.container.store.getConsentRequest(app.organisationId, youngId);
    expect(young).toMatchObject({ signerRole: 'participant', formId: 'inloop-16-plus', subject: { reference: SAM.reference }, recipient: { channel: 'email', address: 'sam.devries@example.nl' } });
    // The contact was used, so it is gone.
    expect(await app.container.store.getSubjectContact(app.organisationId, SAM.reference)).toBeNull();

    // Sam receives the link (dev outbox) and signs.
    const link = await deliverAndGetLink(app, youngId);
    const outbox = await app.container.store.listDevOutbox(100);
    expect(outbox.filter((m) => m.requestId === youngId).map((m) => m.to)).toEqual(['sam.devries@example.nl']);
    expect(await status()).toMatchObject({ mayRegister: true, reconfirmationDue: true });
    const { csrf, cookie } = await openSigningPage(app, link);
    await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...ADULT_ANSWERS, signerName: 'Sam de Vries', action: 'sign' }).expect(303);
    await runLifecycle(jobDeps(app));

    const decided = await status();
    expect(decided.reconfirmationDue).toBe(false);
    expect(purpose(decided, 'activiteit-onder-16', 'registratie')).toMatchObject({ granted: false, lapsed: true, reconfirmationDue: false });
    expect(purpose(decided, 'activiteit-onder-16', 'contact-ouder')).toMatchObject({ granted: false, lapsed: true });
    expect(purpose(decided, 'inloop-16-plus', 'registratie')).toMatchObject({ granted: true, lapsed: false, reconfirmationDue: false, requestId: youngId });
    expect(decided.mayRegister).toBe(true);
    // The guardian's consent lapsed by the default policy: one event on its chain, for the registration system (and its webhooks).
    expect((await events(guardianId)).filter((e) => e.type === 'lapsed')).toEqual([{ type: 'lapsed', actor: 'system', detail: { reason: 'young-person-decided', policy: 'until-young-person-decides' } }]);
    await runLifecycle(jobDeps(app));
    expect((await events(guardianId)).filter((e) => e.type === 'lapsed')).toHaveLength(1);
  });

  test('when the organisation lets guardian consent lapse 7 days after the 16th birthday, then it counts until 00:00 Amsterdam on the 7th day after and not from then on', async () => {
    await updateOrganisation(app.container, app.organisationId, { turning16Policy: 'lapses-after-days', turning16LapseDays: '7' });
    const guardianId = await guardianSigns();
    await runLifecycle(jobDeps(app));
    // 2026-12-10 + 7 days = 2026-12-17, 00:00 CET = 2026-12-16T23:00Z.
    const end = '2026-12-16T23:00:00.000Z';
    const before = await status();
    expect(before).toMatchObject({ mayRegister: true, reconfirmationDue: true });
    expect(purpose(before, 'activiteit-onder-16', 'registratie')).toMatchObject({ granted: true, lapsed: false, validUntil: end });

    app.clock.set('2026-12-10T09:00:00Z');
    expect((await status()).mayRegister).toBe(true);
    app.clock.set('2026-12-16T22:59:59.999Z');
    expect((await status()).mayRegister).toBe(true);
    app.clock.set(end);
    const after = await status();
    expect(after.mayRegister).toBe(false);
    expect(purpose(after, 'activiteit-onder-16', 'registratie')).toMatchObject({ granted: false, lapsed: true, validUntil: end, reconfirmationDue: true });
    // The job records the lapse once, from that instant on (not a minute before).
    app.clock.set('2026-12-16T22:59:00.000Z');
    expect((await runLifecycle(jobDeps(app))).lapsed).toBe(0);
    app.clock.set(end);
    expect((await runLifecycle(jobDeps(app))).lapsed).toBe(1);
    expect((await runLifecycle(jobDeps(app))).lapsed).toBe(0);
    expect((await events(guardianId)).filter((e) => e.type === 'lapsed')).toEqual([{ type: 'lapsed', actor: 'system', detail: { reason: 'turning-16-policy', policy: 'lapses-after-days', lapseDays: 7, validUntil: end } }]);
  });

  test('when the child turns 16 outside the 30-day window, then the job does not flag them yet; 30 days before the birthday it does', async () => {
    // Born 2011-01-31: 16 on 2027-01-31, 70 days from now.
    await createAndSign(app, childRequest({ subject: { ...SAM, reference: 'REG-LATER', dateOfBirth: '2011-01-31' } }), CHILD_ANSWERS);
    expect((await runLifecycle(jobDeps(app))).flagged).toBe(0);
    expect((await status('REG-LATER')).reconfirmationDue).toBeUndefined();
    app.clock.set('2027-01-01T10:00:00Z');
    expect((await runLifecycle(jobDeps(app))).flagged).toBe(1);
    expect((await status('REG-LATER')).reconfirmationDue).toBe(true);
  });

  test('when the job crashed after reserving the young person\'s request id, then the next run makes the request with that id, once', async () => {
    await guardianSigns();
    await runLifecycle(jobDeps(app));
    await app.http.put(`/api/v1/subjects/${SAM.reference}/contact`).set(auth(app.apiKey)).send({ channel: 'sms', phone: '06 12345678' }).expect(200);
    app.clock.set('2026-12-10T09:00:00Z');
    const reserved = await app.container.store.reserveYoungRequest(app.organisationId, SAM.reference, 'cr_reservedyoung000000000000');
    expect(reserved).toBe('cr_reservedyoung000000000000');
    expect((await runLifecycle(jobDeps(app))).youngRequested).toBe(1);
    expect(await app.container.store.getConsentRequest(app.organisationId, 'cr_reservedyoung000000000000')).toMatchObject({ signerRole: 'participant', recipient: { channel: 'sms', address: '+31612345678' } });
    const page = await app.container.store.listConsentRequests(app.organisationId, { subjectReference: SAM.reference, formId: 'inloop-16-plus' }, 10, null);
    expect(page.items.map((r) => r.id)).toEqual(['cr_reservedyoung000000000000']);
  });
});

describe('renewal and lapse (Noor signs a 12-month 16+ consent on 2026-11-22; it lapses at 2027-11-22T23:00Z)', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  const events = async (requestId: string) => (await app.container.store.listEvents(app.organisationId, requestId)).map((e) => ({ type: e.type, detail: e.detail }));
  const ofType = async (requestId: string, type: string) => (await events(requestId)).filter((e) => e.type === type);

  async function noorSigns(): Promise<string> {
    const { id, signed } = await createAndSign(app, adultRequest(), { ...ADULT_ANSWERS, signerName: 'Noor Bakker' });
    expect(signed.status).toBe(303);
    return id;
  }

  test('when consent lapses within 30 days, then renewal_due and renewal_requested are recorded once and Noor receives a new link for the same form at its current version; at the end, lapsed once', async () => {
    const id = await noorSigns();
    const oldLink = (await app.container.store.listDevOutbox(100)).find((m) => m.requestId === id)!.link;
    app.clock.set('2027-10-22T10:00:00Z');
    expect(await runLifecycle(jobDeps(app))).toMatchObject({ renewalsDue: 0, renewalsRequested: 0 });

    app.clock.set('2027-10-24T10:00:00Z');
    expect(await runLifecycle(jobDeps(app))).toMatchObject({ renewalsDue: 1, renewalsRequested: 1 });
    expect(await runLifecycle(jobDeps(app))).toMatchObject({ renewalsDue: 0, renewalsRequested: 0 });
    expect(await ofType(id, 'renewal_due')).toEqual([{ type: 'renewal_due', detail: { validUntil: '2027-11-22T23:00:00.000Z' } }]);
    const requested = await ofType(id, 'renewal_requested');
    expect(requested).toHaveLength(1);
    const renewalId = requested[0]!.detail.requestId as string;

    const renewal = (await app.http.get(`/api/v1/consent-requests/${renewalId}`).set(auth(app.apiKey)).expect(200)).body;
    expect(renewal).toMatchObject({ formId: 'inloop-16-plus', formVersion: app.container.forms.get('inloop-16-plus')!.version, status: 'pending', subject: { reference: 'REG-2001' }, recipient: { channel: 'email', maskedAddress: 'n••••@example.nl' }, decisions: [] });
    const created = (await events(renewalId))[0]!;
    expect(created).toMatchObject({ type: 'created' });

    await app.container.worker.runOnce();
    const sent = (await app.container.store.listDevOutbox(100)).filter((m) => m.requestId === renewalId);
    expect(sent.map((m) => m.to)).toEqual(['noor.bakker@example.nl']);
    expect(sent[0]!.link).not.toBe(oldLink);

    app.clock.set('2027-11-22T22:59:59Z');
    expect((await runLifecycle(jobDeps(app))).lapsed).toBe(0);
    app.clock.set('2027-11-22T23:00:00Z');
    expect((await runLifecycle(jobDeps(app))).lapsed).toBe(1);
    expect((await runLifecycle(jobDeps(app))).lapsed).toBe(0);
    expect(await ofType(id, 'lapsed')).toEqual([{ type: 'lapsed', detail: { validUntil: '2027-11-22T23:00:00.000Z' } }]);
    // The lifecycle events sit in the requests' chains like any other: `audit verify` finds nothing wrong.
    const problems: unknown[] = [];
    await verifyAuditLog({ source: app.container.store, key: app.container.auditChain }, (p) => problems.push(p));
    expect(problems).toEqual([]);
  });

  test('when the organisation set renewalDaysBefore to 0, then no renewal is made, but the lapse is still recorded', async () => {
    await updateOrganisation(app.container, app.organisationId, { renewalDaysBefore: '0' });
    const id = await noorSigns();
    app.clock.set('2027-11-20T10:00:00Z');
    expect(await runLifecycle(jobDeps(app))).toMatchObject({ renewalsDue: 0, renewalsRequested: 0 });
    app.clock.set('2027-11-23T10:00:00Z');
    expect(await runLifecycle(jobDeps(app))).toMatchObject({ renewalsDue: 0, lapsed: 1 });
    expect(await ofType(id, 'renewal_due')).toEqual([]);
  });

  test('when the address was erased, then renewal_due says contact missing and no request is made', async () => {
    const id = await noorSigns();
    (app.container.store as SqliteStore).db.prepare('UPDATE consent_requests SET recipient_address_enc = NULL WHERE id = ?').run(id);
    app.clock.set('2027-11-01T10:00:00Z');
    expect(await runLifecycle(jobDeps(app))).toMatchObject({ renewalsDue: 1, renewalsRequested: 0 });
    expect(await runLifecycle(jobDeps(app))).toMatchObject({ renewalsDue: 0, renewalsRequested: 0 });
    expect(await ofType(id, 'renewal_due')).toEqual([{ type: 'renewal_due', detail: { validUntil: '2027-11-22T23:00:00.000Z', contact: 'missing' } }]);
    expect((await app.container.store.listConsentRequests(app.organisationId, { subjectReference: 'REG-2001' }, 10, null)).items).toHaveLength(1);
  });

  test('when a newer request for the same person and form exists, then nothing is renewed', async () => {
    const id = await noorSigns();
    app.clock.set('2027-10-30T10:00:00Z');
    await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest()).expect(201);
    expect(await runLifecycle(jobDeps(app))).toMatchObject({ renewalsDue: 0, renewalsRequested: 0 });
    expect(await ofType(id, 'renewal_due')).toEqual([]);
  });

  test('when the job crashed between reserving the renewal id and making the request, then the next run makes it with that id, and renewal_due stays one event', async () => {
    const id = await noorSigns();
    app.clock.set('2027-11-01T10:00:00Z');
    const at = app.clock.now();
    // What the job wrote before the crash: the reservation with its renewal_due event.
    await app.container.store.reserveRenewal(
      { requestId: id, organisationId: app.organisationId, renewalRequestId: 'cr_reservedrenewal00000000000', state: 'reserved', at },
      { id: 'evt_crash', requestId: id, organisationId: app.organisationId, type: 'renewal_due', at, actor: 'system', detail: { validUntil: '2027-11-22T23:00:00.000Z' } },
    );
    expect(await runLifecycle(jobDeps(app))).toMatchObject({ renewalsDue: 0, renewalsRequested: 1 });
    expect(await ofType(id, 'renewal_due')).toHaveLength(1);
    expect(await ofType(id, 'renewal_requested')).toEqual([{ type: 'renewal_requested', detail: { requestId: 'cr_reservedrenewal00000000000' } }]);
    const all = (await app.container.store.listConsentRequests(app.organisationId, { subjectReference: 'REG-2001' }, 10, null)).items.map((r) => r.id);
    expect(all.sort()).toEqual([id, 'cr_reservedrenewal00000000000'].sort());
  });

  test('when the job crashed after making the renewal request but before recording it, then the next run records it without a second request', async () => {
    const id = await noorSigns();
    app.clock.set('2027-11-01T10:00:00Z');
    const at = app.clock.now();
    await app.container.store.reserveRenewal({ requestId: id, organisationId: app.organisationId, renewalRequestId: 'cr_reservedrenewal00000000001', state: 'reserved', at }, null);
    await requestConsent(jobDeps(app), app.organisationId, 'system', { formId: 'inloop-16-plus', subject: { reference: 'REG-2001', firstName: 'Noor', lastName: 'Bakker', dateOfBirth: '2008-01-15' }, recipient: { name: 'Noor Bakker', channel: 'email', email: 'noor.bakker@example.nl' } }, { requestId: 'cr_reservedrenewal00000000001' });
    expect(await runLifecycle(jobDeps(app))).toMatchObject({ renewalsRequested: 1 });
    expect(await runLifecycle(jobDeps(app))).toMatchObject({ renewalsRequested: 0 });
    expect((await app.container.store.listConsentRequests(app.organisationId, { subjectReference: 'REG-2001' }, 10, null)).items).toHaveLength(2);
    expect(await ofType(id, 'renewal_requested')).toHaveLength(1);
  });

  test('when the worker passes twice in the same hour, then the job runs once; an hour later it runs again', async () => {
    const id = await noorSigns();
    app.clock.set('2027-11-23T10:00:00Z');
    await app.container.worker.runOnce();
    expect(await ofType(id, 'lapsed')).toHaveLength(1);
    await app.container.worker.runOnce();
    app.clock.advance(3_600_000);
    await app.container.worker.runOnce();
    expect(await ofType(id, 'lapsed')).toHaveLength(1);
  });
});

describe('the day someone turns 16', () => {
  test('when born on 29 February, then they turn 16 on 29 February (16 years on is a leap year too), except in a century year without one: then on 1 March', () => {
    expect(turns16On('2012-02-29')).toBe('2028-02-29');
    expect(turns16On('2084-02-29')).toBe('2100-03-01');
    expect(turns16On('2010-12-10')).toBe('2026-12-10');
    expect(turns16On('2011-13-01')).toBeNull();
  });
});
