import { PROVIDER_EVENT_ID_KEEP_MS } from '../delivery/provider-status';
import type { Clock } from '../shared/clock';
import { eraseEndedContactDetails } from '../privacy/erase-contact-details';
import { IDEMPOTENCY_KEY_TTL_MS } from '../shared/idempotency-windows';
import type { Store } from '../storage/store';

/** Job definition: delete bookkeeping that has served its time, once an hour. */
export const pruneRecordsJob = {
  id: 'prune-records',
  everyMs: 3_600_000,
};

/**
 * Contact details of requests that ended 90 days ago are erased (privacy/erase-contact-details.ts).
 * Idempotency keys older than 24 hours (answered or not) and provider event ids older than 7 days
 * are deleted, so both tables stay bounded. A SendGrid replay older than 10 minutes is refused by
 * its signed timestamp anyway; a Twilio report replayed after 7 days is processed again, and the
 * lifecycle keeps it from moving a request backwards.
 */
export async function pruneRecords(deps: { store: Store; clock: Clock }): Promise<{ idempotencyKeys: number; providerEvents: number; contactDetails: number }> {
  const now = deps.clock.now().getTime();
  const idempotencyKeys = await deps.store.pruneIdempotencyKeys(new Date(now - IDEMPOTENCY_KEY_TTL_MS));
  const providerEvents = await deps.store.pruneProviderEvents(new Date(now - PROVIDER_EVENT_ID_KEEP_MS));
  // The privacy sweep runs with them: contact details and requestedBy 90 days after a request ended.
  const contactDetails = await eraseEndedContactDetails(deps);
  return { idempotencyKeys, providerEvents, contactDetails };
}
