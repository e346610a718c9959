import { AppError } from '../errors';
import type { Clock } from '../shared/clock';
import type { Channel, Store } from '../storage/store';
import { maskAddress, normaliseEmail, normalisePhone } from './contact-address';

/**
 * The young person's own contact (issue 12), given by the registration system so that the daily
 * job can ask them for their own consent when they turn 16. Stored encrypted per (organisation,
 * subject); erased once used for that request, and at the latest 90 days after it was given
 * (privacy/erase-contact-details.ts).
 */
export interface SubjectContactInput {
  channel: Channel;
  phone?: string | undefined;
  email?: string | undefined;
}

export interface SubjectContactView {
  subjectReference: string;
  channel: Channel;
  maskedAddress: string;
  /** When the contact is erased at the latest if it is not used before (ISO 8601 UTC). */
  eraseBy: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** The same 90 days as CONTACT_DETAILS_KEEP_DAYS (privacy/erase-contact-details.ts). */
export const SUBJECT_CONTACT_KEEP_DAYS = 90;

export async function setSubjectContact(deps: { store: Store; clock: Clock }, organisationId: string, subjectReference: string, input: SubjectContactInput): Promise<SubjectContactView> {
  let address: string;
  if (input.channel === 'sms') {
    if (!input.phone) throw AppError.validation('phone', 'A phone number is required for channel sms.');
    if (input.email !== undefined) throw AppError.validation('email', 'Give a phone number only for channel sms.');
    address = normalisePhone(input.phone, 'phone');
  } else {
    if (!input.email) throw AppError.validation('email', 'An e-mail address is required for channel email.');
    if (input.phone !== undefined) throw AppError.validation('phone', 'Give an e-mail address only for channel email.');
    address = normaliseEmail(input.email, 'email');
  }
  const now = deps.clock.now();
  await deps.store.putSubjectContact(organisationId, subjectReference, { channel: input.channel, address, updatedAt: now });
  return { subjectReference, channel: input.channel, maskedAddress: maskAddress(input.channel, address), eraseBy: new Date(now.getTime() + SUBJECT_CONTACT_KEEP_DAYS * DAY_MS).toISOString() };
}

/** Forgets the contact; true when there was one. */
export async function removeSubjectContact(deps: { store: Store }, organisationId: string, subjectReference: string): Promise<boolean> {
  return deps.store.deleteSubjectContact(organisationId, subjectReference);
}
