import type { Clock } from '../shared/clock';
import type { OrganisationSettings, Store, SubjectDecisionRow, Turning16Policy } from '../storage/store';
import { AGE_OF_CONSENT, parseIsoDate } from './age';
import type { PurposeStatus, SubjectConsent } from './consent-status';
import type { SubjectLifecycle } from './lifecycle-store';
import { startOfAmsterdamDay } from './validity';

/**
 * The day someone turns 16 (YYYY-MM-DD), by the age rule of age.ts: born on 29 February, their
 * birthday in a year without one is 1 March. This date is all the daily job needs (README,
 * "Turning 16 and renewal"); null for a date of birth that is not a real date.
 */
export function turns16On(dateOfBirth: string): string | null {
  const birth = parseIsoDate(dateOfBirth);
  if (!birth) return null;
  const year = birth.year + AGE_OF_CONSENT;
  // Date.UTC rolls 29 February of a non-leap year over to 1 March, which is the rule.
  const day = new Date(Date.UTC(year, birth.month - 1, birth.day));
  return day.toISOString().slice(0, 10);
}

/** YYYY-MM-DD plus whole days. */
export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** What the status API needs of an organisation's turning-16 policy. */
export interface Turning16Rule {
  policy: Turning16Policy;
  /** With 'lapses-after-days'. */
  lapseDays: number;
}

export function turning16Rule(settings: OrganisationSettings | null): Turning16Rule {
  const policy = settings?.turning16Policy ?? 'until-young-person-decides';
  return { policy, lapseDays: settings?.turning16LapseDays ?? 0 };
}

/**
 * An organisation's turning-16 rule, remembered for `ttlMs` (60 s by default): the status API is
 * the hot path, and a policy change may take that long to count. One per app, not per process.
 */
export class Turning16Rules {
  private readonly cache = new Map<string, { rule: Turning16Rule; until: number }>();
  constructor(
    private readonly deps: { store: Pick<Store, 'getOrganisationSettings'>; clock: Clock },
    private readonly ttlMs = 60_000,
  ) {}

  async get(organisationId: string): Promise<Turning16Rule> {
    const now = this.deps.clock.now().getTime();
    const hit = this.cache.get(organisationId);
    if (hit && hit.until > now) return hit.rule;
    const rule = turning16Rule(await this.deps.store.getOrganisationSettings(organisationId));
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(organisationId, { rule, until: now + this.ttlMs });
    return rule;
  }
}

/** 00:00 Europe/Amsterdam on a YYYY-MM-DD day, as an ISO 8601 UTC string. */
export function amsterdamStartOf(isoDate: string): string {
  const day = parseIsoDate(isoDate);
  if (!day) throw new Error(`not a date: ${isoDate}`);
  return startOfAmsterdamDay(day).toISOString();
}

/**
 * After the job flagged a subject as turning 16 (`lifecycle`), the guardian's decisions follow the
 * organisation's rule (README, "Turning 16 and renewal"):
 * - `reconfirmationDue` is true (on the subject and on each guardian-given purpose) from the flag
 *   until the young person decides on their own: a participant decision from the birthday on;
 * - 'until-young-person-decides': the guardian's grants count (within their own validity) until
 *   then, and stop counting (`lapsed`) once the young person decided;
 * - 'lapses-after-days' N: they stop counting at 00:00 Amsterdam on the birthday + N days.
 * `rows` are the projection rows `consent` was made from, in the same order. Nothing to decrypt.
 */
export function applyTurning16(consent: SubjectConsent, rows: readonly SubjectDecisionRow[], lifecycle: SubjectLifecycle, rule: Turning16Rule, now: Date): SubjectConsent {
  const nowIso = now.toISOString();
  const birthday = amsterdamStartOf(lifecycle.turns16On);
  // Rows projected before issue 12 carry no signerRole: those of the flagged guardian request or
  // decided before the birthday are a guardian's; a later one can only be the young person's own.
  const roleOf = (r: SubjectDecisionRow) => r.signerRole ?? (r.requestId === lifecycle.guardianRequestId || r.since < birthday ? 'guardian' : 'participant');
  const youngDecided = lifecycle.youngDecidedAt !== null || rows.some((r) => roleOf(r) === 'participant' && r.since >= birthday);
  const reconfirmationDue = !youngDecided;
  const policyEnd = rule.policy === 'lapses-after-days' ? amsterdamStartOf(addDays(lifecycle.turns16On, rule.lapseDays)) : null;
  let mayRegister = false;
  const purposes = consent.purposes.map((purpose, index): PurposeStatus => {
    const row = rows[index];
    const byGuardian = row !== undefined && roleOf(row) === 'guardian';
    let next: PurposeStatus = purpose;
    if (byGuardian && row?.granted) {
      if (policyEnd !== null) {
        const validUntil = purpose.validUntil !== null && purpose.validUntil < policyEnd ? purpose.validUntil : policyEnd;
        const lapsed = validUntil <= nowIso;
        next = { ...purpose, validUntil, lapsed, granted: !lapsed };
      } else if (youngDecided) {
        next = { ...purpose, granted: false, lapsed: true };
      }
    }
    next = { ...next, reconfirmationDue: byGuardian && reconfirmationDue };
    if (row?.required && next.granted) mayRegister = true;
    return next;
  });
  return { ...consent, purposes, mayRegister, reconfirmationDue };
}
