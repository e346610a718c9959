import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

import { FaultPlan, json, postTo, startLoopbackServer, waitForCount, type FakeResponse, type IncomingCall } from './loopback-http';

/**
 * A loopback server that speaks the part of SendGrid's v3 API Akkoord uses: `POST /v3/mail/send`
 * (JSON, Bearer API key, 202 with X-Message-Id) and the signed Event Webhook back to the service
 * (ECDSA P-256 over timestamp + raw body, as @sendgrid/eventwebhook verifies it).
 */

export interface FakeSendGridMail {
  messageId: string;
  to: string;
  toName?: string;
  from: { email: string; name?: string };
  /** The reply_to address, when the mail had one. */
  replyTo?: { email: string; name?: string };
  /** Attachments as sent (content base64), when there were any. */
  attachments?: { content: string; filename: string; type?: string; disposition?: string; contentId?: string }[];
  subject: string;
  text?: string;
  html?: string;
  customArgs: Record<string, string>;
  receivedAt: Date;
}

export type SendGridEventType = 'processed' | 'delivered' | 'open' | 'bounce' | 'dropped';

export interface FakeSendGrid {
  /** http://127.0.0.1:<port>, no trailing slash */
  url: string;
  apiKey: string;
  /** The header-less base64 SPKI DER, as SendGrid's UI shows the verification key. */
  publicKeyBase64: string;
  publicKeyPem: string;
  /** Accepted mails, one entry per recipient, in order. */
  mails: FakeSendGridMail[];
  /** Every POST to /v3/mail/send, including refused and failed ones. */
  requests: number;
  failNext(count: number, status?: 500 | 503): void;
  rateLimitNext(count: number, retryAfterSeconds: number): void;
  setLatency(ms: number): void;
  /** Answered 400 "Does not contain a valid address." */
  rejectAddresses: Set<string>;
  /**
   * Posts a signed event batch. The signed timestamp comes from `clock` (tests point it at the
   * service's clock), or from `signedAt` to send an old batch.
   */
  sendEvents(targetUrl: string, events: Array<Record<string, unknown>>, options?: { signedAt?: Date }): Promise<{ status: number; body: string }>;
  /** The clock whose time the event batches are signed with; the wall clock by default. */
  clock: () => Date;
  sendForgedEvents(targetUrl: string, events: Array<Record<string, unknown>>): Promise<{ status: number; body: string }>;
  eventFor(mail: FakeSendGridMail, event: SendGridEventType, extra?: Record<string, unknown>): Record<string, unknown>;
  waitForMails(n: number, timeoutMs?: number): Promise<FakeSendGridMail[]>;
  reset(): void;
  close(): Promise<void>;
}

export const FAKE_SENDGRID_API_KEY = 'SG.test-key';

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

interface Address {
  email?: unknown;
  name?: unknown;
}
interface Personalization {
  to?: Address[];
  subject?: unknown;
  custom_args?: Record<string, unknown>;
}
interface MailSendBody {
  personalizations?: Personalization[];
  from?: Address;
  reply_to?: Address;
  attachments?: Array<{ content?: unknown; filename?: unknown; type?: unknown; disposition?: unknown; content_id?: unknown }>;
  subject?: unknown;
  content?: Array<{ type?: unknown; value?: unknown }>;
  custom_args?: Record<string, unknown>;
}

function sendGridError(status: number, message: string, field: string | null = null, headers: Record<string, string> = {}): FakeResponse {
  return json(status, { errors: [{ message, field, help: null }] }, headers);
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function stringArgs(...sources: Array<Record<string, unknown> | undefined>): Record<string, string> {
  const args: Record<string, string> = {};
  for (const source of sources) for (const [key, value] of Object.entries(source ?? {})) args[key] = String(value);
  return args;
}

/** Base64 without padding or '+/', the look of SendGrid's 22-character ids. */
const sendGridId = (): string => randomBytes(16).toString('base64url').slice(0, 22);

function signedHeaders(body: string, key: KeyObject, at: Date): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'SendGrid Event API',
    'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
    // ECDSA keys sign to DER by default: what SendGrid sends and starkbank-ecdsa parses.
    'X-Twilio-Email-Event-Webhook-Signature': sign('sha256', Buffer.from(timestamp + body, 'utf8'), key).toString('base64'),
  };
}

