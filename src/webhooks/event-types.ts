/**
 * The webhook event types (API.md, issue 13) and the audit event each one is made from. The audit
 * log (the `events` table, one hash chain per request) is the single source: a webhook is sent for
 * an audit event whose type appears here, and for no other.
 */
export const WEBHOOK_EVENT_TYPES = [
  'consent_request.sent',
  'consent_request.delivered',
  'consent_request.opened',
  'consent_request.signed',
  'consent_request.declined',
  'consent_request.expired',
  'consent_request.cancelled',
  'consent_request.withdrawn',
  'consent_request.failed',
  'consent_request.second_guardian_invited',
  'consent_request.renewal_due',
  'consent_request.renewal_requested',
  'consent_request.reconfirmation_requested',
  'consent_request.lapsed',
  'subject.turning_16',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** `events: ["*"]`: every type, including types added later. */
export const ALL_EVENTS = '*';

/** Audit event type (as the use cases record it) → webhook event type. */
const FROM_AUDIT: Readonly<Record<string, WebhookEventType>> = {
  sent: 'consent_request.sent',
  delivered: 'consent_request.delivered',
  opened: 'consent_request.opened',
  signed: 'consent_request.signed',
  declined: 'consent_request.declined',
  expired: 'consent_request.expired',
  cancelled: 'consent_request.cancelled',
  // Also a partial withdrawal (the request stays `signed` with fewer purposes granted): `data.decisions` tells which.
  withdrawn: 'consent_request.withdrawn',
  failed: 'consent_request.failed',
  second_guardian_invited: 'consent_request.second_guardian_invited',
  renewal_due: 'consent_request.renewal_due',
  renewal_requested: 'consent_request.renewal_requested',
  reconfirmation_requested: 'consent_request.reconfirmation_requested',
  lapsed: 'consent_request.lapsed',
  'subject.turning_16': 'subject.turning_16',
};

/** The webhook type of an audit event; null when it is not sent as a webhook (created, reminders, provider reports, time-stamps, codes). */
export function webhookTypeOf(auditType: string): WebhookEventType | null {
  return Object.prototype.hasOwnProperty.call(FROM_AUDIT, auditType) ? FROM_AUDIT[auditType]! : null;
}

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** Whether an endpoint subscribed to `events` (a list of types, or `["*"]`) wants `type`. */
export function subscribes(events: readonly string[], type: WebhookEventType): boolean {
  return events.includes(ALL_EVENTS) || events.includes(type);
}
