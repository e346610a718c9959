import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { startFakeTsa, type FakeTsa } from '../evidence/fake-tsa';
import { greyPng } from '../helpers/png';
import { flat, pageCount, popplerTest, textOf } from '../helpers/pdf-tools';
import { adultRequest, auth, childRequest, createTestApp, deliverAndGetLink, openSigningPage, type TestApp } from '../helpers/test-app';

const binary = (res: import('superagent').Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

/** The /Reason of the newest seal: a PDF text string as UTF-16BE hex (`<FEFF…>`), as the seal writes it. */
function sealReasonOf(pdf: Buffer): string {
  const all = [...pdf.toString('latin1').matchAll(/\/Reason <FEFF([0-9A-Fa-f]+)>/g)];
  const hex = all.at(-1)?.[1] ?? '';
  return Buffer.from(hex, 'hex').swap16().toString('utf16le');
}

const childDecisions = JSON.stringify([
  { purposeId: 'registratie', granted: true },
  { purposeId: 'contact-ouder', granted: false },
  { purposeId: 'gegevens-delen', granted: false },
  { purposeId: 'medische-gegevens', granted: true },
]);
const photoDecisions = JSON.stringify([
  { purposeId: 'intern-gebruik', granted: true },
  { purposeId: 'website', granted: false },
  { purposeId: 'social-media', granted: false },
]);

describe('paper, names and links after review', () => {
  let app: TestApp;
  afterEach(async () => {
    await app?.close();
  });

  const fetchPdf = async (path: string) => {
    const res = await app.http.get(path).set(auth(app.apiKey)).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    return res.body as Buffer;
  };
  const events = async (id: string) => (await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey))).body.data as { type: string; detail: Record<string, unknown> }[];

  popplerTest('when paper for an open request was signed by a parent before the child turned 16, then the record and the event name the parent role and the date of birth, and the request keeps its role', async () => {
    app = await createTestApp({}, '2026-11-26T10:00:00Z');
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send({ formId: 'beeldmateriaal', subject: { reference: 'AGE-1', firstName: 'Noor', dateOfBirth: '2010-11-25' }, recipient: { name: 'Noor Jansen', channel: 'email', email: 'noor@example.nl' } });
    expect(created.body.signerRole).toBe('participant');
    const res = await app.http.post(`/api/v1/consent-requests/${created.body.id}/paper`).set(auth(app.apiKey)).field('signedBy', 'Ans Jansen').field('signedOn', '2026-11-20').field('decisions', photoDecisions).attach('file', greyPng(), 'scan.png');
    expect(res.status).toBe(200);
    expect(res.body.signerRole).toBe('participant');
    const file = join(app.dataDir, 'paper-role.pdf');
    writeFileSync(file, await fetchPdf(`/api/v1/consent-requests/${created.body.id}/document`));
    const text = flat(textOf(file));
    expect(text).toContain('Ouder/voogd');
    expect(text).not.toContain('Deelnemer');
    expect(text).toContain('Geboortedatum');
    expect((await events(created.body.id)).at(-1)).toMatchObject({ type: 'signed', detail: { method: 'paper', signedOn: '2026-11-20', signerRole: 'guardian' } });
  });

  test('when signedOn lies more than 2 years before today, then 422 on signedOn and nothing is stored; exactly 2 years ago is accepted', async () => {
    app = await createTestApp();
    const paper = (reference: string, signedOn: string, dateOfBirth = '1899-05-01') =>
      app.http
        .post(`/api/v1/subjects/${reference}/paper-consents`)
        .set(auth(app.apiKey))
        .field('formId', 'beeldmateriaal')
        .field('firstName', 'Noor')
        .field('dateOfBirth', dateOfBirth)
        .field('signedBy', 'Noor Bakker')
        .field('signedOn', signedOn)
        .field('decisions', photoDecisions)
        .attach('file', greyPng(), 'scan.png');
    const old = await paper('OLD-1', '1900-01-01');
    expect(old.status).toBe(422);
    expect(old.body.errors).toEqual([{ path: 'signedOn', message: expect.stringMatching(/more than 2 years/) }]);
    const justOver = await paper('OLD-2', '2024-11-21', '2008-01-15');
    expect(justOver.status).toBe(422);
    expect(justOver.body.errors.map((e: { path: string }) => e.path)).toEqual(['signedOn']);
    expect((await app.http.get('/api/v1/subjects/OLD-2/consent').set(auth(app.apiKey))).body.purposes).toEqual([]);
    expect((await paper('OLD-3', '2024-11-22', '2008-01-15')).status).toBe(201);
  });

  test('when a child turned 16 while the link was open, then the parent cannot sign or decline, sees a page that says so, and nothing changes', async () => {
    app = await createTestApp();
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest({ subject: { reference: 'AGE-2', firstName: 'Sam', dateOfBirth: '2010-11-25' } }));
    expect(created.body.signerRole).toBe('guardian');
    const link = await deliverAndGetLink(app, created.body.id);
    const { csrf, cookie } = await openSigningPage(app, link);
    app.clock.set('2026-11-25T08:00:00Z');
    const before = await app.http.get(`/api/v1/consent-requests/${created.body.id}`).set(auth(app.apiKey));
    const sign = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose_registratie: 'yes', 'purpose_contact-ouder': 'no', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'no', declaration: 'yes', signerName: 'Ans de Vries', action: 'sign' });
    expect(sign.status).toBe(422);
    expect(sign.text).toContain('Sam is inmiddels 16 jaar. Sam geeft nu zelf toestemming.');
    expect(sign.text).toContain('Demo');
    const decline = await app.http.post(`${link}?lang=en`).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'decline', signerName: '' });
    expect(decline.status).toBe(422);
    expect(decline.text).toContain('Sam is now 16.');
    const again = await app.http.get(link);
    expect(again.status).toBe(200);
    expect(again.text).toContain('Sam is inmiddels 16 jaar.');
    expect(again.text).not.toContain('name="signerName"');
    const after = await app.http.get(`/api/v1/consent-requests/${created.body.id}`).set(auth(app.apiKey));
    expect(after.body).toEqual(before.body);
    expect((await events(created.body.id)).map((e) => e.type)).not.toContain('signed');
  });

  test('when the browser asks for English, then /verify, an unknown link and a malformed link answer in English; an expired or cancelled English request answers in English', async () => {
    app = await createTestApp();
    const verify = await app.http.get('/verify').set('Accept-Language', 'en-GB,en;q=0.9');
    expect(verify.text).toContain('Check a consent record');
    const unknown = await app.http.get(`/c/${'A'.repeat(46)}`).set('Accept-Language', 'en');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('This link does not work (any more)');
    const english = adultRequest({ recipient: { channel: 'email', email: 'noor.bakker@example.nl', language: 'en' } });
    const cancelled = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(english);
    const cancelledLink = await deliverAndGetLink(app, cancelled.body.id);
    expect((await app.http.post(`/api/v1/consent-requests/${cancelled.body.id}/cancel`).set(auth(app.apiKey))).status).toBe(200);
    const gone = await app.http.get(cancelledLink);
    expect(gone.status).toBe(410);
    expect(gone.text).toContain('This link no longer works');
    expect((await app.http.get(`${cancelledLink}?lang=nl`)).text).toContain('Deze link werkt niet meer');
    const expiring = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send({ ...english, subject: { reference: 'REG-2002', firstName: 'Noor', dateOfBirth: '2008-01-15' }, expiresAt: '2026-11-23T10:00:00Z' });
    const expiringLink = await deliverAndGetLink(app, expiring.body.id);
    app.clock.set('2026-11-24T10:00:00Z');
    const expired = await app.http.get(expiringLink).set('Accept-Language', 'nl');
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('This link has expired');
    expect((await app.http.get(expiringLink)).text).toContain('This link has expired');
  });

  test('when /verify is posted without its cookie, then the page names the verify check, not the signing page’s choices', async () => {
    app = await createTestApp();
    const res = await app.http.post('/verify').attach('file', Buffer.from('%PDF-1.7\n'), 'x.pdf');
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('Kijk uw keuzes na');
    expect(res.text).toContain('Kies de PDF opnieuw');
    const en = await app.http.post('/verify?lang=en').attach('file', Buffer.from('%PDF-1.7\n'), 'x.pdf');
    expect(en.text).toContain('Choose the PDF again');
  });

  test('when a token character of a link is percent-encoded, then the link is unknown (404), not a second spelling of the same link', async () => {
    app = await createTestApp();
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest());
    const link = await deliverAndGetLink(app, created.body.id);
    expect((await app.http.get(link)).status).toBe(200);
    const token = link.slice('/c/'.length);
    const c = token.charCodeAt(0).toString(16).toUpperCase();
    const encoded = `/c/%${c}${token.slice(1)}`;
    const res = await app.http.get(encoded).set('Accept-Language', 'en');
    expect(res.status).toBe(404);
    expect(res.text).toContain('This link does not work (any more)');
    expect((await app.http.get(`${encoded}/document`)).status).toBe(404);
    expect((await app.http.get(`/api/v1/consent-requests/${created.body.id}`).set(auth(app.apiKey))).body.status).toBe('opened');
  });

  test('when a name is at most 100 characters typed but longer after NFC, then 422 on that name', async () => {
    app = await createTestApp();
    const long = '\uFB2C'.repeat(100);
    expect(long.normalize('NFC').length).toBe(300);
    const res = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest({ recipient: { name: long, channel: 'sms', phone: '06 12345678' } }));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'recipient.name', message: expect.stringMatching(/100 characters/) }]);
    const first = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest({ subject: { reference: 'REG-N', firstName: long, dateOfBirth: '2014-04-02' } }));
    expect(first.body.errors).toEqual([{ path: 'subject.firstName', message: expect.stringMatching(/100 characters/) }]);
    const paper = await app.http
      .post('/api/v1/subjects/REG-N2/paper-consents')
      .set(auth(app.apiKey))
      .field('formId', 'activiteit-onder-16')
      .field('firstName', 'Sam')
      .field('lastName', long)
      .field('dateOfBirth', '2014-04-02')
      .field('signedBy', 'Ans de Vries')
      .field('signedOn', '2026-11-20')
      .field('decisions', childDecisions)
      .attach('file', greyPng(), 'scan.png');
    expect(paper.status).toBe(422);
    expect(paper.body.errors).toEqual([{ path: 'lastName', message: expect.stringMatching(/100 characters/) }]);
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest());
    const signedBy = await app.http.post(`/api/v1/consent-requests/${created.body.id}/paper`).set(auth(app.apiKey)).field('signedBy', '\uFB2C'.repeat(40)).field('signedOn', '2026-11-20').field('decisions', childDecisions).attach('file', greyPng(), 'scan.png');
    expect(signedBy.body.errors).toEqual([{ path: 'signedBy', message: expect.stringMatching(/2–100 characters/) }]);
    const link = await deliverAndGetLink(app, created.body.id);
    const { csrf, cookie } = await openSigningPage(app, link);
    const page = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'decline', signerName: '\uFB2C'.repeat(40) });
    expect(page.status).toBe(422);
    expect(page.text).toContain('Gebruik hoogstens 100 tekens');
  });

  popplerTest('when a scan’s file name is 600 words long, then the cover shows its first 120 characters with an ellipsis and the record keeps its page count', async () => {
    app = await createTestApp();
    const upload = async (reference: string, fileName: string) => {
      const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest({ subject: { reference, firstName: 'Sam', dateOfBirth: '2014-04-02' } }));
      const res = await app.http.post(`/api/v1/consent-requests/${created.body.id}/paper`).set(auth(app.apiKey)).field('signedBy', 'Ans de Vries').field('signedOn', '2026-11-20').field('decisions', childDecisions).attach('file', greyPng(), fileName);
      expect(res.status).toBe(200);
      const file = join(app.dataDir, `${reference}.pdf`);
      writeFileSync(file, await fetchPdf(`/api/v1/consent-requests/${created.body.id}/document`));
      return file;
    };
    const short = await upload('FN-1', 'scan.png');
    const words = Array.from({ length: 600 }, (_, i) => `woord${i}`).join(' ');
    const long = await upload('FN-2', `${words}.png`);
    expect(pageCount(long)).toBe(pageCount(short));
    const text = flat(textOf(long));
    expect(text).toContain(`${words.slice(0, 119)}…`);
    expect(text).not.toContain('woord100 ');
  });
});

