import { canTransition, statusesThatCanBecome, type ConsentStatus } from '../consent/lifecycle';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { Store } from '../storage/store';
import { redactReason } from './senders';

/**
 * What a provider tells us about a message it took: mapped to our statuses where it moves the
 * request forward, otherwise kept as an event only. Status never moves backwards: a late
 * `delivered` after `signed` is an event, nothing more. A reminder that fails does not fail a
 * request whose invite arrived.
 */
export type ProviderOutcome = 'accepted' | 'sent' | 'delivered' | 'failed' | 'email_opened';

export interface ProviderReport {
  provider: 'twilio' | 'sendgrid';
  /** Our outbox message id, carried in the callback URL (Twilio) or custom_args (SendGrid). */
  messageId: string;
  providerMessageId: string | null;
  outcome: ProviderOutcome;
  providerStatus: string;
  reason: string | null;
}

const TARGET: Partial<Record<ProviderOutcome, 'sent' | 'delivered' | 'failed'>> = { sent: 'sent', delivered: 'delivered', failed: 'failed' };
const FROM: Record<'sent' | 'delivered' | 'failed', ConsentStatus[]> = {
  sent: statusesThatCanBecome('sent'),
  delivered: statusesThatCanBecome('delivered'),
  failed: statusesThatCanBecome('failed'),
};

/**
 * Whether a report is about the copy of the message that we recorded as sent. After a crash
 * between the provider accepting a message and Akkoord recording it, the retry sends a second
 * copy; only the recorded copy's reports may change the request. SendGrid's event id is the
 * X-Message-Id we recorded plus a suffix (`<x-message-id>.filter…`). Before anything is recorded
 * (a callback faster than the worker) every report counts.
 */
export function isRecordedCopy(recorded: string | null, reported: string | null): boolean {
  if (!recorded || !reported) return true;
  return reported === recorded || reported.startsWith(`${recorded}.`);
}

/** Returns false when the message is unknown (nothing recorded). */
export async function applyProviderReport(deps: { store: Store; clock: Clock }, report: ProviderReport): Promise<boolean> {
  const message = await deps.store.getOutboxMessage(report.messageId);
  if (!message) return false;
  const request = await deps.store.getConsentRequest(message.organisationId, message.requestId);
  if (!request) return false;
  const now = deps.clock.now();
  const reason = report.reason ? redactReason(report.reason) : null;
  const detail = {
    provider: report.provider,
    providerStatus: report.providerStatus,
    providerMessageId: report.providerMessageId,
    messageId: message.id,
    messageKind: message.kind,
    ...(reason ? { reason } : {}),
  };
  const recordedCopy = isRecordedCopy(message.providerMessageId, report.providerMessageId);
  let target = recordedCopy ? TARGET[report.outcome] : undefined;
  if (target === 'failed' && message.kind !== 'invite') target = undefined;
  if (!recordedCopy) Object.assign(detail, { duplicateCopy: true, recordedProviderMessageId: message.providerMessageId });
  if (target && target !== 'sent' && canTransition(request.status, target)) {
    const moved = await deps.store.changeStatus({
      requestId: request.id,
      fromStatuses: FROM[target],
      status: target,
      at: now,
      patch: target === 'delivered' ? { deliveredAt: now } : { failureReason: reason ?? report.providerStatus },
      event: { id: newId('evt', now), requestId: request.id, organisationId: request.organisationId, type: target, at: now, actor: `provider:${report.provider}`, detail },
    });
    if (moved) return true;
  }
  await deps.store.appendEvent({ id: newId('evt', now), requestId: request.id, organisationId: request.organisationId, type: 'provider_status', at: now, actor: `provider:${report.provider}`, detail });
  return true;
}

/** Twilio MessageStatus → outcome. */
export function twilioOutcome(status: string): ProviderOutcome | null {
  switch (status) {
    case 'queued':
    case 'accepted':
    case 'scheduled':
    case 'sending':
      return 'accepted';
    case 'sent':
      return 'sent';
    case 'delivered':
    case 'read':
      return 'delivered';
    case 'undelivered':
    case 'failed':
      return 'failed';
    default:
      return null;
  }
}

/** SendGrid event → outcome; events we do not use (click, spamreport, …) are ignored. */
export function sendgridOutcome(event: string): ProviderOutcome | null {
  switch (event) {
    case 'processed':
      return 'sent';
    case 'deferred':
      return 'accepted';
    case 'delivered':
      return 'delivered';
    case 'open':
      return 'email_opened';
    case 'bounce':
    case 'dropped':
      return 'failed';
    default:
      return null;
  }
}
