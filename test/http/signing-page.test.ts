import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { binary } from '../helpers/http';
import { auth, adultRequest, childRequest, createTestApp, deliverAndGetLink, type TestApp } from '../helpers/test-app';

/** Opens the signing page like a browser: returns the cookie and the CSRF field to post back. */
async function openPage(app: TestApp, link: string) {
  const res = await app.http.get(link);
  const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(res.text)?.[1];
  const cookie = (res.headers['set-cookie'] as unknown as string[] | undefined)?.map((c) => c.split(';')[0]).join('; ');
  return { res, csrf: csrf ?? '', cookie: cookie ?? '' };
}

const allYes = { purpose_registratie: 'yes', 'purpose_contact-ouder': 'yes', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'no' };

describe('signing page', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  async function sentRequest(body: object = childRequest()) {
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(body);
    const link = await deliverAndGetLink(app, created.body.id);
    return { id: created.body.id as string, link };
  }

  test('when the link is opened, then the form shows in Dutch with no purpose pre-chosen and the request becomes opened', async () => {
    const { id, link } = await sentRequest();
    expect(link).toMatch(/^\/c\/[A-Za-z0-9_-]{46}$/);
    const { res, csrf } = await openPage(app, link);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.text).toContain('lang="nl"');
    expect(res.text).toContain('Sam');
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.text).not.toMatch(/<input[^>]*type="radio"[^>]*checked/);
    const got = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey));
    expect(got.body.status).toBe('opened');
  });

  test('when the page is asked for in English, then it is served in English', async () => {
    const { link } = await sentRequest();
    const res = await app.http.get(`${link}?lang=en`);
    expect(res.text).toContain('lang="en"');
  });

  test('when a parent signs with a typed name, then the request is signed, the choices count and the PDF is stored', async () => {
    const { id, link } = await sentRequest();
    const { csrf, cookie } = await openPage(app, link);
    const res = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...allYes, declaration: 'yes', authority: 'sole', signerName: 'Ans de Vries', action: 'sign' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(link);
    const got = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey));
    expect(got.body).toMatchObject({ status: 'signed', decisions: expect.arrayContaining([{ purposeId: 'registratie', granted: true }, { purposeId: 'gegevens-delen', granted: false }]) });
    expect(got.body.signedAt).toBe('2026-11-22T10:00:00.000Z');
    const status = await app.http.get('/api/v1/subjects/REG-1042/consent').set(auth(app.apiKey));
    expect(status.body.mayRegister).toBe(true);
    expect(status.body.purposes).toEqual(expect.arrayContaining([{ formId: 'activiteit-onder-16', purposeId: 'registratie', granted: true, since: '2026-11-22T10:00:00.000Z', requestId: id, validUntil: '2027-11-22T23:00:00.000Z', lapsed: false, waitingFor: [] }]));
    const doc = await app.http.get(`/api/v1/consent-requests/${id}/document`).set(auth(app.apiKey)).buffer(true).parse(binary);
    expect(doc.status).toBe(200);
    expect(doc.headers['content-type']).toBe('application/pdf');
    expect((doc.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
    const after = await app.http.get(link);
    expect(after.status).toBe(200);
    expect(after.text).toContain(`${link}/document`);
    const events = await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey));
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(['created', 'sent', 'opened', 'signed']);
  });

  test('when a purpose is left open or the declaration is not ticked, then the page shows the errors, keeps the answers and nothing is signed', async () => {
    const { id, link } = await sentRequest();
    const { csrf, cookie } = await openPage(app, link);
    const res = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose_registratie: 'yes', signerName: 'Ans de Vries', action: 'sign' });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/role="alert"/);
    expect(res.text).toMatch(/<input[^>]*name="purpose_registratie"[^>]*value="yes"[^>]*checked|<input[^>]*checked[^>]*name="purpose_registratie"[^>]*value="yes"/);
    const got = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey));
    expect(got.body.status).toBe('opened');
  });

  test('when the CSRF field is missing or wrong, then nothing is signed', async () => {
    const { id, link } = await sentRequest();
    const { cookie } = await openPage(app, link);
    const res = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: 'x'.repeat(43), ...allYes, declaration: 'yes', authority: 'sole', signerName: 'Ans', action: 'sign' });
    expect(res.status).toBe(403);
    const got = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey));
    expect(got.body.status).toBe('opened');
  });

  test('when the participant declines, then the request is declined and nothing is granted', async () => {
    const { id, link } = await sentRequest(adultRequest());
    const { csrf, cookie } = await openPage(app, link);
    const res = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'decline' });
    expect(res.status).toBe(303);
    const got = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey));
    expect(got.body.status).toBe('declined');
    expect(got.body.signedAt).toBeNull();
    const status = await app.http.get('/api/v1/subjects/REG-2001/consent').set(auth(app.apiKey));
    expect(status.body.mayRegister).toBe(false);
    expect(status.body.purposes.every((p: { granted: boolean }) => !p.granted)).toBe(true);
  });

  test('when the signed link is posted again, then it shows the outcome and does not sign twice', async () => {
    const { link } = await sentRequest();
    const { csrf, cookie } = await openPage(app, link);
    const form = { _csrf: csrf, ...allYes, declaration: 'yes', authority: 'sole', signerName: 'Ans de Vries', action: 'sign' };
    await app.http.post(link).set('Cookie', cookie).type('form').send(form);
    const again = await app.http.post(link).set('Cookie', cookie).type('form').send({ ...form, action: 'decline' });
    expect(again.status).toBe(303);
    const id = (await app.http.get('/api/v1/consent-requests').set(auth(app.apiKey))).body.data[0].id;
    expect((await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body.status).toBe('signed');
  });

  test('when a link is forged, truncated or unknown, then a friendly 404 page that does not say whether it existed', async () => {
    const { link } = await sentRequest();
    const forged = `${link.slice(0, -2)}${link.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const path of [forged, link.slice(0, -5), '/c/nothing']) {
      const res = await app.http.get(path);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/text\/html/);
    }
  });

  test('when the subject has no decisions, then the status API answers an empty list and mayRegister false', async () => {
    const res = await app.http.get('/api/v1/subjects/REG-unknown/consent').set(auth(app.apiKey));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ subjectReference: 'REG-unknown', purposes: [], mayRegister: false });
    expect((await app.http.get('/api/v1/subjects/bad%20ref/consent').set(auth(app.apiKey))).status).toBe(422);
  });

  test('when another organisation asks for the subject, then it sees none of our decisions', async () => {
    const { link } = await sentRequest();
    const { csrf, cookie } = await openPage(app, link);
    await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...allYes, declaration: 'yes', authority: 'sole', signerName: 'Ans de Vries', action: 'sign' });
    const res = await app.http.get('/api/v1/subjects/REG-1042/consent').set(auth(app.other.apiKey));
    expect(res.body).toEqual({ subjectReference: 'REG-1042', purposes: [], mayRegister: false });
  });

  test('when names, numbers and addresses are stored, then none of them is readable in the database files', async () => {
    const { link } = await sentRequest(childRequest({
      subject: { reference: 'REG-77', firstName: 'Zoëlle', lastName: 'Vermeulen-Tak', dateOfBirth: '2013-07-19' },
      recipient: { name: 'Brechtje Vermeulen', channel: 'sms', phone: '06 28765432' },
    }));
    await sentRequest(adultRequest({ recipient: { channel: 'email', email: 'quirine.zandvoort@example.org' } }));
    const { csrf, cookie } = await openPage(app, link);
    await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...allYes, declaration: 'yes', authority: 'sole', signerName: 'Brechtje Vermeulen', action: 'sign' });
    const files = readdirSync(app.dataDir).filter((f) => f.startsWith('akkoord.db'));
    expect(files.length).toBeGreaterThan(0);
    const raw = Buffer.concat(files.map((f) => readFileSync(join(app.dataDir, f))));
    for (const secret of ['Zoëlle', 'Vermeulen', 'Brechtje', '28765432', '+31628765432', 'quirine', 'zandvoort', '2013-07-19', 'Bakker']) {
      expect(raw.includes(Buffer.from(secret, 'utf8'))).toBe(false);
    }
    expect(raw.includes(Buffer.from('REG-77'))).toBe(true); // the check itself can find plain text
  });
});
