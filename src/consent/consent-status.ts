import type { Clock } from '../shared/clock';
import type { SignerSlot, Store, SubjectDecisionRow } from '../storage/store';

export interface PurposeStatus {
  formId: string;
  purposeId: string;
  /** Granted and still counting now: false once `validUntil` has passed (then `lapsed` is true). */
  granted: boolean;
  since: string;
  requestId: string;
  /** When a grant stops counting (ISO 8601 UTC, exclusive); null when not granted or no end was recorded. */
  validUntil: string | null;
  /** The latest decision granted this purpose, but its validity has ended: ask again. */
  lapsed: boolean;
  /** Issue 12: the guardians still to answer before this purpose can be granted (joint authority); [] when none. */
  waitingFor: SignerSlot[];
}

export interface SubjectConsent {
  subjectReference: string;
  purposes: PurposeStatus[];
  mayRegister: boolean;
}

/**
 * The registration system's hot path. The store gives the latest decision per (form, purpose):
 * withdrawals are later "not granted" decisions, and expired or cancelled requests never decide,
 * so they grant nothing. A grant whose `validUntil` has passed counts as not granted (`lapsed`).
 * `mayRegister` needs a required purpose that is granted now.
 */
export function summariseDecisions(subjectReference: string, current: SubjectDecisionRow[], now: Date): SubjectConsent {
  // Both sides are toISOString() output, so comparing the strings compares the instants.
  const nowIso = now.toISOString();
  let mayRegister = false;
  const purposes = current.map((row): PurposeStatus => {
    const validUntil = row.granted ? row.validUntil : null;
    const lapsed = validUntil !== null && validUntil <= nowIso;
    const granted = row.granted && !lapsed;
    if (row.required && granted) mayRegister = true;
    return { formId: row.formId, purposeId: row.purposeId, granted, since: row.since, requestId: row.requestId, validUntil, lapsed, waitingFor: row.waitingFor ?? [] };
  });
  return { subjectReference, purposes, mayRegister };
}

export async function subjectConsent(deps: { store: Store; clock: Clock }, organisationId: string, subjectReference: string): Promise<SubjectConsent> {
  return summariseDecisions(subjectReference, await deps.store.currentDecisions(organisationId, subjectReference), deps.clock.now());
}
