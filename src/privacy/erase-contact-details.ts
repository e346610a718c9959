import { type ConsentStatus, OPEN_STATUSES, STATUSES } from '../consent/lifecycle';
import { SUBJECT_CONTACT_KEEP_DAYS } from '../consent/subject-contact';
import { LIFECYCLE_DEFAULTS } from '../organisations/organisation-settings';
import type { Clock } from '../shared/clock';
import type { Store } from '../storage/store';

/** Contact details are kept 90 days after a request ends (README, Privacy and security). */
export const CONTACT_DETAILS_KEEP_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;
const BATCH = 500;
/** Ended: signed, declined, withdrawn, expired, cancelled or failed; no message goes out for it any more. */
const ENDED = STATUSES.filter((status) => !OPEN_STATUSES.includes(status));

/**
 * The privacy sweep: a request that ended, and did not change for 90 days since, loses its
 * recipient's phone number or e-mail address and who asked for it (`requestedBy`). The names,
 * choices, events and documents stay: they are the evidence of the consent. A later change (a
 * withdrawal) starts the 90 days again. Returns how many requests were erased.
 *
 * Renewal (issue 12): a signed request whose organisation renews automatically
 * (`renewalDaysBefore` > 0, the default) keeps its recipient's address while its consent counts
 * and until 90 days after it lapsed, because the renewal request goes to that same address; with
 * renewal off, or without a validity end, the 90 days after the last change apply as before. The
 * young person's own contact (PUT /subjects/{reference}/contact) is erased 90 days after it was given.
 */
export async function eraseEndedContactDetails(deps: { store: Store; clock: Clock }): Promise<number> {
  const now = deps.clock.now().getTime();
  const changedBefore = new Date(now - CONTACT_DETAILS_KEEP_DAYS * DAY_MS);
  let total = await eraseAll(deps, { statuses: ENDED.filter((s) => s !== 'signed'), changedBefore });
  for (const organisation of await deps.store.listOrganisations()) {
    const settings = await deps.store.getOrganisationSettings(organisation.id);
    const renews = (settings?.renewalDaysBefore ?? LIFECYCLE_DEFAULTS.renewalDaysBefore) > 0;
    total += await eraseAll(deps, { statuses: ['signed'], changedBefore, organisationId: organisation.id, ...(renews ? { validUntilBefore: changedBefore } : {}) });
  }
  total += await deps.store.eraseSubjectContacts(new Date(now - SUBJECT_CONTACT_KEEP_DAYS * DAY_MS));
  return total;
}

async function eraseAll(deps: { store: Store }, input: { statuses: readonly ConsentStatus[]; changedBefore: Date; organisationId?: string; validUntilBefore?: Date }): Promise<number> {
  let total = 0;
  for (;;) {
    const erased = await deps.store.eraseContactDetails({ ...input, limit: BATCH });
    total += erased;
    if (erased < BATCH) return total;
  }
}
