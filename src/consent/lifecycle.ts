import { AppError } from '../errors';

export const STATUSES = ['pending', 'sent', 'delivered', 'opened', 'signed', 'declined', 'expired', 'cancelled', 'failed', 'withdrawn'] as const;
export type ConsentStatus = (typeof STATUSES)[number];

/**
 * The legal moves of a consent request. Delivery progress only moves forward
 * (pending → sent → delivered → opened); a late provider report for an earlier step is kept as an
 * event but does not move the status back. Once the message was delivered, a failure reported
 * later (a bounce hours after) is an event too: the link already reached the person.
 */
const NEXT: Record<ConsentStatus, readonly ConsentStatus[]> = {
  pending: ['sent', 'delivered', 'opened', 'signed', 'declined', 'expired', 'cancelled', 'failed'],
  sent: ['delivered', 'opened', 'signed', 'declined', 'expired', 'cancelled', 'failed'],
  delivered: ['opened', 'signed', 'declined', 'expired', 'cancelled'],
  opened: ['signed', 'declined', 'expired', 'cancelled'],
  signed: ['withdrawn'],
  declined: [],
  expired: [],
  cancelled: [],
  failed: [],
  withdrawn: [],
};

export const OPEN_STATUSES: readonly ConsentStatus[] = ['pending', 'sent', 'delivered', 'opened'];

/** Every status that may move to `to`: the `fromStatuses` guard of a use case's conditional update. */
export function statusesThatCanBecome(to: ConsentStatus): ConsentStatus[] {
  return STATUSES.filter((from) => canTransition(from, to));
}

export function canTransition(from: ConsentStatus, to: ConsentStatus): boolean {
  return NEXT[from].includes(to);
}

export function assertTransition(from: ConsentStatus, to: ConsentStatus): void {
  if (!canTransition(from, to)) {
    throw new AppError('conflict', `A consent request that is ${from} cannot become ${to}.`);
  }
}

export function isOpen(status: ConsentStatus): boolean {
  return OPEN_STATUSES.includes(status);
}
