import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { auth, childRequest, createTestApp, type TestApp, ADULT_DECISIONS, ADULT_PAPER, CHILD_DECISIONS, CHILD_PAPER, uploadPaperConsent, uploadRequestPaper } from '../helpers/test-app';
import { createAndSign } from '../helpers/signing';
import { greyPng } from '../helpers/png';

const SHIPPED_FORMS = join(__dirname, '..', '..', 'consent-forms');

describe('consent validity (today is 2026-11-22 10:00 UTC)', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  const status = async (reference: string) => (await app.http.get(`/api/v1/subjects/${reference}/consent`).set(auth(app.apiKey))).body;
  const registratie = (body: { purposes: { purposeId: string }[] }) => body.purposes.find((p) => p.purposeId === 'registratie');

  /** Paper for a subject without a request: the form, the person and the date written on the paper. */
  function paper(reference: string, fields: { formId: string; dateOfBirth: string; signedOn: string; decisions?: string }) {
    const decisions = fields.decisions ?? (fields.formId === 'inloop-16-plus' ? ADULT_DECISIONS : CHILD_DECISIONS);
    return uploadPaperConsent(app, reference, { ...ADULT_PAPER, formId: fields.formId, dateOfBirth: fields.dateOfBirth, signedOn: fields.signedOn, decisions }, greyPng());
  }

  test('when a parent signs today, then mayRegister is true until the end of the same date 12 months later, and false from then on', async () => {
    const answers = { purpose_registratie: 'yes', 'purpose_contact-ouder': 'no', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'no' };
    const { id, signed } = await createAndSign(app, childRequest(), { ...answers, declaration: 'yes', signerName: 'Ans de Vries' });
    expect(signed.status).toBe(303);

    // 22 November 2027 is the last day; it ends at 00:00 in Amsterdam (CET, UTC+1).
    const validUntil = '2027-11-22T23:00:00.000Z';
    const now = await status('REG-1042');
    expect(now.mayRegister).toBe(true);
    expect(registratie(now)).toEqual({ formId: 'activiteit-onder-16', purposeId: 'registratie', granted: true, since: '2026-11-22T10:00:00.000Z', requestId: id, validUntil, lapsed: false, waitingFor: [] });
    expect(now.purposes.find((p: { purposeId: string }) => p.purposeId === 'contact-ouder')).toMatchObject({ granted: false, validUntil: null, lapsed: false });
    expect((await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body.validUntil).toBe(validUntil);

    app.clock.set('2027-11-22T22:59:59.999Z');
    expect((await status('REG-1042')).mayRegister).toBe(true);
    app.clock.set(validUntil);
    const later = await status('REG-1042');
    expect(later.mayRegister).toBe(false);
    expect(registratie(later)).toMatchObject({ granted: false, validUntil, lapsed: true, since: '2026-11-22T10:00:00.000Z' });
  });

  test('when paper signed 13 months ago on a 12-month form is recorded today, then it is kept but the person may not be registered', async () => {
    const res = await paper('REG-P13', { formId: 'inloop-16-plus', dateOfBirth: '2008-01-15', signedOn: '2025-10-22' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'signed', validUntil: '2026-10-22T22:00:00.000Z' });
    const body = await status('REG-P13');
    expect(body.mayRegister).toBe(false);
    // Counted from the date on the paper (last day 22 October 2026, CEST), not from today's recording.
    expect(registratie(body)).toMatchObject({ granted: false, lapsed: true, validUntil: '2026-10-22T22:00:00.000Z', since: '2026-11-22T10:00:00.000Z' });
  });

  test('when paper signed exactly 12 months ago is recorded, then today is its last day', async () => {
    expect((await paper('REG-P12', { formId: 'inloop-16-plus', dateOfBirth: '2008-01-15', signedOn: '2025-11-22' })).status).toBe(201);
    expect(await status('REG-P12')).toMatchObject({ mayRegister: true, purposes: expect.arrayContaining([expect.objectContaining({ purposeId: 'registratie', granted: true, lapsed: false, validUntil: '2026-11-22T23:00:00.000Z' })]) });
    app.clock.set('2026-11-22T23:00:00.000Z');
    expect((await status('REG-P12')).mayRegister).toBe(false);
  });
});

