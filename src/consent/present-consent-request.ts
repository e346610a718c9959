import type { ConsentRequestRecord } from '../storage/store';

/** The API shape of a consent request (API.md): names and contact details never leave after creation. */
export function presentConsentRequest(r: ConsentRequestRecord) {
  return {
    id: r.id,
    formId: r.formId,
    formVersion: r.formVersion,
    status: r.status,
    signerRole: r.signerRole,
    language: r.language,
    subject: { reference: r.subject.reference },
    recipient: { channel: r.recipient.channel, maskedAddress: r.recipient.maskedAddress },
    decisions: r.decisions,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    sentAt: r.sentAt?.toISOString() ?? null,
    openedAt: r.openedAt?.toISOString() ?? null,
    signedAt: r.status === 'signed' || r.status === 'withdrawn' ? (r.decidedAt?.toISOString() ?? null) : null,
    decidedAt: r.decidedAt?.toISOString() ?? null,
    // When the granted purposes stop counting (consent/validity.ts); null unless signed, or when no end was recorded.
    validUntil: r.status === 'signed' ? (r.validUntil?.toISOString() ?? null) : null,
    deliveredAt: r.deliveredAt?.toISOString() ?? null,
    reminderCount: r.reminderCount,
    reminders: r.reminders,
    failureReason: r.failureReason,
    sealState: r.sealState,
  };
}
export type ConsentRequestView = ReturnType<typeof presentConsentRequest>;
