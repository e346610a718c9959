import { Client } from '@sendgrid/client';
import { EventWebhook, EventWebhookHeader } from '@sendgrid/eventwebhook';
import { MailService } from '@sendgrid/mail';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type TwilioResponse from 'twilio/lib/http/response';

import { startFakeSendGrid, type FakeSendGrid } from '../fakes/fake-sendgrid';
import { startFakeTwilio, type FakeTwilio } from '../fakes/fake-twilio';
import { startLoopbackServer, type IncomingCall, type LoopbackServer } from '../fakes/loopback-http';

/**
 * The fakes driven through the real SDKs, configured the way each SDK supports another API
 * address. If an SDK upgrade changes what it sends or expects, these tests say so first.
 */

/** Twilio's supported hook: a custom httpClient that sends every request to another origin. */
class LoopbackTwilioClient extends twilio.RequestClient {
  constructor(
    private readonly origin: string,
    options: { timeout?: number } = {},
  ) {
    super(options);
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<TwilioResponse<TData>> {
    const target = new URL(opts.uri);
    const origin = new URL(this.origin);
    target.protocol = origin.protocol;
    target.host = origin.host;
    return super.request<TData>({ ...opts, uri: target.toString() });
  }
}

interface TwilioSdkError {
  status?: number;
  code?: number;
  message?: string;
  moreInfo?: string;
}

interface SendGridSdkError {
  code?: number;
  message?: string;
  response?: { headers: Record<string, unknown>; body: { errors?: Array<{ message: string; field: string | null }> } };
}

async function rejection<T>(promise: Promise<unknown>): Promise<T> {
  try {
    await promise;
  } catch (error) {
    return error as T;
  }
  throw new Error('expected the SDK call to reject');
}

/** A receiving end for callbacks and webhooks: records each call, answers 204. */
async function startReceiver(): Promise<LoopbackServer & { calls: IncomingCall[] }> {
  const calls: IncomingCall[] = [];
  const server = await startLoopbackServer((call) => {
    calls.push(call);
    return { status: 204 };
  });
  return { ...server, calls };
}

describe('fake Twilio through the twilio SDK', () => {
  let fake: FakeTwilio;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    fake = await startFakeTwilio();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await fake.close();
    await receiver.close();
  });
  beforeEach(() => {
    fake.reset();
    receiver.calls.length = 0;
  });

  const sdk = (authToken = fake.authToken) => {
    const httpClient = new LoopbackTwilioClient(fake.url);
    return { httpClient, client: twilio(fake.accountSid, authToken, { httpClient }) };
  };
  const send = (client: twilio.Twilio, to = '+31612345678') =>
    client.messages.create({ to, from: 'Akkoord', body: 'Hallo, teken hier: https://akkoord.example.nl/c/abc', statusCallback: `${receiver.url}/hooks/twilio/status?m=msg_1` });

