import type { Clock } from '../shared/clock';
import type { SignerSlot, Store, SubjectDecisionRow } from '../storage/store';
import { applyTurning16, type Turning16Rules, turning16Rule } from './turning-16';

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
  /** Issue 12, only for a subject flagged as turning 16: this purpose was given by a guardian and the young person has not decided themselves yet. */
  reconfirmationDue?: boolean;
}

export interface SubjectConsent {
  subjectReference: string;
  purposes: PurposeStatus[];
  mayRegister: boolean;
  /** Issue 12, only for a subject flagged as turning 16 (absent otherwise): the young person has not decided themselves yet. */
  reconfirmationDue?: boolean;
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

/**
 * One read: the projection with the subject's lifecycle row (absent for most subjects); only a flagged
 * subject needs its organisation's turning-16 rule, from `turning16Rules` (cached briefly) when given.
 */
export async function subjectConsent(deps: { store: Store; clock: Clock; turning16Rules?: Turning16Rules }, organisationId: string, subjectReference: string): Promise<SubjectConsent> {
  const { decisions: rows, lifecycle } = await deps.store.subjectStatus(organisationId, subjectReference);
  const now = deps.clock.now();
  const consent = summariseDecisions(subjectReference, rows, now);
  if (!lifecycle) return consent;
  const rule = deps.turning16Rules ? await deps.turning16Rules.get(organisationId) : turning16Rule(await deps.store.getOrganisationSettings(organisationId));
  return applyTurning16(consent, rows, lifecycle, rule, now);
}

/** At most this many references in one batch lookup (`POST /api/v1/subjects/consent-status`, issue 13). */
export const MAX_BATCH_REFERENCES = 500;

/**
 * Several subjects at once (an activity list): exactly the answer of subjectConsent for each, one
 * entry per distinct reference in the order first given. A reference nobody decided for answers
 * no purposes and `mayRegister: false`, like the single lookup.
 */
export async function subjectsConsent(deps: { store: Store; clock: Clock; turning16Rules?: Turning16Rules }, organisationId: string, references: readonly string[]): Promise<SubjectConsent[]> {
  const answers: SubjectConsent[] = [];
  for (const reference of new Set(references)) answers.push(await subjectConsent(deps, organisationId, reference));
  return answers;
}
