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

  test('when limited routes answer, then RateLimit-Policy and RateLimit say the limit, what is left and when it resets: on the API, the status lookups, a 429 and the public pages', async () => {
    app = await createTestApp({ RATE_LIMIT_API_PER_MINUTE: '4', RATE_LIMIT_PUBLIC_PER_MINUTE: '2' });
    const remaining = (res: { headers: Record<string, string> }) => {
      expect(res.headers['ratelimit-policy']).toMatch(/^"minute";q=\d+;w=60$/);
      const m = /^"minute";r=(\d+);t=(\d+)$/.exec(res.headers.ratelimit ?? '');
      expect(m).not.toBeNull();
      expect(Number(m![2])).toBeGreaterThan(0);
      expect(Number(m![2])).toBeLessThanOrEqual(60);
      return Number(m![1]);
    };
    const forms = await app.http.get('/api/v1/forms').set(auth(app.apiKey)).expect(200);
    expect(forms.headers['ratelimit-policy']).toBe('"minute";q=4;w=60');
    // The hot path writes its headers in one go: the limit's are among them.
    const lookup = await app.http.get('/api/v1/subjects/REG-1/consent').set(auth(app.apiKey)).expect(200);
    const batch = await app.http.post('/api/v1/subjects/consent-status').set(auth(app.apiKey)).send({ references: ['REG-1'] }).expect(200);
    const last = await app.http.get('/api/v1/forms').set(auth(app.apiKey)).expect(200);
    // One count per key over all API routes, within one minute window (unless the minute turned over in between).
    const seen = [remaining(forms), remaining(lookup), remaining(batch), remaining(last)];
    if (seen[0] === 3) expect(seen).toEqual([3, 2, 1, 0]);
    const limited = await app.http.get('/api/v1/subjects/REG-1/consent').set(auth(app.apiKey)).expect(429);
    expect(remaining(limited)).toBe(0);
    expect(limited.headers['retry-after']).toBe(/t=(\d+)$/.exec(limited.headers.ratelimit!)![1]);
    // Public pages count per address.
    const page = await app.http.get('/c/aaaa');
    expect(page.headers['ratelimit-policy']).toBe('"minute";q=2;w=60');
    expect([0, 1]).toContain(remaining(page));
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

describe('limits for traffic without a valid key', () => {
  let app: TestApp;
  afterEach(async () => {
    await app.close();
  });

  test('when one address keeps sending wrong keys, then after the limit it gets 429 with Retry-After, on the hot status route too, while a remembered valid key still works', async () => {
    app = await createTestApp({ RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '3' });
    // The valid key is remembered before the attack starts.
    expect((await app.http.get('/api/v1/subjects/REG-1/consent').set(auth(app.apiKey))).status).toBe(200);
    expect((await app.http.get('/api/v1/forms').set(auth('wrong-1'))).status).toBe(401);
    expect((await app.http.get('/api/v1/subjects/REG-1/consent').set(auth('wrong-2'))).status).toBe(401);
    expect((await app.http.get('/api/v1/forms')).status).toBe(401);
    for (const path of ['/api/v1/forms', '/api/v1/subjects/REG-1/consent']) {
      const limited = await app.http.get(path).set(auth('wrong-4'));
      expect(limited.status).toBe(429);
      expect(limited.headers['content-type']).toMatch(/problem\+json/);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.body.code).toBe('rate_limited');
    }
    expect((await app.http.get('/api/v1/subjects/REG-1/consent').set(auth(app.apiKey))).status).toBe(200);
  });

  test('when valid keys make many calls, then they never count as failures', async () => {
    app = await createTestApp({ RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '1' });
    for (let i = 0; i < 5; i += 1) expect((await app.http.get('/api/v1/forms').set(auth(i % 2 ? app.apiKey : app.other.apiKey))).status).toBe(200);
    expect((await app.http.get('/api/v1/forms').set(auth('wrong'))).status).toBe(401);
    expect((await app.http.get('/api/v1/forms').set(auth('wrong'))).status).toBe(429);
  });

  test('when one address sends many provider callbacks, then /hooks answers 429 with Retry-After past RATE_LIMIT_HOOKS_PER_MINUTE', async () => {
    app = await createTestApp({ RATE_LIMIT_HOOKS_PER_MINUTE: '2' });
    for (let i = 0; i < 2; i += 1) expect((await app.http.post('/hooks/twilio/status').type('form').send({ MessageStatus: 'delivered' })).status).not.toBe(429);
    const limited = await app.http.post('/hooks/twilio/status').type('form').send({ MessageStatus: 'delivered' });
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  test('when one address reloads the dev outbox many times, then it answers 429 past RATE_LIMIT_PUBLIC_PER_MINUTE', async () => {
    app = await createTestApp({ RATE_LIMIT_PUBLIC_PER_MINUTE: '2' });
    for (let i = 0; i < 2; i += 1) expect((await app.http.get('/dev/outbox').set('Accept', 'application/json')).status).toBe(200);
    const limited = await app.http.get('/dev/outbox').set('Accept', 'application/json');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('the status lookup route (mounted ahead of the API router)', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp({ RATE_LIMIT_API_PER_MINUTE: '4' });
  });
  afterEach(async () => {
    await app.close();
  });

  const API_HEADERS = {
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };

  test('when it answers, then it carries the same API headers as every API route, a request id, and exact JSON', async () => {
    const res = await app.http.get('/api/v1/subjects/REG-1/consent').set(auth(app.apiKey)).set('X-Request-Id', 'trace-12345678');
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({ ...API_HEADERS, 'x-request-id': 'trace-12345678', 'content-type': 'application/json; charset=utf-8' });
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
    expect(res.body).toEqual({ subjectReference: 'REG-1', purposes: [], mayRegister: false });
    const forms = await app.http.get('/api/v1/forms').set(auth(app.apiKey));
    for (const name of Object.keys(API_HEADERS)) expect(forms.headers[name]).toBe(res.headers[name]);
    expect((await app.http.get('/api/v1/subjects/REG-1/consent').set(auth(app.apiKey))).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('when it refuses (401, 422, 429), then the problem answer carries the API headers and its request id', async () => {
    const unauthorised = await app.http.get('/api/v1/subjects/REG-1/consent');
    const invalid = await app.http.get(`/api/v1/subjects/${'x'.repeat(101)}/consent`).set(auth(app.apiKey));
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors[0].path).toBe('params.reference');
    // The lookup shares the per-key limit with the rest of the API.
    await app.http.get('/api/v1/forms').set(auth(app.apiKey));
    await app.http.get('/api/v1/forms').set(auth(app.apiKey));
    await app.http.get('/api/v1/subjects/REG-1/consent').set(auth(app.apiKey));
    const limited = await app.http.get('/api/v1/subjects/REG-1/consent').set(auth(app.apiKey));
    for (const [res, status] of [[unauthorised, 401], [invalid, 422], [limited, 429]] as const) {
      expect(res.status).toBe(status);
      expect(res.headers).toMatchObject(API_HEADERS);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.requestId).toBe(res.headers['x-request-id']);
    }
  });
});
