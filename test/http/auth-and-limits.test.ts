import { auth, createTestApp, type TestApp } from '../helpers/test-app';

const ENDPOINTS: [string, string][] = [
  ['get', '/api/v1/forms'],
  ['get', '/api/v1/forms/beeldmateriaal'],
  ['post', '/api/v1/consent-requests'],
  ['get', '/api/v1/consent-requests'],
  ['get', '/api/v1/consent-requests/cr_x'],
  ['get', '/api/v1/consent-requests/cr_x/events'],
  ['post', '/api/v1/consent-requests/cr_x/cancel'],
  ['post', '/api/v1/consent-requests/cr_x/remind'],
  ['get', '/api/v1/consent-requests/cr_x/document'],
  ['post', '/api/v1/consent-requests/cr_x/paper'],
  ['get', '/api/v1/subjects/REG-1/consent'],
];

describe('authentication and rate limits', () => {
  let app: TestApp;
  afterEach(async () => {
    await app.close();
  });

  test.each(ENDPOINTS)('when %s %s is called without a key or with a wrong key, then 401', async (method, path) => {
    app = await createTestApp();
    const call = (app.http as unknown as Record<string, (p: string) => import('supertest').Test>)[method]!(path);
    const res = await call;
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    const wrong = await (app.http as unknown as Record<string, (p: string) => import('supertest').Test>)[method]!(path).set(auth(`${app.apiKey}x`));
    expect(wrong.status).toBe(401);
  });

  test('when an API key goes over its limit, then 429 problem+json with Retry-After, and another key is not affected', async () => {
    app = await createTestApp({ RATE_LIMIT_API_PER_MINUTE: '3' });
    for (let i = 0; i < 3; i += 1) expect((await app.http.get('/api/v1/forms').set(auth(app.apiKey))).status).toBe(200);
    const limited = await app.http.get('/api/v1/forms').set(auth(app.apiKey));
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await app.http.get('/api/v1/forms').set(auth(app.other.apiKey))).status).toBe(200);
  });

  test('when one address opens many links, then the signing pages answer 429 with Retry-After', async () => {
    app = await createTestApp({ RATE_LIMIT_PUBLIC_PER_MINUTE: '2' });
    expect((await app.http.get('/c/aaaa')).status).toBe(404);
    expect((await app.http.get('/c/bbbb')).status).toBe(404);
    const limited = await app.http.get('/c/cccc');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });
});
