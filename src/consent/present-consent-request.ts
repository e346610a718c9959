import type { ConsentRequestRecord, DocumentSealState, FamilySigner, SignerSlot, StoredSealState } from '../storage/store';

/**
 * `sealState` in the API: `timestamped`, `no_timestamp_authority` (TSA_URL not set),
 * `timestamp_pending` (the TSA failed; a job retries) or null before there is a record. The stored
 * 'sealed_without_timestamp' is the API's `timestamp_pending` (the API's name until December 2026).
 */
const SEAL_STATES = { timestamped: 'timestamped', no_timestamp_authority: 'no_timestamp_authority', sealed_without_timestamp: 'timestamp_pending' } as const;
export type SealState = (typeof SEAL_STATES)[StoredSealState];

/** A document's `sealState` in `…/documents`: the request's values, plus `timestamp_added_later` for a version whose time-stamp is in a later version. */
export function presentDocumentSealState(state: DocumentSealState | null | undefined): SealState | 'timestamp_added_later' | null {
  if (!state) return null;
  return state === 'timestamp_added_later' ? state : SEAL_STATES[state];
}

/** Issue 12: the request's place in its family; records from before issue 12 follow from the signer role. */
export function signerSlotOf(r: Pick<ConsentRequestRecord, 'signerSlot' | 'signerRole'>): SignerSlot {
  return r.signerSlot ?? (r.signerRole === 'participant' ? 'participant' : 'guardian');
}

/** Issue 12: the signers of the request's family as the API lists them; without `family` rows, the request alone. */
function presentSigners(r: ConsentRequestRecord, family: readonly FamilySigner[] | undefined) {
  const familyId = r.primaryRequestId ?? r.id;
  const own = family?.filter((s) => s.familyId === familyId) ?? [];
  const signers: Pick<FamilySigner, 'requestId' | 'signerSlot' | 'authority' | 'status' | 'decidedAt'>[] =
    own.length > 0 ? own : [{ requestId: r.id, signerSlot: signerSlotOf(r), authority: r.authority ?? null, status: r.status, decidedAt: r.decidedAt }];
  return signers.map((s) => ({ requestId: s.requestId, role: s.signerSlot, authority: s.authority, status: s.status, decidedAt: s.decidedAt?.toISOString() ?? null }));
}

/**
 * The API shape of a consent request (API.md): the subject's and recipient's names and contact
 * details never leave after creation. `requestedBy` (the organisation's own youth worker, given by
 * the caller) is returned until the privacy sweep erases it. `family`: the signers of the
 * request's family (store.listFamilySigners; one read per page), else the request lists itself.
 */
export function presentConsentRequest(r: ConsentRequestRecord, family?: readonly FamilySigner[]) {
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
    sealState: r.sealState ? SEAL_STATES[r.sealState] : null,
    requestedBy: r.requestedBy ?? null,
    signerSlot: signerSlotOf(r),
    primaryRequestId: r.primaryRequestId ?? null,
    signers: presentSigners(r, family),
  };
}
export type ConsentRequestView = ReturnType<typeof presentConsentRequest>;
