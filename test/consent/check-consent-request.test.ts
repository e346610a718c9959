import { checkConsentRequest, requestConsent, type RequestConsentInput } from '../../src/consent/request-consent';
import { isAppError } from '../../src/errors';
import { createTestApp, type TestApp } from '../helpers/test-app';

/** checkConsentRequest: requestConsent's rules without storing anything (the dashboard's list check). */
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

const deps = () => {
  const c = app.container;
  return { store: c.store, forms: c.forms, tokens: c.tokens, clock: app.clock, publicBaseUrl: c.config.publicBaseUrl, defaultExpiryDays: c.config.defaultExpiryDays, reminderDefaults: c.config.reminders };
};
const child = (over: Partial<RequestConsentInput> = {}): RequestConsentInput => ({
  formId: 'activiteit-onder-16',
  subject: { reference: 'CHECK-1', firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2014-04-02' },
  recipient: { name: 'Ans de Vries', channel: 'sms', phone: '06 12345678' },
  ...over,
});

async function firstProblemOfRequestConsent(input: RequestConsentInput) {
  try {
    await requestConsent(deps(), app.organisationId, 'test', input);
  } catch (error) {
    if (isAppError(error)) return error.errors?.[0];
    throw error;
  }
  return undefined;
}

test('when a request passes every rule, then the check says who signs and where it goes, and stores nothing', async () => {
  const result = await checkConsentRequest(deps(), app.organisationId, child());
  expect(result).toEqual({ ok: true, plan: { formId: 'activiteit-onder-16', formVersion: expect.any(String), signerRole: 'guardian', recipientName: 'Ans de Vries', channel: 'sms', maskedAddress: '+316••••5678', language: 'nl' } });
  expect((await app.container.store.listConsentRequests(app.organisationId, { subjectReference: 'CHECK-1' }, 10, null)).items).toEqual([]);
});

test('when a request breaks rules that do not depend on each other, then the check reports each, and requestConsent refuses the first of them', async () => {
  const input = child({ recipient: { channel: 'sms', phone: '12' } });
  const result = await checkConsentRequest(deps(), app.organisationId, input);
  expect(result.ok).toBe(false);
  const problems = result.ok ? [] : result.problems;
  expect(problems.map((p) => p.path)).toEqual(['recipient.name', 'recipient.phone']);
  expect(await firstProblemOfRequestConsent(input)).toEqual(problems[0]);
});

test('when the form does not exist and the date of birth is not a date, then both are reported; rules that need them are skipped', async () => {
  const input = child({ formId: 'bestaat-niet', subject: { reference: 'CHECK-2', firstName: 'Sam', dateOfBirth: '2014-02-31' }, recipient: { channel: 'email', email: 'ans@example.nl' } });
  const result = await checkConsentRequest(deps(), app.organisationId, input);
  expect(result.ok ? [] : result.problems.map((p) => p.path)).toEqual(['formId', 'subject.dateOfBirth']);
  expect(await firstProblemOfRequestConsent(input)).toMatchObject({ path: 'formId' });
});

test('when a 16-year-old is put on the under-16 form, then the check gives the same refusal requestConsent gives', async () => {
  const input = child({ subject: { reference: 'CHECK-3', firstName: 'Noor', dateOfBirth: '2008-01-15' } });
  const result = await checkConsentRequest(deps(), app.organisationId, input);
  expect(result.ok ? [] : result.problems).toEqual([await firstProblemOfRequestConsent(input)]);
});

test('when requestConsent is given a request id, then the request is stored under it, and a second call with it makes nothing new', async () => {
  const made = await requestConsent(deps(), app.organisationId, 'test', child({ subject: { reference: 'CHECK-4', firstName: 'Sam', dateOfBirth: '2014-04-02' } }), { requestId: 'cr_000000000fixedidtest' });
  expect(made.id).toBe('cr_000000000fixedidtest');
  // Compared as an outcome, not with rejects.toThrow: the store's error can come from another realm
  // in a jest worker that loaded the native SQLite module for an earlier test file.
  const again = await requestConsent(deps(), app.organisationId, 'test', child({ subject: { reference: 'CHECK-4', firstName: 'Sam', dateOfBirth: '2014-04-02' } }), { requestId: 'cr_000000000fixedidtest' }).then(
    () => 'made',
    () => 'refused',
  );
  expect(again).toBe('refused');
  expect((await app.container.store.listConsentRequests(app.organisationId, { subjectReference: 'CHECK-4' }, 10, null)).items).toHaveLength(1);
});
