import { createHash } from 'node:crypto';

import { canonicalJson } from '../evidence/audit-chain';
import { canTransition, statusesThatCanBecome, type ConsentStatus } from '../consent/lifecycle';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { ConsentRequestRecord, OutboxState, Store } from '../storage/store';
import { redactReason } from './senders';

/**
 * What a provider tells us about a message it took: mapped to our statuses where it moves the
 * request forward, otherwise kept as an event only. Status never moves backwards: a late
 * `delivered` after `signed` is an event, nothing more. A reminder that fails does not fail a
 * request whose invite arrived, and neither does a bounce reported after `delivered`.
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
  /**
   * Names this one report (SendGrid's `sg_event_id`, a hash of a Twilio status report): a replay
   * with the same id is acknowledged and changes nothing. Null: not deduplicated.
   */
  eventId: string | null;
}

/** How far SendGrid's signed timestamp may lie from now (either way) before a batch is refused. */
export const SENDGRID_SIGNED_WINDOW_MS = 10 * 60_000;
/** How long processed provider event ids are kept to recognise replays (the worker prunes them). */
export const PROVIDER_EVENT_ID_KEEP_MS = 7 * 86_400_000;

/** Whether SendGrid's signed `X-Twilio-Email-Event-Webhook-Timestamp` (seconds) is recent enough. */
export function withinSignedWindow(timestampSeconds: string, now: Date): boolean {
  if (!/^\d{1,12}$/.test(timestampSeconds)) return false;
  return Math.abs(now.getTime() - Number(timestampSeconds) * 1000) <= SENDGRID_SIGNED_WINDOW_MS;
}

/**
 * A Twilio status report's id: the signed fields that make it one report (message, status, error).
 * Not the `I-Twilio-Idempotency-Token` header: that header is outside the signature, so a replay
 * could carry a fresh one.
 */
export function twilioEventId(params: Record<string, string | undefined>): string {
  return createHash('sha256').update(`${params.MessageSid ?? ''}\n${params.MessageStatus ?? ''}\n${params.ErrorCode ?? ''}`).digest('hex');
}

/** A SendGrid event's id: its `sg_event_id`, or a hash of the whole event when it has none. */
export function sendgridEventId(event: Record<string, unknown>): string {
  return typeof event.sg_event_id === 'string' && event.sg_event_id !== '' ? event.sg_event_id : `sha256:${createHash('sha256').update(canonicalJson(event)).digest('hex')}`;
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

/**
 * Applies one provider report: 'unknown' when the message is not ours (nothing recorded),
 * 'replay' when a report with the same event id was processed before (nothing changes twice).
 */
export async function applyProviderReport(deps: { store: Store; clock: Clock }, report: ProviderReport): Promise<'applied' | 'unknown' | 'replay'> {
  // By our message id alone (a report carries no organisation); everything after this names the
  // message's organisation.
  const message = await deps.store.getOutboxMessage(report.messageId);
  if (!message) return 'unknown';
  const request = await deps.store.getConsentRequest(message.organisationId, message.requestId);
  if (!request) return 'unknown';
  const now = deps.clock.now();
  if (report.eventId !== null && !(await deps.store.recordProviderEvent(report.provider, report.eventId, now))) return 'replay';
  try {
    await recordReport(deps, report, message, request, now);
  } catch (error) {
    // Not applied: the provider's retry of this report must count.
    if (report.eventId !== null) await deps.store.forgetProviderEvent(report.provider, report.eventId).catch(() => undefined);
    throw error;
  }
  return 'applied';
}

async function recordReport(deps: { store: Store }, report: ProviderReport, message: OutboxState, request: ConsentRequestRecord, now: Date): Promise<void> {
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
      organisationId: request.organisationId,
      requestId: request.id,
      fromStatuses: FROM[target],
      status: target,
      at: now,
      patch: target === 'delivered' ? { deliveredAt: now } : { failureReason: reason ?? report.providerStatus },
      event: { id: newId('evt', now), requestId: request.id, organisationId: request.organisationId, type: target, at: now, actor: `provider:${report.provider}`, detail },
    });
    if (moved) return;
  }
  // Kept as an event only: an earlier step reported late, a copy we did not record, or a failure
  // after the message was delivered (the lifecycle does not let a delivered request fail).
  await deps.store.appendEvent({ id: newId('evt', now), requestId: request.id, organisationId: request.organisationId, type: 'provider_status', at: now, actor: `provider:${report.provider}`, detail });
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
