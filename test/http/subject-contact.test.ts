import { eraseEndedContactDetails } from '../../src/privacy/erase-contact-details';
import { applySettings, EMPTY_SETTINGS, updateOrganisation } from '../../src/organisations/organisation-settings';
import { createAndSign } from '../helpers/signing';
import { adultRequest, auth, createTestApp, type TestApp } from '../helpers/test-app';

describe('the young person\'s own contact (PUT/DELETE /api/v1/subjects/{reference}/contact)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  const put = (body: unknown, reference = 'REG-C1', key = app.apiKey) => app.http.put(`/api/v1/subjects/${reference}/contact`).set(auth(key)).send(body as object);

  test('when a phone number is given, then it is stored encrypted in the organisation and the answer shows it masked with the day it is erased by', async () => {
    const res = await put({ channel: 'sms', phone: '06 12345678' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ subjectReference: 'REG-C1', channel: 'sms', maskedAddress: '+316••••5678', eraseBy: '2027-02-20T10:00:00.000Z' });
    expect(await app.container.store.getSubjectContact(app.organisationId, 'REG-C1')).toMatchObject({ channel: 'sms', address: '+31612345678' });
    expect(await app.container.store.getSubjectContact(app.other.organisationId, 'REG-C1')).toBeNull();
    const raw = (app.container.store as unknown as { db: import('better-sqlite3').Database }).db.prepare('SELECT address_enc FROM subject_contacts').pluck().all() as string[];
    expect(raw.join()).not.toContain('612345678');
  });

  test.each([
    [{ channel: 'sms' }, 'phone'],
    [{ channel: 'email' }, 'email'],
    [{ channel: 'email', email: 'not-an-address' }, 'email'],
    [{ channel: 'sms', phone: '12' }, 'phone'],
    [{ channel: 'sms', phone: '06 12345678', email: 'sam@example.nl' }, 'email'],
    [{ channel: 'fax', phone: '06 12345678' }, 'channel'],
    [{ channel: 'sms', phone: '06 12345678', name: 'Sam' }, 'name'],
  ])('when the body is %j, then 422 names %s and nothing is stored', async (body, path) => {
    const res = await put(body, 'REG-BAD');
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors).toEqual([expect.objectContaining({ path })]);
    expect(await app.container.store.getSubjectContact(app.organisationId, 'REG-BAD')).toBeNull();
  });

  test('when the reference is not a valid reference, then 422 names params.reference', async () => {
    const res = await app.http.put('/api/v1/subjects/%20bad/contact').set(auth(app.apiKey)).send({ channel: 'sms', phone: '06 12345678' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'params.reference' })]);
  });

  test('when the contact is deleted, then it is gone; another organisation cannot delete it', async () => {
    await put({ channel: 'email', email: 'sam@example.nl' }, 'REG-DEL').expect(200);
    await app.http.delete('/api/v1/subjects/REG-DEL/contact').set(auth(app.other.apiKey)).expect(204);
    expect(await app.container.store.getSubjectContact(app.organisationId, 'REG-DEL')).not.toBeNull();
    await app.http.delete('/api/v1/subjects/REG-DEL/contact').set(auth(app.apiKey)).expect(204);
    expect(await app.container.store.getSubjectContact(app.organisationId, 'REG-DEL')).toBeNull();
  });

  test('when the OpenAPI document is read, then it describes the contact route and reconfirmationDue', async () => {
    const doc = (await app.http.get('/api/v1/openapi.json')).body;
    expect(Object.keys(doc.paths['/api/v1/subjects/{reference}/contact'])).toEqual(['put', 'delete']);
    expect(doc.components.schemas.SubjectConsent.properties.reconfirmationDue).toBeDefined();
  });
});

