import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { binary } from '../helpers/http';
import { adultRequest, ADULT_PAPER, auth, childRequest, createTestApp, type TestApp, uploadAdultPaperConsent, uploadPaperConsent, CHILD_DECISIONS_MEDICAL, CHILD_PAPER, type ScanName, uploadRequestPaper } from '../helpers/test-app';
import { createAndSign } from '../helpers/signing';
import { greyPng } from '../helpers/png';
import { hasPoppler } from '../helpers/tools';

const poppler = hasPoppler();

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

describe('paper consent', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  const create = async () => (await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest())).body.id as string;
  const paper = (id: string, scan: Buffer, name: ScanName) => uploadRequestPaper(app, id, { ...CHILD_PAPER, decisions: CHILD_DECISIONS_MEDICAL }, scan, name);

  test('when a scan of a signed paper form is uploaded, then the request is signed, the status counts and the record holds the cover and the scan', async () => {
    const id = await create();
    const res = await paper(id, greyPng(), { filename: 'scan.png', contentType: 'image/png' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'signed', decisions: JSON.parse(CHILD_DECISIONS_MEDICAL) });
    const status = await app.http.get('/api/v1/subjects/REG-1042/consent').set(auth(app.apiKey));
    expect(status.body.mayRegister).toBe(true);
    const events = await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey));
    expect(events.body.data.at(-1)).toMatchObject({ type: 'signed', detail: { method: 'paper', signedOn: '2026-11-20', scan: { type: 'image/png' } } });
    const doc = await app.http.get(`/api/v1/consent-requests/${id}/document`).set(auth(app.apiKey)).buffer(true).parse(binary);
    expect(doc.status).toBe(200);
    const verify = await app.http.post('/api/v1/verify').set(auth(app.apiKey)).set('Content-Type', 'application/pdf').send(doc.body as Buffer);
    expect(verify.body).toMatchObject({ authentic: true, record: { kind: 'paper-record', requestId: id } });
    if (poppler) {
      const file = join(app.dataDir, 'paper.pdf');
      writeFileSync(file, doc.body as Buffer);
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      expect(text).toContain('Ans de Vries');
      expect(text).toContain(events.body.data.at(-1).detail.scan.sha256);
    }
  });

  test('when the file is a renamed .exe, then 422 names the file field and nothing is recorded', async () => {
    const id = await create();
    const exe = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(2048, 1)]);
    const res = await paper(id, exe, { filename: 'scan.pdf', contentType: 'application/pdf' });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.errors).toEqual([{ path: 'file', message: expect.stringMatching(/PDF, JPEG or PNG/) }]);
    expect((await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body.status).toBe('pending');
  });

  test('when the file only starts like a PDF, JPEG or PNG, then 422 names the file field and nothing is recorded', async () => {
    const id = await create();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const damaged = [
      { bytes: Buffer.from('%PDF-1.7 this is not a pdf at all'), name: 'scan.pdf' },
      { bytes: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(500, 7)]), name: 'scan.jpg' },
      // Right at both ends, garbage in between: only reading the image finds out.
      { bytes: Buffer.concat([png, Buffer.alloc(300, 9), Buffer.from('IEND', 'latin1'), Buffer.alloc(4)]), name: 'scan.png' },
    ];
    for (const file of damaged) {
      const res = await paper(id, file.bytes, file.name);
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ path: 'file', message: expect.stringMatching(/damaged/) }]);
    }
    expect((await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body.status).toBe('pending');
  });

  test('when the file is 11 MiB, then 422 says it is larger than 10 MiB (10,485,760 bytes)', async () => {
    const id = await create();
    const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(11 * 1024 * 1024, 0x20)]);
    const res = await paper(id, big, { filename: 'scan.pdf', contentType: 'application/pdf' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'file', message: 'The file is larger than 10 MiB (10,485,760 bytes).' }]);
  });

  test('when the paper facts are incomplete, then each field is named', async () => {
    const id = await create();
    const res = await app.http.post(`/api/v1/consent-requests/${id}/paper`).set(auth(app.apiKey)).field('signedOn', '2027-01-01').field('decisions', JSON.stringify([{ purposeId: 'registratie', granted: true }])).attach('file', greyPng(), 'scan.png');
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['decisions', 'signedBy', 'signedOn']);
  });

  test('when a paper upload is retried with the same Idempotency-Key, then the first answer is replayed and only one record exists', async () => {
    const upload = () =>
      uploadAdultPaperConsent(app, 'REG-PAPER-2', greyPng()).set('Idempotency-Key', 'paper-upload-0001');
    const first = await upload();
    const again = await upload();
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    const list = await app.http.get('/api/v1/consent-requests?subjectReference=REG-PAPER-2').set(auth(app.apiKey));
    expect(list.body.data).toHaveLength(1);
  });

  test('when a registration system records paper consent for a person without a request, then a signed paper request is created', async () => {
    const res = await uploadAdultPaperConsent(app, 'REG-PAPER-1', greyPng());
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/api/v1/consent-requests/${res.body.id}`);
    expect(res.body).toMatchObject({ status: 'signed', signerRole: 'participant', recipient: { channel: 'paper' } });
    const status = await app.http.get('/api/v1/subjects/REG-PAPER-1/consent').set(auth(app.apiKey));
    expect(status.body.mayRegister).toBe(true);
    expect((await app.http.post(`/api/v1/consent-requests/${res.body.id}/remind`).set(auth(app.apiKey))).status).toBe(409);
  });
});

describe('withdrawal through the same link', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  async function signedLink() {
    const { id, link, csrf, cookie } = await createAndSign(app, adultRequest(), { purpose_registratie: 'yes', purpose_contact: 'yes', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker' }, { 'User-Agent': IPHONE });
    return { id, link, csrf, cookie };
  }

  (poppler ? test : test.skip)('when consent is signed through the link, then the sealed record ends with the audit trail of every event, the text fingerprint and the browser', async () => {
    const { id } = await signedLink();
    const res = await app.http.get(`/api/v1/consent-requests/${id}/document`).set(auth(app.apiKey)).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    const file = join(app.dataDir, 'record.pdf');
    writeFileSync(file, res.body as Buffer);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    const events = (await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey))).body.data as { type: string; detail: Record<string, unknown> }[];
    expect(events.map((e) => e.type)).toEqual(['created', 'sent', 'opened', 'signed']);
    // Labels are those of the signer's language (Dutch for this request).
    expect(text).toContain('Controlespoor');
    for (const label of ['Verzoek gemaakt', 'Uitnodiging verstuurd', 'Link geopend', 'Toestemming']) expect(text).toContain(label);
    const sent = events.find((e) => e.type === 'sent')!;
    expect(text).toContain(String(sent.detail.maskedAddress));
    const signed = events.find((e) => e.type === 'signed')!;
    expect(signed.detail.documentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(text).toMatch(/SHA-256 van de tekst\s+[0-9a-f]{64}/);
    expect(text).toContain('dit document');
    expect(text).toMatch(/Browser van de ondertekenaar\s+Safari 17 (on|op) iOS/);
  });

  test('when everything was withdrawn through the link, then a paper form dated before that is refused on signedOn and the withdrawal keeps counting; a newer paper form counts', async () => {
    const { link, csrf, cookie } = await signedLink();
    expect((await app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'all' })).status).toBe(303);
    const reference = adultRequest().subject.reference;
    const status = async () => (await app.http.get(`/api/v1/subjects/${reference}/consent`).set(auth(app.apiKey))).body;
    expect((await status()).mayRegister).toBe(false);

    // The clock is 2026-11-22; the helper's paper form says it was signed on 2026-11-01.
    const older = await uploadAdultPaperConsent(app, reference, greyPng());
    expect(older.status).toBe(422);
    expect(older.body.errors).toEqual([{ path: 'signedOn', message: expect.stringMatching(/signed on 2026-11-01, before the latest decision for this person on this form \(2026-11-22\)/) }]);
    expect((await status()).mayRegister).toBe(false);
    expect((await app.http.get(`/api/v1/consent-requests?subjectReference=${reference}`).set(auth(app.apiKey))).body.data).toHaveLength(1);

    const sameDay = await uploadPaperConsent(app, reference, { ...ADULT_PAPER, signedOn: '2026-11-22' }, greyPng());
    expect(sameDay.status).toBe(201);
    expect((await status()).mayRegister).toBe(true);
  });

  test('when one purpose is withdrawn, then the status API changes at once, a sealed receipt exists and the signed record stays', async () => {
    const { id, link, cookie } = await signedLink();
    const done = await app.http.get(link).set('Cookie', cookie);
    expect(done.text).toContain(`action="${link}/withdraw"`);
    // A purpose answered "Nee" when signing is not a withdrawal: no receipt yet.
    expect(done.text).not.toContain(`${link}/receipt`);
    const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(done.text)![1]!;
    const before = (await app.http.get(`/api/v1/consent-requests/${id}/documents`).set(auth(app.apiKey))).body.data;
    const res = await app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose: 'contact', action: 'selected' });
    expect(res.status).toBe(303);
    const status = await app.http.get('/api/v1/subjects/REG-2001/consent').set(auth(app.apiKey));
    expect(status.body.purposes.find((p: { purposeId: string }) => p.purposeId === 'contact').granted).toBe(false);
    expect(status.body.mayRegister).toBe(true);
    const got = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey));
    expect(got.body.status).toBe('signed');
    const events = await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey));
    expect(events.body.data.at(-1)).toMatchObject({ type: 'withdrawn', actor: 'recipient', detail: { purposes: ['contact'], complete: false } });
    const after = (await app.http.get(`/api/v1/consent-requests/${id}/documents`).set(auth(app.apiKey))).body.data;
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.at(-1)).toMatchObject({ kind: 'withdrawal-receipt' });
    const page = await app.http.get(link);
    expect(page.text).toContain('Ingetrokken');
    // The participant signed: the page says "je" (form of address follows the signer).
    expect(page.text).toContain('Je hebt een deel van je toestemming ingetrokken.');
    expect(page.text).toContain(`${link}/receipt`);
    const receipt = await app.http.get(`${link}/receipt`).buffer(true).parse(binary);
    expect(receipt.status).toBe(200);
    const check = await app.http.post('/api/v1/verify').set(auth(app.apiKey)).set('Content-Type', 'application/pdf').send(receipt.body as Buffer);
    expect(check.body).toMatchObject({ authentic: true, record: { kind: 'withdrawal-receipt' } });
  });

  test('when all consent is withdrawn, then the request is withdrawn, mayRegister is false, and the evidence is still there', async () => {
    const { id, link, cookie } = await signedLink();
    const done = await app.http.get(link).set('Cookie', cookie);
    const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(done.text)![1]!;
    expect((await app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: 'x'.repeat(43), action: 'all' })).status).toBe(403);
    expect((await app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'all' })).status).toBe(303);
    const got = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey));
    expect(got.body.status).toBe('withdrawn');
    expect((await app.http.get('/api/v1/subjects/REG-2001/consent').set(auth(app.apiKey))).body.mayRegister).toBe(false);
    expect((await app.http.get(`/api/v1/consent-requests/${id}/document`).set(auth(app.apiKey))).status).toBe(200);
    const page = await app.http.get(link);
    expect(page.text).not.toContain('/withdraw"');
    expect(page.text).toContain(`${link}/receipt`);
  });
});
