import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { greyPng } from '../helpers/png';
import { binary } from '../helpers/http';
import { adultRequest, auth, childRequest, createTestApp, deliverAndGetLink, type TestApp, openSigningPage, CHILD_PAPER, uploadRequestPaper } from '../helpers/test-app';
import { hasPoppler } from '../helpers/tools';

const poppler = hasPoppler();
describe('the personal link after a decision', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  (poppler ? test : test.skip)('when a Dutch request is read and signed in English, then the record holds the English text that was shown', async () => {
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest());
    const link = await deliverAndGetLink(app, created.body.id);
    const english = `${link}?lang=en`;
    const page = await app.http.get(english);
    expect(page.text).toContain('lang="en"');
    const { csrf, cookie } = await openSigningPage(app, english);
    const signed = await app.http.post(english).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose_registratie: 'yes', purpose_contact: 'no', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker', action: 'sign' });
    expect(signed.status).toBe(303);
    const doc = await app.http.get(`${link}/document`).buffer(true).parse(binary);
    expect(doc.status).toBe(200);
    const file = join(app.dataDir, 'english.pdf');
    writeFileSync(file, doc.body as Buffer);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('Audit trail');
    expect(text).not.toContain('Controlespoor');
    const events = (await app.http.get(`/api/v1/consent-requests/${created.body.id}/events`).set(auth(app.apiKey))).body.data as { type: string; detail: Record<string, unknown> }[];
    expect(events.find((e) => e.type === 'signed')!.detail.language).toBe('en');
  });

  test('when the signer downloads the record from the link, then it is the same sealed file the API returns; after paper consent it is the paper record', async () => {
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest());
    const link = await deliverAndGetLink(app, created.body.id);
    const { csrf, cookie } = await openSigningPage(app, link);
    await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'decline' });
    const fromLink = await app.http.get(`${link}/document`).buffer(true).parse(binary);
    const fromApi = await app.http.get(`/api/v1/consent-requests/${created.body.id}/document`).set(auth(app.apiKey)).buffer(true).parse(binary);
    expect(fromLink.status).toBe(200);
    expect(fromLink.headers['content-type']).toBe('application/pdf');
    expect((fromLink.body as Buffer).equals(fromApi.body as Buffer)).toBe(true);

    const paperRequest = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest());
    const paperLink = await deliverAndGetLink(app, paperRequest.body.id);
    const recorded = await uploadRequestPaper(app, paperRequest.body.id, CHILD_PAPER, greyPng());
    expect(recorded.status).toBe(200);
    const paperDoc = await app.http.get(`${paperLink}/document`).buffer(true).parse(binary);
    expect(paperDoc.status).toBe(200);
    const apiDoc = await app.http.get(`/api/v1/consent-requests/${paperRequest.body.id}/document`).set(auth(app.apiKey)).buffer(true).parse(binary);
    expect((paperDoc.body as Buffer).equals(apiDoc.body as Buffer)).toBe(true);
  });

  test('when a link is forged or truncated, then the store is never asked', async () => {
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest());
    const link = await deliverAndGetLink(app, created.body.id);
    const store = app.container.store;
    const original = store.findConsentRequestByTokenHash.bind(store);
    let lookups = 0;
    store.findConsentRequestByTokenHash = async (hash: string) => {
      lookups += 1;
      return original(hash);
    };
    const forged = `${link.slice(0, -2)}${link.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const path of [forged, link.slice(0, -5), '/c/nothing']) expect((await app.http.get(path)).status).toBe(404);
    expect(lookups).toBe(0);
    expect((await app.http.get(link)).status).toBe(200);
    expect(lookups).toBe(1);
  });
});

describe('the dev outbox', () => {
  test('when no provider is configured outside production, then it lists messages as HTML and JSON; with both providers it does not exist', async () => {
    const dev = await createTestApp();
    try {
      await dev.http.post('/api/v1/consent-requests').set(auth(dev.apiKey)).send(childRequest());
      await dev.container.worker.runOnce();
      const json = await dev.http.get('/dev/outbox').set('Accept', 'application/json');
      expect(json.status).toBe(200);
      expect(json.body.data).toHaveLength(1);
      const html = await dev.http.get('/dev/outbox').set('Accept', 'text/html');
      expect(html.status).toBe(200);
      expect(html.headers['content-type']).toMatch(/text\/html/);
      expect(html.text).toContain(json.body.data[0].link);
    } finally {
      await dev.close();
    }
    const withProviders = await createTestApp({
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'x'.repeat(32),
      TWILIO_FROM: 'Akkoord',
      SENDGRID_API_KEY: 'SG.test-key-0000',
      SENDGRID_FROM: 'Akkoord <noreply@akkoord.example.nl>',
    });
    try {
      expect((await withProviders.http.get('/dev/outbox')).status).toBe(404);
      expect(withProviders.container.config.env).toBe('test');
    } finally {
      await withProviders.close();
    }
  });
});
