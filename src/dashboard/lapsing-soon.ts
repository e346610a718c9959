import { addDays } from '../consent/turning-16';
import { isoDay } from '../jobs/lifecycle';
import { LIFECYCLE_DEFAULTS } from '../organisations/organisation-settings';
import type { Clock } from '../shared/clock';
import type { Store } from '../storage/store';
import { recordAccess } from './access-log';
import { formTitles, type RequestViewDeps } from './request-views';
import type { StaffPrincipal } from './staff';

/** The dashboard's "Verloopt binnenkort / Lapsing soon" page (issue 12): at most this many rows per list. */
export const LAPSING_SOON_DAYS = 60;
export const LAPSING_SOON_LIMIT = 200;
const DAY_MS = 24 * 60 * 60 * 1000;

/** What the renewal of a lapsing consent is: sent, no address known, a newer request exists, not made, or not yet. */
export type RenewalView = 'sent' | 'no-contact' | 'superseded' | 'failed' | 'not-yet';
/** What happened for a child turning 16: waiting for the birthday, their own request sent, they decided, or no contact of theirs known. */
export type TurningView = 'not-yet' | 'no-contact' | 'contact-known' | 'sent' | 'decided';

export interface LapsingSoonView {
  windowDays: number;
  lapsing: { requestId: string; formId: string; formTitle: { nl: string; en: string }; reference: string; name: string; lastDay: Date; renewal: RenewalView; renewalRequestId: string | null }[];
  turning: { requestId: string; reference: string; name: string; turns16On: string; state: TurningView; youngRequestId: string | null }[];
  /** A list was cut at LAPSING_SOON_LIMIT rows. */
  truncated: boolean;
}

const fullName = (s: { firstName: string; lastName: string | null }) => [s.firstName, s.lastName].filter(Boolean).join(' ');

/**
 * Consents of the staff member's organisation that lapse within 60 days (with their renewal
 * state), and children who turn 16 within the organisation's window (with what was done). Shows
 * names, so the view is access-logged before anything is returned.
 */
export async function lapsingSoon(deps: RequestViewDeps & { store: Store; clock: Clock }, staff: StaffPrincipal): Promise<LapsingSoonView> {
  const now = deps.clock.now();
  const settings = await deps.store.getOrganisationSettings(staff.organisationId);
  const windowDays = settings?.turning16WindowDays ?? LIFECYCLE_DEFAULTS.turning16WindowDays;
  const today = isoDay(now);
  await recordAccess(deps, staff, { action: 'lapsing.view', detail: { days: LAPSING_SOON_DAYS, window: windowDays } });
  const lapsingRows = await deps.store.listLapsingSoon(staff.organisationId, now, new Date(now.getTime() + LAPSING_SOON_DAYS * DAY_MS), LAPSING_SOON_LIMIT);
  const turningRows = await deps.store.listTurningSixteenSoon(staff.organisationId, today, addDays(today, windowDays), LAPSING_SOON_LIMIT);
  const title = await formTitles(deps, staff.organisationId);
  const lapsing = lapsingRows.map((r) => {
    const state = r.renewal?.state ?? null;
    const renewal: RenewalView = state === 'requested' ? 'sent' : state === 'no-contact' || state === 'superseded' || state === 'failed' ? state : 'not-yet';
    // validUntil is the first instant it no longer counts: the day before is the last valid day.
    return { requestId: r.requestId, formId: r.formId, formTitle: title(r.formId), reference: r.subject.reference, name: fullName(r.subject), lastDay: new Date(r.validUntil.getTime() - 1), renewal, renewalRequestId: state === 'requested' ? r.renewal!.renewalRequestId : null };
  });
  const turning = await Promise.all(turningRows.map(async (r) => {
    const l = r.lifecycle;
    let state: TurningView;
    if (l?.youngDecidedAt) state = 'decided';
    else if (l?.youngRequestedAt) state = 'sent';
    else if (r.turns16On > today) state = 'not-yet';
    else state = (await deps.store.getSubjectContact(staff.organisationId, r.subject.reference)) ? 'contact-known' : 'no-contact';
    return { requestId: r.requestId, reference: r.subject.reference, name: fullName(r.subject), turns16On: r.turns16On, state, youngRequestId: l?.youngRequestedAt ? l.youngRequestId : null };
  }));
  return { windowDays, lapsing, turning, truncated: lapsingRows.length === LAPSING_SOON_LIMIT || turningRows.length === LAPSING_SOON_LIMIT };
}
