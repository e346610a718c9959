import { OPEN_STATUSES, STATUSES } from '../consent/lifecycle';
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
 */
export async function eraseEndedContactDetails(deps: { store: Store; clock: Clock }): Promise<number> {
  const changedBefore = new Date(deps.clock.now().getTime() - CONTACT_DETAILS_KEEP_DAYS * DAY_MS);
  let total = 0;
  for (;;) {
    const erased = await deps.store.eraseContactDetails({ statuses: ENDED, changedBefore, limit: BATCH });
    total += erased;
    if (erased < BATCH) return total;
  }
}
