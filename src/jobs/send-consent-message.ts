import type { Logger } from 'pino';

import { formFromSnapshot } from '../consent/form-snapshot';
import { isOpen } from '../consent/lifecycle';
import type { MessageRenderer } from '../delivery/message-templates';
import { PermanentDeliveryError, redactReason, type EmailSender, type SmsSender } from '../delivery/senders';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { OutboxMessage, Store } from '../storage/store';

/** Job definition: deliver one outbox message (invite or reminder) by its request's channel. */
export const sendConsentMessageJob = {
  id: 'send-consent-message',
  maxAttempts: 8,
  /** Exponential backoff with full jitter: 5 s, 10 s, 20 s … capped at 30 min. */
  backoffMs(attempt: number, random: () => number = Math.random): number {
    const ceiling = Math.min(30 * 60_000, 5_000 * 2 ** Math.max(0, attempt - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  },
};

export interface SendMessageDeps {
  store: Store;
  clock: Clock;
  sms: SmsSender;
  email: EmailSender;
  messages: MessageRenderer;
  logger: Logger;
  supportEmail: string | undefined;
}

const dateFormats = {
  nl: new Intl.DateTimeFormat('nl-NL', { timeZone: 'Europe/Amsterdam', day: 'numeric', month: 'long', year: 'numeric' }),
  en: new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', day: 'numeric', month: 'long', year: 'numeric' }),
};

export async function sendConsentMessage(deps: SendMessageDeps, message: OutboxMessage): Promise<void> {
  const { store, clock, logger } = deps;
  const request = await store.getConsentRequest(message.organisationId, message.requestId);
  if (!request || !isOpen(request.status) || request.recipient.address === null) {
    await store.dropMessage(message.id, 'request no longer open');
    return;
  }
  const [organisation, snapshot] = await Promise.all([store.getOrganisation(request.organisationId), store.getFormSnapshot(request.formId, request.formVersion)]);
  const form = snapshot ? formFromSnapshot(snapshot) : null;
  const lang = request.language;
  const model = {
    organisationName: organisation?.name ?? '',
    recipientName: request.recipient.name,
    subjectFirstName: request.subject.firstName,
    formTitle: form?.title[lang] ?? '',
    link: message.link,
    expiresOn: dateFormats[lang].format(request.expiresAt),
    contactEmail: deps.supportEmail ?? '',
    signerRole: request.signerRole,
  };
  try {
    const result =
      message.channel === 'sms'
        ? await deps.sms.sendSms({ organisationId: request.organisationId, requestId: request.id, to: request.recipient.address, body: deps.messages.sms(message.kind, lang, model), link: message.link })
        : await deps.email.sendEmail({ organisationId: request.organisationId, requestId: request.id, to: request.recipient.address, toName: request.recipient.name, link: message.link, ...deps.messages.email(message.kind, lang, model) });
    const now = clock.now();
    await store.completeMessage({
      messageId: message.id,
      providerMessageId: result.providerMessageId,
      at: now,
      event: { id: newId('evt', now), requestId: request.id, organisationId: request.organisationId, type: message.kind === 'invite' ? 'sent' : 'reminder_sent', at: now, actor: 'system', detail: { channel: message.channel, maskedAddress: request.recipient.maskedAddress, provider: message.channel === 'sms' ? deps.sms.provider : deps.email.provider, providerMessageId: result.providerMessageId, attempt: message.attempts } },
    });
    logger.info({ consentRequestId: request.id, messageId: message.id, attempt: message.attempts }, 'message sent');
  } catch (error) {
    const now = clock.now();
    const reason = redactReason(error instanceof Error ? error.message : String(error));
    const permanent = error instanceof PermanentDeliveryError;
    if (permanent || message.attempts >= sendConsentMessageJob.maxAttempts) {
      await store.failMessage({
        messageId: message.id,
        error: reason,
        at: now,
        event: { id: newId('evt', now), requestId: request.id, organisationId: request.organisationId, type: 'failed', at: now, actor: 'system', detail: { channel: message.channel, reason, permanent, attempts: message.attempts } },
      });
      logger.warn({ consentRequestId: request.id, messageId: message.id, attempts: message.attempts, permanent }, 'message failed');
      return;
    }
    const dueAt = new Date(now.getTime() + sendConsentMessageJob.backoffMs(message.attempts));
    await store.retryMessage(message.id, dueAt, reason);
    logger.warn({ consentRequestId: request.id, messageId: message.id, attempts: message.attempts, dueAt }, 'message will be retried');
  }
}
