import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver';
import { signInStaff } from '../helpers/staff';
import { adultRequest, auth, createTestApp, type TestApp } from '../helpers/test-app';

const DAY = 24 * 3_600_000;

describe('webhook endpoint history and the disabled event (issue 13, migration 021)', () => {
  let app: TestApp;
  let failing: WebhookReceiver;
  let watcher: WebhookReceiver;

  beforeEach(async () => {
    failing = await startWebhookReceiver();
    watcher = await startWebhookReceiver();
    app = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_TIMEOUT_MS: '300' });
  });
  afterEach(async () => {
    await app.close();
    await failing.close();
    await watcher.close();
  });

  async function endpoint(url: string, events: string[], apiKey = app.apiKey): Promise<{ id: string; secret: string }> {
    const res = await app.http.post('/api/v1/webhook-endpoints').set(auth(apiKey)).send({ url, events });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  }
  const history = async (id: string, query = '', apiKey = app.apiKey) => app.http.get(`/api/v1/webhook-endpoints/${id}/events${query}`).set(auth(apiKey));
  const request = (n: number) => app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest({ subject: { reference: `REG-${n}`, firstName: 'Ada', dateOfBirth: '2008-01-15' } }));

  test('when an endpoint has failed for 3 days, then it is disabled with a history entry by the system, and the other endpoints that subscribe get webhook_endpoint.disabled', async () => {
    const bad = await endpoint(`${failing.url}/in`, ['consent_request.sent']);
    const listens = await endpoint(`${watcher.url}/disabled`, ['webhook_endpoint.disabled']);
    await endpoint(`${watcher.url}/all`, ['*']);
    await endpoint(`${watcher.url}/sent-only`, ['consent_request.sent']);
    await endpoint(`${watcher.url}/other-org`, ['*'], app.other.apiKey);
    failing.answerAll({ status: 500 });
    const start = app.clock.now().getTime();
    await request(1);
    await app.container.worker.runOnce();
    app.clock.set(new Date(start + 3 * DAY));
    await request(2);
    await app.container.worker.runOnce();

    const disabledAt = app.clock.now().toISOString();
    const notices = watcher.received.filter((h) => h.json.type === 'webhook_endpoint.disabled');
    expect(notices.map((h) => h.path).sort()).toEqual(['/all', '/disabled']);
    const notice = notices.find((h) => h.path === '/disabled')!;
    expect(watcher.verify(listens.secret, notice, app.clock.now())).toEqual({
      type: 'webhook_endpoint.disabled', timestamp: disabledAt, data: { id: bad.id, url: `${failing.url}/in`, disabledAt, reason: 'failing_for_3_days' },
    });
    // The failing endpoint itself gets no notice, nor does another organisation's.
    expect(failing.received.every((h) => h.json.type === 'consent_request.sent')).toBe(true);

    const res = await history(bad.id);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      { id: expect.stringMatching(/^whev_/), type: 'disabled', at: disabledAt, actor: 'system', detail: { reason: 'failing_for_3_days', failingSince: new Date(start).toISOString() } },
      { id: expect.stringMatching(/^whev_/), type: 'created', at: new Date(start).toISOString(), actor: expect.stringMatching(/^api:key_/), detail: { url: `${failing.url}/in`, events: ['consent_request.sent'] } },
    ]);
    // The delivery list names the history entry it was made from.
    const [d] = (await app.http.get(`/api/v1/webhook-endpoints/${listens.id}/deliveries`).set(auth(app.apiKey))).body.data as Record<string, unknown>[];
    expect(d).toMatchObject({ eventType: 'webhook_endpoint.disabled', eventId: res.body.data[0].id, status: 'succeeded' });
  });

  test('when an endpoint is created, rotated, enabled and deleted through the API and the dashboard, then its history names each change and who made it, without secrets, newest first and paged', async () => {
    const { id, secret } = await endpoint(`${watcher.url}/in`, ['*']);
    const rotated = await app.http.post(`/api/v1/webhook-endpoints/${id}/rotate-secret`).set(auth(app.apiKey)).send({ overlapHours: 2 });
    expect(rotated.status).toBe(200);
    // Enabling an enabled endpoint changes nothing, so it is not history.
    expect((await app.http.post(`/api/v1/webhook-endpoints/${id}/enable`).set(auth(app.apiKey))).status).toBe(200);
    const admin = await signInStaff(app, { role: 'admin' });
    await admin.agent.post(`/app/admin/webhooks/${id}/rotate`).set('Accept', 'text/html').type('form').send({ _csrf: admin.csrf }).expect(200);

    const all = await history(id);
    expect(all.body.data.map((e: { type: string; actor: string }) => [e.type, e.actor.replace(/:.*/, '')])).toEqual([['secret_rotated', 'staff'], ['secret_rotated', 'api'], ['created', 'api']]);
    expect(all.body.data[0].actor).toBe(`staff:${admin.userId}`);
    expect(all.body.data[1].detail).toEqual({ previousSecretExpiresAt: new Date(app.clock.now().getTime() + 2 * 3_600_000).toISOString() });
    expect(JSON.stringify(all.body)).not.toContain(secret.slice(6));
    expect(JSON.stringify(all.body)).not.toContain(String(rotated.body.secret).slice(6));

    const first = await history(id, '?limit=2');
    expect(first.body.data).toHaveLength(2);
    const second = await history(id, `?limit=2&cursor=${first.body.nextCursor as string}`);
    expect(second.body).toEqual({ data: [all.body.data[2]], nextCursor: null });
    expect((await history(id, '?cursor=nonsense')).status).toBe(422);
    // Another organisation's endpoint: 404, as for every endpoint route.
    expect((await history(id, '', app.other.apiKey)).status).toBe(404);

    // The dashboard's detail page lists the history in Dutch.
    const page = await admin.agent.get(`/app/admin/webhooks/${id}`).expect(200);
    expect(page.text).toContain('Geschiedenis');
    expect(page.text).toContain('Nieuw geheim gemaakt (door een medewerker)');
    expect(page.text).toContain('Webhook gemaakt (via de API)');

    // Deleted: the history row is written with the delete and stays in the store.
    expect((await app.http.delete(`/api/v1/webhook-endpoints/${id}`).set(auth(app.apiKey))).status).toBe(204);
    const kept = await app.container.store.listWebhookEndpointEvents(app.organisationId, id, 10, null);
    expect(kept.items.map((e) => e.type)).toEqual(['deleted', 'secret_rotated', 'secret_rotated', 'created']);
    expect(kept.items[0]).toMatchObject({ actor: expect.stringMatching(/^api:key_/), detail: { url: `${watcher.url}/in` } });
  });
});
