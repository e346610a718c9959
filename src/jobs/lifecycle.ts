import type { Logger } from 'pino';

import { amsterdamDate } from '../consent/age';
import type { SubjectLifecycle } from '../consent/lifecycle-store';
import { organisationFormCatalog } from '../consent/organisation-forms';
import { requestConsent, type RequestConsentDeps, type RequestConsentInput } from '../consent/request-consent';
import { addDays, amsterdamStartOf, turning16Rule } from '../consent/turning-16';
import { isAppError } from '../errors';
import { LIFECYCLE_DEFAULTS } from '../organisations/organisation-settings';
import { newId } from '../shared/ids';
import type { ConsentRequestRecord, EventRecord, OrganisationSettings } from '../storage/store';

/**
 * Job definition: turning 16, renewal and lapse (issue 12; README, "Turning 16 and renewal").
 * A daily task run from the worker at most once an hour: every step is recorded once (a second
 * run finds nothing left to do), and a request it makes has its id reserved first, so a crash
 * between reserving and making it neither loses it nor makes it twice.
 */
export const lifecycleJob = {
  id: 'lifecycle',
  everyMs: 3_600_000,
};

export type LifecycleDeps = RequestConsentDeps & { logger?: Logger };

export interface LifecycleRun {
  flagged: number;
  youngRequested: number;
  renewalsDue: number;
  renewalsRequested: number;
  lapsed: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const BATCH = 200;
const ACTOR = 'system';

function event(deps: LifecycleDeps, requestId: string, organisationId: string, type: string, detail: Record<string, unknown>): EventRecord {
  const at = deps.clock.now();
  return { id: newId('evt', at), requestId, organisationId, type, at, actor: ACTOR, detail };
}

/** The recipient of a new request to the same person as `request` (null when the address is gone). */
function sameRecipient(request: ConsentRequestRecord): RequestConsentInput['recipient'] | null {
  const { channel, address, name } = request.recipient;
  if (address === null || channel === 'paper') return null;
  return channel === 'sms' ? { name, channel, phone: address, language: request.language } : { name, channel, email: address, language: request.language };
}

/**
 * Makes the request with the reserved id unless it exists; a rule that no longer holds (the form
 * was stopped, the child turned 16) gives false. Another worker making the same id at the same
 * moment is fine: that is this request.
 */
async function makeReserved(deps: LifecycleDeps, organisationId: string, requestId: string, input: RequestConsentInput): Promise<boolean> {
  if (await deps.store.getConsentRequest(organisationId, requestId)) return true;
  try {
    await requestConsent(deps, organisationId, ACTOR, input, { requestId });
    return true;
  } catch (error) {
    if (isAppError(error) && error.code === 'validation_failed') {
      deps.logger?.warn({ organisationId, requestId, paths: (error.errors ?? []).map((e) => e.path) }, 'lifecycle request refused by a rule');
      return false;
    }
    if (await deps.store.getConsentRequest(organisationId, requestId)) return true;
    throw error;
  }
}

/** The form for the young person's own consent: the setting, or the organisation's only 16+ form. */
async function turning16Form(deps: LifecycleDeps, organisationId: string, settings: OrganisationSettings | null): Promise<string | null> {
  const catalog = await organisationFormCatalog(deps, organisationId);
  if (settings?.turning16FormId) return catalog.get(settings.turning16FormId)?.audience === '16plus' ? settings.turning16FormId : null;
  const adult = catalog.list().filter((f) => f.audience === '16plus');
  return adult.length === 1 ? adult[0]!.id : null;
}

/** a. Flags subjects turning 16 within the window, once, on the chain of their latest guardian consent. */
async function flagTurning16(deps: LifecycleDeps, organisationId: string, today: string, windowDays: number): Promise<number> {
  let flagged = 0;
  for (;;) {
    const due = await deps.store.listTurning16Due(organisationId, addDays(today, windowDays), BATCH);
    for (const d of due) {
      const row: SubjectLifecycle = { organisationId, subjectReference: d.subjectReference, turns16On: d.turns16On, guardianRequestId: d.requestId, flaggedAt: deps.clock.now(), youngRequestId: null, youngRequestedAt: null, youngDecidedAt: null };
      if (await deps.store.flagTurning16(row, event(deps, d.requestId, organisationId, 'subject.turning_16', { turns16On: d.turns16On }))) flagged += 1;
    }
    if (due.length < BATCH) return flagged;
  }
}

/**
 * `lapsed` once on the flagged guardian request when the turning-16 policy ends its grants (the
 * status API already answers lapsed from that instant): `detail.reason` says which rule.
 */
async function lapseGuardian(deps: LifecycleDeps, lifecycle: SubjectLifecycle, detail: Record<string, unknown>): Promise<number> {
  const guardian = await deps.store.getConsentRequest(lifecycle.organisationId, lifecycle.guardianRequestId);
  if (guardian?.status !== 'signed' || !guardian.decisions.some((d) => d.granted)) return 0;
  return (await deps.store.appendEventOnce(event(deps, guardian.id, lifecycle.organisationId, 'lapsed', detail), 'lapsed')) ? 1 : 0;
}

/**
 * a. From the birthday on: notes the young person's own decision, or asks them when their contact
 * is known; b. records `lapsed` when the organisation's turning-16 policy ends the guardian's grants.
 */
async function followTurning16(deps: LifecycleDeps, organisationId: string, today: string, settings: OrganisationSettings | null): Promise<{ requested: number; lapsed: number }> {
  let requested = 0;
  let lapsed = 0;
  let formId: string | null | undefined;
  const rule = turning16Rule(settings);
  for (const lifecycle of await deps.store.listOpenLifecycles(organisationId, 1000)) {
    if (lifecycle.turns16On > today) continue;
    const { subjectReference } = lifecycle;
    if (rule.policy === 'lapses-after-days') {
      const end = amsterdamStartOf(addDays(lifecycle.turns16On, rule.lapseDays));
      if (end <= deps.clock.now().toISOString()) lapsed += await lapseGuardian(deps, lifecycle, { reason: 'turning-16-policy', policy: rule.policy, lapseDays: rule.lapseDays, validUntil: end });
    }
    if (await deps.store.hasParticipantDecision(organisationId, subjectReference, new Date(amsterdamStartOf(lifecycle.turns16On)))) {
      await deps.store.markYoungDecided(organisationId, subjectReference, deps.clock.now());
      if (rule.policy === 'until-young-person-decides') lapsed += await lapseGuardian(deps, lifecycle, { reason: 'young-person-decided', policy: rule.policy });
      continue;
    }
    if (lifecycle.youngRequestedAt !== null) continue;
    formId ??= await turning16Form(deps, organisationId, settings);
    const contact = await deps.store.getSubjectContact(organisationId, subjectReference);
    if (formId === null || contact === null) continue;
    const guardian = await deps.store.getConsentRequest(organisationId, lifecycle.guardianRequestId);
    if (!guardian) continue;
    const requestId = await deps.store.reserveYoungRequest(organisationId, subjectReference, newId('cr', deps.clock.now()));
    if (requestId === null) continue;
    const { subject } = guardian;
    const name = [subject.firstName, subject.lastName].filter(Boolean).join(' ');
    const recipient = contact.channel === 'sms' ? { name, channel: 'sms' as const, phone: contact.address, language: guardian.language } : { name, channel: 'email' as const, email: contact.address, language: guardian.language };
    const input: RequestConsentInput = { formId, subject: { reference: subjectReference, firstName: subject.firstName, lastName: subject.lastName ?? undefined, dateOfBirth: subject.dateOfBirth }, recipient };
    if (!(await makeReserved(deps, organisationId, requestId, input))) continue;
    const done = await deps.store.completeYoungRequest({ organisationId, subjectReference, at: deps.clock.now(), event: event(deps, guardian.id, organisationId, 'reconfirmation_requested', { requestId, formId }) });
    if (done) requested += 1;
  }
  return { requested, lapsed };
}

/** c. Renewal: `renewal_due` once per signed request lapsing within `daysBefore` days; then its renewal request, once. */
async function renew(deps: LifecycleDeps, organisationId: string, daysBefore: number): Promise<{ due: number; requested: number }> {
  const now = deps.clock.now();
  let due = 0;
  let requested = 0;
  for (const candidate of await deps.store.listRenewalCandidates(organisationId, now, new Date(now.getTime() + daysBefore * DAY_MS), 1000)) {
    const base = { requestId: candidate.requestId, organisationId, at: deps.clock.now() };
    const validUntil = candidate.validUntil.toISOString();
    // A newer request for the same person and form already asks again: nothing to renew. Once an id
    // is reserved, the renewal is finished whatever came since (it may be that very request).
    const newest = await deps.store.newestRequestId(organisationId, candidate.subjectReference, candidate.formId);
    if (candidate.reservedRenewalId === null && newest !== candidate.requestId) {
      await deps.store.reserveRenewal({ ...base, renewalRequestId: null, state: 'superseded' }, null);
      continue;
    }
    const request = await deps.store.getConsentRequest(organisationId, candidate.requestId);
    if (!request) continue;
    const recipient = sameRecipient(request);
    if (recipient === null) {
      if ((await deps.store.reserveRenewal({ ...base, renewalRequestId: null, state: 'no-contact' }, event(deps, request.id, organisationId, 'renewal_due', { validUntil, contact: 'missing' }))).created) due += 1;
      continue;
    }
    const { renewal: reserved, created } = await deps.store.reserveRenewal({ ...base, renewalRequestId: newId('cr', now), state: 'reserved' }, event(deps, request.id, organisationId, 'renewal_due', { validUntil }));
    if (created) due += 1;
    if (reserved.state !== 'reserved' || reserved.renewalRequestId === null) continue;
    const { subject } = request;
    const input: RequestConsentInput = { formId: request.formId, subject: { reference: subject.reference, firstName: subject.firstName, lastName: subject.lastName ?? undefined, dateOfBirth: subject.dateOfBirth }, recipient };
    const made = await makeReserved(deps, organisationId, reserved.renewalRequestId, input);
    const finished = made
      ? await deps.store.finishRenewal({ organisationId, requestId: request.id, state: 'requested', at: deps.clock.now(), event: event(deps, request.id, organisationId, 'renewal_requested', { requestId: reserved.renewalRequestId }) })
      : await deps.store.finishRenewal({ organisationId, requestId: request.id, state: 'failed', at: deps.clock.now(), event: null });
    if (made && finished) requested += 1;
  }
  return { due, requested };
}

/** d. `lapsed` once per signed request whose validity has ended. */
async function recordLapses(deps: LifecycleDeps): Promise<number> {
  let lapsed = 0;
  for (;;) {
    const rows = await deps.store.listLapsedUnmarked(deps.clock.now(), BATCH);
    for (const r of rows) {
      if (await deps.store.appendEventOnce(event(deps, r.requestId, r.organisationId, 'lapsed', { validUntil: r.validUntil.toISOString() }), 'lapsed')) lapsed += 1;
    }
    if (rows.length < BATCH) return lapsed;
  }
}

/** One run over every organisation; returns what it did (for logs and tests). */
export async function runLifecycle(deps: LifecycleDeps): Promise<LifecycleRun> {
  const run: LifecycleRun = { flagged: 0, youngRequested: 0, renewalsDue: 0, renewalsRequested: 0, lapsed: 0 };
  for (const organisation of await deps.store.listOrganisations()) {
    const settings = await deps.store.getOrganisationSettings(organisation.id);
    const today = isoDay(deps.clock.now());
    run.flagged += await flagTurning16(deps, organisation.id, today, settings?.turning16WindowDays ?? LIFECYCLE_DEFAULTS.turning16WindowDays);
    const followed = await followTurning16(deps, organisation.id, today, settings);
    run.youngRequested += followed.requested;
    run.lapsed += followed.lapsed;
    const daysBefore = settings?.renewalDaysBefore ?? LIFECYCLE_DEFAULTS.renewalDaysBefore;
    if (daysBefore > 0) {
      const renewed = await renew(deps, organisation.id, daysBefore);
      run.renewalsDue += renewed.due;
      run.renewalsRequested += renewed.requested;
    }
  }
  run.lapsed += await recordLapses(deps);
  return run;
}

/** Today's date in Amsterdam, YYYY-MM-DD. */
export function isoDay(at: Date): string {
  const d = amsterdamDate(at);
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}
