import { newId } from '../shared/ids';
import type { ConsentRequestRecord, OutboxMessage } from '../storage/store';

/**
 * The confirmation after a decision or a withdrawal through the link (issue 10): by the
 * invitation's channel, due at once, queued by the store in the same transaction as what it
 * confirms (with the invite's link). None for paper, or when the address was erased.
 */
export function confirmationMessage(request: ConsentRequestRecord, kind: 'confirmation' | 'withdrawal-confirmation', now: Date): Omit<OutboxMessage, 'link'> | null {
  const { channel, address } = request.recipient;
  if (channel === 'paper' || address === null) return null;
  return { id: newId('msg', now), requestId: request.id, organisationId: request.organisationId, kind, channel, attempts: 0, dueAt: now, createdAt: now };
}
