import type { ConsentRequestRecord, ParentalAuthority, SignerSlot } from '../storage/store';

/**
 * Parental authority on the signing page (issue 12, "both parents"). A first guardian declares
 * whether they hold it alone or jointly with someone else; a second guardian confirms that they
 * hold it jointly with the other parent. The declaration is part of the evidence, so it is
 * required when signing; declining stays simple and records it only when it was given.
 */

/** The request's signer slot; requests from before issue 12 have none and follow their role. */
export function signerSlotOf(request: Pick<ConsentRequestRecord, 'signerSlot' | 'signerRole'>): SignerSlot {
  return request.signerSlot ?? (request.signerRole === 'guardian' ? 'guardian' : 'participant');
}

/** What the signer declared, as far as it fits their slot: a participant declares nothing, a second guardian only `joint`. */
export function declaredAuthority(request: Pick<ConsentRequestRecord, 'signerSlot' | 'signerRole'>, given: string | undefined): ParentalAuthority | undefined {
  const slot = signerSlotOf(request);
  if (slot === 'participant') return undefined;
  if (slot === 'second-guardian') return given === 'joint' ? 'joint' : undefined;
  return given === 'sole' || given === 'joint' ? given : undefined;
}

/** A missing declaration when signing, as a field problem (an i18n key) on the `authority` field. */
export function authorityProblems(request: Pick<ConsentRequestRecord, 'signerSlot' | 'signerRole'>, action: 'sign' | 'decline', authority: ParentalAuthority | undefined): { field: string; key: string }[] {
  const slot = signerSlotOf(request);
  if (action !== 'sign' || slot === 'participant' || authority !== undefined) return [];
  return [{ field: 'authority', key: slot === 'second-guardian' ? 'family.errors.jointMissing' : 'family.errors.authorityMissing' }];
}

/** What the evidence PDF states about parental authority; absent for a participant. */
export interface FamilyPdfFacts {
  slot: 'guardian' | 'second-guardian';
  authority: ParentalAuthority | null;
  /** The first guardian's request a second guardian's request belongs to. */
  primaryRequestId: string | null;
}

export function familyPdfFacts(request: Pick<ConsentRequestRecord, 'signerSlot' | 'signerRole' | 'primaryRequestId'>, authority: ParentalAuthority | undefined): FamilyPdfFacts | undefined {
  const slot = signerSlotOf(request);
  if (slot === 'participant') return undefined;
  return { slot, authority: authority ?? null, primaryRequestId: slot === 'second-guardian' ? (request.primaryRequestId ?? null) : null };
}
