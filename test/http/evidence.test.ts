import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { otherCaCertificatePem, startFakeTsa, type FakeTsa } from '../evidence/fake-tsa';
import { greyPng } from '../helpers/png';
import { binary } from '../helpers/http';
import { adultRequest, auth, createTestApp, type TestApp, uploadAdultPaperConsent, openSigningPage } from '../helpers/test-app';
import { createAndSign } from '../helpers/signing';
import { hasCommand, requireTool } from '../helpers/tools';

const hasPdfsig = requireTool(hasCommand('pdfsig'), 'poppler-utils (pdfsig)');

/** Signs a 16+ request through its link with a typed name and returns the request id and link path. */
async function signed(app: TestApp): Promise<{ id: string; link: string }> {
  const { id, link } = await createAndSign(app, adultRequest(), { purpose_registratie: 'yes', purpose_contact: 'no', 'purpose_gegevens-delen': 'yes', declaration: 'yes', signerName: 'Noor Bakker' });
  return { id, link };
}

/** Uploads a PDF on the public /verify page (with its CSRF value) and returns the page. */
async function postToVerifyPage(app: TestApp, pdf: Buffer, lang: 'nl' | 'en' = 'nl'): Promise<string> {
  const page = await app.http.get(`/verify${lang === 'en' ? '?lang=en' : ''}`);
  const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(page.text)![1]!;
  const cookie = (page.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
  const res = await app.http.post(`/verify${lang === 'en' ? '?lang=en' : ''}`).set('Cookie', cookie).field('_csrf', csrf).attach('file', pdf, 'record.pdf');
  expect(res.status).toBe(200);
  return res.text;
}

describe('sealed evidence and verification', () => {
  let app: TestApp;
  afterEach(async () => {
    await app.close();
  });

  async function document(id: string): Promise<Buffer> {
    const res = await app.http.get(`/api/v1/consent-requests/${id}/document`).set(auth(app.apiKey)).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    return res.body as Buffer;
  }

  test('when a consent is signed, then its record is sealed, pdfsig calls it valid, and /api/v1/verify recognises it', async () => {
    app = await createTestApp();
    const { id } = await signed(app);
    const pdf = await document(id);
    if (hasPdfsig) {
      const file = join(app.dataDir, 'record.pdf');
      writeFileSync(file, pdf);
      const out = execFileSync('pdfsig', [file], { encoding: 'utf8' });
      expect(out).toContain('ETSI.CAdES.detached');
      expect(out).toContain('Signature is Valid');
    }
    const res = await app.http.post('/api/v1/verify').set(auth(app.apiKey)).set('Content-Type', 'application/pdf').send(pdf);
    expect(res.status).toBe(200);
    const got = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey));
    expect(res.body).toMatchObject({ authentic: true, record: { requestId: id, kind: 'consent-pdf', formId: 'inloop-16-plus', formVersion: got.body.formVersion }, seal: { sealed: true, intact: true, byOurKey: true } });
    expect(JSON.stringify(res.body)).not.toMatch(/Noor|Bakker|example\.nl/);
    const events = await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey));
    expect(events.body.data.at(-1).detail).toMatchObject({ sealed: true, documentSha256: res.body.sha256 });
  });

  test('when one byte of the record is changed, then /api/v1/verify and pdfsig both fail it', async () => {
    app = await createTestApp();
    const { id } = await signed(app);
    const pdf = Buffer.from(await document(id));
    const at = pdf.indexOf('/Type /Page') + 2;
    pdf.writeUInt8(pdf.readUInt8(at) ^ 0x01, at);
    const res = await app.http.post('/api/v1/verify').set(auth(app.apiKey)).set('Content-Type', 'application/pdf').send(pdf);
    expect(res.body).toMatchObject({ authentic: false, record: null, seal: { intact: false } });
    if (hasPdfsig) {
      const file = join(app.dataDir, 'changed.pdf');
      writeFileSync(file, pdf);
      let out = '';
      try {
        out = execFileSync('pdfsig', [file], { encoding: 'utf8' });
      } catch (error) {
        out = String((error as { stdout?: string }).stdout ?? '');
      }
      expect(out).not.toContain('Signature is Valid');
    }
  });

  test('when another organisation checks our record, then it is not known to them; a non-PDF is a 422 naming the field', async () => {
    app = await createTestApp();
    const { id } = await signed(app);
    const pdf = await document(id);
    const res = await app.http.post('/api/v1/verify').set(auth(app.other.apiKey)).set('Content-Type', 'application/pdf').send(pdf);
    expect(res.body).toMatchObject({ authentic: false, record: null, seal: { intact: true } });
    const bad = await app.http.post('/api/v1/verify').set(auth(app.apiKey)).attach('file', Buffer.from('MZ not a pdf'), 'record.pdf');
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe('file');
  });

  test('when someone uploads the record on the public /verify page, then it says it is genuine, in Dutch', async () => {
    app = await createTestApp();
    const { id } = await signed(app);
    const pdf = await document(id);
    const page = await app.http.get('/verify');
    expect(page.status).toBe(200);
    const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(page.text)![1]!;
    const cookie = (page.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
    const res = await app.http.post('/verify').set('Cookie', cookie).field('_csrf', csrf).attach('file', pdf, 'toestemming.pdf');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Dit bestand is echt en niet veranderd.');
    expect(res.text).toContain(id);
    const forged = await app.http.post('/verify').set('Cookie', cookie).field('_csrf', 'x'.repeat(43)).attach('file', pdf, 'toestemming.pdf');
    expect(forged.status).toBe(403);
  });
});

