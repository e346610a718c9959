import { createApiKey } from '../../src/organisations/api-keys';
import { WebhookPool } from '../../src/webhooks/webhook-pool';
import { createWebhookEndpoint, type WebhookSettings } from '../../src/webhooks/webhook-endpoints';
import type { HostResolver } from '../../src/webhooks/url-guard';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver';
import { adultRequest, auth, createTestApp, type TestApp } from '../helpers/test-app';

describe('webhook endpoints API (issue 13)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ WEBHOOK_MAX_ENDPOINTS: '3' });
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(async () => {
    for (const e of (await app.http.get('/api/v1/webhook-endpoints').set(auth(app.apiKey))).body.data as { id: string }[]) {
      await app.http.delete(`/api/v1/webhook-endpoints/${e.id}`).set(auth(app.apiKey));
    }
  });
  const create = (body: Record<string, unknown>, key = app.apiKey) => app.http.post('/api/v1/webhook-endpoints').set(auth(key)).send(body);

  test('when an endpoint is created, then the answer has its id and a whsec_ secret of 32 random bytes, shown once: reads and lists never show it', async () => {
    const res = await create({ url: 'https://93.184.216.34/hooks', events: ['consent_request.signed', 'consent_request.withdrawn'], description: 'Registratie' });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/api/v1/webhook-endpoints/${res.body.id}`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^whe_/), url: 'https://93.184.216.34/hooks', events: ['consent_request.signed', 'consent_request.withdrawn'], description: 'Registratie', status: 'enabled', disabledAt: null, failingSince: null });
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from((res.body.secret as string).slice(6), 'base64')).toHaveLength(32);
    const one = await app.http.get(`/api/v1/webhook-endpoints/${res.body.id}`).set(auth(app.apiKey));
    const list = await app.http.get('/api/v1/webhook-endpoints').set(auth(app.apiKey));
    expect(one.body.secret).toBeUndefined();
    expect(list.body.data).toEqual([one.body]);
    expect(`${one.text}${list.text}`).not.toContain('whsec_');
  });

  test('when another organisation asks for, deletes, rotates or retries an endpoint, then it is 404 and nothing changes', async () => {
    const id = (await create({ url: 'https://93.184.216.34/', events: ['*'] })).body.id as string;
    const other = auth(app.other.apiKey);
    expect((await app.http.get(`/api/v1/webhook-endpoints/${id}`).set(other)).status).toBe(404);
    expect((await app.http.delete(`/api/v1/webhook-endpoints/${id}`).set(other)).status).toBe(404);
    expect((await app.http.post(`/api/v1/webhook-endpoints/${id}/rotate-secret`).set(other).send({})).status).toBe(404);
    expect((await app.http.post(`/api/v1/webhook-endpoints/${id}/enable`).set(other)).status).toBe(404);
    expect((await app.http.get(`/api/v1/webhook-endpoints/${id}/deliveries`).set(other)).status).toBe(404);
    expect((await app.http.get('/api/v1/webhook-endpoints').set(other)).body.data).toEqual([]);
    expect((await app.http.get(`/api/v1/webhook-endpoints/${id}`).set(auth(app.apiKey))).status).toBe(200);
    expect((await app.http.delete(`/api/v1/webhook-endpoints/${id}`).set(auth(app.apiKey))).status).toBe(204);
    expect((await app.http.get(`/api/v1/webhook-endpoints/${id}`).set(auth(app.apiKey))).status).toBe(404);
  });

  test('when events hold an unknown name or "*" with others, or the body is wrong, then 422 names the field', async () => {
    const unknown = await create({ url: 'https://93.184.216.34/', events: ['consent_request.signed', 'consent_request.exploded'] });
    expect(unknown.status).toBe(422);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.body.errors).toEqual([{ path: 'events.1', message: expect.any(String) }]);
    expect((await create({ url: 'https://93.184.216.34/', events: ['*', 'consent_request.signed'] })).body.errors).toEqual([{ path: 'events.0', message: expect.any(String) }]);
    expect((await create({ url: 'https://93.184.216.34/', events: [] })).body.errors[0].path).toBe('events');
    expect((await create({ url: 'https://93.184.216.34/', events: Array(30).fill('*') })).body.errors[0].path).toBe('events');
    expect((await create({ url: `https://93.184.216.34/${'a'.repeat(2048)}`, events: ['*'] })).body.errors[0].path).toBe('url');
    expect((await create({ url: 'https://93.184.216.34/', events: ['*'], secret: 'mine' })).body.errors).toEqual([{ path: 'secret', message: 'Unknown field.' }]);
    const id = (await create({ url: 'https://93.184.216.34/', events: ['*'] })).body.id as string;
    const rotate = await app.http.post(`/api/v1/webhook-endpoints/${id}/rotate-secret`).set(auth(app.apiKey)).send({ overlapHours: 169 });
    expect(rotate.status).toBe(422);
    expect(rotate.body.errors[0].path).toBe('overlapHours');
  });

  test('when an organisation has the most endpoints allowed, then another is refused with 409 and the others are untouched', async () => {
    for (let i = 0; i < 3; i++) expect((await create({ url: `https://93.184.216.34/${i}`, events: ['*'] })).status).toBe(201);
    const fourth = await create({ url: 'https://93.184.216.34/4', events: ['*'] });
    expect(fourth.status).toBe(409);
    expect(fourth.body.detail).toContain('3 webhook endpoints');
    expect((await app.http.get('/api/v1/webhook-endpoints').set(auth(app.apiKey))).body.data).toHaveLength(3);
    // Another organisation has its own count.
    expect((await create({ url: 'https://93.184.216.34/o', events: ['*'] }, app.other.apiKey)).status).toBe(201);
  });

  test('when the URL points at Akkoord itself (PUBLIC_BASE_URL), then it is refused with 422 naming url', async () => {
    const deps = { store: app.container.store, clock: app.clock, webhooks: { ...app.container.config.webhooks, ownOrigin: 'https://akkoord.example.nl', allowPrivateUrls: true } };
    await expect(createWebhookEndpoint(deps, app.organisationId, { url: 'https://AKKOORD.example.nl/api/v1/consent-requests', events: ['*'] }, 'system')).rejects.toMatchObject({ errors: [{ path: 'url', message: expect.stringContaining('Akkoord itself') }] });
  });

  test('when a read-only API key manages webhooks, then it gets 403', async () => {
    const readOnly = await createApiKey(app.container, app.organisationId, 'status only', 'status-read');
    expect((await create({ url: 'https://93.184.216.34/', events: ['*'] }, readOnly.secret)).status).toBe(403);
    expect((await app.http.get('/api/v1/webhook-endpoints').set(auth(readOnly.secret))).status).toBe(403);
  });

  test.each([
    ['http://127.0.0.1/hooks'], ['http://localhost:3000/hooks'], ['http://[::1]/'], ['http://[::ffff:127.0.0.1]/'], ['http://[::ffff:7f00:1]/'], ['http://2130706433/'],
    ['http://10.1.2.3/'], ['http://172.16.0.1/'], ['http://192.168.1.1/'], ['http://169.254.169.254/latest/meta-data'], ['http://100.64.0.1/'], ['http://0.0.0.0/'],
    ['http://[fe80::1]/'], ['http://[fc00::1]/'], ['http://224.0.0.1/'], ['http://[::ffff:10.0.0.1]/'], ['http://user:secret@93.184.216.34/'], ['ftp://93.184.216.34/'], ['not a url'],
  ])('when the URL is %s, then it is refused with 422 naming url', async (url) => {
    const res = await create({ url, events: ['*'] });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'url', message: expect.any(String) }]);
    expect(res.body.errors[0].message).not.toContain(url);
  });
});