describe('a withdrawal receipt time-stamped later', () => {
  let tsa: FakeTsa;
  let app: TestApp;
  beforeAll(async () => {
    tsa = await startFakeTsa();
  });
  afterAll(async () => {
    await tsa.close();
  });
  afterEach(async () => {
    await app.close();
  });

  test.each([
    ['nl', '', 'Tijdstempel toegevoegd aan de bevestiging van de intrekking'],
    ['nl', '?lang=en', 'Time-stamp added to the withdrawal receipt'],
  ] as const)('when a %s request is withdrawn on the page%s, then the re-seal reason is in the receipt’s language', async (language, query, reason) => {
    app = await createTestApp({ TSA_URL: tsa.url, TSA_TIMEOUT_MS: '2000' });
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest({ recipient: { channel: 'email', email: 'noor.bakker@example.nl', language } }));
    const link = await deliverAndGetLink(app, created.body.id);
    const { csrf, cookie } = await openSigningPage(app, link);
    expect((await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose_registratie: 'yes', purpose_contact: 'yes', 'purpose_gegevens-delen': 'yes', declaration: 'yes', signerName: 'Noor Bakker', action: 'sign' })).status).toBe(303);
    tsa.failAlways(true);
    const done = await app.http.get(`${link}${query}`).set('Cookie', cookie);
    const doneCsrf = /name="_csrf"\s+value="([^"]+)"/.exec(done.text)![1]!;
    expect((await app.http.post(`${link}/withdraw${query}`).set('Cookie', cookie).type('form').send({ _csrf: doneCsrf, purpose: 'contact', action: 'selected' })).status).toBe(303);
    tsa.failAlways(false);
    app.clock.advance(10 * 60_000);
    await app.container.worker.runOnce();
    const docs = (await app.http.get(`/api/v1/consent-requests/${created.body.id}/documents`).set(auth(app.apiKey))).body.data as { id: string; kind: string; timestamped: boolean }[];
    const receipt = docs.filter((d) => d.kind === 'withdrawal-receipt').at(-1)!;
    expect(receipt.timestamped).toBe(true);
    const pdf = await app.http.get(`/api/v1/consent-requests/${created.body.id}/documents/${receipt.id}`).set(auth(app.apiKey)).buffer(true).parse(binary);
    expect(sealReasonOf(pdf.body as Buffer)).toBe(reason);
  });
});

