import { updateOrganisation } from '../../src/organisations/organisation-settings';
import { adultRequest, auth, createTestApp, type TestApp } from '../helpers/test-app';

const DAY_MS = 86_400_000;

describe('organisation defaults for new requests', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ DEFAULT_EXPIRY_DAYS: '14', REMINDER_AFTER_DAYS: '3' });
    await updateOrganisation(app.container, app.organisationId, { defaultLanguage: 'en', reminderAfterDays: '5', expiryDays: '21' });
  });
  afterAll(() => app.close());

  const create = (key: string, body: Record<string, unknown>) => app.http.post('/api/v1/consent-requests').set(auth(key)).send(body);
  const withoutLanguage = () => {
    const body = adultRequest();
    const { language: _language, ...recipient } = body.recipient;
    return { ...body, recipient };
  };

  it('when the API call leaves language, reminder and expiry out, then the organisation defaults apply', async () => {
    const res = await create(app.apiKey, withoutLanguage());
    expect(res.status).toBe(201);
    expect(res.body.language).toBe('en');
    expect(res.body.reminders.afterDays).toBe(5);
    expect(Date.parse(res.body.expiresAt) - app.clock.now().getTime()).toBe(21 * DAY_MS);
  });

  it('when the API call gives them, then they win over the organisation defaults', async () => {
    const expiresAt = new Date(app.clock.now().getTime() + 7 * DAY_MS).toISOString();
    const res = await create(app.apiKey, { ...adultRequest(), expiresAt, reminders: { afterDays: 2 } });
    expect(res.status).toBe(201);
    expect(res.body.language).toBe('nl');
    expect(res.body.reminders.afterDays).toBe(2);
    expect(res.body.expiresAt).toBe(expiresAt);
  });

  it('when an organisation set no defaults, then the service defaults remain', async () => {
    const res = await create(app.other.apiKey, withoutLanguage());
    expect(res.status).toBe(201);
    expect(res.body.language).toBe('nl');
    expect(res.body.reminders.afterDays).toBe(3);
    expect(Date.parse(res.body.expiresAt) - app.clock.now().getTime()).toBe(14 * DAY_MS);
  });
});
