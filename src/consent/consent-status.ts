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
 * The registration system's hot path. Decision rows come in time order, so the last row per
 * (form, purpose) is the one that counts. Withdrawals are stored as later "not granted" rows,
 * and expired or cancelled requests never produce rows, so they grant nothing.
 */
export function summariseDecisions(subjectReference: string, rows: SubjectDecisionRow[]): SubjectConsent {
  const latest = new Map<string, SubjectDecisionRow>();
  for (const row of rows) latest.set(`${row.formId}\u0000${row.purposeId}`, row);
  const purposes: PurposeStatus[] = [];
  let mayRegister = false;
  for (const row of latest.values()) {
    purposes.push({ formId: row.formId, purposeId: row.purposeId, granted: row.granted, since: row.since, requestId: row.requestId });
    if (row.required && row.granted) mayRegister = true;
  }
  return { subjectReference, purposes, mayRegister };
}

export async function subjectConsent(store: Store, organisationId: string, subjectReference: string): Promise<SubjectConsent> {
  return summariseDecisions(subjectReference, await store.subjectDecisions(organisationId, subjectReference));
}
