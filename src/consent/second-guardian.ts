import { AppError } from '../errors';
import { newId } from '../shared/ids';
import type { Channel, ConsentRequestRecord, FamilySigner } from '../storage/store';
import { maskAddress } from './contact-address';
import type { Language } from './form-types';
import { formFromSnapshot } from './form-snapshot';
import { OPEN_STATUSES } from './lifecycle';
import { createdWithInvite, pendingRequestRecord, reminderPolicy, type RequestConsentDeps, resolveAddress, resolveExpiry, signerRoleFor } from './request-consent';

/**
 * Both parents (issue 12): the second guardian with joint parental authority gets a request of
 * their own, linked to the first guardian's (the family; its id is the first guardian's request
 * id): the same subject, the same form version (the same text), their own link, evidence and
 * withdrawal. The status projection combines the family's answers (family-consent.ts).
 */
export interface SecondGuardianRecipient {
  name?: string | undefined;
  channel: Channel;
  phone?: string | undefined;
  email?: string | undefined;
  language?: Language | undefined;
}

/** Who invited: the first guardian on the (public, token-only) signing page, or a caller (API key, staff). */
export type InviteOrigin = 'signer' | 'caller';

/** A request closed this way can no longer bring in a second guardian. */
const CLOSED: readonly string[] = ['cancelled', 'expired', 'failed'];

/**
 * The second guardian's name and address, normalised like requestConsent's; refused (422) when it
 * is the first guardian's own address: otherwise one parent could give both consents.
 */
export function resolveSecondGuardianRecipient(primary: ConsentRequestRecord, recipient: SecondGuardianRecipient): { name: string; channel: Channel; address: string; maskedAddress: string } {
  const name = recipient.name?.trim();
  if (!name) throw AppError.validation('recipient.name', 'The name of the second parent or guardian is required.');
  const address = resolveAddress(recipient);
  const own = primary.recipient.address;
  if (own !== null && primary.recipient.channel === recipient.channel && own.toLowerCase() === address.toLowerCase()) {
    const path = recipient.channel === 'sms' ? 'recipient.phone' : 'recipient.email';
    throw AppError.validation(path, 'This is the address the first parent or guardian received the link on; the second parent needs their own.');
  }
  return { name, channel: recipient.channel, address, maskedAddress: maskAddress(recipient.channel, address) };
}

/**
 * Whether a second guardian can be invited on this request now (for pages that offer it): a first
 * guardian's request, not cancelled, expired or failed, and no second guardian's request of the
 * family (`family`, from familyOf) still open. inviteSecondGuardian checks the same and more.
 */
export function canInviteSecondGuardian(request: ConsentRequestRecord, family: readonly ConsentRequestRecord[]): boolean {
  return isFirstGuardian(request) && !CLOSED.includes(request.status) && !family.some((r) => r.signerSlot === 'second-guardian' && OPEN_STATUSES.includes(r.status));
}

function isFirstGuardian(r: ConsentRequestRecord): boolean {
  return r.signerRole === 'guardian' && (r.signerSlot ?? 'guardian') === 'guardian' && !r.primaryRequestId;
}

function assertCanInvite(primary: ConsentRequestRecord): void {
  if (!isFirstGuardian(primary)) {
    throw new AppError('conflict', 'Only the request of the first parent or guardian can invite a second parent or guardian.');
  }
  if (CLOSED.includes(primary.status)) throw new AppError('conflict', `The request is ${primary.status}; it can no longer invite a second parent or guardian.`);
}

/**
 * Creates the second guardian's request with its invite (through the outbox, with requestConsent's
 * rules for quiet hours, expiry and reminders), the `created` event on it and
 * `second_guardian_invited` on the first request's chain. 404 for another organisation's request;
 * 409 when the first request cannot invite, a second guardian's request is still open, or (origin
 * 'signer') the signer already invited once: the signing page is public, so one invite per family
 * from there, or a link holder could make us send messages to any number.
 */