  test('when a message is created, then the fake records it and the SDK gets a queued Message', async () => {
    const { client } = sdk();
    const message = await send(client);

    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message).toMatchObject({ status: 'queued', to: '+31612345678', from: 'Akkoord', accountSid: fake.accountSid, numSegments: '1', errorCode: null });
    expect(message.dateCreated.getTime()).not.toBeNaN();
    expect(fake.requests).toBe(1);
    expect(await fake.waitForMessages(1)).toEqual([
      { sid: message.sid, to: '+31612345678', from: 'Akkoord', body: expect.stringContaining('teken hier'), statusCallback: `${receiver.url}/hooks/twilio/status?m=msg_1`, receivedAt: expect.any(Date) },
    ]);
  });

  test('when a Messaging Service sends, then the message is accepted without a From', async () => {
    const message = await sdk().client.messages.create({ to: '+31612345678', messagingServiceSid: 'MG0123456789abcdef0123456789abcdef', body: 'Hallo' });
    expect(message).toMatchObject({ status: 'accepted', from: null, messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' });
    expect(fake.messages[0]).toMatchObject({ messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' });
    expect(fake.messages[0]!.from).toBeUndefined();
  });

  test('when neither From nor MessagingServiceSid is given, then the SDK rejects with code 21603', async () => {
    const error = await rejection<TwilioSdkError>(sdk().client.messages.create({ to: '+31612345678', body: 'Hallo' }));
    expect(error).toMatchObject({ status: 400, code: 21603 });
  });

  test('when the auth token is wrong, then the SDK rejects with status 401 and code 20003', async () => {
    const error = await rejection<TwilioSdkError>(send(sdk('0'.repeat(32)).client));
    expect(error).toBeInstanceOf(twilio.RestException);
    expect(error).toMatchObject({ status: 401, code: 20003, message: 'Authenticate' });
    expect(fake.requests).toBe(1);
    expect(fake.messages).toHaveLength(0);
  });

  test('when the number is invalid or not mobile, then the SDK rejects with 400 and code 21211 or 21614', async () => {
    fake.invalidNumbers.add('+31612345679');
    fake.notMobileNumbers.add('+31201234567');
    const { client } = sdk();

    const invalid = await rejection<TwilioSdkError>(send(client, '+31612345679'));
    expect(invalid).toMatchObject({ status: 400, code: 21211, message: "The 'To' number +31612345679 is not a valid phone number.", moreInfo: 'https://www.twilio.com/docs/errors/21211' });
    expect(await rejection<TwilioSdkError>(send(client, '0612345678'))).toMatchObject({ status: 400, code: 21211 });
    expect(await rejection<TwilioSdkError>(send(client, '+31201234567'))).toMatchObject({ status: 400, code: 21614 });
    expect(fake.messages).toHaveLength(0);
    expect(fake.requests).toBe(3);
  });

  test('when failNext(1) is set, then one send rejects with 500 and the next one is accepted', async () => {
    fake.failNext(1);
    fake.failNext(1, 503);
    const { client } = sdk();
    expect(await rejection<TwilioSdkError>(send(client))).toMatchObject({ status: 500, code: 20500 });
    expect(await rejection<TwilioSdkError>(send(client))).toMatchObject({ status: 503, code: 20503 });
    await send(client);
    expect(fake.requests).toBe(3);
    expect(fake.messages).toHaveLength(1);
  });

  test('when rate limited, then the SDK rejects with 429 and Retry-After is readable only from the http client', async () => {
    fake.rateLimitNext(1, 120);
    const { client, httpClient } = sdk();

    const error = await rejection<TwilioSdkError & Record<string, unknown>>(send(client));
    expect(error).toMatchObject({ status: 429, code: 20429, message: 'Too Many Requests' });
    // RestException keeps status, code, message, moreInfo, details: never the response headers.
    expect(error).not.toHaveProperty('headers');
    expect(error).not.toHaveProperty('response');
    expect(httpClient.lastResponse?.statusCode).toBe(429);
    expect(httpClient.lastResponse?.headers['retry-after']).toBe('120');
  });

  test('when a status callback is sent, then twilio.validateRequest accepts its signature and rejects the forged one', async () => {
    const message = await send(sdk().client);

    expect((await fake.sendStatusCallback(message.sid, 'undelivered')).status).toBe(204);
    expect((await fake.sendForgedStatusCallback(message.sid, 'delivered')).status).toBe(204);

    const [genuine, forged] = receiver.calls.map((call) => ({
      url: `${receiver.url}${call.url}`,
      signature: String(call.headers['x-twilio-signature']),
      params: Object.fromEntries(new URLSearchParams(call.body.toString('utf8'))),
    }));
    expect(genuine!.url).toBe(`${receiver.url}/hooks/twilio/status?m=msg_1`);
    expect(genuine!.params).toMatchObject({ MessageSid: message.sid, MessageStatus: 'undelivered', AccountSid: fake.accountSid, To: '+31612345678', From: 'Akkoord', ErrorCode: '30003' });
    expect(twilio.validateRequest(fake.authToken, genuine!.signature, genuine!.url, genuine!.params)).toBe(true);
    expect(twilio.validateRequest(fake.authToken, forged!.signature, forged!.url, forged!.params)).toBe(false);
  });

  test('when latency is set, then the answer is held back: a client that gives up sooner gets no answer', async () => {
    // No clock is read: the fake holds the answer 2 s, the client gives up after 100 ms, so the
    // order is fixed however busy the machine is.
    fake.setLatency(2_000);
    const impatient = twilio(fake.accountSid, fake.authToken, { httpClient: new LoopbackTwilioClient(fake.url, { timeout: 100 }) });
    const error = await rejection<Error>(send(impatient));

    expect(error).toBeInstanceOf(Error);
    expect(fake.messages).toHaveLength(0);
  });
});

describe('fake SendGrid through @sendgrid/mail and @sendgrid/client', () => {
  let fake: FakeSendGrid;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    fake = await startFakeSendGrid();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await fake.close();
    await receiver.close();
  });
  beforeEach(() => {
    fake.reset();
    receiver.calls.length = 0;
  });

  const mailer = (apiKey = fake.apiKey) => {
    const client = new Client();
    client.setApiKey(apiKey); // resets baseUrl to the region host: set ours after it
    client.setDefaultRequest('baseUrl', fake.url);
    const mail = new MailService();
    mail.setClient(client);
    return mail;
  };
  const send = (mail: MailService, to = 'ouder@example.nl') =>
    mail.send({
      to: { email: to, name: 'Ans de Vries' },
      from: { email: 'noreply@akkoord.example.nl', name: 'Buurtwerk Demo' },
      subject: 'Toestemming gevraagd',
      text: 'Teken hier: https://akkoord.example.nl/c/abc',
      html: '<p>Teken <a href="https://akkoord.example.nl/c/abc">hier</a></p>',
      customArgs: { requestId: 'req_1', messageId: 'msg_1' },
    });

  test('when a mail is sent with custom args, then the fake records it and the response carries x-message-id', async () => {
    const [response] = await send(mailer());

    expect(response.statusCode).toBe(202);
    const [mail] = await fake.waitForMails(1);
    expect(response.headers['x-message-id']).toBe(mail!.messageId);
    expect(mail!.messageId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(mail).toEqual({
      messageId: mail!.messageId,
      to: 'ouder@example.nl',
      toName: 'Ans de Vries',
      from: { email: 'noreply@akkoord.example.nl', name: 'Buurtwerk Demo' },
      subject: 'Toestemming gevraagd',
      text: expect.stringContaining('Teken hier'),
      html: expect.stringContaining('<a href'),
      customArgs: { requestId: 'req_1', messageId: 'msg_1' },
      receivedAt: expect.any(Date),
    });
  });

  test('when the API key is wrong, then the SDK rejects with code 401 and SendGrid errors', async () => {
    const error = await rejection<SendGridSdkError>(send(mailer('SG.wrong')));
    expect(error.code).toBe(401);
    expect(error.response?.body.errors?.[0]?.message).toBe('The provided authorization grant is invalid, expired, or revoked');
    expect(fake.requests).toBe(1);
    expect(fake.mails).toHaveLength(0);
  });

  test('when the address is rejected, then the SDK rejects with code 400 naming the field', async () => {
    fake.rejectAddresses.add('kapot@example.nl');
    const error = await rejection<SendGridSdkError>(send(mailer(), 'kapot@example.nl'));
    expect(error.code).toBe(400);
    expect(error.response?.body.errors).toEqual([{ message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email', help: null }]);
  });

  test('when rate limited or failing, then the SDK rejects with 429 (Retry-After in response.headers) or 5xx', async () => {
    fake.rateLimitNext(1, 30);
    fake.failNext(1, 503);
    const mail = mailer();

    const limited = await rejection<SendGridSdkError>(send(mail));
    expect(limited.code).toBe(429);
    expect(limited.response?.headers['retry-after']).toBe('30');
    expect((await rejection<SendGridSdkError>(send(mail))).code).toBe(503);
    await send(mail);
    expect(fake.requests).toBe(3);
    expect(fake.mails).toHaveLength(1);
  });

  test('when events are sent signed, then @sendgrid/eventwebhook verifies them with the UI key and the PEM, and rejects forged ones', async () => {
    await send(mailer());
    const mail = fake.mails[0]!;
    const events = [fake.eventFor(mail, 'delivered'), fake.eventFor(mail, 'bounce')];
    expect(events[0]).toMatchObject({ email: 'ouder@example.nl', event: 'delivered', requestId: 'req_1', messageId: 'msg_1', sg_message_id: expect.stringMatching(`^${mail.messageId}\\.filter`) });
    expect(events[1]).toMatchObject({ event: 'bounce', reason: expect.stringContaining('550') });

    expect((await fake.sendEvents(`${receiver.url}/hooks/sendgrid/events`, events)).status).toBe(204);
    expect((await fake.sendForgedEvents(`${receiver.url}/hooks/sendgrid/events`, events)).status).toBe(204);

    const webhook = new EventWebhook();
    const verify = (call: IncomingCall, publicKey: string) =>
      webhook.verifySignature(
        webhook.convertPublicKeyToECDSA(publicKey),
        call.body,
        String(call.headers[EventWebhookHeader.SIGNATURE().toLowerCase()]),
        String(call.headers[EventWebhookHeader.TIMESTAMP().toLowerCase()]),
      );
    const [genuine, forged] = receiver.calls;
    expect(JSON.parse(genuine!.body.toString('utf8'))).toEqual(events);
    expect(verify(genuine!, fake.publicKeyBase64)).toBe(true);
    expect(verify(genuine!, fake.publicKeyPem)).toBe(true);
    expect(verify(forged!, fake.publicKeyBase64)).toBe(false);
  });
});
