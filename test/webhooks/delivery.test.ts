import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookVerificationError } from 'standardwebhooks';

import { newId } from '../../src/shared/ids';
import { webhookDeliveryJob } from '../../src/webhooks/deliver-webhooks';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver';
import { captureLogs } from '../helpers/log-capture';
import { createAndSign } from '../helpers/signing';
import { adultRequest, auth, createTestApp, deliverAndGetLink, openSigningPage, type TestApp } from '../helpers/test-app';

const MINUTE = 60_000;
const SIGN_NOOR = { purpose_registratie: 'yes', purpose_contact: 'yes', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker' };

describe('webhook delivery (issue 13)', () => {
  let app: TestApp;
  let receiver: WebhookReceiver;
  let logs: ReturnType<typeof captureLogs>;

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    logs = captureLogs();
    app = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_TIMEOUT_MS: '300' }, '2026-11-22T10:00:00Z', logs.logger);
  });
  afterEach(async () => {
    await app.close();
    await receiver.close();
  });

  async function endpoint(events: string[] = ['*'], url = `${receiver.url}/hooks`): Promise<{ id: string; secret: string }> {
    const res = await app.http.post('/api/v1/webhook-endpoints').set(auth(app.apiKey)).send({ url, events });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  }
  const deliveries = async (id: string) => (await app.http.get(`/api/v1/webhook-endpoints/${id}/deliveries`).set(auth(app.apiKey))).body.data as Record<string, unknown>[];
  const types = () => receiver.received.map((h) => h.json.type);

  test('when a request is sent, opened and signed, then each status change arrives as a Standard Webhooks message that the independent library verifies, with the request as the API shows it', async () => {
    const { secret } = await endpoint();
    const { id, signed } = await createAndSign(app, adultRequest(), SIGN_NOOR);
    expect(signed.status).toBe(303);
    await app.container.worker.runOnce();
    // `sent` went out in the pass that sent the invite; opened and signed together in the next one, side by side.
    expect(types()[0]).toBe('consent_request.sent');
    expect(types().slice(1).sort()).toEqual(['consent_request.opened', 'consent_request.signed']);
    for (const hook of receiver.received) {
      expect(receiver.verify(secret, hook, app.clock.now())).toMatchObject({ type: hook.json.type, data: { id } });
      expect(hook.id).toMatch(/^whd_/);
      expect(hook.timestamp).toBe(String(Math.floor(app.clock.now().getTime() / 1000)));
      expect(hook.headers['content-type']).toBe('application/json');
    }
    const last = receiver.received.find((h) => h.json.type === 'consent_request.signed')!.json;
    const api = (await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body as Record<string, unknown>;
    expect(last.data).toEqual(api);
    expect(last.timestamp).toBe(app.clock.now().toISOString());
    // Names and addresses stay out, as in the API.
    expect(receiver.received.map((h) => h.body).join('')).not.toMatch(/Noor|noor\.bakker/);
  });

  test('when a request is cancelled, declined, withdrawn or expires, then its event arrives; an endpoint only gets the types it asked for', async () => {
    await endpoint();
    const only = await startWebhookReceiver();
    try {
      await endpoint(['consent_request.cancelled', 'consent_request.expired'], `${only.url}/x`);
      const cancelled = (await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest({ subject: { reference: 'REG-3', firstName: 'Lot', dateOfBirth: '2008-01-15' } }))).body.id as string;
      expect((await app.http.post(`/api/v1/consent-requests/${cancelled}/cancel`).set(auth(app.apiKey))).status).toBe(200);
      const { link, csrf, cookie } = await createAndSign(app, adultRequest({ subject: { reference: 'REG-4', firstName: 'Mo', dateOfBirth: '2008-01-15' } }), SIGN_NOOR);
      expect((await app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'all' })).status).toBe(303);
      const declinedId = (await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest({ subject: { reference: 'REG-5', firstName: 'Jip', dateOfBirth: '2008-01-15' } }))).body.id as string;
      const declineLink = await deliverAndGetLink(app, declinedId);
      const page = await openSigningPage(app, declineLink);
      expect((await app.http.post(declineLink).set('Cookie', page.cookie).type('form').send({ _csrf: page.csrf, action: 'decline' })).status).toBe(303);
      const expiring = (await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest({ subject: { reference: 'REG-6', firstName: 'Bo', dateOfBirth: '2008-01-15' }, expiresAt: '2026-11-23T10:00:00Z' }))).body.id as string;
      app.clock.advance(2 * 24 * 60 * MINUTE);
      await app.container.worker.runOnce();
      const byRequest = (rid: string) => receiver.received.filter((h) => h.json.data.id === rid).map((h) => h.json.type);
      expect(byRequest(cancelled)).toEqual(['consent_request.cancelled']);
      expect(types()).toContain('consent_request.withdrawn');
      // Webhooks are sent side by side: their order is not guaranteed (README), the set is.
      expect(byRequest(declinedId).sort()).toEqual(['consent_request.declined', 'consent_request.opened', 'consent_request.sent']);
      expect(byRequest(expiring)).toEqual(expect.arrayContaining(['consent_request.expired']));
      expect(only.received.map((h) => [h.json.type, h.json.data.id])).toEqual(
        expect.arrayContaining([['consent_request.cancelled', cancelled], ['consent_request.expired', expiring]]),
      );
      expect(only.received.every((h) => ['consent_request.cancelled', 'consent_request.expired'].includes(h.json.type))).toBe(true);
    } finally {
      await only.close();
    }
  });

  test('when the provider reports delivered or failed, and the lifecycle records its events, then each arrives with its webhook type', async () => {
    await endpoint();
    const store = app.container.store;
    const id = (await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest())).body.id as string;
    await app.container.worker.runOnce();
    const now = app.clock.now();
    const ev = (type: string) => ({ id: newId('evt', now), requestId: id, organisationId: app.organisationId, type, at: now, actor: 'system', detail: {} });
    expect(await store.changeStatus({ organisationId: app.organisationId, requestId: id, fromStatuses: ['sent'], status: 'delivered', at: now, event: ev('delivered'), patch: { deliveredAt: now } })).toBe(true);
    expect(await store.changeStatus({ organisationId: app.organisationId, requestId: id, fromStatuses: ['delivered'], status: 'failed', at: now, event: ev('failed'), patch: { failureReason: 'bounced' } })).toBe(true);
    for (const type of ['second_guardian_invited', 'subject.turning_16', 'renewal_due', 'renewal_requested', 'reconfirmation_requested', 'lapsed', 'reminder_requested', 'provider_status']) {
      expect(await store.appendEvent(ev(type))).toBe(true);
    }
    await app.container.worker.runOnce();
    expect(types().sort()).toEqual([
      'consent_request.delivered', 'consent_request.failed', 'consent_request.lapsed', 'consent_request.reconfirmation_requested', 'consent_request.renewal_due',
      'consent_request.renewal_requested', 'consent_request.second_guardian_invited', 'consent_request.sent', 'subject.turning_16',
    ]);
  });

  test('when the receiver is down, then the delivery is retried after the backoff with the same webhook-id and body and a new timestamp, and the list shows the attempts', async () => {
    const { id: endpointId, secret } = await endpoint();
    receiver.answerNext({ status: 503 });
    await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest());
    await app.container.worker.runOnce();
    expect(receiver.received).toHaveLength(1);
    let [d] = await deliveries(endpointId);
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 503, lastError: 'HTTP 503', eventType: 'consent_request.sent', nextAttemptAt: new Date(app.clock.now().getTime() + MINUTE).toISOString() });
    // Not yet due: nothing is sent.
    app.clock.advance(MINUTE - 1000);
    await app.container.worker.runOnce();
    expect(receiver.received).toHaveLength(1);
    app.clock.advance(1000);
    await app.container.worker.runOnce();
    expect(receiver.received).toHaveLength(2);
    const [first, second] = receiver.received;
    expect(second!.id).toBe(first!.id);
    expect(second!.body).toBe(first!.body);
    expect(Number(second!.timestamp)).toBe(Number(first!.timestamp) + 60);
    expect(() => receiver.verify(secret, second!, app.clock.now())).not.toThrow();
    [d] = await deliveries(endpointId);
    expect(d).toMatchObject({ status: 'succeeded', attempts: 2, lastStatusCode: 204, lastError: null, nextAttemptAt: null });
  });

  test('when every attempt fails, then the delivery gives up after 8 attempts over more than 24 hours, and an endpoint failing for 3 days is disabled and gets nothing new until enabled', async () => {
    const { id: endpointId } = await endpoint();
    receiver.answerAll({ status: 500 });
    await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest());
    const start = app.clock.now().getTime();
    await app.container.worker.runOnce();
    for (const wait of webhookDeliveryJob.backoffMs) {
      app.clock.advance(wait);
      await app.container.worker.runOnce();
    }
    expect(app.clock.now().getTime() - start).toBeGreaterThanOrEqual(24 * 60 * MINUTE);
    expect(receiver.received).toHaveLength(8);
    expect(new Set(receiver.received.map((h) => h.id)).size).toBe(1);
    expect((await deliveries(endpointId))[0]).toMatchObject({ status: 'failed', attempts: 8, nextAttemptAt: null });
    let ep = (await app.http.get(`/api/v1/webhook-endpoints/${endpointId}`).set(auth(app.apiKey))).body;
    expect(ep).toMatchObject({ status: 'enabled', failingSince: new Date(start).toISOString() });
    // Day 3: a new event, its attempt fails too: the streak is 3 days old, so the endpoint is disabled.
    app.clock.set(new Date(start + 3 * 24 * 60 * MINUTE));
    await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest({ subject: { reference: 'REG-7', firstName: 'Ada', dateOfBirth: '2008-01-15' } }));
    await app.container.worker.runOnce();
    expect(receiver.received).toHaveLength(9);
    ep = (await app.http.get(`/api/v1/webhook-endpoints/${endpointId}`).set(auth(app.apiKey))).body;
    expect(ep).toMatchObject({ status: 'disabled', disabledAt: app.clock.now().toISOString(), disabledReason: 'failing_for_3_days' });
    expect(logs.lines.some((l) => l.includes('webhook endpoint disabled') && l.includes(endpointId))).toBe(true);
    // Disabled: new events make no deliveries.
    await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest({ subject: { reference: 'REG-8', firstName: 'Ida', dateOfBirth: '2008-01-15' } }));
    await app.container.worker.runOnce();
    expect(receiver.received).toHaveLength(9);
    expect(await deliveries(endpointId)).toHaveLength(2);
    receiver.answerAll(null);
    const enabled = await app.http.post(`/api/v1/webhook-endpoints/${endpointId}/enable`).set(auth(app.apiKey));
    expect(enabled.body).toMatchObject({ status: 'enabled', disabledAt: null, failingSince: null });
    await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest({ subject: { reference: 'REG-9', firstName: 'Kai', dateOfBirth: '2008-01-15' } }));
    await app.container.worker.runOnce();
    expect(receiver.received).toHaveLength(10);
  });

  test('when the receiver answers with a redirect, then it is not followed and counts as a failure', async () => {
    const elsewhere = await startWebhookReceiver();
    try {
      const { id: endpointId } = await endpoint();
      receiver.answerNext({ status: 307, headers: { Location: `${elsewhere.url}/stolen` } });
      await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest());
      await app.container.worker.runOnce();
      expect(elsewhere.received).toHaveLength(0);
      expect((await deliveries(endpointId))[0]).toMatchObject({ status: 'pending', lastStatusCode: 307, lastError: 'redirect (HTTP 307) not followed' });
    } finally {
      await elsewhere.close();
    }
  });

  test('when the receiver never answers, then the attempt ends at the timeout and is retried later', async () => {
    const { id: endpointId } = await endpoint();
    const release = receiver.holdNext();
    await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest());
    await app.container.worker.runOnce();
    release();
    expect((await deliveries(endpointId))[0]).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null, lastError: 'no answer within 300 ms' });
  });

  test('when the receiver answers 200 and then streams its body forever, then the attempt succeeds without reading the body', async () => {
    const streaming = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write(Buffer.alloc(1024 * 1024, 'x'));
      // Never ended: the server closes the connection when the test closes it.
    });
    await new Promise<void>((resolve) => streaming.listen(0, '127.0.0.1', resolve));
    try {
      const { id: endpointId } = await endpoint(['*'], `http://127.0.0.1:${(streaming.address() as AddressInfo).port}/hooks`);
      await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest());
      await app.container.worker.runOnce();
      expect((await deliveries(endpointId))[0]).toMatchObject({ status: 'succeeded', lastStatusCode: 200 });
    } finally {
      streaming.closeAllConnections();
      await new Promise((resolve) => streaming.close(resolve));
    }
  });

  test('when a secret is rotated, then during the overlap both secrets verify, after it only the new one; a replayed old message is rejected by the verifier', async () => {
    const { id: endpointId, secret: oldSecret } = await endpoint();
    const rotated = await app.http.post(`/api/v1/webhook-endpoints/${endpointId}/rotate-secret`).set(auth(app.apiKey)).send({ overlapHours: 2 });
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.body.previousSecretExpiresAt).toBe(new Date(app.clock.now().getTime() + 2 * 60 * MINUTE).toISOString());
    await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest());
    await app.container.worker.runOnce();
    const during = receiver.received[0]!;
    expect(during.signature.split(' ')).toHaveLength(2);
    expect(() => receiver.verify(oldSecret, during, app.clock.now())).not.toThrow();
    expect(() => receiver.verify(newSecret, during, app.clock.now())).not.toThrow();
    // A captured message replayed ten minutes later: its timestamp is too old for the verifier.
    expect(() => receiver.verify(newSecret, during, new Date(app.clock.now().getTime() + 10 * MINUTE))).toThrow(WebhookVerificationError);
    // Another body under the same headers does not verify.
    expect(() => receiver.verify(newSecret, { ...during, body: during.body.replace('consent_request.sent', 'consent_request.signed') }, app.clock.now())).toThrow(WebhookVerificationError);
    app.clock.advance(2 * 60 * MINUTE + 1000);
    await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest({ subject: { reference: 'REG-10', firstName: 'Sem', dateOfBirth: '2008-01-15' } }));
    await app.container.worker.runOnce();
    const after = receiver.received[1]!;
    expect(after.signature.split(' ')).toHaveLength(1);
    expect(() => receiver.verify(newSecret, after, app.clock.now())).not.toThrow();
    expect(() => receiver.verify(oldSecret, after, app.clock.now())).toThrow(WebhookVerificationError);
  });

  test('when a delivery is retried through the API, then it is sent again in the next pass with the same webhook-id', async () => {
    const { id: endpointId } = await endpoint();
    await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest());
    await app.container.worker.runOnce();
    const [d] = await deliveries(endpointId);
    const retried = await app.http.post(`/api/v1/webhook-endpoints/${endpointId}/deliveries/${String(d!.id)}/retry`).set(auth(app.apiKey));
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: d!.id, status: 'pending' });
    await app.container.worker.runOnce();
    expect(receiver.received.map((h) => h.id)).toEqual([d!.id, d!.id]);
    expect((await app.http.post(`/api/v1/webhook-endpoints/${endpointId}/deliveries/${String(d!.id)}/retry`).set(auth(app.other.apiKey))).status).toBe(404);
    expect((await app.http.get(`/api/v1/webhook-endpoints/${endpointId}/deliveries`).set(auth(app.other.apiKey))).status).toBe(404);
  });

  test('when webhooks are made and sent, then no secret appears in the logs or in list and read answers', async () => {
    const { id: endpointId, secret } = await endpoint();
    await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest());
    await app.container.worker.runOnce();
    expect(receiver.received).toHaveLength(1);
    const list = await app.http.get('/api/v1/webhook-endpoints').set(auth(app.apiKey));
    const one = await app.http.get(`/api/v1/webhook-endpoints/${endpointId}`).set(auth(app.apiKey));
    for (const text of [list.text, one.text, (await app.http.get(`/api/v1/webhook-endpoints/${endpointId}/deliveries`).set(auth(app.apiKey))).text]) expect(text).not.toContain('whsec_');
    const key = secret.slice('whsec_'.length);
    logs.flush(); // the access log is written after the turn of the event loop; read every line
    expect(logs.lines.some((l) => l.includes('"msg":"request"'))).toBe(true);
    expect(logs.lines.join('\n')).not.toContain(key);
    expect(logs.lines.join('\n')).not.toContain(receiver.received[0]!.signature.slice(3));
  });
});
