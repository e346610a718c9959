import { createHash } from 'node:crypto';
import type { Logger } from 'pino';

import type { Sealer } from '../evidence/sealer';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { Store } from '../storage/store';

/**
 * Job: records sealed while the time-stamp authority was down get their time-stamp later. The
 * stored record is sealed once more (an incremental second signature, so the first seal stays
 * valid) and kept as a new version beside the first; nothing is silently downgraded.
 */
export const retryTimestampsJob = { id: 'retry-timestamps', everyMs: 5 * 60_000, batch: 20 };

export async function retryTimestamps(deps: { store: Store; clock: Clock; sealer: Sealer; logger: Logger }): Promise<number> {
  if (!deps.sealer.timestamps) return 0;
  let done = 0;
  for (const r of await deps.store.listMissingTimestamps(retryTimestampsJob.batch)) {
    const [signed, organisation] = await Promise.all([deps.store.getDocument(r.organisationId, r.id, 'consent-pdf'), deps.store.getOrganisation(r.organisationId)]);
    const document = signed ?? (await deps.store.getDocument(r.organisationId, r.id, 'paper-record'));
    if (!document) continue;
    const now = deps.clock.now();
    const sealed = await deps.sealer.seal(document.content, { reason: 'Time-stamp added to the consent record', name: organisation?.name || 'Akkoord', signedAt: now });
    if (!sealed.timestamped) {
      deps.logger.warn({ consentRequestId: r.id }, 'time-stamp authority still unavailable');
      continue;
    }
    const sha256 = createHash('sha256').update(sealed.pdf).digest('hex');
    // Two workers (in-process and `npm run worker`) may re-seal the same record: the first one stored wins.
    const stored = await deps.store.completeTimestamp({
      requestId: r.id,
      expectedVersion: r.version,
      document: { ...document, id: newId('doc', now), sha256, content: sealed.pdf, createdAt: now },
      event: { id: newId('evt', now), requestId: r.id, organisationId: r.organisationId, type: 'timestamp_added', at: now, actor: 'system', detail: { previousDocumentSha256: document.sha256, documentSha256: sha256 } },
    });
    // Not stored: another worker was first, or the request changed (a withdrawal); the next pass looks again.
    if (stored) done += 1;
  }
  return done;
}
