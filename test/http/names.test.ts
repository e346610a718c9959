import { binary } from '../helpers/http';
import { auth, childRequest, createTestApp, deliverAndGetLink, openSigningPage, type TestApp, CHILD_PAPER, uploadPaperConsent, uploadRequestPaper } from '../helpers/test-app';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { flat, popplerTest, textOf } from '../helpers/pdf-tools';
import { greyPng } from '../helpers/png';

const answers = { purpose_registratie: 'yes', 'purpose_contact-ouder': 'no', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'no' };

const BAD = [
  ['a right-to-left override', '\u202EevoR', /bidirectional/],
  ['a control character', 'Ans\u0007de Vries', /control characters/],
  ['a line break', 'Ans\r\nBcc: x@example.nl', /control characters/],
  ['a lone surrogate', 'Ans \uD800', /unpaired surrogate/],
  ['only zero-width spaces', '\u200B\u200B\u200B', /empty/],
] as const;
// Forms and multipart arrive as UTF-8 bytes, which cannot hold an unpaired surrogate (the decoder
// makes it U+FFFD); only a JSON "\uD800" escape can carry one.
const BAD_IN_BYTES = BAD.filter(([what]) => what !== 'a lone surrogate');

describe('names and free text', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  const create = (body: object) => app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(body);
  const stored = (id: string) => app.container.store.getConsentRequest(app.organisationId, id);

  test.each(BAD)('when a name holds %s, then 422 names each field it is in and nothing is created', async (_what, bad, message) => {
    const body = childRequest({ subject: { reference: 'NAME-BAD', firstName: bad, lastName: bad, dateOfBirth: '2014-04-02' }, recipient: { name: bad, channel: 'sms', phone: '06 12345678' } });
    const res = await create(body);
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual(['subject.firstName', 'subject.lastName', 'recipient.name'].map((path) => ({ path, message: expect.stringMatching(message) })));
    expect((await app.http.get('/api/v1/consent-requests?subjectReference=NAME-BAD').set(auth(app.apiKey))).body.data).toEqual([]);
  });

  test('when names are padded, spaced or carry invisible characters, then they are stored trimmed, collapsed and NFC', async () => {
    const res = await create(childRequest({ subject: { reference: 'NAME-OK', firstName: '  Zoe\u0308\u200B ', lastName: " 't   Hart", dateOfBirth: '2014-04-02' }, recipient: { name: '  Ans   de\u00A0Vries ', channel: 'sms', phone: '06 12345678' } }));
    expect(res.status).toBe(201);
    const request = await stored(res.body.id);
    expect(request?.subject).toMatchObject({ firstName: 'Zoë', lastName: "'t Hart" });
    expect(request?.recipient.name).toBe('Ans de Vries');
  });

  test.each([["Zoë 't Hart"], ['محمد العلي'], ['王小明'], ['Ngozi Adébáyọ̀']])('when the name is %s, then it is accepted as it is', async (name) => {
    const res = await create(childRequest({ subject: { reference: 'NAME-INTL', firstName: name, dateOfBirth: '2014-04-02' }, recipient: { name, channel: 'sms', phone: '06 12345678' } }));
    expect(res.status).toBe(201);
    const request = await stored(res.body.id);
    expect(request?.subject.firstName).toBe(name.normalize('NFC'));
    expect(request?.recipient.name).toBe(name.normalize('NFC'));
  });

  test.each(BAD_IN_BYTES)('when the signer types a name with %s, then the page answers 422 with the Dutch message and nothing is signed', async (_what, bad) => {
    const created = await create(childRequest({ subject: { reference: 'NAME-SIGN', firstName: 'Sam', dateOfBirth: '2014-04-02' } }));
    const link = await deliverAndGetLink(app, created.body.id);
    const { csrf, cookie } = await openSigningPage(app, link);
    const res = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...answers, declaration: 'yes', authority: 'sole', signerName: bad, action: 'sign' });
    expect(res.status).toBe(422);
    expect(res.text).toContain(bad.startsWith('\u200B') ? 'Vul uw naam in.' : 'In uw naam staan tekens die hier niet kunnen');
    expect((await stored(created.body.id))?.status).not.toBe('signed');
  });

  test('when the signer types a padded name, then the record keeps it trimmed and collapsed', async () => {
    const created = await create(childRequest({ subject: { reference: 'NAME-SIGN-OK', firstName: 'Sam', dateOfBirth: '2014-04-02' } }));
    const link = await deliverAndGetLink(app, created.body.id);
    const { csrf, cookie } = await openSigningPage(app, link);
    const res = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...answers, declaration: 'yes', authority: 'sole', signerName: '  Ans \u200B  de Vries ', action: 'sign' });
    expect(res.status).toBe(303);
    expect((await stored(created.body.id))?.signerName).toBe('Ans de Vries');
  });

  test.each(BAD_IN_BYTES)('when paper is recorded with %s in signedBy, firstName and lastName, then 422 names each field', async (_what, bad, message) => {
    const res = await uploadPaperConsent(app, 'NAME-PAPER', { ...CHILD_PAPER, firstName: bad, lastName: bad }, greyPng());
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual(['firstName', 'lastName'].map((path) => ({ path, message: expect.stringMatching(message) })));
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest({ subject: { reference: 'NAME-PAPER2', firstName: 'Sam', dateOfBirth: '2014-04-02' } }));
    const paper = await uploadRequestPaper(app, created.body.id, { ...CHILD_PAPER, signedBy: bad }, greyPng());
    expect(paper.status).toBe(422);
    expect(paper.body.errors).toEqual([{ path: 'signedBy', message: bad.startsWith('\u200B') ? expect.stringMatching(/2–100 characters/) : expect.stringMatching(message) }]);
  });

  test('when paper names are padded, then they are stored trimmed and collapsed', async () => {
    const res = await uploadPaperConsent(app, 'NAME-PAPER-OK', { ...CHILD_PAPER, firstName: '  Sam\u200B ', signedBy: '  Ans   de Vries ' }, greyPng());
    expect(res.status).toBe(201);
    const request = await stored(res.body.id);
    expect(request?.subject.firstName).toBe('Sam');
    expect(request?.signerName).toBe('Ans de Vries');
  });
});

describe('the scan\'s file name on the paper record', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  popplerTest('when the file name has letters outside ASCII, then the cover page shows them as sent (UTF-8)', async () => {
    const res = await uploadPaperConsent(app, 'NAME-FILE', CHILD_PAPER, greyPng(), { filename: 'toestemming-Zoë-Çelik.png', contentType: 'image/png' });
    expect(res.status).toBe(201);
    const doc = await app.http.get(`/api/v1/consent-requests/${res.body.id}/document`).set(auth(app.apiKey)).buffer(true).parse(binary);
    const file = join(app.dataDir, 'paper-name.pdf');
    writeFileSync(file, doc.body as Buffer);
    expect(flat(textOf(file))).toContain('toestemming-Zoë-Çelik.png');
  });
});
