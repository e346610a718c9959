import { binary } from '../helpers/http';
import { greyPng } from '../helpers/png';
import { signInStaff, type StaffSession } from '../helpers/staff';
import { adultRequest, auth, childRequest, createTestApp, deliverAndGetLink, type TestApp } from '../helpers/test-app';

/**
 * The dashboard's request pages (issue 11, D2) over HTTP with a real signed-in session: overview
 * (organisation only, search, filters, access log), new request, request detail (remind, cancel,
 * paper form, downloads), and the access log for admins.
 */
let app: TestApp;
let worker: StaffSession;
let admin: StaffSession;

beforeAll(async () => {
  app = await createTestApp();
  worker = await signInStaff(app, { role: 'youth-worker' });
  admin = await signInStaff(app, { role: 'admin' });
});
afterAll(async () => {
  await app.close();
});

async function createViaApi(body: object, key = app.apiKey): Promise<string> {
  const res = await app.http.post('/api/v1/consent-requests').set(auth(key)).send(body);
  expect(res.status).toBe(201);
  return res.body.id as string;
}
const accessLog = async (organisationId = app.organisationId) => (await app.container.store.listAccessLog(organisationId, 1000, null)).items;

describe('overview', () => {
  test('when a youth worker opens /app, then the organisation\'s requests show with Dutch status words, never another organisation\'s, and the page is in the access log', async () => {
    const id = await createViaApi(childRequest({ subject: { reference: 'OV-1', firstName: 'Zoë', lastName: 'Overzicht', dateOfBirth: '2014-04-02' } }));
    await createViaApi(childRequest({ subject: { reference: 'OV-OTHER', firstName: 'Vreemd', lastName: 'Anders', dateOfBirth: '2014-04-02' } }), app.other.apiKey);
    const before = (await accessLog()).length;
    const page = await worker.agent.get('/app').expect(200);
    expect(page.text).toContain('Zoë Overzicht');
    expect(page.text).toContain(`href="/app/requests/${id}"`);
    expect(page.text).toContain('Wordt verstuurd');
    expect(page.text).not.toContain('Vreemd');
    expect(page.text).not.toContain('OV-OTHER');
    const log = await accessLog();
    expect(log.length).toBe(before + 1);
    expect(log[0]).toMatchObject({ userId: worker.userId, action: 'overview.view', requestId: null });
  });

  test('when the overview is searched by a name without accents or by a reference, then the request is found, and the search text is not in the access log', async () => {
    await createViaApi(childRequest({ subject: { reference: 'ZK-77', firstName: 'Anaïs', lastName: 'van den Berg', dateOfBirth: '2014-04-02' } }));
    const byName = await worker.agent.get('/app').query({ q: 'ANAIS' }).expect(200);
    expect(byName.text).toContain('Anaïs van den Berg');
    expect(byName.text).not.toContain('Zoë Overzicht');
    const byLast = await worker.agent.get('/app').query({ q: 'Berg' }).expect(200);
    expect(byLast.text).toContain('Anaïs van den Berg');
    const byRef = await worker.agent.get('/app').query({ q: 'ZK-77' }).expect(200);
    expect(byRef.text).toContain('Anaïs van den Berg');
    const none = await worker.agent.get('/app').query({ q: 'niemand' }).expect(200);
    expect(none.text).not.toContain('Anaïs');
    expect(none.text).toContain('Er zijn geen verzoeken die hierbij passen.');
    const detail = (await accessLog()).map((e) => e.detail ?? '').join('\n');
    expect(detail).not.toMatch(/anais|berg|niemand|ZK-77/i);
  });

  test('when the overview is filtered on status or dates, then only matching requests show; a wrong date gets an error summary', async () => {
    const id = await createViaApi(adultRequest({ subject: { reference: 'FL-1', firstName: 'Filter', lastName: 'Getekend', dateOfBirth: '2008-01-15' } }));
    await app.container.store.changeStatus({ organisationId: app.organisationId, requestId: id, fromStatuses: ['pending'], status: 'cancelled', at: app.clock.now(), event: { id: `evt_fl${Date.now()}`, requestId: id, organisationId: app.organisationId, type: 'cancelled', at: app.clock.now(), actor: 'system', detail: {} } });
    const cancelled = await worker.agent.get('/app').query({ status: 'cancelled' }).expect(200);
    expect(cancelled.text).toContain('Filter Getekend');
    expect(cancelled.text).not.toContain('Zoë Overzicht');
    const today = await worker.agent.get('/app').query({ from: '2026-11-22', to: '2026-11-22' }).expect(200);
    expect(today.text).toContain('Filter Getekend');
    const later = await worker.agent.get('/app').query({ from: '2026-11-23' }).expect(200);
    expect(later.text).not.toContain('Filter Getekend');
    const wrong = await worker.agent.get('/app').query({ from: '2026-02-30' }).expect(200);
    expect(wrong.text).toMatch(/<title>Fout: /);
    expect(wrong.text).toContain('role="alert"');
    expect(wrong.text).toContain('href="#field-from"');
  });

  test('when there are more requests than fit a page, then "next" goes on after the last one shown and new requests do not shift it', async () => {
    // Ids are time-ordered: the clock moves a second per request so that "newest first" is defined.
    const start = app.clock.now();
    try {
      for (let i = 0; i < 26; i += 1) {
        app.clock.advance(1000);
        await createViaApi(adultRequest({ subject: { reference: `PG-${i}`, firstName: `Pagina${i}`, lastName: 'Test', dateOfBirth: '2008-01-15' } }));
      }
    } finally {
      app.clock.set(start);
    }
    const first = await worker.agent.get('/app').expect(200);
    const next = /href="(\/app\?after[^"]+)" rel="next"/.exec(first.text)![1]!.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    app.clock.set(new Date(start.getTime() + 60_000));
    try {
      await createViaApi(adultRequest({ subject: { reference: 'PG-NEW', firstName: 'Nieuwkomer', lastName: 'Test', dateOfBirth: '2008-01-15' } }));
    } finally {
      app.clock.set(start);
    }
    const second = await worker.agent.get(next).expect(200);
    const names = (html: string) => [...html.matchAll(/<a href="\/app\/requests\/cr_[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);
    const shownFirst = names(first.text);
    const shownSecond = names(second.text);
    expect(shownFirst).toHaveLength(25);
    expect(shownSecond.filter((n) => shownFirst.includes(n))).toEqual([]);
    expect(shownSecond).not.toContain('Nieuwkomer Test');
    expect(shownSecond).toContain('Pagina0 Test');
  });

  test('when there is no session, then /app and a request page redirect to /app/sign-in', async () => {
    const res = await app.http.get('/app').set('Accept', 'text/html');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/app\/sign-in/);
    const detail = await app.http.get('/app/requests/cr_x').set('Accept', 'text/html');
    expect(detail.headers.location).toMatch(/^\/app\/sign-in/);
  });
});