describe('paper consent follows the age rule on the date the paper was signed', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  function paper(reference: string, formId: string, dateOfBirth: string, signedOn: string) {
    const decisions = formId === 'inloop-16-plus' ? ADULT_DECISIONS : CHILD_DECISIONS;
    return uploadPaperConsent(app, reference, { ...CHILD_PAPER, formId, dateOfBirth, signedOn, decisions }, greyPng());
  }

  test('when a 16+ form is recorded for a 12-year-old, then 422 on formId says a parent signs an under-16 form, and nothing is stored', async () => {
    const res = await paper('AGE-12', 'inloop-16-plus', '2014-04-02', '2026-11-01');
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'formId', message: expect.stringMatching(/16 and older.*on 2026-11-01.*under 16.*parent/) }]);
    expect((await app.http.get('/api/v1/consent-requests?subjectReference=AGE-12').set(auth(app.apiKey))).body.data).toEqual([]);
  });

  test('when an under-16 form is recorded for an adult, then 422 on formId says they sign a 16+ form themselves', async () => {
    const res = await paper('AGE-18', 'activiteit-onder-16', '2008-01-15', '2026-11-01');
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'formId', message: expect.stringMatching(/under 16.*16 or older.*16\+ form themselves/) }]);
  });

  test('when the paper is dated the day before the 16th birthday, then only the under-16 form fits; on the birthday itself only the 16+ form', async () => {
    // Born 2010-11-20: 16 on 2026-11-20.
    expect((await paper('AGE-B1', 'inloop-16-plus', '2010-11-20', '2026-11-19')).status).toBe(422);
    const child = await paper('AGE-B2', 'activiteit-onder-16', '2010-11-20', '2026-11-19');
    expect(child.status).toBe(201);
    expect(child.body.signerRole).toBe('guardian');
    expect((await paper('AGE-B3', 'activiteit-onder-16', '2010-11-20', '2026-11-20')).status).toBe(422);
    const adult = await paper('AGE-B4', 'inloop-16-plus', '2010-11-20', '2026-11-20');
    expect(adult.status).toBe(201);
    expect(adult.body.signerRole).toBe('participant');
  });

  test('when the paper is dated before the date of birth, then 422 says so on dateOfBirth', async () => {
    const res = await paper('AGE-BORN', 'activiteit-onder-16', '2026-11-10', '2026-11-01');
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'dateOfBirth', message: 'The date of birth lies after the day the paper was signed (2026-11-01).' }]);
  });

  test('when paper for an open under-16 request is dated after the child turned 16, then 422 on formId and the request stays open', async () => {
    // Born 2010-11-25: 15 when asked on 2026-11-22, 16 on 2026-11-25.
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest({ subject: { reference: 'AGE-OPEN', firstName: 'Sam', dateOfBirth: '2010-11-25' } }));
    expect(created.status).toBe(201);
    app.clock.set('2026-11-28T10:00:00Z');
    const late = await uploadRequestPaper(app, created.body.id, { ...CHILD_PAPER, signedOn: '2026-11-26' }, greyPng());
    expect(late.status).toBe(422);
    expect(late.body.errors).toEqual([{ path: 'formId', message: expect.stringContaining('on 2026-11-26') }]);
    const early = await uploadRequestPaper(app, created.body.id, { ...CHILD_PAPER, signedOn: '2026-11-24' }, greyPng());
    expect(early.status).toBe(200);
  });
});

describe('a form with a last day (validUntil: YYYY-MM-DD)', () => {
  let app: TestApp;
  let formsDir: string;
  afterEach(async () => {
    await app.close();
    rmSync(formsDir, { recursive: true, force: true });
  });

  async function appWithFormEnding(lastDay: string) {
    formsDir = mkdtempSync(join(tmpdir(), 'akkoord-forms-'));
    for (const file of readdirSync(SHIPPED_FORMS)) copyFileSync(join(SHIPPED_FORMS, file), join(formsDir, file));
    const file = join(formsDir, 'activiteit-onder-16.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('validForMonths: 12\n', `validForMonths: 12\nvalidUntil: ${lastDay}\n`));
    app = await createTestApp({ FORMS_DIR: formsDir });
  }

  test('when it ends before the 12 months do, then a signature today counts until the end of that day', async () => {
    await appWithFormEnding('2027-07-31');
    expect((await app.http.get('/api/v1/forms/activiteit-onder-16').set(auth(app.apiKey))).body).toMatchObject({ validForMonths: 12, validUntil: '2027-07-31' });
    const answers = { purpose_registratie: 'yes', 'purpose_contact-ouder': 'no', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'no' };
    await createAndSign(app, childRequest(), { ...answers, declaration: 'yes', signerName: 'Ans de Vries' });
    const body = (await app.http.get('/api/v1/subjects/REG-1042/consent').set(auth(app.apiKey))).body;
    expect(body).toMatchObject({ mayRegister: true, purposes: expect.arrayContaining([expect.objectContaining({ purposeId: 'registratie', validUntil: '2027-07-31T22:00:00.000Z' })]) });
  });

  test('when its last day has passed, then a new request for it is refused with 422 on formId', async () => {
    await appWithFormEnding('2026-07-31');
    const res = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest());
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'formId', message: expect.stringContaining('2026-07-31') }]);
  });
});
