import type { Logger } from 'pino';

import { formFromSnapshot } from '../consent/form-snapshot';
import { isOpen, statusesThatCanBecome, type ConsentStatus } from '../consent/lifecycle';
import { formatExpiry, type MessageModel, type MessageRenderer } from '../delivery/message-templates';
import { inQuietHours, smsSendableAt } from '../delivery/quiet-hours';
import { PermanentDeliveryError, redactReason, TransientDeliveryError, type EmailSender, type InlineImage, type SmsSender } from '../delivery/senders';
import { readPngHeader } from '../evidence/png-header';
import type { Clock } from '../shared/clock';
import { displayPhone } from '../shared/phone-display';
import { newId } from '../shared/ids';
import type { ConsentRequestRecord, OutboxMessage, Store } from '../storage/store';

const DAY_MS = 86_400_000;

/** Job definition: deliver one outbox message (invite, reminder or confirmation) by its request's channel. */
export const sendConsentMessageJob = {
  id: 'send-consent-message',
  maxAttempts: 8,
  /** Exponential backoff with jitter: about 5 s, 10 s, 20 s … capped at 30 min. */
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

/**
 * The next automatic reminder after this send, if the policy allows one before the link expires.
 * Reminders of any kind count towards `automatic` and `max`.
 */
export function nextReminder(request: ConsentRequestRecord, sent: OutboxMessage, at: Date): OutboxMessage | null {
  const sentReminders = request.reminderCount + (sent.kind === 'reminder' ? 1 : 0);
  if (sentReminders >= request.reminders.automatic || sentReminders >= request.reminders.max) return null;
  let dueAt = new Date(at.getTime() + request.reminders.afterDays * DAY_MS);
  if (sent.channel === 'sms') dueAt = smsSendableAt(dueAt);
  if (dueAt.getTime() >= request.expiresAt.getTime()) return null;
  return { id: newId('msg', at), requestId: request.id, organisationId: request.organisationId, kind: 'reminder', channel: sent.channel, link: sent.link, attempts: 0, dueAt, createdAt: at };
}

/** Confirmations follow a decision; invites and reminders need a request still open. */
const CONFIRMATION_KINDS: readonly OutboxMessage['kind'][] = ['confirmation', 'withdrawal-confirmation'];
const isConfirmation = (message: OutboxMessage): boolean => CONFIRMATION_KINDS.includes(message.kind);
const DECIDED: readonly ConsentStatus[] = ['signed', 'declined', 'withdrawn'];

/** Still worth sending: an invite or reminder while the request is open, a confirmation once it is decided. */
function stillDue(request: ConsentRequestRecord, message: OutboxMessage): boolean {
  return isConfirmation(message) ? DECIDED.includes(request.status) : isOpen(request.status);
}

async function render(deps: SendMessageDeps, request: ConsentRequestRecord, message: OutboxMessage) {
  const [organisation, settings, snapshot] = await Promise.all([
    deps.store.getOrganisation(request.organisationId),
    deps.store.getOrganisationSettings(request.organisationId),
    deps.store.getFormSnapshot(request.formId, request.formVersion),
  ]);
  const lang = request.language;
  const form = snapshot ? formFromSnapshot(snapshot) : null;
  const granted = new Map(request.decisions.map((d) => [d.purposeId, d.granted]));
  const choices = form ? form.purposes.map((p) => ({ label: p.label[lang], granted: granted.get(p.id) === true })) : [];
  const contactEmail = settings?.contactEmail ?? deps.supportEmail ?? '';
  const replyTo = settings?.emailReplyTo ?? settings?.contactEmail ?? null;
  const model: MessageModel = {
    organisationName: organisation?.name ?? '',
    recipientName: request.recipient.name,
    subjectFirstName: request.subject.firstName,
    formTitle: form ? form.title[lang] : '',
    link: message.link,
    expiresOn: formatExpiry(request.expiresAt, lang),
    contactEmail,
    ...(settings?.contactPhone ? { contactPhone: settings.contactPhone, contactPhoneDisplay: displayPhone(settings.contactPhone) } : {}),
    ...(settings?.website ? { website: settings.website } : {}),
    ...(settings?.privacyStatementUrl ? { privacyStatementUrl: settings.privacyStatementUrl } : {}),
    canReply: replyTo !== null,
    signerRole: request.signerRole,
    outcome: request.status === 'declined' ? 'declined' : 'signed',
    choices,
    grantedCount: choices.filter((c) => c.granted).length,
    refusedCount: choices.filter((c) => !c.granted).length,
    ...(message.code !== undefined ? { code: message.code } : {}),
  };
  // The organisation's own sender names (issue 10); null keeps the configured sender.
  const sender = { smsFrom: settings?.smsSenderName ?? null, emailFromName: settings?.emailSenderName ?? organisation?.name ?? null, replyTo };
  if (message.channel === 'sms') return { sender, sms: deps.messages.sms(message.kind, lang, model) };
  const logo = emailLogo(settings?.logoPng ?? null);
  return { sender, email: deps.messages.email(message.kind, lang, { ...model, ...(logo ? logo.model : {}) }), inlineImages: logo ? [logo.image] : [] };
}

const LOGO_BOX = { width: 160, height: 48 };

/** The logo as an inline image (`cid:logo`), shown at most 160 × 48 CSS pixels: no remote image. */
function emailLogo(png: Buffer | null): { model: Pick<MessageModel, 'logoCid' | 'logoWidth' | 'logoHeight'>; image: InlineImage } | null {
  const header = png ? readPngHeader(png) : null;
  if (!png || !header) return null;
  const scale = Math.min(1, LOGO_BOX.width / header.width, LOGO_BOX.height / header.height);
  return {
    model: { logoCid: 'logo', logoWidth: Math.max(1, Math.round(header.width * scale)), logoHeight: Math.max(1, Math.round(header.height * scale)) },
    image: { contentId: 'logo', filename: 'logo.png', contentType: 'image/png', content: png },
  };
}

/** The event a sent or failed message leaves in the audit trail. */
function eventType(kind: OutboxMessage['kind'], outcome: 'sent' | 'failed'): string {
  if (kind === 'invite') return outcome;
  // Issue 12: `signer_code_failed` is a wrong code typed in; a code that could not be delivered is this.
  if (kind === 'signer-code') return outcome === 'sent' ? 'signer_code_sent' : 'signer_code_not_delivered';
  return `${kind === 'reminder' ? 'reminder' : 'confirmation'}_${outcome}`;
}

export async function sendConsentMessage(deps: SendMessageDeps, message: OutboxMessage): Promise<void> {
  const { store, clock, logger } = deps;
  const request = await store.getConsentRequest(message.organisationId, message.requestId);
  if (!request || !stillDue(request, message) || request.recipient.address === null) {
    await store.dropMessage(message.organisationId, message.id, isConfirmation(message) ? 'request not decided' : 'request no longer open');
    return;
  }
  // Issue 12: a one-time code without its code (cleared once sent or given up) has nothing left to send.
  if (message.kind === 'signer-code' && message.code === undefined) {
    await store.dropMessage(message.organisationId, message.id, 'code no longer held');
    return;
  }
  // A confirmation answers what the person just did, and the signer asked for a one-time code just
  // now (issue 12), so neither is held back by quiet hours.
  if (message.channel === 'sms' && !isConfirmation(message) && message.kind !== 'signer-code' && inQuietHours(clock.now())) {
    await store.deferMessage(message.organisationId, message.id, smsSendableAt(clock.now()));
    return;
  }
  const log = { consentRequestId: request.id, messageId: message.id, kind: message.kind, attempt: message.attempts };
  const sender = message.channel === 'sms' ? deps.sms : deps.email;
  let content: Awaited<ReturnType<typeof render>>;
  try {
    content = await render(deps, request, message);
  } catch (error) {
    // A message that cannot be rendered (a template bug, a base URL too long for one SMS) will not
    // render on a retry either.
    await handleFailure(deps, request, message, new PermanentDeliveryError(`rendering failed: ${(error as Error).message}`), log);
    return;
  }
  try {
    const base = { organisationId: request.organisationId, requestId: request.id, messageId: message.id, to: request.recipient.address, link: message.link };
    const { sender: from } = content;
    const result =
      content.sms !== undefined
        ? await deps.sms.sendSms({ ...base, body: content.sms, ...(from.smsFrom ? { senderName: from.smsFrom } : {}) })
        : await deps.email.sendEmail({
            ...base,
            toName: request.recipient.name,
            ...content.email!,
            ...(content.inlineImages?.length ? { inlineImages: content.inlineImages } : {}),
            ...(from.emailFromName ? { fromName: from.emailFromName } : {}),
            ...(from.replyTo ? { replyTo: from.replyTo } : {}),
          });
    const now = clock.now();
    const outcome = await store.completeMessage({
      organisationId: message.organisationId,
      messageId: message.id,
      provider: sender.provider,
      providerMessageId: result.providerMessageId,
      at: now,
      followUp: isConfirmation(message) || message.kind === 'signer-code' ? null : nextReminder(request, message, now),
      event: {
        id: newId('evt', now),
        requestId: request.id,
        organisationId: request.organisationId,
        type: eventType(message.kind, 'sent'),
        at: now,
        actor: 'system',
        detail: { channel: message.channel, maskedAddress: request.recipient.maskedAddress, provider: sender.provider, providerMessageId: result.providerMessageId, attempt: message.attempts, messageId: message.id },
      },
    });
    if (outcome === 'duplicate') logger.warn(log, 'message was already sent by another worker; recorded the second provider id only');
    else if (outcome === 'late') logger.warn(log, 'message was dropped while it was being sent; recorded, not counted');
    else logger.info(log, 'message sent');
  } catch (error) {
    await handleFailure(deps, request, message, error, log);
  }
}

async function handleFailure(deps: SendMessageDeps, request: ConsentRequestRecord, message: OutboxMessage, error: unknown, log: Record<string, unknown>): Promise<void> {
  const { store, clock, logger } = deps;
  const now = clock.now();
  const reason = redactReason(error instanceof Error ? error.message : String(error));
  const permanent = error instanceof PermanentDeliveryError;
  if (permanent || message.attempts >= sendConsentMessageJob.maxAttempts) {
    await store.failMessage({
      organisationId: message.organisationId,
      messageId: message.id,
      // A reminder that cannot be delivered does not undo the invite that was.
      failRequestFrom: message.kind === 'invite' ? statusesThatCanBecome('failed') : [],
      error: reason,
      at: now,
      event: { id: newId('evt', now), requestId: request.id, organisationId: request.organisationId, type: eventType(message.kind, 'failed'), at: now, actor: 'system', detail: { channel: message.channel, reason, permanent, attempts: message.attempts, messageId: message.id } },
    });
    logger.warn({ ...log, permanent }, 'message failed');
    return;
  }
  const retryAfter = error instanceof TransientDeliveryError ? (error.retryAfterMs ?? 0) : 0;
  const dueAt = new Date(now.getTime() + Math.max(sendConsentMessageJob.backoffMs(message.attempts), retryAfter));
  await store.retryMessage(message.organisationId, message.id, dueAt, reason);
  logger.warn({ ...log, dueAt }, 'message will be retried');
}
