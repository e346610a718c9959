import { randomBytes, randomUUID } from 'node:crypto';

import twilio from 'twilio';

import { FaultPlan, json, postTo, startLoopbackServer, waitForCount, type FakeResponse, type IncomingCall } from './loopback-http';

/**
 * A loopback server that speaks the part of Twilio's Programmable Messaging API Akkoord uses:
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (form-encoded, HTTP Basic auth) and
 * signed status callbacks back to the service. The real `twilio` SDK is pointed at it through a
 * custom `httpClient` that rewrites the request origin.
 */

export interface FakeTwilioMessage {
  sid: string;
  to: string;
  from?: string;
  messagingServiceSid?: string;
  body: string;
  statusCallback?: string;
  receivedAt: Date;
}

export type TwilioDeliveryStatus = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed';

export interface FakeTwilio {
  /** http://127.0.0.1:<port>, no trailing slash */
  url: string;
  accountSid: string;
  authToken: string;
  /** Accepted (201) messages only, in order. */
  messages: FakeTwilioMessage[];
  /** Every POST to Messages.json, including refused and failed ones. */
  requests: number;
  failNext(count: number, status?: 500 | 503): void;
  rateLimitNext(count: number, retryAfterSeconds: number): void;
  setLatency(ms: number): void;
  /** Answered 400, code 21211. */
  invalidNumbers: Set<string>;
  /** Answered 400, code 21614. */
  notMobileNumbers: Set<string>;
  sendStatusCallback(sid: string, status: TwilioDeliveryStatus, extra?: Record<string, string>): Promise<{ status: number; body: string }>;
  sendForgedStatusCallback(sid: string, status: TwilioDeliveryStatus): Promise<{ status: number; body: string }>;
  waitForMessages(n: number, timeoutMs?: number): Promise<FakeTwilioMessage[]>;
  reset(): void;
  close(): Promise<void>;
}

export const FAKE_TWILIO_ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const FAKE_TWILIO_AUTH_TOKEN = 'fa4e70c3a1b2c3d4e5f60718293a4b5c';

const API_VERSION = '2010-04-01';
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const E164 = /^\+[1-9]\d{6,14}$/;

function twilioError(status: number, code: number, message: string, headers: Record<string, string> = {}): FakeResponse {
  return json(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);
}

/** Twilio's dates are RFC 2822 with a numeric zone. */
function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

const GSM7_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENDED = '^{}\\[~]|€\f';

function segmentCount(body: string): number {
  let septets = 0;
  for (const ch of body) {
    if (GSM7_BASIC.includes(ch)) septets += 1;
    else if (GSM7_EXTENDED.includes(ch)) septets += 2;
    else {
      const units = body.length; // UCS-2: UTF-16 code units
      return units <= 70 ? 1 : Math.ceil(units / 67);
    }
  }
  return septets <= 160 ? 1 : Math.ceil(septets / 153);
}