export async function inviteSecondGuardian(
  deps: RequestConsentDeps,
  organisationId: string,
  primaryRequestId: string,
  actor: string,
  input: { recipient: SecondGuardianRecipient },
  options: { origin?: InviteOrigin } = {},
): Promise<ConsentRequestRecord> {
  const origin = options.origin ?? 'caller';
  const primary = await deps.store.getConsentRequest(organisationId, primaryRequestId);
  if (!primary) throw new AppError('not_found', 'There is no consent request with this id.');
  assertCanInvite(primary);
  const recipient = resolveSecondGuardianRecipient(primary, input.recipient);
  const now = deps.clock.now();
  // The child may have turned 16 since: then they decide themselves, not their parents.
  if (signerRoleFor(primary.subject.dateOfBirth, now) !== 'guardian') {
    throw new AppError('conflict', 'The young person is 16 or older now and decides themselves; ask them with a new request.');
  }
  const family = await deps.store.listFamilyRequests(organisationId, primary.id);
  if (family.some((r) => r.signerSlot === 'second-guardian' && OPEN_STATUSES.includes(r.status))) {
    throw new AppError('conflict', 'The second parent or guardian already has an open request; cancel it first to send another.');
  }
  if (origin === 'signer') {
    const events = await deps.store.listEvents(organisationId, primary.id);
    if (events.some((e) => e.type === 'second_guardian_invited' && e.detail.origin === 'signer')) {
      throw new AppError('conflict', 'The second parent or guardian was already invited from the signing page.');
    }
  }
  const snapshot = await deps.store.getFormSnapshot(primary.formId, primary.formVersion);
  if (!snapshot) throw new Error(`form ${primary.formId}@${primary.formVersion} of request ${primary.id} is not stored`);
  const form = formFromSnapshot(snapshot);
  const settings = await deps.store.getOrganisationSettings(organisationId);
  const expiresAt = resolveExpiry(undefined, now, settings?.expiryDays ?? deps.defaultExpiryDays);
  const reminders = reminderPolicy({ ...deps.reminderDefaults, afterDays: settings?.reminderAfterDays ?? deps.reminderDefaults.afterDays }, form, undefined);
  const language = input.recipient.language ?? primary.language;
  const { token, hash } = deps.tokens.issue();

  const request: ConsentRequestRecord = {
    ...pendingRequestRecord({
      id: newId('cr', now),
      organisationId,
      form: { id: primary.formId, version: primary.formVersion },
      signerRole: 'guardian',
      language,
      subject: { ...primary.subject },
      recipient: { name: recipient.name, channel: recipient.channel, address: recipient.address, maskedAddress: recipient.maskedAddress },
      tokenHash: hash,
      now,
      expiresAt,
      reminders,
      requestedBy: primary.requestedBy ?? null,
    }),
    primaryRequestId: primary.id,
    signerSlot: 'second-guardian',
    authority: null,
  };
  const created = await deps.store.createFamilyRequest({
    request,
    form: snapshot,
    ...createdWithInvite(deps, request, token, actor, { signerRole: 'guardian', signerSlot: 'second-guardian', primaryRequestId: primary.id }),
    primaryEvent: {
      id: newId('evt', now),
      requestId: primary.id,
      organisationId,
      type: 'second_guardian_invited',
      at: now,
      actor,
      detail: { channel: recipient.channel, maskedAddress: recipient.maskedAddress, secondRequestId: request.id, origin },
    },
    openStatuses: OPEN_STATUSES,
  });
  // Another invite for this family came first (the check above raced with it).
  if (!created) throw new AppError('conflict', 'The second parent or guardian already has an open request; cancel it first to send another.');
  return request;
}

/** The family's requests (the first guardian's first) for presenting; 404 for another organisation's request. */
export async function familyOf(deps: Pick<RequestConsentDeps, 'store'>, organisationId: string, requestId: string): Promise<ConsentRequestRecord[]> {
  const request = await deps.store.getConsentRequest(organisationId, requestId);
  if (!request) throw new AppError('not_found', 'There is no consent request with this id.');
  return deps.store.listFamilyRequests(organisationId, request.primaryRequestId ?? request.id);
}

/** The signers of the families of these requests of one organisation, in one store read (for a page of resources). */
export async function familySignersOf(deps: Pick<RequestConsentDeps, 'store'>, organisationId: string, requests: readonly ConsentRequestRecord[]): Promise<FamilySigner[]> {
  return deps.store.listFamilySigners(organisationId, requests.map((r) => r.primaryRequestId ?? r.id));
}