describe('new request', () => {
  test('when the form is sent with missing and wrong fields, then 422 with an error summary linking each field, "Fout:" in the title, the answers kept and who receives it', async () => {
    const res = await worker.agent.post('/app/requests/new').type('form').send({ _csrf: worker.csrf, formId: 'activiteit-onder-16', firstName: 'Lotte', lastName: 'Kleijn', dateOfBirth: '2015-02-03', reference: '', channel: 'sms', address: '12', language: 'nl' });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/<title>Fout: /);
    expect(res.text).toMatch(/class="error-summary" role="alert"[^>]*autofocus/);
    expect(res.text).toContain('<a href="#field-reference">Registratienummer: Vul het registratienummer in.</a>');
    expect(res.text).toContain('<a href="#field-address">Mobiel nummer of e-mailadres: Vul een geldig mobiel nummer in');
    expect(res.text).toContain('value="Kleijn"');
    expect(res.text).toContain('<option value="activiteit-onder-16" selected>');
    expect(res.text).toContain('Dit verzoek gaat naar de ouder of verzorger, want Lotte is jonger dan 16.');
  });

  test('when a child\'s request has no parent name, then the use case\'s rule shows as a Dutch error on that field', async () => {
    const res = await worker.agent.post('/app/requests/new').type('form').send({ _csrf: worker.csrf, formId: 'activiteit-onder-16', firstName: 'Lotte', dateOfBirth: '2015-02-03', reference: 'NW-2', channel: 'sms', address: '06 12345678', language: 'nl' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('<a href="#field-recipientName">Naam van de ouder of verzorger: Vul de naam van de ouder of verzorger in.');
    const wrongForm = await worker.agent.post('/app/requests/new').type('form').send({ _csrf: worker.csrf, formId: 'inloop-16-plus', firstName: 'Lotte', dateOfBirth: '2015-02-03', reference: 'NW-2', channel: 'sms', address: '06 12345678', recipientName: 'Ouder Kleijn', language: 'nl' });
    expect(wrongForm.status).toBe(422);
    expect(wrongForm.text).toContain('Dit formulier past niet bij deze persoon.');
  });

  test('when a complete request is sent, then it is made with the API\'s use case by this staff member and the browser goes to its detail page', async () => {
    const res = await worker.agent.post('/app/requests/new').type('form').send({ _csrf: worker.csrf, formId: 'inloop-16-plus', firstName: 'Noor', lastName: 'Nieuw', dateOfBirth: '2008-01-15', reference: 'NW-3', channel: 'email', address: 'noor.nieuw@example.nl', language: 'en' });
    expect(res.status).toBe(303);
    const location = String(res.headers.location);
    const id = /^\/app\/requests\/(cr_[A-Za-z0-9_-]+)\?done=created$/.exec(location)![1]!;
    const api = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey)).expect(200);
    expect(api.body).toMatchObject({ formId: 'inloop-16-plus', status: 'pending', signerRole: 'participant', language: 'en', subject: { reference: 'NW-3' }, recipient: { channel: 'email' } });
    const events = await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey)).expect(200);
    expect(events.body.data[0]).toMatchObject({ type: 'created', actor: `staff:${worker.userId}` });
    const detail = await worker.agent.get(location).expect(200);
    expect(detail.text).toContain('Het verzoek is gemaakt.');
    expect(detail.text).toContain('Noor Nieuw');
  });

  test('when the form is posted without _csrf, then 403 and nothing is made', async () => {
    const before = (await app.container.store.listConsentRequests(app.organisationId, { subjectReference: 'NW-CSRF' }, 10, null)).items.length;
    const res = await worker.agent.post('/app/requests/new').type('form').send({ formId: 'inloop-16-plus', firstName: 'Noor', dateOfBirth: '2008-01-15', reference: 'NW-CSRF', channel: 'email', address: 'noor@example.nl' });
    expect(res.status).toBe(403);
    expect((await app.container.store.listConsentRequests(app.organisationId, { subjectReference: 'NW-CSRF' }, 10, null)).items.length).toBe(before);
  });
});

