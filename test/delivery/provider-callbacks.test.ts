import type { RunningServer } from '../../src/http/server';
import { useFakeProviders } from '../helpers/providers';
import { adultRequest, auth, childRequest, type TestApp } from '../helpers/test-app';

/**
 * Provider callbacks that come late or twice: a bounce after delivery, a replayed signed callback,
 * an old signed SendGrid batch. Through the real SDKs and the fakes' signed callbacks.
 */
describe('late and replayed provider callbacks', () => {
  const fakes = useFakeProviders();
  let app: TestApp;
  let server: RunningServer;


  beforeEach(async () => {
    ({ app, server } = await fakes.start('2026-11-23T10:00:00Z'));
  });

  const create = async (body: object) => {
    const res = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(body);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const get = async (id: string) => (await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body;
  const events = async (id: string) => (await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey))).body.data as { type: string; detail: Record<string, unknown> }[];
  const hook = () => `${server.url}/hooks/sendgrid/events`;
  const HOUR = 3_600_000;

  test('when an e-mail bounces hours after it was delivered, then the bounce is recorded with its reason and the request stays delivered with a working link', async () => {
    const id = await create(adultRequest());
    await app.container.worker.runOnce();
    const mail = fakes.sendgrid.mails[0]!;
    expect((await fakes.sendgrid.sendEvents(hook(), [fakes.sendgrid.eventFor(mail, 'delivered')])).status).toBe(204);
    app.clock.advance(3 * HOUR);
    expect((await fakes.sendgrid.sendEvents(hook(), [fakes.sendgrid.eventFor(mail, 'bounce', { reason: '550 5.1.1 mailbox full' })])).status).toBe(204);
    expect(await get(id)).toMatchObject({ status: 'delivered', failureReason: null });
    expect((await events(id)).at(-1)).toMatchObject({ type: 'provider_status', actor: 'provider:sendgrid', detail: { providerStatus: 'bounce', reason: expect.stringContaining('mailbox full') } });
    const link = new URL(/https?:\/\/[^\s"<]+\/c\/[A-Za-z0-9_-]{46}/.exec(mail.text ?? '')![0]).pathname;
    expect((await app.http.get(link)).status).toBe(200);
  });

  test('when Twilio reports undelivered after delivered, then it is an event and the request stays delivered; before delivery it still fails', async () => {
    const delivered = await create(childRequest());
    const early = await create(childRequest({ subject: { reference: 'R-EARLY', firstName: 'Bo', dateOfBirth: '2015-01-01' } }));
    await app.container.worker.runOnce();
    const [a, b] = fakes.twilio.messages;
    await fakes.twilio.sendStatusCallback(a!.sid, 'delivered');
    await fakes.twilio.sendStatusCallback(a!.sid, 'undelivered');
    expect((await get(delivered)).status).toBe('delivered');
    expect((await events(delivered)).at(-1)).toMatchObject({ type: 'provider_status', detail: { providerStatus: 'undelivered', reason: 'twilio error 30003' } });
    await fakes.twilio.sendStatusCallback(b!.sid, 'undelivered');
    expect(await get(early)).toMatchObject({ status: 'failed', failureReason: 'twilio error 30003' });
  });

  test('when a signed Twilio callback is replayed, then it is acknowledged and writes nothing the second time', async () => {
    const id = await create(childRequest());
    await app.container.worker.runOnce();
    const sid = fakes.twilio.messages[0]!.sid;
    expect((await fakes.twilio.sendStatusCallback(sid, 'sent')).status).toBe(204);
    expect((await fakes.twilio.sendStatusCallback(sid, 'delivered')).status).toBe(204);
    const before = await events(id);
    // The same signed fields again (Twilio's own retry, or someone replaying a captured callback
    // with a fresh I-Twilio-Idempotency-Token header, which the signature does not cover).
    expect((await fakes.twilio.sendStatusCallback(sid, 'sent')).status).toBe(204);
    expect((await fakes.twilio.sendStatusCallback(sid, 'delivered')).status).toBe(204);
    expect(await events(id)).toEqual(before);
    expect((await get(id)).status).toBe('delivered');
  });

  test('when a signed SendGrid batch is replayed within the window, then each event already seen is acknowledged and writes nothing; new events in it count', async () => {
    const id = await create(adultRequest());
    await app.container.worker.runOnce();
    const mail = fakes.sendgrid.mails[0]!;
    const processed = fakes.sendgrid.eventFor(mail, 'processed');
    const delivered = fakes.sendgrid.eventFor(mail, 'delivered');
    expect((await fakes.sendgrid.sendEvents(hook(), [processed, delivered])).status).toBe(204);
    const before = await events(id);
    app.clock.advance(5 * 60_000);
    expect((await fakes.sendgrid.sendEvents(hook(), [processed, delivered])).status).toBe(204);
    expect(await events(id)).toEqual(before);
    const open = fakes.sendgrid.eventFor(mail, 'open');
    expect((await fakes.sendgrid.sendEvents(hook(), [delivered, open])).status).toBe(204);
    expect((await events(id)).slice(before.length).map((e) => [e.type, e.detail.providerStatus])).toEqual([['provider_status', 'open']]);
  });

  test('when a SendGrid batch is signed more than 10 minutes before or after now, then 403 and nothing changes; within 10 minutes it counts', async () => {
    const id = await create(adultRequest());
    await app.container.worker.runOnce();
    const mail = fakes.sendgrid.mails[0]!;
    const now = app.clock.now().getTime();
    const minutes = (n: number) => new Date(now + n * 60_000);
    const old = await fakes.sendgrid.sendEvents(hook(), [fakes.sendgrid.eventFor(mail, 'bounce')], { signedAt: minutes(-10.5) });
    expect(old.status).toBe(403);
    expect(JSON.parse(old.body)).toMatchObject({ status: 403, detail: expect.stringContaining('10 minutes') });
    expect((await fakes.sendgrid.sendEvents(hook(), [fakes.sendgrid.eventFor(mail, 'bounce')], { signedAt: minutes(10.5) })).status).toBe(403);
    expect((await get(id)).status).toBe('sent');
    expect((await fakes.sendgrid.sendEvents(hook(), [fakes.sendgrid.eventFor(mail, 'delivered')], { signedAt: minutes(-9.5) })).status).toBe(204);
    expect((await get(id)).status).toBe('delivered');
  });

  test('when processed event ids are 7 days old, then the worker prunes them; younger ones still stop a replay', async () => {
    const id = await create(childRequest({ expiresAt: '2026-12-31T10:00:00Z' }));
    await app.container.worker.runOnce();
    const sid = fakes.twilio.messages[0]!.sid;
    const reports = async () => (await events(id)).filter((e) => e.type === 'provider_status').length;
    await fakes.twilio.sendStatusCallback(sid, 'sent');
    expect(await reports()).toBe(1);
    app.clock.advance(6 * 24 * HOUR);
    await app.container.worker.runOnce();
    await fakes.twilio.sendStatusCallback(sid, 'sent');
    expect(await reports()).toBe(1);
    app.clock.advance(24 * HOUR + 1);
    await app.container.worker.runOnce();
    // Forgotten after 7 days: processed again, and the lifecycle keeps it an event.
    await fakes.twilio.sendStatusCallback(sid, 'sent');
    expect(await reports()).toBe(2);
    expect((await get(id)).status).toBe('sent');
  });
});