describe('time-stamps', () => {
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

  test('when the time-stamp authority is down, then the record is sealed without a time-stamp, says so, and a job adds it later', async () => {
    app = await createTestApp({ TSA_URL: tsa.url, TSA_TIMEOUT_MS: '2000' });
    tsa.failAlways(true);
    const { id } = await signed(app);
    const got = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey));
    expect(got.body).toMatchObject({ status: 'signed', sealState: 'timestamp_pending' });
    const events = await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey));
    expect(events.body.data.at(-1).detail).toMatchObject({ timestamped: false, sealNote: 'sealed without timestamp' });

    tsa.failAlways(false);
    app.clock.advance(10 * 60_000);
    await app.container.worker.runOnce();
    const after = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey));
    expect(after.body.sealState).toBe('timestamped');
    const later = await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey));
    // The same worker run also sends the confirmation of the signing (its event may come last).
    expect(later.body.data.filter((e: { type: string }) => e.type !== 'confirmation_sent').at(-1)).toMatchObject({ type: 'timestamp_added' });
    const pdf = (await app.http.get(`/api/v1/consent-requests/${id}/document`).set(auth(app.apiKey)).buffer(true).parse(binary)).body as Buffer;
    const check = await app.http.post('/api/v1/verify').set(auth(app.apiKey)).set('Content-Type', 'application/pdf').send(pdf);
    expect(check.body).toMatchObject({ authentic: true, seal: { timestamped: true } });
  });

  test('when the time-stamp authority is down during a paper upload, then the paper record says so too and the job adds the time-stamp later', async () => {
    app = await createTestApp({ TSA_URL: tsa.url, TSA_TIMEOUT_MS: '2000' });
    tsa.failAlways(true);
    const res = await uploadAdultPaperConsent(app, 'REG-TSA-1', greyPng());
    expect(res.status).toBe(201);
    expect(res.body.sealState).toBe('timestamp_pending');
    const events = await app.http.get(`/api/v1/consent-requests/${res.body.id}/events`).set(auth(app.apiKey));
    expect(events.body.data.at(-1).detail).toMatchObject({ method: 'paper', timestamped: false, sealNote: 'sealed without timestamp' });
    tsa.failAlways(false);
    app.clock.advance(10 * 60_000);
    await app.container.worker.runOnce();
    expect((await app.http.get(`/api/v1/consent-requests/${res.body.id}`).set(auth(app.apiKey))).body.sealState).toBe('timestamped');
    const docs = (await app.http.get(`/api/v1/consent-requests/${res.body.id}/documents`).set(auth(app.apiKey))).body.data as { kind: string }[];
    expect(docs.map((d) => d.kind)).toEqual(['paper-record', 'paper-record']);
  });

  test('when the time-stamp authority answers, then the record carries a time-stamp from the start', async () => {
    app = await createTestApp({ TSA_URL: tsa.url });
    const { id } = await signed(app);
    const got = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey));
    expect(got.body.sealState).toBe('timestamped');
    expect(tsa.tokens.length).toBeGreaterThan(0);
  });

  test('when the time-stamp authority answers with a token without the ESS signing-certificate attribute, then the token is refused and the record waits for a time-stamp', async () => {
    app = await createTestApp({ TSA_URL: tsa.url, TSA_TIMEOUT_MS: '2000' });
    tsa.misbehave = 'no-ess';
    try {
      const { id } = await signed(app);
      const got = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey));
      expect(got.body.sealState).toBe('timestamp_pending');
      const events = await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey));
      expect(events.body.data.at(-1).detail).toMatchObject({ timestamped: false, sealNote: 'sealed without timestamp', timestampError: expect.stringContaining('the ESS signing-certificate attribute is missing') });
    } finally {
      tsa.misbehave = 'none';
    }
  });

  test('when a time-stamped record is checked, then /api/v1/verify and the /verify page name the time-stamp authority and its time', async () => {
    app = await createTestApp({ TSA_URL: tsa.url });
    tsa.now = () => new Date('2026-11-22T10:00:07Z');
    try {
      const { id } = await signed(app);
      const pdf = (await app.http.get(`/api/v1/consent-requests/${id}/document`).set(auth(app.apiKey)).buffer(true).parse(binary)).body as Buffer;
      const check = await app.http.post('/api/v1/verify').set(auth(app.apiKey)).set('Content-Type', 'application/pdf').send(pdf);
      expect(check.body).toMatchObject({
        authentic: true,
        seal: { timestamped: true, timestamp: { time: '2026-11-22T10:00:07.000Z', authority: { name: 'Fake TSA for tests', organization: 'Akkoord tests', subject: 'CN=Fake TSA for tests, O=Akkoord tests' } }, timestampProblem: null },
      });

      const page = await postToVerifyPage(app, pdf);
      expect(page).toContain('Tijdstempel gezet door</span><span>Fake TSA for tests (Akkoord tests)');
      expect(page).toContain('22 november 2026 om 11:00:07 (Nederlandse tijd)');
      expect(page).toContain('22 november 2026 om 10:00:07 (UTC)');
    } finally {
      tsa.now = () => new Date();
    }
  });

  test('when only trusted TSA certificates of another PKI are configured, then the time-stamp is refused, the record waits, and /verify does not count a token from that TSA', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-tsa-trust-'));
    const trustFile = join(dir, 'tsa-roots.pem');
    writeFileSync(trustFile, otherCaCertificatePem());
    try {
      const stamped = await createTestApp({ TSA_URL: tsa.url });
      const { id: stampedId } = await signed(stamped);
      const pdf = (await stamped.http.get(`/api/v1/consent-requests/${stampedId}/document`).set(auth(stamped.apiKey)).buffer(true).parse(binary)).body as Buffer;
      await stamped.close();

      app = await createTestApp({ TSA_URL: tsa.url, TSA_TIMEOUT_MS: '2000', TSA_TRUSTED_CERTS: trustFile });
      const { id } = await signed(app);
      expect((await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body.sealState).toBe('timestamp_pending');
      const check = await app.http.post('/api/v1/verify').set(auth(app.apiKey)).set('Content-Type', 'application/pdf').send(pdf);
      expect(check.body.seal).toMatchObject({ intact: true, timestamped: false, timestamp: null, timestampProblem: 'the TSA certificate does not chain to a trusted TSA certificate (TSA_TRUSTED_CERTS)' });
      expect(await postToVerifyPage(app, pdf)).toContain('nee. Er zit een tijdstempel in, maar die klopt niet.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('when the time-stamp authority is down during a withdrawal, then the receipt waits for its time-stamp, the job adds it as a new version, and the receipt link gives that version', async () => {
    app = await createTestApp({ TSA_URL: tsa.url, TSA_TIMEOUT_MS: '2000' });
    const { id, link } = await signed(app);
    const { cookie } = await openSigningPage(app, link);
    const done = await app.http.get(link).set('Cookie', cookie);
    const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(done.text)![1]!;
    tsa.failAlways(true);
    try {
      const res = await app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose: 'gegevens-delen', action: 'selected' });
      expect(res.status).toBe(303);
    } finally {
      tsa.failAlways(false);
    }
    const documents = async () => (await app.http.get(`/api/v1/consent-requests/${id}/documents`).set(auth(app.apiKey))).body.data as { kind: string; sealState: string; sha256: string }[];
    expect((await documents()).map((d) => [d.kind, d.sealState])).toEqual([['consent-pdf', 'timestamped'], ['withdrawal-receipt', 'timestamp_pending']]);
    expect((await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body.sealState).toBe('timestamped');

    app.clock.advance(10 * 60_000);
    await app.container.worker.runOnce();
    const after = await documents();
    expect(after.map((d) => [d.kind, d.sealState])).toEqual([['consent-pdf', 'timestamped'], ['withdrawal-receipt', 'timestamp_added_later'], ['withdrawal-receipt', 'timestamped']]);
    const events = await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey));
    expect(events.body.data.filter((e: { type: string }) => e.type !== 'confirmation_sent').at(-1)).toMatchObject({ type: 'timestamp_added', detail: { document: 'withdrawal-receipt', previousDocumentSha256: after[1]!.sha256, documentSha256: after[2]!.sha256 } });
    const receipt = (await app.http.get(`${link}/receipt`).buffer(true).parse(binary)).body as Buffer;
    const check = await app.http.post('/api/v1/verify').set(auth(app.apiKey)).set('Content-Type', 'application/pdf').send(receipt);
    expect(check.body).toMatchObject({ authentic: true, sha256: after[2]!.sha256, record: { kind: 'withdrawal-receipt' }, seal: { timestamped: true } });
    // Nothing waits any more: a second run adds nothing.
    await app.container.worker.runOnce();
    expect(await documents()).toHaveLength(3);
  });

  test('when TSA_TRUSTED_CERTS names the TSA\'s own root, then records get their time-stamp', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-tsa-trust-'));
    const trustFile = join(dir, 'tsa-roots.pem');
    writeFileSync(trustFile, tsa.caCertificatePem);
    try {
      app = await createTestApp({ TSA_URL: tsa.url, TSA_TRUSTED_CERTS: trustFile });
      const { id } = await signed(app);
      expect((await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body.sealState).toBe('timestamped');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('seal state without a time-stamp authority', () => {
  let app: TestApp;
  afterEach(async () => {
    await app.close();
  });

  test('when no time-stamp authority is configured, then a request has no seal state before its record and no_timestamp_authority after, and /verify says there is no time-stamp', async () => {
    app = await createTestApp();
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest());
    expect(created.body.sealState).toBeNull();
    const { id } = await signed(app);
    expect((await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body.sealState).toBe('no_timestamp_authority');
    const pdf = (await app.http.get(`/api/v1/consent-requests/${id}/document`).set(auth(app.apiKey)).buffer(true).parse(binary)).body as Buffer;
    const check = await app.http.post('/api/v1/verify').set(auth(app.apiKey)).set('Content-Type', 'application/pdf').send(pdf);
    expect(check.body.seal).toMatchObject({ timestamped: false, timestamp: null, timestampProblem: null });
    expect(await postToVerifyPage(app, pdf)).toContain('nee. Dit bestand heeft geen tijdstempel.');
    expect(await postToVerifyPage(app, pdf, 'en')).toContain('no. This file has no time-stamp.');
  });
});