function basicAuth(header: string | undefined): { user: string; password: string } | null {
  const match = /^Basic (.+)$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export async function startFakeTwilio(opts: { accountSid?: string; authToken?: string } = {}): Promise<FakeTwilio> {
  const accountSid = opts.accountSid ?? FAKE_TWILIO_ACCOUNT_SID;
  const authToken = opts.authToken ?? FAKE_TWILIO_AUTH_TOKEN;
  const faults = new FaultPlan();

  function createMessage(call: IncomingCall): FakeResponse {
    const form = new URLSearchParams(call.body.toString('utf8'));
    const field = (name: string): string | undefined => form.get(name) || undefined;
    const to = field('To');
    const from = field('From');
    const messagingServiceSid = field('MessagingServiceSid');
    const body = field('Body');
    if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!from && !messagingServiceSid) return twilioError(400, 21603, "A 'From' phone number is required.");
    if (!body) return twilioError(400, 21602, 'Message body is required.');
    if (!E164.test(to) || fake.invalidNumbers.has(to)) return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (fake.notMobileNumbers.has(to)) return twilioError(400, 21614, `'To' number ${to} is not a valid mobile number`);

    const sid = `SM${randomBytes(16).toString('hex')}`;
    const receivedAt = new Date();
    fake.messages.push({
      sid,
      to,
      body,
      receivedAt,
      ...(from ? { from } : {}),
      ...(messagingServiceSid ? { messagingServiceSid } : {}),
      ...(field('StatusCallback') ? { statusCallback: field('StatusCallback') } : {}),
    });
    const uri = `/${API_VERSION}/Accounts/${accountSid}/Messages/${sid}.json`;
    return json(201, {
      account_sid: accountSid,
      api_version: API_VERSION,
      body,
      date_created: rfc2822(receivedAt),
      date_sent: null,
      date_updated: rfc2822(receivedAt),
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: from ?? null,
      messaging_service_sid: messagingServiceSid ?? null,
      num_media: '0',
      num_segments: String(segmentCount(body)),
      price: null,
      price_unit: 'USD',
      sid,
      // Twilio answers "accepted" when a Messaging Service still has to pick the sender.
      status: from ? 'queued' : 'accepted',
      subresource_uris: { media: uri.replace(/\.json$/, '/Media.json') },
      to,
      uri,
    });
  }

  async function handle(call: IncomingCall): Promise<FakeResponse> {
    await faults.delay();
    const route = MESSAGES_PATH.exec(call.path);
    if (!route || call.method !== 'POST') return twilioError(404, 20404, `The requested resource ${call.path} was not found`);
    fake.requests += 1;
    const credentials = basicAuth(call.headers.authorization);
    if (!credentials || credentials.user !== accountSid || credentials.password !== authToken || route[1] !== accountSid) {
      return twilioError(401, 20003, 'Authenticate');
    }
    const fault = faults.take();
    if (fault?.kind === 'fail') return fault.status === 503 ? twilioError(503, 20503, 'Service Unavailable') : twilioError(500, 20500, 'Internal Server Error');
    if (fault?.kind === 'rate-limit') return twilioError(429, 20429, 'Too Many Requests', { 'Retry-After': String(fault.retryAfterSeconds) });
    return createMessage(call);
  }

  function callbackParams(sid: string, status: TwilioDeliveryStatus, extra: Record<string, string>): { url: string; params: Record<string, string> } {
    const message = fake.messages.find((m) => m.sid === sid);
    if (!message) throw new Error(`fake twilio: no accepted message ${sid}`);
    if (!message.statusCallback) throw new Error(`fake twilio: message ${sid} was sent without a StatusCallback`);
    const params: Record<string, string> = {
      AccountSid: accountSid,
      ApiVersion: API_VERSION,
      MessageSid: sid,
      MessageStatus: status,
      SmsSid: sid,
      SmsStatus: status,
      To: message.to,
      ...(message.from ? { From: message.from } : {}),
      ...(message.messagingServiceSid ? { MessagingServiceSid: message.messagingServiceSid } : {}),
      // 30003 unreachable handset, 30008 unknown error: the usual codes for these outcomes.
      ...(status === 'undelivered' ? { ErrorCode: '30003' } : status === 'failed' ? { ErrorCode: '30008' } : {}),
      ...extra,
    };
    return { url: message.statusCallback, params };
  }

  function postCallback(url: string, params: Record<string, string>, signingToken: string) {
    return postTo(url, new URLSearchParams(params).toString(), {
      'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
      'User-Agent': 'TwilioProxy/1.1',
      'I-Twilio-Idempotency-Token': randomUUID(),
      'X-Twilio-Signature': twilio.getExpectedTwilioSignature(signingToken, url, params),
    });
  }

  const server = await startLoopbackServer(handle);
  const fake: FakeTwilio = {
    url: server.url,
    accountSid,
    authToken,
    messages: [],
    requests: 0,
    invalidNumbers: new Set(),
    notMobileNumbers: new Set(),
    failNext: (count, status) => faults.failNext(count, status),
    rateLimitNext: (count, retryAfterSeconds) => faults.rateLimitNext(count, retryAfterSeconds),
    setLatency: (ms) => {
      faults.latencyMs = ms;
    },
    sendStatusCallback: async (sid, status, extra = {}) => {
      const { url, params } = callbackParams(sid, status, extra);
      return postCallback(url, params, authToken);
    },
    sendForgedStatusCallback: async (sid, status) => {
      const { url, params } = callbackParams(sid, status, {});
      return postCallback(url, params, randomBytes(16).toString('hex'));
    },
    waitForMessages: (n, timeoutMs = 5000) => waitForCount(() => fake.messages, n, timeoutMs, 'Twilio messages'),
    reset: () => {
      fake.messages.length = 0;
      fake.requests = 0;
      fake.invalidNumbers.clear();
      fake.notMobileNumbers.clear();
      faults.reset();
    },
    close: () => server.close(),
  };
  return fake;
}
