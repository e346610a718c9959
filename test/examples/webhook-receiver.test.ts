/**
 * The example client's webhook receiver (examples/registration-system/webhook-receiver.ts) on its
 * own: deliveries signed with the independent `standardwebhooks` library, as Akkoord signs them.
 */
import { randomBytes } from 'node:crypto';

import { Webhook } from 'standardwebhooks';

import { WebhookReceiver, type WebhookEvent } from '../../examples/registration-system/webhook-receiver';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const OTHER_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

describe('example registration system: webhook receiver', () => {
  let receiver: WebhookReceiver;
  let port: number;
  const events: { event: WebhookEvent; id: string }[] = [];
  const rejected: string[] = [];

  beforeAll(async () => {
    receiver = new WebhookReceiver({ host: '127.0.0.1', port: 0, path: '/webhooks/akkoord', onEvent: (event, id) => events.push({ event, id }), onRejected: (r) => rejected.push(r) });
    receiver.setSecret(SECRET);
    port = await receiver.listen();
  });
  afterAll(() => receiver.close());
  beforeEach(() => {
    events.length = 0;
    rejected.length = 0;
  });

  const body = (id: string, type = 'consent_request.signed') => JSON.stringify({ type, timestamp: new Date().toISOString(), data: { id, formId: 'activiteit-onder-16', status: 'signed', subject: { reference: 'REG-1042' } } });
  const post = (payload: string, headers: Record<string, string>, path = '/webhooks/akkoord') =>
    fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: payload });
  const signed = (msgId: string, payload: string, at = new Date(), secret = SECRET) => ({
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(msgId, at, payload),
  });

  test('when a delivery is signed with the endpoint secret, then it answers 204 and hands the event on once', async () => {
    const payload = body('cr_1');
    const res = await post(payload, signed('msg_1', payload));
    expect(res.status).toBe(204);
    expect(events).toEqual([{ id: 'msg_1', event: JSON.parse(payload) }]);
  });

  test('when the same webhook-id comes again (a retry), then it answers 204 and does not hand it on again', async () => {
    const payload = body('cr_2');
    expect((await post(payload, signed('msg_2', payload))).status).toBe(204);
    expect((await post(payload, signed('msg_2', payload))).status).toBe(204);
    expect(events.map((e) => e.id)).toEqual(['msg_2']);
  });

  test('when the signature is made with another secret or the body was changed, then it answers 400 and hands nothing on', async () => {
    const payload = body('cr_3');
    expect((await post(payload, signed('msg_3', payload, new Date(), OTHER_SECRET))).status).toBe(400);
    expect((await post(body('cr_other'), signed('msg_3', payload))).status).toBe(400);
    expect((await post(payload, { 'webhook-id': 'msg_3' })).status).toBe(400);
    expect(events).toEqual([]);
    expect(rejected).toEqual(['No matching signature found', 'No matching signature found', 'Missing required headers']);
  });

  test('when a correctly signed delivery is replayed with its old timestamp (10 minutes), then it answers 400', async () => {
    const payload = body('cr_4');
    const res = await post(payload, signed('msg_4', payload, new Date(Date.now() - 10 * 60_000)));
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('Message timestamp too old\n');
    expect(events).toEqual([]);
  });

  test('when a rotated secret sends two signatures, then the one that matches is enough', async () => {
    const payload = body('cr_5');
    const headers = signed('msg_5', payload);
    const old = new Webhook(OTHER_SECRET).sign('msg_5', new Date(Number(headers['webhook-timestamp']) * 1000), payload);
    expect((await post(payload, { ...headers, 'webhook-signature': `${old} ${headers['webhook-signature']}` })).status).toBe(204);
    expect(events.map((e) => e.id)).toEqual(['msg_5']);
  });

  test('when another path or method is used, or the body is over 1 MiB, then it answers 404, 405 or 413', async () => {
    const payload = body('cr_6');
    expect((await post(payload, signed('msg_6', payload), '/elsewhere')).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/webhooks/akkoord`)).status).toBe(405);
    const big = 'x'.repeat(1024 * 1024 + 1);
    expect((await post(big, signed('msg_7', big))).status).toBe(413);
    expect(events).toEqual([]);
  });
});
