import { AppError } from '../errors';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { ConsentRequestRecord, Store } from '../storage/store';
import { assertTransition, OPEN_STATUSES } from './lifecycle';

/** Cancelling stops the link at once and drops messages that were not sent yet. */
export async function cancelConsent(deps: { store: Store; clock: Clock }, organisationId: string, id: string, actor: string): Promise<ConsentRequestRecord> {
  const request = await deps.store.getConsentRequest(organisationId, id);
  if (!request) throw new AppError('not_found', 'There is no consent request with this id.');
  assertTransition(request.status, 'cancelled');
  const now = deps.clock.now();
  const changed = await deps.store.changeStatus({
    organisationId,
    requestId: id,
    fromStatuses: OPEN_STATUSES,
    status: 'cancelled',
    at: now,
    dropPendingMessages: true,
    event: { id: newId('evt', now), requestId: id, organisationId, type: 'cancelled', at: now, actor, detail: { previousStatus: request.status } },
  });
  if (!changed) throw new AppError('conflict', 'The consent request changed at the same moment; fetch it again.');
  return (await deps.store.getConsentRequest(organisationId, id))!;
}

/** Open requests past their expiry become expired; their links stop working. */
export async function expireDueRequests(deps: { store: Store; clock: Clock }, limit = 500): Promise<number> {
  const now = deps.clock.now();
  let count = 0;
  for (const r of await deps.store.listExpired(now, limit)) {
    const changed = await deps.store.changeStatus({
      organisationId: r.organisationId,
      requestId: r.id,
      fromStatuses: OPEN_STATUSES,
      status: 'expired',
      at: now,
      dropPendingMessages: true,
      event: { id: newId('evt', now), requestId: r.id, organisationId: r.organisationId, type: 'expired', at: now, actor: 'system', detail: { previousStatus: r.status } },
    });
    if (changed) count += 1;
  }
  return count;
}
