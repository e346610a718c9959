import Database from 'better-sqlite3';
import { auth, createTestApp, type TestApp } from '../helpers/test-app';

describe('forms, health and the dev outbox', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  test('when forms are listed, then the three shipped forms come back with version, audience and purposes', async () => {
    const res = await app.http.get('/api/v1/forms').set(auth(app.apiKey));
    expect(res.status).toBe(200);
    const ids = res.body.data.map((f: { id: string }) => f.id).sort();
    expect(ids).toEqual(expect.arrayContaining(['activiteit-onder-16', 'beeldmateriaal', 'inloop-16-plus']));
    const child = res.body.data.find((f: { id: string }) => f.id === 'activiteit-onder-16');
    expect(child).toMatchObject({ audience: 'under16', languages: ['nl', 'en'] });
    expect(child.version).toMatch(/^[0-9a-f]{16}$/);
    expect(child.purposes.some((p: { required: boolean }) => p.required)).toBe(true);
    expect(child.title.nl).toBeTruthy();
    expect(child.title.en).toBeTruthy();
  });

  test('when one form is asked for, then it comes back; an unknown one is 404', async () => {
    expect((await app.http.get('/api/v1/forms/beeldmateriaal').set(auth(app.apiKey))).body.audience).toBe('any');
    const missing = await app.http.get('/api/v1/forms/nope').set(auth(app.apiKey));
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
  });

  test('when health and readiness are checked, then both answer ok', async () => {
    expect((await app.http.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await app.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', store: 'sqlite' });
  });

  test('when the store is closed, then readyz answers 503', async () => {
    const other = await createTestApp();
    await other.container.store.close();
    expect((await other.http.get('/readyz')).status).toBe(503);
    await other.close();
  });

  test('when an unknown path is asked for, then 404 problem+json', async () => {
    const res = await app.http.get('/nope');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  test('when the dev outbox is asked for JSON, then it answers a data list', async () => {
    const res = await app.http.get('/dev/outbox').set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [] });
  });

  test('when any page is served, then security headers are set and the CSP has no unsafe-inline', async () => {
    const res = await app.http.get('/healthz');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-request-id']).toBeTruthy();
  });
});

describe('OpenAPI document', () => {
  test('when openapi.json is fetched, then it lists every endpoint and the create body from the zod schema', async () => {
    const app = await createTestApp();
    const res = await app.http.get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/v1/forms', '/api/v1/consent-requests', '/api/v1/consent-requests/{id}/events', '/api/v1/subjects/{reference}/consent']));
    expect(res.body.paths['/api/v1/consent-requests'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateConsentRequest' });
    const body = res.body.components.schemas.CreateConsentRequest;
    expect(body.required).toEqual(expect.arrayContaining(['formId', 'subject', 'recipient']));
    expect(body.properties.recipient.properties.channel.enum).toEqual(['sms', 'email']);
    await app.close();
  });
});

describe('a busy store', () => {
  test('when another process holds the write lock past the busy timeout, then the API answers 503 with Retry-After, not 500', async () => {
    const app = await createTestApp();
    const other = new Database(`${app.dataDir}/akkoord.db`);
    const store = app.container.store as unknown as { db: { pragma(s: string): unknown } };
    store.db.pragma('busy_timeout = 50');
    other.exec('BEGIN IMMEDIATE');
    try {
      const res = await app.http
        .post('/api/v1/consent-requests')
        .set('Authorization', `Bearer ${app.apiKey}`)
        .send({ formId: 'beeldmateriaal', subject: { reference: 'R-1', firstName: 'Sam', dateOfBirth: '2014-04-02' }, recipient: { name: 'Ans', channel: 'email', email: 'ans@example.nl' } });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body.code).toBe('unavailable');
    } finally {
      other.exec('ROLLBACK');
      other.close();
      await app.close();
    }
  });
});