describe('webhook URLs at delivery time (SSRF, issue 13)', () => {
  let app: TestApp;
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
    await receiver.close();
  });
  const settings = (allowPrivateUrls: boolean): WebhookSettings => ({ requireHttps: false, allowPrivateUrls, timeoutMs: 2_000, maxEndpointsPerOrganisation: 10 });
  const port = () => new URL(receiver.url).port;

  /** A request cancelled through the API (its `cancelled` event), dispatched and sent by one round of a pool with these settings and this DNS; the app's own worker does not run. */
  async function cancelAndDeliver(resolveHost: HostResolver, allowPrivateUrls: boolean): Promise<void> {
    const id = (await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest())).body.id as string;
    expect((await app.http.post(`/api/v1/consent-requests/${id}/cancel`).set(auth(app.apiKey))).status).toBe(200);
    const deps = { store: app.container.store, clock: app.clock, logger: app.container.logger, webhooks: settings(allowPrivateUrls), resolveHost };
    const pool = new WebhookPool(deps, { leaseMs: 60_000, pollMs: 1_000 });
    try {
      await pool.runRound();
    } finally {
      await pool.stop();
    }
  }

  test('when a host name resolved to a public address at creation now resolves to loopback (DNS rebinding), then the attempt is refused and nothing reaches the address', async () => {
    let answer = '93.184.216.34';
    const resolveHost: HostResolver = async () => [{ address: answer, family: 4 }];
    const created = await createWebhookEndpoint({ store: app.container.store, clock: app.clock, webhooks: settings(false), resolveHost }, app.organisationId, { url: `http://hooks.example.nl:${port()}/in`, events: ['consent_request.cancelled'] }, 'system');
    answer = '127.0.0.1';
    await cancelAndDeliver(resolveHost, false);
    expect(receiver.received).toHaveLength(0);
    const [d] = (await app.http.get(`/api/v1/webhook-endpoints/${created.id}/deliveries`).set(auth(app.apiKey))).body.data;
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null, lastError: expect.stringMatching(/^refused: .*internal address/) });
  });

  test('when private URLs are allowed, then the sender connects to the address it checked, not to a fresh DNS answer', async () => {
    const resolveHost: HostResolver = async (host) => (host === 'receiver.invalid' ? [{ address: '127.0.0.1', family: 4 }] : []);
    await createWebhookEndpoint({ store: app.container.store, clock: app.clock, webhooks: settings(true), resolveHost }, app.organisationId, { url: `http://receiver.invalid:${port()}/in`, events: ['consent_request.cancelled'] }, 'system');
    await cancelAndDeliver(resolveHost, true);
    // .invalid never resolves in real DNS (RFC 6761): the webhook got here through the checked address, with the URL's host name.
    expect(receiver.received.map((h) => [h.json.type, h.headers.host])).toEqual([['consent_request.cancelled', `receiver.invalid:${port()}`]]);
  });

  test('when https is required (production), then an http URL is refused with 422 naming url', async () => {
    await expect(createWebhookEndpoint({ store: app.container.store, clock: app.clock, webhooks: { ...settings(false), requireHttps: true }, resolveHost: async () => [{ address: '93.184.216.34', family: 4 }] }, app.organisationId, { url: 'http://hooks.example.nl/', events: ['*'] }, 'system'))
      .rejects.toMatchObject({ code: 'validation_failed', errors: [{ path: 'url', message: 'Only https URLs can receive webhooks.' }] });
  });
});
