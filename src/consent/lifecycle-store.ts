import type { Channel, EventRecord, SubjectDecisionRow } from '../storage/store';

/**
 * The storage port of turning 16, renewal and lapse (issue 12; src/jobs/lifecycle.ts and
 * consent-status.ts). The adapters implement it; the rules stay in the use cases.
 */

/** A subject the daily job flagged as turning 16 (one small row; the status API reads it). */
export interface SubjectLifecycle {
  organisationId: string;
  subjectReference: string;
  /** YYYY-MM-DD. */
  turns16On: string;
  /** The guardian's request whose chain carries `subject.turning_16`. */
  guardianRequestId: string;
  flaggedAt: Date;
  /** The young person's own request: reserved before it is made; null while none. */
  youngRequestId: string | null;
  /** When that request was made and recorded on the guardian's chain; null before. */
  youngRequestedAt: Date | null;
  /** When the job saw the young person decide on their own; null while not. */
  youngDecidedAt: Date | null;
}

/** The young person's own contact as the registration system gave it (stored encrypted). */
export interface SubjectContact {
  channel: Channel;
  /** A normalised phone number (E.164) or e-mail address. */
  address: string;
  updatedAt: Date;
}

export type RenewalState = 'reserved' | 'requested' | 'no-contact' | 'superseded' | 'failed';

export interface RenewalRecord {
  requestId: string;
  organisationId: string;
  /** The renewal request's id, reserved before it is made; null when none will be made. */
  renewalRequestId: string | null;
  state: RenewalState;
  at: Date;
}

/** A row of the dashboard's "lapsing soon" list: only what it shows. */
export interface LapsingItem {
  requestId: string;
  formId: string;
  subject: { reference: string; firstName: string; lastName: string | null };
  validUntil: Date;
  renewal: { state: RenewalState; renewalRequestId: string | null } | null;
}

export interface TurningSixteenItem {
  requestId: string;
  subject: { reference: string; firstName: string; lastName: string | null };
  turns16On: string;
  lifecycle: SubjectLifecycle | null;
}

export interface LifecycleStore {
  /** The subject's lifecycle row, or null (most subjects). */
  getSubjectLifecycle(organisationId: string, subjectReference: string): Promise<SubjectLifecycle | null>;
  /**
   * The status API's read: what `currentDecisions` gives and the subject's lifecycle row (null for
   * most subjects), in one read: the hot path pays for one lookup, not two.
   */
  subjectStatus(organisationId: string, subjectReference: string): Promise<{ decisions: SubjectDecisionRow[]; lifecycle: SubjectLifecycle | null }>;
  /**
   * Signed guardian requests whose subject turns 16 on or before `until` (YYYY-MM-DD) and has no
   * lifecycle row yet, the latest decided per subject, at most `limit`.
   */
  listTurning16Due(organisationId: string, until: string, limit: number): Promise<{ requestId: string; subjectReference: string; turns16On: string }[]>;
  /** Writes the lifecycle row and its event together; false (nothing written) when the subject has one. */
  flagTurning16(row: SubjectLifecycle, event: EventRecord): Promise<boolean>;
  /** Flagged subjects of one organisation whose young person has not decided (by subject), at most `limit`. */
  listOpenLifecycles(organisationId: string, limit: number): Promise<SubjectLifecycle[]>;
  /** The young person's own request id: the one reserved before, or `requestId` (written now); null once it was made. */
  reserveYoungRequest(organisationId: string, subjectReference: string, requestId: string): Promise<string | null>;
  /** Marks the young person's request made, with its event on the guardian's chain, and erases their contact: together. False when already done. */
  completeYoungRequest(input: { organisationId: string; subjectReference: string; at: Date; event: EventRecord }): Promise<boolean>;
  markYoungDecided(organisationId: string, subjectReference: string, at: Date): Promise<void>;
  /** Whether a participant request of the subject was decided at or after `since`. */
  hasParticipantDecision(organisationId: string, subjectReference: string, since: Date): Promise<boolean>;

  putSubjectContact(organisationId: string, subjectReference: string, contact: SubjectContact): Promise<void>;
  getSubjectContact(organisationId: string, subjectReference: string): Promise<SubjectContact | null>;
  /** False when there was none. */
  deleteSubjectContact(organisationId: string, subjectReference: string): Promise<boolean>;
  /** Erases contacts given before `before` (the 90-day sweep), across organisations; returns how many. */
  eraseSubjectContacts(before: Date): Promise<number>;

  /**
   * Signed requests of one organisation whose `validUntil` lies in (`after`, `until`] and whose
   * renewal is not settled (none, or only reserved: then with the reserved id), soonest first, at most `limit`.
   */
  listRenewalCandidates(organisationId: string, after: Date, until: Date, limit: number): Promise<{ requestId: string; subjectReference: string; formId: string; validUntil: Date; reservedRenewalId: string | null }[]>;
  /** The newest request id of a subject on a form (ids are time-ordered). */
  newestRequestId(organisationId: string, subjectReference: string, formId: string): Promise<string | null>;
  /**
   * The request's renewal row as stored, or a new one from `record` written with its event (null:
   * none) in one transaction: a second call never writes a second row or event.
   */
  reserveRenewal(record: RenewalRecord, event: EventRecord | null): Promise<{ renewal: RenewalRecord; created: boolean }>;
  /** reserved → `state`, with its event (null: none), together; false when it was not reserved. */
  finishRenewal(input: { organisationId: string; requestId: string; state: RenewalState; at: Date; event: EventRecord | null }): Promise<boolean>;

  /** Signed requests whose `validUntil` is at or before `now` without a `lapsed` mark; across organisations (the worker's job). */
  listLapsedUnmarked(now: Date, limit: number): Promise<{ requestId: string; organisationId: string; validUntil: Date }[]>;
  /** Appends the event and the mark `kind` on its request together; false (nothing written) when the mark exists. */
  appendEventOnce(event: EventRecord, kind: string): Promise<boolean>;

  /** The dashboard: signed requests whose consent lapses in (`after`, `until`], soonest first, with names and renewal state. */
  listLapsingSoon(organisationId: string, after: Date, until: Date, limit: number): Promise<LapsingItem[]>;
  /** The dashboard: subjects of signed guardian requests turning 16 from `from` to `until` (YYYY-MM-DD), soonest first. */
  listTurningSixteenSoon(organisationId: string, from: string, until: string, limit: number): Promise<TurningSixteenItem[]>;
}