describe('the 90-day contact sweep and renewal', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });
  const DAY = 86_400_000;
  const address = async (id: string) => (await app.container.store.getConsentRequest(app.organisationId, id))?.recipient.address ?? null;

  async function noorSigns(): Promise<string> {
    const { id } = await createAndSign(app, adultRequest(), { purpose_registratie: 'yes', purpose_contact: 'no', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker' });
    return id;
  }

  test('when the organisation renews automatically, then a signed consent keeps its address until 90 days after it lapses (2027-11-22T23:00Z)', async () => {
    const id = await noorSigns();
    app.clock.set('2027-06-01T10:00:00Z');
    await eraseEndedContactDetails(app.container);
    expect(await address(id)).toBe('noor.bakker@example.nl');
    app.clock.set(new Date(Date.parse('2027-11-22T23:00:00Z') + 90 * DAY - 1));
    await eraseEndedContactDetails(app.container);
    expect(await address(id)).toBe('noor.bakker@example.nl');
    app.clock.set(new Date(Date.parse('2027-11-22T23:00:00Z') + 90 * DAY + 1));
    await eraseEndedContactDetails(app.container);
    expect(await address(id)).toBeNull();
  });

  test('when the organisation does not renew (renewalDaysBefore 0), then a signed consent loses its address 90 days after its last change, as before', async () => {
    await updateOrganisation(app.container, app.organisationId, { renewalDaysBefore: '0' });
    const id = await noorSigns();
    app.clock.set(new Date(Date.parse('2026-11-22T10:00:00Z') + 90 * DAY + 60_000));
    await eraseEndedContactDetails(app.container);
    expect(await address(id)).toBeNull();
  });

  test('when the young person\'s contact is not used within 90 days, then the sweep erases it', async () => {
    await app.http.put('/api/v1/subjects/REG-OLD/contact').set(auth(app.apiKey)).send({ channel: 'email', email: 'sam@example.nl' }).expect(200);
    app.clock.set(new Date(Date.parse('2026-11-22T10:00:00Z') + 90 * DAY - 1));
    await eraseEndedContactDetails(app.container);
    expect(await app.container.store.getSubjectContact(app.organisationId, 'REG-OLD')).not.toBeNull();
    app.clock.set(new Date(Date.parse('2026-11-22T10:00:00Z') + 90 * DAY + 1));
    await eraseEndedContactDetails(app.container);
    expect(await app.container.store.getSubjectContact(app.organisationId, 'REG-OLD')).toBeNull();
  });
});

describe('organisation lifecycle settings', () => {
  test.each([
    [{ turning16Policy: 'never' }, 'turning16Policy'],
    [{ turning16LapseDays: '366' }, 'turning16LapseDays'],
    [{ turning16LapseDays: '-1' }, 'turning16LapseDays'],
    [{ turning16Policy: 'lapses-after-days' }, 'turning16LapseDays'],
    [{ turning16WindowDays: '0' }, 'turning16WindowDays'],
    [{ turning16WindowDays: 'dertig' }, 'turning16WindowDays'],
    [{ turning16FormId: 'Inloop 16+' }, 'turning16FormId'],
    [{ renewalDaysBefore: '400' }, 'renewalDaysBefore'],
  ])('when %j is given, then the validation error names %s', async (input, path) => {
    await expect(applySettings(EMPTY_SETTINGS, input)).rejects.toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ path })] });
  });

  test('when valid values are given, then they are kept, and "" clears one', async () => {
    const set = await applySettings(EMPTY_SETTINGS, { turning16Policy: 'lapses-after-days', turning16LapseDays: '0', turning16WindowDays: '60', turning16FormId: 'inloop-16-plus', renewalDaysBefore: '0' });
    expect(set).toMatchObject({ turning16Policy: 'lapses-after-days', turning16LapseDays: 0, turning16WindowDays: 60, turning16FormId: 'inloop-16-plus', renewalDaysBefore: 0 });
    expect(await applySettings(set, { turning16Policy: '', turning16FormId: '' })).toMatchObject({ turning16Policy: null, turning16FormId: null, turning16LapseDays: 0 });
  });
});
