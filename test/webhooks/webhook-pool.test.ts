import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { waitForCount } from '../fakes/loopback-http';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver';
import { useFakeProviders } from '../helpers/providers';
import { adultRequest, auth, type TestApp } from '../helpers/test-app';

/**
 * A receiver whose answers are held until the test releases them, and which counts the requests
 * open at once (what "in flight" means to the receiver).
 */
async function startHoldingReceiver(): Promise<{ url: string; count: () => number; maxOpen: () => number; release: () => void; close: () => Promise<void> }> {
  const held: (() => void)[] = [];
  let holding = true;
  let open = 0;
  let maxOpen = 0;
  let count = 0;
  const server = http.createServer((req, res) => {
    count += 1;
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    req.resume();
    const answer = (): void => {
      open -= 1;
      res.writeHead(204).end();
    };
    req.on('end', () => (holding ? held.push(answer) : answer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => count,
    maxOpen: () => maxOpen,
    release: () => {
      holding = false;
      for (const answer of held.splice(0)) answer();
    },
    close: async () => {
      holding = false;
      for (const answer of held.splice(0)) answer();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const smsRequest = (n: number) =>
  adultRequest({ subject: { reference: `REG-${n}`, firstName: 'Sam', dateOfBirth: '2008-01-15' }, recipient: { channel: 'sms', phone: '06 12345678', language: 'nl' } });

describe('webhook pool: sending apart from messages, per-endpoint cap, clean stop (issue 13)', () => {
  const providers = useFakeProviders();
  let witness: WebhookReceiver;
  let slow: Awaited<ReturnType<typeof startHoldingReceiver>>;

  beforeEach(async () => {
    witness = await startWebhookReceiver();
    slow = await startHoldingReceiver();
  });
  afterEach(async () => {
    await witness.close();
    await slow.close();
  });

  async function start(env: Record<string, string> = {}): Promise<TestApp> {
    // Long timeout: endpoint A's held answers stay unanswered for the whole test.
    const { app } = await providers.start(undefined, { WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_TIMEOUT_MS: '30000', WORKER_POLL_MS: '20', ...env });
    return app;
  }
  async function endpoint(app: TestApp, url: string): Promise<string> {
    const res = await app.http.post('/api/v1/webhook-endpoints').set(auth(app.apiKey)).send({ url, events: ['consent_request.sent'] });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }
  const create = async (app: TestApp, n: number) => expect((await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(smsRequest(n))).status).toBe(201);

  test('when endpoint A holds its answers, then SMS invitations still go out and endpoint B receives its deliveries', async () => {
    const app = await start();
    await endpoint(app, `${slow.url}/a`);
    await endpoint(app, `${witness.url}/b`);
    await create(app, 1);
    app.container.worker.start();
    await providers.twilio.waitForMessages(1);
    await witness.waitFor(1);
    await waitForCount(() => Array.from({ length: slow.count() }), 1, 5_000, 'held webhooks at A');
    // A has not answered: a second invitation and its delivery to B go out all the same.
    await create(app, 2);
    await providers.twilio.waitForMessages(2);
    const toB = await witness.waitFor(2);
    expect(toB.map((h) => h.json.type)).toEqual(['consent_request.sent', 'consent_request.sent']);
    expect(slow.maxOpen()).toBeGreaterThanOrEqual(1);
    slow.release();
  });

  test('when one endpoint holds its answers, then it never has more than WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT attempts open, and the rest follow once it answers', async () => {
    const app = await start({ WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '2' });
    const slowId = await endpoint(app, `${slow.url}/a`);
    await endpoint(app, `${witness.url}/b`);
    for (let n = 1; n <= 6; n++) await create(app, n);
    app.container.worker.start();
    await providers.twilio.waitForMessages(6);
    // B (its own cap, free slots) received all six: every delivery was due and the pool had the slots.
    await witness.waitFor(6);
    await waitForCount(() => Array.from({ length: slow.count() }), 2, 5_000, 'held webhooks at A');
    expect(slow.count()).toBe(2);
    const listed = (await app.http.get(`/api/v1/webhook-endpoints/${slowId}/deliveries`).set(auth(app.apiKey))).body.data as { attempts: number; status: string }[];
    expect(listed.map((d) => d.attempts).sort()).toEqual([0, 0, 0, 0, 1, 1]);
    slow.release();
    await waitForCount(() => Array.from({ length: slow.count() }), 6, 5_000, 'webhooks at A');
    expect(slow.maxOpen()).toBeLessThanOrEqual(2);
  });

  test('when the worker stops while an attempt is held, then stop() returns, the attempt is due again at once and nothing more is sent', async () => {
    const app = await start();
    const slowId = await endpoint(app, `${slow.url}/a`);
    await create(app, 1);
    app.container.worker.start();
    await waitForCount(() => Array.from({ length: slow.count() }), 1, 5_000, 'held webhooks at A');
    await app.container.worker.stop();
    const [d] = (await app.http.get(`/api/v1/webhook-endpoints/${slowId}/deliveries`).set(auth(app.apiKey))).body.data as Record<string, unknown>[];
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastError: 'the worker stopped before the answer', nextAttemptAt: app.clock.now().toISOString() });
    slow.release();
    expect(slow.count()).toBe(1);
  });
});
