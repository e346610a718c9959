/**
 * The delivery ports. Adapters: the dev outbox (no provider configured), Twilio for SMS and
 * SendGrid for e-mail. An adapter throws PermanentDeliveryError when retrying cannot help
 * (invalid number, rejected address); any other error is retried with backoff.
 */
export interface OutgoingSms {
  organisationId: string;
  requestId: string;
  /** The outbox message id: status callbacks carry it back. */
  messageId: string;
  to: string;
  body: string;
  link: string;
  /** The organisation's alphanumeric sender id (≤ 11 characters); absent: the configured sender. */
  senderName?: string;
}

export interface OutgoingEmail {
  organisationId: string;
  requestId: string;
  messageId: string;
  to: string;
  toName: string;
  subject: string;
  html: string;
  text: string;
  link: string;
  /** The From display name (the organisation's); absent: the configured one. The address stays the configured one. */
  fromName?: string;
  /** Where replies go (the organisation's reply-to or contact e-mail); absent: none. */
  replyTo?: string;
  /** Images the HTML shows by `cid:` (the organisation's logo), sent as inline attachments. */
  inlineImages?: InlineImage[];
}

export interface InlineImage {
  contentId: string;
  filename: string;
  contentType: 'image/png';
  content: Buffer;
}

export interface SendResult {
  providerMessageId: string;
}

export interface SmsSender {
  readonly provider: string;
  sendSms(message: OutgoingSms): Promise<SendResult>;
}

export interface EmailSender {
  readonly provider: string;
  sendEmail(message: OutgoingEmail): Promise<SendResult>;
}

/** A failure worth retrying; `retryAfterMs` carries the provider's Retry-After when it sent one. */
export class TransientDeliveryError extends Error {
  constructor(message: string, readonly retryAfterMs: number | null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientDeliveryError';
  }
}

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value: unknown, now: Date): number | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 3600) * 1000;
  const at = Date.parse(String(value));
  return Number.isNaN(at) ? null : Math.max(0, Math.min(at - now.getTime(), 3_600_000));
}

export class PermanentDeliveryError extends Error {
  constructor(message: string, readonly providerCode?: string | number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentDeliveryError';
  }
}

/** Provider errors can quote the number or address; keep them out of stored reasons and logs. */
export function redactReason(reason: string): string {
  return reason
    .replace(/[^\s@'"<>]+@[^\s@'"<>]+/g, '[address]')
    .replace(/\+?\d[\d ()-]{5,}\d/g, '[number]')
    .slice(0, 300);
}
