import { smsSendableAt } from '../delivery/quiet-hours';
import { AppError } from '../errors';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { ConsentRequestRecord, Store } from '../storage/store';

export const REMINDABLE: readonly string[] = ['sent', 'delivered', 'opened'];

/**
 * A reminder now (an SMS in quiet hours waits until 08:00). Allowed while the request waits for
 * an answer and fewer than `max` reminders have gone out; it replaces a scheduled reminder.
 */
export async function remindConsent(deps: { store: Store; clock: Clock }, organisationId: string, id: string, actor: string): Promise<ConsentRequestRecord> {
  const request = await deps.store.getConsentRequest(organisationId, id);
  if (!request) throw new AppError('not_found', 'There is no consent request with this id.');
  if (!REMINDABLE.includes(request.status)) throw new AppError('conflict', `A reminder can only be sent while the request is sent, delivered or opened; it is ${request.status}.`);
  if (request.reminderCount >= request.reminders.max) throw new AppError('conflict', `The maximum of ${request.reminders.max} reminders has been reached.`);
  const channel = request.recipient.channel;
  if (channel === 'paper') throw new AppError('conflict', 'This consent was given on paper; there is no message to remind with.');
  const now = deps.clock.now();
  const dueAt = channel === 'sms' ? smsSendableAt(now) : now;
  const queued = await deps.store.enqueueReminder({
    message: { id: newId('msg', now), requestId: id, organisationId, kind: 'reminder', channel, attempts: 0, dueAt, createdAt: now },
    event: { id: newId('evt', now), requestId: id, organisationId, type: 'reminder_requested', at: now, actor, detail: { dueAt: dueAt.toISOString() } },
  });
  if (!queued) throw new AppError('conflict', 'The request changed at the same moment; fetch it again.');
  return (await deps.store.getConsentRequest(organisationId, id))!;
}
