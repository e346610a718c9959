import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';

import type { SendGridConfig } from '../config';
import { parseRetryAfter, PermanentDeliveryError, TransientDeliveryError, type EmailSender, type InlineImage, type OutgoingEmail, type SendResult } from './senders';

/**
 * SendGrid through its own client instance (no module singleton). The API address is set with
 * the SDK's supported default request `baseUrl`: EU data residency uses https://api.eu.sendgrid.com,
 * tests a local fake.
 */
export class SendGridEmailSender implements EmailSender {
  readonly provider = 'sendgrid';
  private readonly mail: MailService;

  constructor(private readonly config: SendGridConfig, timeoutMs: number) {
    const client = new Client();
    client.setApiKey(config.apiKey);
    if (config.apiBaseUrl) client.setDefaultRequest('baseUrl', config.apiBaseUrl);
    // `timeout` is passed through to axios; the SDK's typings list only its own request fields.
    client.setDefaultRequest('timeout' as 'method', timeoutMs as never);
    this.mail = new MailService();
    this.mail.setClient(client);
  }

  async sendEmail(message: OutgoingEmail): Promise<SendResult> {
    try {
      const [response] = await this.mail.send({
        to: { email: message.to, name: message.toName },
        from: (message.fromName ?? this.config.from.name) ? { email: this.config.from.email, name: message.fromName ?? this.config.from.name! } : this.config.from.email,
        ...(message.replyTo ? { replyTo: message.replyTo } : {}),
        ...(message.inlineImages?.length ? { attachments: message.inlineImages.map(inlineAttachment) } : {}),
        subject: message.subject,
        text: message.text,
        html: message.html,
        customArgs: { requestId: message.requestId, messageId: message.messageId },
        trackingSettings: { clickTracking: { enable: false, enableText: false } },
      });
      const id = response.headers['x-message-id'];
      return { providerMessageId: typeof id === 'string' && id ? id : `sendgrid-${message.messageId}` };
    } catch (error) {
      throw classify(error);
    }
  }
}

/**
 * An inline image as the v3 API wants it. The SDK snake-cases `contentId` only inside its own
 * Attachment class, and sends a plain object's `contentId` as it is, which the API ignores: the
 * key is given as `content_id` here (the SDK's typings list only the camel-case form).
 */
function inlineAttachment(image: InlineImage): { content: string; filename: string } {
  return { content: image.content.toString('base64'), filename: image.filename, type: image.contentType, disposition: 'inline', content_id: image.contentId } as { content: string; filename: string };
}

function classify(error: unknown): Error {
  const e = error as { code?: number; message?: string; response?: { headers?: Record<string, unknown>; body?: { errors?: { message?: string; field?: string }[] } } };
  const detail = e.response?.body?.errors?.map((x) => `${x.field ?? ''} ${x.message ?? ''}`.trim()).join('; ');
  const reason = `sendgrid: ${e.code ?? 'network'}: ${detail || e.message || String(error)}`;
  if (typeof e.code !== 'number') return new TransientDeliveryError(reason, null, { cause: error });
  if (e.code === 429) return new TransientDeliveryError(reason, parseRetryAfter(e.response?.headers?.['retry-after'], new Date()), { cause: error });
  if (e.code === 400 || e.code === 413) return new PermanentDeliveryError(reason, e.code, { cause: error });
  return new TransientDeliveryError(reason, null, { cause: error });
}
