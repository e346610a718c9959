import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { sendConsentMessageJob } from '../../src/jobs/send-consent-message';
import type { RunningServer } from '../../src/http/server';
import { projectPath } from '../../src/shared/paths';
import { useFakeProviders } from '../helpers/providers';
import { adultRequest, auth, childRequest, type TestApp, openSigningPage } from '../helpers/test-app';

/**
 * Real delivery through the real twilio and @sendgrid/mail SDKs, against fake provider servers
 * on 127.0.0.1. The service listens for real, so the fakes' status callbacks reach it.
 */
describe('delivery through Twilio and SendGrid', () => {
  const fakes = useFakeProviders();
  let app: TestApp;
  let server: RunningServer;


  async function start(at?: string, env?: Record<string, string>) {
    ({ app, server } = await fakes.start(at, env));
  }

  const create = async (body: object) => {
    const res = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(body);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const get = async (id: string) => (await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body;
  const events = async (id: string) => ((await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey))).body.data as { type: string; detail: Record<string, unknown> }[]);
  const work = () => app.container.worker.runOnce();
  const minutes = (n: number) => app.clock.advance(n * 60_000);
  const days = (n: number) => app.clock.advance(n * 86_400_000);

  async function signThrough(link: string) {
    const path = new URL(link).pathname;
    const { page, csrf, cookie } = await openSigningPage(app, path);
    const form: Record<string, string> = { _csrf: csrf, declaration: 'yes', authority: 'sole', signerName: 'Ans de Vries', action: 'sign' };
    // Yes to all but special-category data: a yes there needs a one-time code (issue 12, test/http/signer-verification.test.ts).
    for (const m of page.text.matchAll(/name="(purpose_[a-z0-9-]+)"/g)) form[m[1]!] = m[1] === 'purpose_medische-gegevens' ? 'no' : 'yes';
    const res = await app.http.post(path).set('Cookie', cookie).type('form').send(form);
    expect(res.status).toBe(303);
  }

  test('when an SMS request is created, then Twilio gets one text with the link, and following it to sign ends signed', async () => {
    await start();
    const id = await create(childRequest());
    expect(fakes.twilio.messages).toHaveLength(0);
    await work();
    expect(fakes.twilio.messages).toHaveLength(1);
    const sms = fakes.twilio.messages[0]!;
    expect(sms).toMatchObject({ to: '+31612345678', from: 'Akkoord' });
    const link = /https?:\/\/\S+\/c\/[A-Za-z0-9_-]{46}/.exec(sms.body)![0];
    expect(sms.statusCallback).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/twilio\/status\?m=msg_/);
    expect(await get(id)).toMatchObject({ status: 'sent' });
    const sent = (await events(id)).find((e) => e.type === 'sent')!;
    expect(sent.detail).toMatchObject({ provider: 'twilio', providerMessageId: sms.sid });
    await signThrough(link);
    expect((await get(id)).status).toBe('signed');
  });

  test('when Twilio reports delivered with a valid signature, then the request is delivered; a forged report changes nothing', async () => {
    await start();
    const id = await create(childRequest());
    await work();
    const sid = fakes.twilio.messages[0]!.sid;
    const forged = await fakes.twilio.sendForgedStatusCallback(sid, 'delivered');
    expect(forged.status).toBe(403);
    expect((await get(id)).status).toBe('sent');
    const before = (await events(id)).length;
    const ok = await fakes.twilio.sendStatusCallback(sid, 'delivered');
    expect(ok.status).toBe(204);
    expect(await get(id)).toMatchObject({ status: 'delivered', deliveredAt: expect.any(String) });
    expect((await events(id)).length).toBe(before + 1);
  });

  test('when a delivered report comes after signing, then it is kept as an event and the status stays signed', async () => {
    await start();
    const id = await create(childRequest());
    await work();
    await signThrough(/https?:\/\/\S+/.exec(fakes.twilio.messages[0]!.body)![0]);
    await fakes.twilio.sendStatusCallback(fakes.twilio.messages[0]!.sid, 'delivered');
    expect((await get(id)).status).toBe('signed');
    expect((await events(id)).at(-1)).toMatchObject({ type: 'provider_status', detail: { providerStatus: 'delivered' } });
  });

  test('when Twilio answers 500 twice, then the worker retries with backoff and exactly one SMS is delivered', async () => {
    await start();
    fakes.twilio.failNext(2, 500);
    const id = await create(childRequest());
    await work();
    expect(fakes.twilio.requests).toBe(1);
    await work();
    expect(fakes.twilio.requests).toBe(1); // backoff: not due yet
    minutes(1);
    await work();
    minutes(1);
    await work();
    expect(fakes.twilio.requests).toBe(3);
    expect(fakes.twilio.messages).toHaveLength(1);
    minutes(60);
    await work();
    expect(fakes.twilio.messages).toHaveLength(1);
    expect((await get(id)).status).toBe('sent');
  });

  test('when Twilio answers 429 with Retry-After, then the next try waits at least that long', async () => {
    await start();
    fakes.twilio.rateLimitNext(1, 120);
    await create(childRequest());
    await work();
    app.clock.advance(100_000);
    await work();
    expect(fakes.twilio.messages).toHaveLength(0);
    app.clock.advance(21_000);
    await work();
    expect(fakes.twilio.messages).toHaveLength(1);
    expect(fakes.twilio.requests).toBe(2);
  });

  test('when the number is invalid (21211), then the request fails at once with the reason and is not retried', async () => {
    await start();
    fakes.twilio.invalidNumbers.add('+31612345679');
    const id = await create(childRequest({ recipient: { name: 'Ans', channel: 'sms', phone: '06 12345679' } }));
    await work();
    days(1);
    await work();
    expect(fakes.twilio.requests).toBe(1);
    const got = await get(id);
    expect(got.status).toBe('failed');
    expect(got.failureReason).toMatch(/21211/);
    expect(got.failureReason).not.toMatch(/12345679/);
    const failed = (await events(id)).find((e) => e.type === 'failed')!;
    expect(failed.detail).toMatchObject({ permanent: true });
  });

  test('when an SMS is due in quiet hours, then it waits until 08:00 Amsterdam; e-mail does not wait', async () => {
    await start('2026-11-23T21:30:00Z'); // 22:30 in Amsterdam
    const smsId = await create(childRequest());
    const mailId = await create(adultRequest());
    await work();
    expect(fakes.twilio.messages).toHaveLength(0);
    expect(fakes.sendgrid.mails).toHaveLength(1);
    app.clock.set('2026-11-24T06:59:00Z'); // 07:59
    await work();
    expect(fakes.twilio.messages).toHaveLength(0);
    app.clock.set('2026-11-24T07:00:00Z'); // 08:00
    await work();
    expect(fakes.twilio.messages).toHaveLength(1);
    expect((await get(smsId)).status).toBe('sent');
    expect((await get(mailId)).status).toBe('sent');
  });

  test('when an e-mail request is created, then SendGrid gets HTML and text with the link and our ids; signed events move the status, forged ones do not', async () => {
    await start();
    const id = await create(adultRequest());
    await work();
    expect(fakes.sendgrid.mails).toHaveLength(1);
    const mail = fakes.sendgrid.mails[0]!;
    // The configured address; the display name is the organisation's (its e-mail sender name, else its name).
    expect(mail).toMatchObject({ to: 'noor.bakker@example.nl', from: { email: 'noreply@akkoord.example.nl', name: 'Demo' } });
    expect(mail.subject).toContain('Demo');
    expect(mail.customArgs.requestId).toBe(id);
    expect(mail.customArgs.messageId).toMatch(/^msg_/);
    const link = /https?:\/\/[^\s"<]+\/c\/[A-Za-z0-9_-]{46}/.exec(mail.text ?? '')![0];
    expect(mail.html).toContain(link);
    const hook = `${server.url}/hooks/sendgrid/events`;
    expect((await fakes.sendgrid.sendForgedEvents(hook, [fakes.sendgrid.eventFor(mail, 'delivered')])).status).toBe(403);
    expect((await get(id)).status).toBe('sent');
    expect((await fakes.sendgrid.sendEvents(hook, [fakes.sendgrid.eventFor(mail, 'processed'), fakes.sendgrid.eventFor(mail, 'delivered')])).status).toBe(204);
    expect((await get(id)).status).toBe('delivered');
    await fakes.sendgrid.sendEvents(hook, [fakes.sendgrid.eventFor(mail, 'open')]);
    expect((await get(id)).status).toBe('delivered');
    expect((await events(id)).at(-1)).toMatchObject({ type: 'provider_status', detail: { providerStatus: 'open' } });
  });

  test('when an e-mail bounces, then the request fails with the reason; SendGrid 400 fails at once', async () => {
    await start();
    const id = await create(adultRequest());
    await work();
    const mail = fakes.sendgrid.mails[0]!;
    await fakes.sendgrid.sendEvents(`${server.url}/hooks/sendgrid/events`, [fakes.sendgrid.eventFor(mail, 'bounce', { reason: '550 5.1.1 mailbox does not exist' })]);
    expect(await get(id)).toMatchObject({ status: 'failed', failureReason: expect.stringMatching(/mailbox does not exist/) });

    fakes.sendgrid.rejectAddresses.add('kapot@example.nl');
    const rejected = await create(adultRequest({ subject: { reference: 'R-2', firstName: 'Lot', dateOfBirth: '2007-05-05' }, recipient: { channel: 'email', email: 'kapot@example.nl' } }));
    await work();
    expect(await get(rejected)).toMatchObject({ status: 'failed', failureReason: expect.stringMatching(/sendgrid: 400/) });
  });

  test('when three days pass unanswered, then one reminder goes out; a manual one is allowed up to two in total', async () => {
    await start();
    const id = await create(childRequest());
    await work();
    days(2);
    await work();
    expect(fakes.twilio.messages).toHaveLength(1);
    days(1);
    await work();
    expect(fakes.twilio.messages).toHaveLength(2);
    expect(fakes.twilio.messages[1]!.body).toMatch(/Herinnering/);
    expect(await get(id)).toMatchObject({ reminderCount: 1 });
    days(3);
    await work();
    expect(fakes.twilio.messages).toHaveLength(2); // one automatic reminder by default
    expect((await app.http.post(`/api/v1/consent-requests/${id}/remind`).set(auth(app.apiKey))).status).toBe(202);
    await work();
    expect(fakes.twilio.messages).toHaveLength(3);
    expect((await app.http.post(`/api/v1/consent-requests/${id}/remind`).set(auth(app.apiKey))).status).toBe(409);
  });

  test('when the request is signed, cancelled or expires, then no reminder goes out', async () => {
    await start();
    const signed = await create(childRequest());
    const cancelled = await create(childRequest({ subject: { reference: 'R-C', firstName: 'Bo', dateOfBirth: '2015-01-01' } }));
    const expiring = await create(childRequest({ subject: { reference: 'R-E', firstName: 'Jip', dateOfBirth: '2015-01-01' }, expiresAt: '2026-11-25T10:00:00Z' }));
    await work();
    expect(fakes.twilio.messages).toHaveLength(3);
    await signThrough(/https?:\/\/\S+/.exec(fakes.twilio.messages[0]!.body)![0]);
    await app.http.post(`/api/v1/consent-requests/${cancelled}/cancel`).set(auth(app.apiKey));
    days(4);
    await work();
    // The fourth text is the confirmation of the signing, not a reminder.
    expect(fakes.twilio.messages).toHaveLength(4);
    expect(fakes.twilio.messages.filter((m) => /Herinnering/.test(m.body))).toEqual([]);
    expect(fakes.twilio.messages[3]!.body).toMatch(/^Demo: uw keuzes: /);
    expect((await get(signed)).status).toBe('signed');
    expect((await get(expiring)).status).toBe('expired');
  });
  test('when every attempt fails, then after the eighth the request is failed with the reason in its events', async () => {
    await start();
    fakes.twilio.failNext(8, 500);
    const id = await create(childRequest());
    for (let i = 0; i < 8; i += 1) {
      await work();
      minutes(31); // beyond the longest backoff (30 min)
    }
    expect(fakes.twilio.requests).toBe(8);
    expect(fakes.twilio.messages).toHaveLength(0);
    expect(await get(id)).toMatchObject({ status: 'failed', failureReason: expect.stringMatching(/500/) });
    expect((await events(id)).at(-1)).toMatchObject({ type: 'failed', detail: { permanent: false, attempts: 8 } });
    await work();
    expect(fakes.twilio.requests).toBe(8);
  });

  test('when Twilio reports each status, then queued and sent are events, undelivered and failed fail the invite, and a failed reminder stays an event', async () => {
    await start();
    const queued = await create(childRequest());
    const undelivered = await create(childRequest({ subject: { reference: 'R-U', firstName: 'Bo', dateOfBirth: '2015-01-01' } }));
    const failed = await create(childRequest({ subject: { reference: 'R-F', firstName: 'Jip', dateOfBirth: '2015-01-01' } }));
    await work();
    const [a, b, c] = fakes.twilio.messages;
    expect((await fakes.twilio.sendStatusCallback(a!.sid, 'queued')).status).toBe(204);
    expect((await fakes.twilio.sendStatusCallback(a!.sid, 'sent')).status).toBe(204);
    expect((await get(queued)).status).toBe('sent');
    expect((await events(queued)).slice(-2).map((e) => [e.type, e.detail.providerStatus])).toEqual([['provider_status', 'queued'], ['provider_status', 'sent']]);
    await fakes.twilio.sendStatusCallback(b!.sid, 'undelivered');
    expect(await get(undelivered)).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('30003') });
    await fakes.twilio.sendStatusCallback(c!.sid, 'failed');
    expect(await get(failed)).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('30008') });

    // A reminder that cannot be delivered does not fail a request whose invite arrived.
    await fakes.twilio.sendStatusCallback(a!.sid, 'delivered');
    expect((await app.http.post(`/api/v1/consent-requests/${queued}/remind`).set(auth(app.apiKey))).status).toBe(202);
    await work();
    const reminder = fakes.twilio.messages.at(-1)!;
    await fakes.twilio.sendStatusCallback(reminder.sid, 'undelivered');
    expect((await get(queued)).status).toBe('delivered');
    expect((await events(queued)).at(-1)).toMatchObject({ type: 'provider_status', detail: { providerStatus: 'undelivered', messageKind: 'reminder' } });
  });

  test('when a report is about a second copy of a message (a retry after a crash), then it is recorded but does not change the request', async () => {
    await start();
    const sms = await create(childRequest());
    const mailRequest = await create(adultRequest());
    await work();
    const sid = fakes.twilio.messages[0]!.sid;
    await fakes.twilio.sendStatusCallback(sid, 'delivered');
    expect((await get(sms)).status).toBe('delivered');
    // Same outbox message (same callback URL), another provider id: the copy we did not record.
    expect((await fakes.twilio.sendStatusCallback(sid, 'undelivered', { MessageSid: 'SMffffffffffffffffffffffffffffffff', SmsSid: 'SMffffffffffffffffffffffffffffffff' })).status).toBe(204);
    expect((await get(sms)).status).toBe('delivered');
    expect((await events(sms)).at(-1)).toMatchObject({ type: 'provider_status', detail: { providerStatus: 'undelivered', duplicateCopy: true, recordedProviderMessageId: sid } });

    const mail = fakes.sendgrid.mails[0]!;
    const hook = `${server.url}/hooks/sendgrid/events`;
    await fakes.sendgrid.sendEvents(hook, [fakes.sendgrid.eventFor(mail, 'bounce', { sg_message_id: 'another-copy.filterdrecv-1-2' })]);
    expect((await get(mailRequest)).status).toBe('sent');
    await fakes.sendgrid.sendEvents(hook, [fakes.sendgrid.eventFor(mail, 'dropped')]);
    expect(await get(mailRequest)).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('Bounced Address') });
  });

  test('when a callback carries no signature at all, then 403 and nothing changes', async () => {
    await start();
    const id = await create(childRequest());
    await work();
    const sid = fakes.twilio.messages[0]!.sid;
    const url = new URL(fakes.twilio.messages[0]!.statusCallback!);
    const unsigned = await app.http.post(`${url.pathname}${url.search}`).type('form').send({ AccountSid: fakes.twilio.accountSid, MessageSid: sid, MessageStatus: 'delivered' });
    expect(unsigned.status).toBe(403);
    const mailId = await create(adultRequest());
    await work();
    const event = fakes.sendgrid.eventFor(fakes.sendgrid.mails[0]!, 'bounce');
    expect((await app.http.post('/hooks/sendgrid/events').set('Content-Type', 'application/json').send(JSON.stringify([event]))).status).toBe(403);
    expect((await get(id)).status).toBe('sent');
    expect((await get(mailId)).status).toBe('sent');
  });

  test('when SendGrid answers 500 and then 429 with Retry-After, then the worker retries and exactly one e-mail arrives', async () => {
    await start();
    fakes.sendgrid.failNext(1, 500);
    const id = await create(adultRequest());
    await work();
    expect(fakes.sendgrid.mails).toHaveLength(0);
    fakes.sendgrid.rateLimitNext(1, 120);
    minutes(1);
    await work();
    expect(fakes.sendgrid.mails).toHaveLength(0);
    minutes(1); // Retry-After 120 s: not yet
    await work();
    expect(fakes.sendgrid.mails).toHaveLength(0);
    minutes(2);
    await work();
    expect(fakes.sendgrid.mails).toHaveLength(1);
    minutes(60);
    await work();
    expect(fakes.sendgrid.mails).toHaveLength(1);
    expect((await get(id)).status).toBe('sent');
  });

  test('when Twilio is set up with a Messaging Service, then texts go out through it', async () => {
    await start(undefined, { TWILIO_FROM: '', TWILIO_MESSAGING_SERVICE_SID: 'MG0123456789abcdef0123456789abcdef' });
    await create(childRequest());
    await work();
    expect(fakes.twilio.messages).toHaveLength(1);
    expect(fakes.twilio.messages[0]).toMatchObject({ messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' });
    expect(fakes.twilio.messages[0]!.from).toBeUndefined();
  });

  test('when a form sets its own reminder policy, then it applies; a request can set its own afterDays', async () => {
    const formsDir = mkdtempSync(join(tmpdir(), 'akkoord-forms-'));
    cpSync(projectPath('consent-forms'), formsDir, { recursive: true });
    const file = join(formsDir, 'activiteit-onder-16.yaml');
    writeFileSync(file, `${readFileSync(file, 'utf8').trimEnd()}\nreminders:\n  afterDays: 5\n  automatic: 2\n  max: 2\n`);
    await start(undefined, { FORMS_DIR: formsDir });
    const byForm = await create(childRequest());
    expect(await get(byForm)).toMatchObject({ reminders: { afterDays: 5, automatic: 2, max: 2 } });
    const byRequest = await create(childRequest({ subject: { reference: 'R-1D', firstName: 'Bo', dateOfBirth: '2015-01-01' }, reminders: { afterDays: 1, automatic: 1 } }));
    await work();
    expect(fakes.twilio.messages).toHaveLength(2);
    days(1);
    await work();
    expect(fakes.twilio.messages).toHaveLength(3); // the request's own afterDays: 1
    expect(await get(byRequest)).toMatchObject({ reminderCount: 1 });
    days(3);
    await work();
    expect(fakes.twilio.messages).toHaveLength(3); // the form's afterDays: 5 is not reached yet
    days(1);
    await work();
    expect(fakes.twilio.messages).toHaveLength(4);
    expect(await get(byForm)).toMatchObject({ reminderCount: 1 });
    days(5);
    await work();
    expect(await get(byForm)).toMatchObject({ reminderCount: 2 }); // automatic: 2 from the form
  });
});

describe('retry backoff', () => {
  test('when attempts go on, then the delay doubles from about 5 s with jitter between half and all of it, capped at 30 minutes', () => {
    const { backoffMs } = sendConsentMessageJob;
    expect([1, 2, 3, 4].map((n) => backoffMs(n, () => 1))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect([1, 2, 3, 4].map((n) => backoffMs(n, () => 0))).toEqual([2_500, 5_000, 10_000, 20_000]);
    expect(backoffMs(3, () => 0.5)).toBe(15_000);
    expect(backoffMs(12, () => 1)).toBe(30 * 60_000);
    expect(backoffMs(30, () => 0)).toBe(15 * 60_000);
  });
});