export async function startFakeSendGrid(opts: { apiKey?: string } = {}): Promise<FakeSendGrid> {
  const apiKey = opts.apiKey ?? FAKE_SENDGRID_API_KEY;
  const faults = new FaultPlan();
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

  function acceptMail(call: IncomingCall): FakeResponse {
    let data: MailSendBody;
    try {
      data = JSON.parse(call.body.toString('utf8')) as MailSendBody;
    } catch {
      return sendGridError(400, 'Bad Request');
    }
    const personalizations = Array.isArray(data.personalizations) ? data.personalizations : [];
    if (personalizations.length === 0) return sendGridError(400, 'The personalizations field is required and must have at least one personalization.', 'personalizations');
    const from = str(data.from?.email);
    if (!from) return sendGridError(400, 'The from object must be provided for every email send.', 'from.email');
    const content = Array.isArray(data.content) ? data.content : [];
    const part = (type: string) => str(content.find((c) => c.type === type)?.value);
    const text = part('text/plain');
    const html = part('text/html');
    if (!text && !html) return sendGridError(400, 'Unless a valid template_id is provided, the content parameter is required.', 'content');

    const recipients: Array<{ email: string; name?: string; subject: string; customArgs: Record<string, string> }> = [];
    for (const [p, personalization] of personalizations.entries()) {
      const to = Array.isArray(personalization.to) ? personalization.to : [];
      if (to.length === 0) return sendGridError(400, 'The to array is required for all personalization objects.', `personalizations.${p}.to`);
      const subject = str(personalization.subject) ?? str(data.subject);
      if (!subject) return sendGridError(400, 'The subject is required.', 'subject');
      for (const [t, address] of to.entries()) {
        const email = str(address.email);
        if (!email || !EMAIL.test(email) || fake.rejectAddresses.has(email)) {
          return sendGridError(400, 'Does not contain a valid address.', `personalizations.${p}.to.${t}.email`);
        }
        const name = str(address.name);
        recipients.push({ email, subject, customArgs: stringArgs(data.custom_args, personalization.custom_args), ...(name ? { name } : {}) });
      }
    }

    const messageId = sendGridId();
    const fromName = str(data.from?.name);
    const replyTo = str(data.reply_to?.email);
    const replyToName = str(data.reply_to?.name);
    const attachments = (Array.isArray(data.attachments) ? data.attachments : []).map((a) => ({
      content: str(a.content) ?? '',
      filename: str(a.filename) ?? '',
      ...(str(a.type) ? { type: str(a.type)! } : {}),
      ...(str(a.disposition) ? { disposition: str(a.disposition)! } : {}),
      ...(str(a.content_id) ? { contentId: str(a.content_id)! } : {}),
    }));
    if (attachments.some((a) => !a.content || !a.filename)) return sendGridError(400, 'The attachment content and filename are required.', 'attachments');
    const receivedAt = new Date();
    for (const r of recipients) {
      fake.mails.push({
        messageId,
        to: r.email,
        ...(r.name ? { toName: r.name } : {}),
        from: { email: from, ...(fromName ? { name: fromName } : {}) },
        ...(replyTo ? { replyTo: { email: replyTo, ...(replyToName ? { name: replyToName } : {}) } } : {}),
        subject: r.subject,
        ...(text ? { text } : {}),
        ...(html ? { html } : {}),
        ...(attachments.length > 0 ? { attachments } : {}),
        customArgs: r.customArgs,
        receivedAt,
      });
    }
    return { status: 202, headers: { 'X-Message-Id': messageId } };
  }

  async function handle(call: IncomingCall): Promise<FakeResponse> {
    await faults.delay();
    if (call.path !== '/v3/mail/send' || call.method !== 'POST') return sendGridError(404, 'resource not found');
    fake.requests += 1;
    if (call.headers.authorization !== `Bearer ${apiKey}`) return sendGridError(401, 'The provided authorization grant is invalid, expired, or revoked');
    const fault = faults.take();
    if (fault?.kind === 'fail') return sendGridError(fault.status, fault.status === 503 ? 'Service Unavailable' : 'Internal Server Error');
    if (fault?.kind === 'rate-limit') {
      const reset = String(Math.floor(Date.now() / 1000) + fault.retryAfterSeconds);
      const headers = { 'Retry-After': String(fault.retryAfterSeconds), 'X-RateLimit-Limit': '600', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': reset };
      return sendGridError(429, 'too many requests', null, headers);
    }
    return acceptMail(call);
  }

  function eventFor(mail: FakeSendGridMail, event: SendGridEventType, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const details: Record<SendGridEventType, Record<string, unknown>> = {
      processed: {},
      delivered: { response: '250 2.0.0 OK', ip: '149.72.0.1', tls: 1 },
      open: { useragent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)', ip: '192.0.2.10', sg_machine_open: false },
      bounce: { reason: '550 5.1.1 The email account that you tried to reach does not exist.', status: '5.1.1', type: 'bounce', bounce_classification: 'Invalid Address', ip: '149.72.0.1', tls: 1 },
      dropped: { reason: 'Bounced Address', status: '5.0.0' },
    };
    return {
      // SendGrid flattens the message's custom_args into the event's top level.
      ...mail.customArgs,
      email: mail.to,
      timestamp: Math.floor(Date.now() / 1000),
      'smtp-id': `<${mail.messageId}@geopod-ismtpd-1>`,
      event,
      sg_event_id: sendGridId(),
      sg_message_id: `${mail.messageId}.filterdrecv-7d8c6b5f4-xq2vn-1-${randomBytes(4).toString('hex').toUpperCase()}-1.0`,
      ...details[event],
      ...extra,
    };
  }

  const server = await startLoopbackServer(handle);
  const fake: FakeSendGrid = {
    url: server.url,
    apiKey,
    publicKeyBase64: keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    mails: [],
    requests: 0,
    rejectAddresses: new Set(),
    failNext: (count, status) => faults.failNext(count, status),
    rateLimitNext: (count, retryAfterSeconds) => faults.rateLimitNext(count, retryAfterSeconds),
    setLatency: (ms) => {
      faults.latencyMs = ms;
    },
    clock: () => new Date(),
    sendEvents: async (targetUrl, events, options = {}) => {
      const body = JSON.stringify(events);
      return postTo(targetUrl, body, signedHeaders(body, keys.privateKey, options.signedAt ?? fake.clock()));
    },
    sendForgedEvents: async (targetUrl, events) => {
      const body = JSON.stringify(events);
      return postTo(targetUrl, body, signedHeaders(body, forger, fake.clock()));
    },
    eventFor,
    waitForMails: (n, timeoutMs = 5000) => waitForCount(() => fake.mails, n, timeoutMs, 'SendGrid mails'),
    reset: () => {
      fake.mails.length = 0;
      fake.requests = 0;
      fake.rejectAddresses.clear();
      fake.clock = () => new Date();
      faults.reset();
    },
    close: () => server.close(),
  };
  return fake;
}
