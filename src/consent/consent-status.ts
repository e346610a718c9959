import type { Store, SubjectDecisionRow } from '../storage/store';

export interface PurposeStatus {
  formId: string;
  purposeId: string;
  granted: boolean;
  since: string;
  requestId: string;
}

export interface SubjectConsent {
  subjectReference: string;
  purposes: PurposeStatus[];
  mayRegister: boolean;
}

/**
 * The registration system's hot path. The store gives the latest decision per (form, purpose):
 * withdrawals are later "not granted" decisions, and expired or cancelled requests never decide,
 * so they grant nothing. `mayRegister` needs a required purpose that is granted now.
 */
export function summariseDecisions(subjectReference: string, current: SubjectDecisionRow[]): SubjectConsent {
  let mayRegister = false;
  const purposes = current.map((row): PurposeStatus => {
    if (row.required && row.granted) mayRegister = true;
    return { formId: row.formId, purposeId: row.purposeId, granted: row.granted, since: row.since, requestId: row.requestId };
  });
  return { subjectReference, purposes, mayRegister };
}

export async function subjectConsent(store: Store, organisationId: string, subjectReference: string): Promise<SubjectConsent> {
  return summariseDecisions(subjectReference, await store.currentDecisions(organisationId, subjectReference));
}
