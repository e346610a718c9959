import { greyPng } from '../helpers/png';
import { ADULT_PAPER, adultRequest, auth, createTestApp, deliverAndGetLink, openSigningPage, type TestApp, uploadPaperConsent } from '../helpers/test-app';

/**
 * What the status for registration means (issue 13, README "What the status means"), one test per
 * rule, read the way a registration system reads it: `GET /api/v1/subjects/{reference}/consent` and
 * the batch `POST /api/v1/subjects/consent-status`, which must agree. The clock is fixed
 * (2026-11-22T10:00:00Z) and moved by hand, so "later" is exact.
 */
interface Purpose {
  formId: string;
  purposeId: string;
  granted: boolean;
  since: string;
  requestId: string;
  lapsed: boolean;
}
interface Status {
  subjectReference: string;
  purposes: Purpose[];
  mayRegister: boolean;
}

const HOUR = 3_600_000;
const NOOR = { firstName: 'Noor', lastName: 'Bakker', dateOfBirth: '2008-01-15' };
type Answer = 'yes' | 'no';

describe('what the status means', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => app.close());

  /** The single lookup, checked against the batch route's entry for the same reference. */
  async function status(reference: string): Promise<Status> {
    const single = (await app.http.get(`/api/v1/subjects/${reference}/consent`).set(auth(app.apiKey)).expect(200)).body as Status;
    const batch = (await app.http.post('/api/v1/subjects/consent-status').set(auth(app.apiKey)).send({ references: [reference] }).expect(200)).body as { data: Status[] };
    expect(batch.data).toEqual([single]);
    return single;
  }
  const purpose = (s: Status, formId: string, purposeId: string) => s.purposes.find((p) => p.formId === formId && p.purposeId === purposeId);

  /** A request for Noor (16+) on `formId`, delivered; returns its id and link. */
  async function requestFor(reference: string, formId = 'inloop-16-plus') {
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest({ formId, subject: { reference, ...NOOR } })).expect(201);
    const id = created.body.id as string;
    return { id, link: await deliverAndGetLink(app, id) };
  }
  /** Noor answers on the signing page: `action` sign with these purpose answers, or decline. */
  async function answer(link: string, purposes: Record<string, Answer>, action: 'sign' | 'decline' = 'sign') {
    const { csrf, cookie } = await openSigningPage(app, link);
    const fields = Object.fromEntries(Object.entries(purposes).map(([id, a]) => [`purpose_${id}`, a]));
    await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...fields, declaration: 'yes', signerName: 'Noor Bakker', action }).expect(303);
    return { csrf, cookie };
  }
  const inloop = (registratie: Answer, contact: Answer) => ({ registratie, contact, 'gegevens-delen': 'no' as Answer });

  test('latest decision per purpose wins: the decision made last counts, not the request made last, and each (form, purpose) on its own', async () => {
    const first = await requestFor('REG-SEM-LATEST');
    const second = await requestFor('REG-SEM-LATEST');
    app.clock.advance(HOUR);
    await answer(second.link, inloop('yes', 'yes'));
    app.clock.advance(HOUR);
    // The older request is answered last: its "no" for contact is the latest decision.
    await answer(first.link, inloop('yes', 'no'));
    let s = await status('REG-SEM-LATEST');
    expect(purpose(s, 'inloop-16-plus', 'contact')).toMatchObject({ granted: false, requestId: first.id, since: '2026-11-22T12:00:00.000Z' });
    expect(purpose(s, 'inloop-16-plus', 'registratie')).toMatchObject({ granted: true, requestId: first.id });

    // A decision on another form changes only that form's purposes.
    app.clock.advance(HOUR);
    const photos = await requestFor('REG-SEM-LATEST', 'beeldmateriaal');
    await answer(photos.link, { 'intern-gebruik': 'yes', website: 'no', 'social-media': 'no' });
    s = await status('REG-SEM-LATEST');
    expect(purpose(s, 'inloop-16-plus', 'contact')).toMatchObject({ granted: false, requestId: first.id });
    expect(purpose(s, 'beeldmateriaal', 'intern-gebruik')).toMatchObject({ granted: true, requestId: photos.id });

    // A newer "yes" wins again.
    app.clock.advance(HOUR);
    const third = await requestFor('REG-SEM-LATEST');
    await answer(third.link, inloop('yes', 'yes'));
    s = await status('REG-SEM-LATEST');
    expect(purpose(s, 'inloop-16-plus', 'contact')).toMatchObject({ granted: true, requestId: third.id, since: '2026-11-22T14:00:00.000Z' });
    expect(s.purposes.map((p) => `${p.formId}/${p.purposeId}`)).toEqual(['inloop-16-plus/registratie', 'inloop-16-plus/contact', 'inloop-16-plus/gegevens-delen', 'beeldmateriaal/intern-gebruik', 'beeldmateriaal/website', 'beeldmateriaal/social-media']);
  });

  test('a withdrawal revokes at once: at the same instant, the withdrawn purpose is not granted and the rest stands; withdrawing all ends mayRegister', async () => {
    const { id, link } = await requestFor('REG-SEM-WITHDRAW');
    const session = await answer(link, inloop('yes', 'yes'));
    expect(purpose(await status('REG-SEM-WITHDRAW'), 'inloop-16-plus', 'contact')!.granted).toBe(true);
    // No time passes: the clock stays at 10:00.
    const page = await app.http.get(link).set('Cookie', session.cookie);
    const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(page.text)![1]!;
    await app.http.post(`${link}/withdraw`).set('Cookie', session.cookie).type('form').send({ _csrf: csrf, purpose: 'contact', action: 'selected' }).expect(303);
    let s = await status('REG-SEM-WITHDRAW');
    expect(purpose(s, 'inloop-16-plus', 'contact')).toMatchObject({ granted: false, requestId: id, since: '2026-11-22T10:00:00.000Z' });
    expect(purpose(s, 'inloop-16-plus', 'registratie')!.granted).toBe(true);
    expect(s.mayRegister).toBe(true);
    await app.http.post(`${link}/withdraw`).set('Cookie', session.cookie).type('form').send({ _csrf: csrf, action: 'all' }).expect(303);
    s = await status('REG-SEM-WITHDRAW');
    expect(s.purposes.every((p) => !p.granted)).toBe(true);
    expect(s.mayRegister).toBe(false);
  });

  test('expired, cancelled and declined grant nothing: expired and cancelled requests decide nothing (an earlier grant stands), a decline is a "no" for every purpose of its form', async () => {
    // Alone, each grants nothing.
    const cancelled = await requestFor('REG-SEM-CANCELLED');
    await app.http.post(`/api/v1/consent-requests/${cancelled.id}/cancel`).set(auth(app.apiKey)).expect(200);
    const expiring = await requestFor('REG-SEM-EXPIRED');
    const declined = await requestFor('REG-SEM-DECLINED');
    await answer(declined.link, {}, 'decline');
    expect(await status('REG-SEM-CANCELLED')).toEqual({ subjectReference: 'REG-SEM-CANCELLED', purposes: [], mayRegister: false });
    const d = await status('REG-SEM-DECLINED');
    expect(d.mayRegister).toBe(false);
    expect(d.purposes.map((p) => [p.purposeId, p.granted, p.requestId])).toEqual([['registratie', false, declined.id], ['contact', false, declined.id], ['gegevens-delen', false, declined.id]]);

    // After an earlier grant: a later cancelled or expired request changes nothing, a later decline revokes.
    const granted = await requestFor('REG-SEM-LATER');
    await answer(granted.link, inloop('yes', 'yes'));
    const laterCancelled = await requestFor('REG-SEM-LATER');
    await app.http.post(`/api/v1/consent-requests/${laterCancelled.id}/cancel`).set(auth(app.apiKey)).expect(200);
    const laterExpiring = await requestFor('REG-SEM-LATER');

    app.clock.advance(15 * 24 * HOUR);
    await app.container.worker.runOnce();
    for (const id of [expiring.id, laterExpiring.id]) expect((await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body.status).toBe('expired');
    expect(await status('REG-SEM-EXPIRED')).toEqual({ subjectReference: 'REG-SEM-EXPIRED', purposes: [], mayRegister: false });
    let later = await status('REG-SEM-LATER');
    expect(later.mayRegister).toBe(true);
    expect(later.purposes.every((p) => p.requestId === granted.id)).toBe(true);

    const laterDeclined = await requestFor('REG-SEM-LATER');
    await answer(laterDeclined.link, {}, 'decline');
    later = await status('REG-SEM-LATER');
    expect(later.mayRegister).toBe(false);
    expect(later.purposes.map((p) => [p.purposeId, p.granted, p.requestId])).toEqual([['registratie', false, laterDeclined.id], ['contact', false, laterDeclined.id], ['gegevens-delen', false, laterDeclined.id]]);
  });

  test('paper consent counts: a paper form recorded later is the latest decision, like one signed through the link', async () => {
    const online = await requestFor('REG-SEM-PAPER');
    await answer(online.link, inloop('no', 'no'));
    expect((await status('REG-SEM-PAPER')).mayRegister).toBe(false);
    app.clock.advance(HOUR);
    // Signed on paper today (registratie and contact yes, gegevens-delen no).
    const paper = await uploadPaperConsent(app, 'REG-SEM-PAPER', { ...ADULT_PAPER, signedOn: '2026-11-22' }, greyPng());
    expect(paper.status).toBe(201);
    const s = await status('REG-SEM-PAPER');
    expect(s.mayRegister).toBe(true);
    expect(purpose(s, 'inloop-16-plus', 'registratie')).toMatchObject({ granted: true, requestId: paper.body.id });
  });

  test('mayRegister follows the form\'s registration purpose: only a required purpose granted now makes it true, whatever else is granted', async () => {
    // A form without a registration purpose: everything granted, still no registration.
    const photos = await requestFor('REG-SEM-MAY', 'beeldmateriaal');
    await answer(photos.link, { 'intern-gebruik': 'yes', website: 'yes', 'social-media': 'yes' });
    let s = await status('REG-SEM-MAY');
    expect(s.purposes.every((p) => p.granted)).toBe(true);
    expect(s.mayRegister).toBe(false);
    // The registration form with everything but registratie.
    app.clock.advance(HOUR);
    const noRegistration = await requestFor('REG-SEM-MAY');
    await answer(noRegistration.link, { registratie: 'no', contact: 'yes', 'gegevens-delen': 'yes' });
    s = await status('REG-SEM-MAY');
    expect(purpose(s, 'inloop-16-plus', 'contact')!.granted).toBe(true);
    expect(s.mayRegister).toBe(false);
    // Registratie granted: true.
    app.clock.advance(HOUR);
    const registration = await requestFor('REG-SEM-MAY');
    await answer(registration.link, inloop('yes', 'no'));
    expect((await status('REG-SEM-MAY')).mayRegister).toBe(true);
  });
});