describe('the SendGrid event webhook reads no large body before it knows it may', () => {
  let app: TestApp;
  afterEach(async () => {
    await app.close();
  });
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const signed = (body: string, at: Date) => {
    const timestamp = String(Math.floor(at.getTime() / 1000));
    return { 'X-Twilio-Email-Event-Webhook-Timestamp': timestamp, 'X-Twilio-Email-Event-Webhook-Signature': sign('sha256', Buffer.from(timestamp + body, 'utf8'), keys.privateKey).toString('base64') };
  };
  const big = Buffer.alloc(3 * 1024 * 1024, 0x20);

  test('when the webhook is not configured, then a 3 MiB post is a 404, not a 413', async () => {
    app = await createTestApp();
    const res = await app.http.post('/hooks/sendgrid/events').set('Content-Type', 'application/json').send(big);
    expect(res.status).toBe(404);
  });

  test('when it is configured, then a large post without signature headers is a 403, a signed 768 KB batch is read and a signed batch over 1 MiB is a 413', async () => {
    app = await createTestApp({ SENDGRID_API_KEY: 'SG.test-key', SENDGRID_FROM: 'Akkoord <akkoord@example.nl>', SENDGRID_API_BASE_URL: 'http://127.0.0.1:9', SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64') });
    expect((await app.http.post('/hooks/sendgrid/events').set('Content-Type', 'application/json').send(big)).status).toBe(403);
    const small = '[]';
    expect((await app.http.post('/hooks/sendgrid/events').set('Content-Type', 'application/json').set(signed(small, app.clock.now())).send(small)).status).toBe(204);
    const full = `[${' '.repeat(768 * 1000 - 2)}]`;
    expect((await app.http.post('/hooks/sendgrid/events').set('Content-Type', 'application/json').set(signed(full, app.clock.now())).send(full)).status).toBe(204);
    const over = `[${' '.repeat(1024 * 1024 - 1)}]`;
    expect((await app.http.post('/hooks/sendgrid/events').set('Content-Type', 'application/json').set(signed(over, app.clock.now())).send(over)).status).toBe(413);
  });
});
