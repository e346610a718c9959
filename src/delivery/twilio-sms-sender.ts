import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type TwilioResponse from 'twilio/lib/http/response';

import type { TwilioConfig } from '../config';
import { parseRetryAfter, PermanentDeliveryError, TransientDeliveryError, type OutgoingSms, type SendResult, type SmsSender } from './senders';


/**
 * Twilio's supported hook for another API address: a custom httpClient. It rewrites the origin
 * (for tests against a local fake, or a proxy) and, because the SDK's error object carries no
 * headers, copies a 429's Retry-After into the error body's `details`.
 */
class AkkoordTwilioHttpClient extends twilio.RequestClient {
  constructor(private readonly baseUrl: string | undefined, timeout: number) {
    super({ timeout, keepAlive: true });
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<TwilioResponse<TData>> {
    const rewritten = this.baseUrl ? { ...opts, uri: rewriteOrigin(opts.uri, this.baseUrl) } : opts;
    const response = await super.request<TData>(rewritten);
    if (response.statusCode === 429) {
      const retryAfter = response.headers?.['retry-after'];
      const body = typeof response.body === 'string' ? safeJson(response.body) : (response.body as Record<string, unknown> | null);
      response.body = { ...(body ?? {}), details: { retryAfter } } as unknown as TData;
    }
    return response;
  }
}

function rewriteOrigin(uri: string, baseUrl: string): string {
  const target = new URL(uri);
  const base = new URL(baseUrl);
  target.protocol = base.protocol;
  target.host = base.host;
  return target.toString();
}

function safeJson(text: string): Record<string, unknown> | null {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

// Error codes that no retry can fix: invalid number, not a mobile number, unsubscribed (STOP),
// unreachable country/region, message body invalid.
const PERMANENT_CODES = new Set([21211, 21214, 21217, 21408, 21610, 21612, 21614, 21617, 21621, 30003, 30005, 30006]);

export class TwilioSmsSender implements SmsSender {
  readonly provider = 'twilio';
  private readonly client: twilio.Twilio;

  constructor(
    private readonly config: TwilioConfig,
    private readonly publicBaseUrl: string,
    timeoutMs: number,
  ) {
    this.client = twilio(config.accountSid, config.authToken, { httpClient: new AkkoordTwilioHttpClient(config.apiBaseUrl, timeoutMs) });
  }

  async sendSms(message: OutgoingSms): Promise<SendResult> {
    try {
      const sent = await this.client.messages.create({
        to: message.to,
        body: message.body,
        statusCallback: `${this.publicBaseUrl}/hooks/twilio/status?m=${encodeURIComponent(message.messageId)}`,
        // The organisation's alphanumeric sender id wins over the configured number or messaging service.
        ...(message.senderName ? { from: message.senderName } : this.config.messagingServiceSid ? { messagingServiceSid: this.config.messagingServiceSid } : { from: this.config.from! }),
      });
      return { providerMessageId: sent.sid };
    } catch (error) {
      throw classify(error);
    }
  }
}

function classify(error: unknown): Error {
  const e = error as { status?: number; code?: number; message?: string; details?: { retryAfter?: unknown } };
  const reason = `twilio: ${e.status ?? 'network'}${e.code ? ` code ${e.code}` : ''}: ${e.message ?? String(error)}`;
  if (typeof e.status !== 'number') return new TransientDeliveryError(reason, null, { cause: error });
  if (e.status === 429) return new TransientDeliveryError(reason, parseRetryAfter(e.details?.retryAfter, new Date()), { cause: error });
  if (e.status === 400 || (e.code !== undefined && PERMANENT_CODES.has(e.code))) return new PermanentDeliveryError(reason, e.code, { cause: error });
  return new TransientDeliveryError(reason, null, { cause: error });
}