describe('request detail', () => {
  test('when a request of another organisation is opened, then 404, and its documents 404 too', async () => {
    const otherId = await createViaApi(childRequest(), app.other.apiKey);
    await worker.agent.get(`/app/requests/${otherId}`).set('Accept', 'text/html').expect(404);
    await worker.agent.get(`/app/requests/${otherId}/documents/doc_x`).set('Accept', 'text/html').expect(404);
    await worker.agent.post(`/app/requests/${otherId}/cancel`).type('form').send({ _csrf: worker.csrf }).expect(404);
    const api = await app.http.get(`/api/v1/consent-requests/${otherId}`).set(auth(app.other.apiKey)).expect(200);
    expect(api.body.status).toBe('pending');
  });

  test('when a request is opened, then its timeline shows in Dutch and the view is in the access log', async () => {
    const id = await createViaApi(childRequest({ subject: { reference: 'DT-1', firstName: 'Tijn', lastName: 'Lijn', dateOfBirth: '2014-04-02' } }));
    await deliverAndGetLink(app, id);
    const page = await worker.agent.get(`/app/requests/${id}`).expect(200);
    expect(page.text).toContain('Verzoek gemaakt');
    expect(page.text).toContain('Uitnodiging verstuurd');
    expect(page.text).toContain('Registratiesysteem (API)');
    expect((await accessLog())[0]).toMatchObject({ userId: worker.userId, action: 'request.view', requestId: id });
  });

  test('when remind is pressed before the message went out, then 409 with a friendly message; after it went out, a reminder is scheduled', async () => {
    const id = await createViaApi(childRequest({ subject: { reference: 'RM-1', firstName: 'Rem', lastName: 'Inder', dateOfBirth: '2014-04-02' } }));
    const early = await worker.agent.post(`/app/requests/${id}/remind`).type('form').send({ _csrf: worker.csrf });
    expect(early.status).toBe(409);
    expect(early.text).toContain('Dat kan nu niet meer');
    await deliverAndGetLink(app, id);
    const res = await worker.agent.post(`/app/requests/${id}/remind`).type('form').send({ _csrf: worker.csrf }).expect(303);
    expect(res.headers.location).toBe(`/app/requests/${id}?done=reminded`);
    const events = await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey)).expect(200);
    expect(events.body.data.map((e: { type: string }) => e.type)).toContain('reminder_requested');
  });

  test('when cancel is pressed, then the request is cancelled; pressing it again gives 409 with a friendly message; without _csrf 403', async () => {
    const id = await createViaApi(childRequest({ subject: { reference: 'CN-1', firstName: 'Can', lastName: 'Cel', dateOfBirth: '2014-04-02' } }));
    await worker.agent.post(`/app/requests/${id}/cancel`).type('form').send({}).expect(403);
    await worker.agent.post(`/app/requests/${id}/cancel`).type('form').send({ _csrf: worker.csrf }).expect(303);
    const api = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey)).expect(200);
    expect(api.body.status).toBe('cancelled');
    const again = await worker.agent.post(`/app/requests/${id}/cancel`).type('form').send({ _csrf: worker.csrf });
    expect(again.status).toBe(409);
    expect(again.text).toContain('Dat kan nu niet meer');
  });

  test('when a paper form is uploaded, then it is recorded with the paper use case, and its record downloads as a PDF that is access-logged', async () => {
    const id = await createViaApi(childRequest({ subject: { reference: 'PP-1', firstName: 'Pa', lastName: 'Pier', dateOfBirth: '2014-04-02' } }));
    const res = await worker.agent.post(`/app/requests/${id}/paper`)
      .field('_csrf', worker.csrf).field('signedBy', 'Ans Pier').field('signedOn', '2026-11-20')
      .field('purpose_registratie', 'yes').field('purpose_contact-ouder', 'no').field('purpose_gegevens-delen', 'no').field('purpose_medische-gegevens', 'no')
      .attach('file', greyPng(64), 'foto.png');
    expect(res.status).toBe(303);
    const api = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey)).expect(200);
    expect(api.body.status).toBe('signed');
    const page = await worker.agent.get(`/app/requests/${id}`).expect(200);
    const link = /href="(\/app\/requests\/cr_[^/]+\/documents\/doc_[^"]+)"/.exec(page.text)![1]!;
    const pdf = await worker.agent.get(link).buffer(true).parse(binary).expect(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
    expect((await accessLog())[0]).toMatchObject({ userId: worker.userId, action: 'document.download', requestId: id });
  });

  test('when a paper form misses answers, then 422 with the problems listed and the answers kept', async () => {
    const id = await createViaApi(childRequest({ subject: { reference: 'PP-2', firstName: 'Pa', lastName: 'Pier', dateOfBirth: '2014-04-02' } }));
    const res = await worker.agent.post(`/app/requests/${id}/paper`).field('_csrf', worker.csrf).field('signedBy', 'Ans Pier').field('signedOn', '2026-11-20').field('purpose_registratie', 'yes').attach('file', greyPng(64), 'foto.png');
    expect(res.status).toBe(422);
    expect(res.text).toContain('href="#field-purpose_contact-ouder"');
    expect(res.text).toContain('value="Ans Pier"');
    expect(res.text).toMatch(/id="field-purpose_registratie" type="radio" name="purpose_registratie" value="yes" checked/);
  });

  test('when a paper form is posted without _csrf, or with _csrf after the file, then 403 and nothing is recorded', async () => {
    const id = await createViaApi(childRequest({ subject: { reference: 'PP-3', firstName: 'Pa', lastName: 'Pier', dateOfBirth: '2014-04-02' } }));
    await worker.agent.post(`/app/requests/${id}/paper`).field('signedBy', 'Ans Pier').field('signedOn', '2026-11-20').attach('file', greyPng(64), 'foto.png').expect(403);
    await worker.agent.post(`/app/requests/${id}/paper`).field('signedBy', 'Ans Pier').attach('file', greyPng(64), 'foto.png').field('_csrf', worker.csrf).expect(403);
    const api = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey)).expect(200);
    expect(api.body.status).toBe('pending');
  });
});

