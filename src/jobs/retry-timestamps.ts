import { createHash } from 'node:crypto';
import type { Logger } from 'pino';

import type { Language } from '../consent/form-types';
import { sealReason } from '../evidence/seal-reasons';
import type { Sealer } from '../evidence/sealer';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { Store } from '../storage/store';

/**
 * Job: records and withdrawal receipts sealed while the time-stamp authority was down get their
 * time-stamp later. The stored document is sealed once more (an incremental second signature, so
 * the first seal stays valid) and kept as a new version beside the first; nothing is silently
 * downgraded.
 */
export const retryTimestampsJob = { id: 'retry-timestamps', everyMs: 5 * 60_000, batch: 20 };

export async function retryTimestamps(deps: { store: Store; clock: Clock; sealer: Sealer; logger: Logger }): Promise<number> {
  if (!deps.sealer.timestamps) return 0;
  let done = 0;
  for (const r of await deps.store.listMissingTimestamps(retryTimestampsJob.batch)) {
    const [signed, organisation] = await Promise.all([deps.store.getDocument(r.organisationId, r.id, 'consent-pdf'), deps.store.getOrganisation(r.organisationId)]);
    const document = signed ?? (await deps.store.getDocument(r.organisationId, r.id, 'paper-record'));
    if (!document) continue;
    const language = await recordLanguage(deps.store, r);
    const now = deps.clock.now();
    const sealed = await deps.sealer.seal(document.content, { reason: sealReason('timestampAdded', language), name: organisation?.name || 'Akkoord', signedAt: now });
    if (!sealed.timestamped) {
      deps.logger.warn({ consentRequestId: r.id }, 'time-stamp authority still unavailable');
      continue;
    }
    const sha256 = createHash('sha256').update(sealed.pdf).digest('hex');
    // Two workers (in-process and `npm run worker`) may re-seal the same record: the first one stored wins.
    const stored = await deps.store.completeTimestamp({
      organisationId: r.organisationId,
      requestId: r.id,
      expectedVersion: r.version,
      document: { ...document, id: newId('doc', now), sha256, content: sealed.pdf, createdAt: now, sealState: 'timestamped' },
      event: { id: newId('evt', now), requestId: r.id, organisationId: r.organisationId, type: 'timestamp_added', at: now, actor: 'system', detail: { previousDocumentSha256: document.sha256, documentSha256: sha256 } },
    });
    // Not stored: another worker was first, or the request changed (a withdrawal); the next pass looks again.
    if (stored) done += 1;
  }
  return done + (await retryReceipts(deps));
}

/** Withdrawal receipts: each waiting receipt is its own document (a request can have several). */
async function retryReceipts(deps: { store: Store; clock: Clock; sealer: Sealer; logger: Logger }): Promise<number> {
  let done = 0;
  for (const receipt of await deps.store.listReceiptsMissingTimestamps(retryTimestampsJob.batch)) {
    const organisation = await deps.store.getOrganisation(receipt.organisationId);
    const now = deps.clock.now();
    const language = await receiptLanguage(deps.store, receipt);
    const sealed = await deps.sealer.seal(receipt.content, { reason: sealReason('receiptTimestampAdded', language), name: organisation?.name || 'Akkoord', signedAt: now });
    if (!sealed.timestamped) {
      deps.logger.warn({ consentRequestId: receipt.requestId, documentId: receipt.id }, 'time-stamp authority still unavailable');
      continue;
    }
    const sha256 = createHash('sha256').update(sealed.pdf).digest('hex');
    const stored = await deps.store.completeReceiptTimestamp({
      organisationId: receipt.organisationId,
      previousDocumentId: receipt.id,
      // Same receipt, now time-stamped: it keeps its place among the receipts (the event says
      // when the time-stamp came), so a later withdrawal's receipt stays the latest one.
      document: { ...receipt, id: newId('doc', now), sha256, content: sealed.pdf, sealState: 'timestamped' },
      event: { id: newId('evt', now), requestId: receipt.requestId, organisationId: receipt.organisationId, type: 'timestamp_added', at: now, actor: 'system', detail: { document: 'withdrawal-receipt', previousDocumentSha256: receipt.sha256, documentSha256: sha256 } },
    });
    if (stored) done += 1;
  }
  return done;
}

/** The language the record was made in: the one the signer chose on the page, else the request's. */
async function recordLanguage(store: Store, r: { id: string; organisationId: string }): Promise<Language> {
  const events = await store.listEvents(r.organisationId, r.id);
  const chosen = [...events].reverse().find((e) => e.type === 'signed' || e.type === 'declined')?.detail.language;
  if (chosen === 'nl' || chosen === 'en') return chosen;
  return (await store.getConsentRequest(r.organisationId, r.id))?.language ?? 'nl';
}

/** The language the receipt was made in: named by its `withdrawn` event (by the receipt's SHA-256), else the request's. */
async function receiptLanguage(store: Store, receipt: { requestId: string; organisationId: string; sha256: string }): Promise<Language> {
  const events = await store.listEvents(receipt.organisationId, receipt.requestId);
  const chosen = events.find((e) => e.type === 'withdrawn' && e.detail.receiptSha256 === receipt.sha256)?.detail.language;
  if (chosen === 'nl' || chosen === 'en') return chosen;
  return (await store.getConsentRequest(receipt.organisationId, receipt.requestId))?.language ?? 'nl';
}