describe('access log', () => {
  test('when a youth worker opens the access log or its export, then 403', async () => {
    await worker.agent.get('/app/admin/access-log').set('Accept', 'text/html').expect(403);
    await worker.agent.get('/app/admin/access-log/export.csv').set('Accept', 'text/html').expect(403);
  });

  test('when an admin opens the access log, then it lists who viewed what; the CSV export lists itself and holds no names', async () => {
    const id = await createViaApi(childRequest({ subject: { reference: 'AL-1', firstName: 'Loggie', lastName: 'Naam', dateOfBirth: '2014-04-02' } }));
    await worker.agent.get(`/app/requests/${id}`).expect(200);
    const page = await admin.agent.get('/app/admin/access-log').expect(200);
    expect(page.text).toContain('Verzoek bekeken');
    expect(page.text).toContain(`href="/app/requests/${id}"`);
    expect(page.text).toContain(worker.userId);
    const csv = await admin.agent.get('/app/admin/access-log/export.csv').expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('at,user_id,action,request_id,detail');
    expect(lines[1]).toBe(`2026-11-22T10:00:00.000Z,${admin.userId},access-log.export,,`);
    expect(lines).toContain(`2026-11-22T10:00:00.000Z,${worker.userId},request.view,${id},`);
    expect(csv.text).not.toMatch(/Loggie|Naam|example\.nl/);
  });
});
