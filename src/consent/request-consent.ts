import { AppError, type FieldError, isAppError } from '../errors';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import { smsSendableAt } from '../delivery/quiet-hours';
import type { Channel, ConsentRequestRecord, EventRecord, OutboxMessage, ReminderPolicy, Store } from '../storage/store';
import { AGE_OF_CONSENT, ageOn, amsterdamDate, type CalendarDate, compareDates, MAX_AGE, parseIsoDate } from './age';
import { maskAddress, normaliseEmail, normalisePhone } from './contact-address';
import type { Audience, ConsentForm, Language, SignerRole } from './form-types';
import type { FormCatalog } from './forms';
import type { LinkTokens } from './link-token';
import { formSnapshot } from './form-snapshot';
import { organisationFormCatalog } from './organisation-forms';
import { turns16On } from './turning-16';
import { consentValidUntil } from './validity';

export interface RequestConsentInput {
  formId: string;
  subject: { reference: string; firstName: string; lastName?: string | undefined; dateOfBirth: string };
  recipient: { name?: string | undefined; channel: Channel; phone?: string | undefined; email?: string | undefined; language?: Language | undefined };
  expiresAt?: string | undefined;
  reminders?: Partial<ReminderPolicy> | undefined;
  /** The youth worker who asked (shown on the signing page); cleaned by the route's schema. */
  requestedBy?: { name: string; role?: string | undefined } | undefined;
}

export interface RequestConsentDeps {
  store: Store;
  forms: FormCatalog;
  tokens: LinkTokens;
  clock: Clock;
  publicBaseUrl: string;
  defaultExpiryDays: number;
  reminderDefaults: ReminderPolicy;
}

/** Request settings win over the form's, which win over the service defaults. */
export function reminderPolicy(defaults: ReminderPolicy, form: ConsentForm, requested: Partial<ReminderPolicy> | undefined): ReminderPolicy {
  const pick = <K extends keyof ReminderPolicy>(k: K): number => requested?.[k] ?? form.reminders?.[k] ?? defaults[k];
  const policy = { afterDays: pick('afterDays'), automatic: pick('automatic'), max: pick('max') };
  if (policy.automatic > policy.max) throw AppError.validation('reminders.automatic', `At most ${policy.max} reminders are allowed, so no more than that can be automatic.`);
  return policy;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_EXPIRY_DAYS = 90;

/** The signer follows from age on today's date in Amsterdam; the form's audience must fit. */
export function signerRoleFor(dateOfBirth: string, now: Date, field = 'subject.dateOfBirth'): SignerRole {
  return signerRoleOn(dateOfBirth, amsterdamDate(now), field);
}

/** The signer's role on a calendar day: 16 or older signs themselves, from the 16th birthday on. */
export function signerRoleOn(dateOfBirth: string, day: CalendarDate, field = 'subject.dateOfBirth', dayName?: string): SignerRole {
  const birth = parseIsoDate(dateOfBirth);
  if (!birth) throw AppError.validation(field, 'Use a real date in the form YYYY-MM-DD.');
  if (compareDates(birth, day) > 0) throw AppError.validation(field, dayName ? `The date of birth lies after ${dayName}.` : 'The date of birth lies in the future.');
  // Born exactly 120 years ago today is allowed; a day earlier is more than 120 years ago.
  if (compareDates(birth, { ...day, year: day.year - MAX_AGE }) < 0) throw AppError.validation(field, `The date of birth is more than ${MAX_AGE} years ${dayName ? `before ${dayName}` : 'ago'}.`);
  return ageOn(birth, day) >= AGE_OF_CONSENT ? 'participant' : 'guardian';
}

/** Refuses a form whose audience does not fit the signer's role (422 on `formId`, with the reason). */
export function assertAudience(audience: Audience, role: SignerRole, formId: string, paperSignedOn?: string): void {
  const when = paperSignedOn === undefined ? 'this person is' : `on ${paperSignedOn}, the day the paper was signed, this person was`;
  if (audience === 'under16' && role !== 'guardian') {
    throw AppError.validation('formId', `Form "${formId}" is for children under 16; ${when} 16 or older and signs a 16+ form themselves.`);
  }
  if (audience === '16plus' && role !== 'participant') {
    throw AppError.validation('formId', `Form "${formId}" is for people of 16 and older; ${when} under 16, so a parent signs an under-16 form.`);
  }
}

export function resolveExpiry(raw: string | undefined, now: Date, defaultDays: number): Date {
  if (raw === undefined) return new Date(now.getTime() + defaultDays * DAY_MS);
  const at = new Date(raw);
  if (Number.isNaN(at.getTime())) throw AppError.validation('expiresAt', 'Use an ISO 8601 date and time.');
  if (at.getTime() <= now.getTime() + 60 * 60 * 1000) throw AppError.validation('expiresAt', 'The expiry must be at least one hour from now.');
  if (at.getTime() > now.getTime() + MAX_EXPIRY_DAYS * DAY_MS) throw AppError.validation('expiresAt', `The expiry may be at most ${MAX_EXPIRY_DAYS} days from now.`);
  return at;
}

export function resolveAddress(recipient: RequestConsentInput['recipient']): string {
  if (recipient.channel === 'sms') {
    if (!recipient.phone) throw AppError.validation('recipient.phone', 'A phone number is required for channel sms.');
    return normalisePhone(recipient.phone, 'recipient.phone');
  }
  if (!recipient.email) throw AppError.validation('recipient.email', 'An e-mail address is required for channel email.');
  return normaliseEmail(recipient.email, 'recipient.email');
}

/** What a valid request will be, before anything is stored. */
interface ResolvedRequest {
  form: ConsentForm;
  signerRole: SignerRole;
  recipientName: string;
  address: string;
  expiresAt: Date;
  reminders: ReminderPolicy;
  language: Language;
}

/**
 * Runs `step`; with a `problems` list a refused rule is written there and the step gives
 * undefined, so rules that do not depend on it still run (validate-only); without one it throws.
 */
function attempt<T>(problems: FieldError[] | null, step: () => T): T | undefined {
  if (!problems) return step();
  try {
    return step();
  } catch (error) {
    if (!isAppError(error) || error.code !== 'validation_failed') throw error;
    problems.push(...(error.errors ?? [{ path: '', message: error.message }]));
    return undefined;
  }
}

/**
 * Every rule a new request must meet, in one place for requestConsent and checkConsentRequest.
 * Throws the first problem, or with `problems` collects one per rule group and gives null.
 */
async function resolveRequest(deps: CheckConsentDeps, organisationId: string, input: RequestConsentInput, now: Date, problems: FieldError[] | null): Promise<ResolvedRequest | null> {
  // Only the forms this organisation uses: another's copy or a form it stopped is "no form".
  const form = (await organisationFormCatalog(deps, organisationId)).get(input.formId);
  attempt(problems, () => {
    if (!form) throw AppError.validation('formId', `There is no form "${input.formId}".`);
  });
  const signerRole = attempt(problems, () => signerRoleFor(input.subject.dateOfBirth, now));
  const fits =
    form !== undefined &&
    signerRole !== undefined &&
    attempt(problems, () => {
      assertAudience(form.audience, signerRole, form.id);
      // A form whose last day has passed would give a consent that has lapsed before it is signed.
      if (consentValidUntil(form, amsterdamDate(now)).getTime() <= now.getTime()) {
        throw AppError.validation('formId', `Consent on form "${form.id}" counts until ${form.validUntil ?? ''} at the latest, which has passed; the form needs a new validUntil.`);
      }
      return true;
    });
  const subjectName = [input.subject.firstName, input.subject.lastName].filter(Boolean).join(' ');
  const recipientName = signerRole === undefined ? undefined : input.recipient.name ?? (signerRole === 'participant' ? subjectName : undefined);
  attempt(problems, () => {
    if (signerRole !== undefined && !recipientName) throw AppError.validation('recipient.name', 'The name of the parent or guardian is required for a child under 16.');
  });
  const address = attempt(problems, () => resolveAddress(input.recipient));
  // The organisation's own defaults come between the form's and the service's (issue 10).
  const settings = await deps.store.getOrganisationSettings(organisationId);
  const expiresAt = attempt(problems, () => resolveExpiry(input.expiresAt, now, settings?.expiryDays ?? deps.defaultExpiryDays));
  const reminders =
    form &&
    attempt(problems, () => reminderPolicy({ ...deps.reminderDefaults, afterDays: settings?.reminderAfterDays ?? deps.reminderDefaults.afterDays }, form, input.reminders));
  if (!form || !signerRole || !fits || !recipientName || !address || !expiresAt || !reminders) return null;
  return { form, signerRole, recipientName, address, expiresAt, reminders, language: input.recipient.language ?? settings?.defaultLanguage ?? 'nl' };
}

export type CheckConsentDeps = Pick<RequestConsentDeps, 'store' | 'forms' | 'clock' | 'defaultExpiryDays' | 'reminderDefaults'>;

/** What a request that passed every rule will do: who signs and where the message goes. */
export interface ConsentRequestPlan {
  formId: string;
  formVersion: string;
  signerRole: SignerRole;
  recipientName: string;
  channel: Channel;
  maskedAddress: string;
  language: Language;
}

/**
 * Validate-only: the rules of requestConsent, nothing stored (the dashboard's list preview). The
 * problems are those requestConsent would refuse, each rule group's first one, as `{path, message}`.
 */
export async function checkConsentRequest(deps: CheckConsentDeps, organisationId: string, input: RequestConsentInput): Promise<{ ok: true; plan: ConsentRequestPlan } | { ok: false; problems: FieldError[] }> {
  const problems: FieldError[] = [];
  const resolved = await resolveRequest(deps, organisationId, input, deps.clock.now(), problems);
  if (!resolved) return { ok: false, problems };
  const { form, signerRole, recipientName, address, language } = resolved;
  const channel = input.recipient.channel;
  return { ok: true, plan: { formId: form.id, formVersion: form.version, signerRole, recipientName, channel, maskedAddress: maskAddress(channel, address), language } };
}

/**
 * Creates the request, its invite and its first event. `options.requestId` fixes the new
 * request's id (a list sent from the dashboard reserves one per row, so a retry cannot make it twice).
 */
export async function requestConsent(deps: RequestConsentDeps, organisationId: string, actor: string, input: RequestConsentInput, options: { requestId?: string } = {}): Promise<ConsentRequestRecord> {
  const now = deps.clock.now();
  const { form, signerRole, recipientName, address, expiresAt, reminders, language } = (await resolveRequest(deps, organisationId, input, now, null))!;
  const { token, hash } = deps.tokens.issue();

  const request = pendingRequestRecord({
    id: options.requestId ?? newId('cr', now),
    organisationId,
    form,
    signerRole,
    language,
    subject: { reference: input.subject.reference, firstName: input.subject.firstName, lastName: input.subject.lastName ?? null, dateOfBirth: input.subject.dateOfBirth },
    recipient: { name: recipientName, channel: input.recipient.channel, address, maskedAddress: maskAddress(input.recipient.channel, address) },
    tokenHash: hash,
    now,
    expiresAt,
    reminders,
    requestedBy: input.requestedBy ? { name: input.requestedBy.name, role: input.requestedBy.role ?? null } : null,
  });
  await deps.store.createConsentRequest({ request, form: formSnapshot(form), ...createdWithInvite(deps, request, token, actor, { signerRole }) });
  return request;
}

/** What a new request is made of; the rest of a pending request is empty (nothing sent, opened or decided yet). */
export interface PendingRequestFields {
  id: string;
  organisationId: string;
  form: Pick<ConsentForm, 'id' | 'version'>;
  signerRole: SignerRole;
  language: Language;
  subject: ConsentRequestRecord['subject'];
  recipient: ConsentRequestRecord['recipient'] & { channel: Channel };
  tokenHash: string;
  now: Date;
  expiresAt: Date;
  reminders: ReminderPolicy;
  requestedBy: ConsentRequestRecord['requestedBy'];
}

/** A new request waiting to be sent (requestConsent, the second guardian's request). */
export function pendingRequestRecord(f: PendingRequestFields): ConsentRequestRecord {
  return {
    id: f.id,
    organisationId: f.organisationId,
    formId: f.form.id,
    formVersion: f.form.version,
    status: 'pending',
    signerRole: f.signerRole,
    language: f.language,
    subject: f.subject,
    recipient: f.recipient,
    tokenHash: f.tokenHash,
    createdAt: f.now,
    updatedAt: f.now,
    expiresAt: f.expiresAt,
    sentAt: null,
    openedAt: null,
    decidedAt: null,
    reminderCount: 0,
    reminders: f.reminders,
    deliveredAt: null,
    failureReason: null,
    decisions: [],
    signerName: null,
    signatureKind: null,
    sealState: null,
    requestedBy: f.requestedBy,
    // Kept in the clear for guardian requests only: the daily job finds who turns 16 by it (README, privacy).
    turns16On: f.signerRole === 'guardian' ? turns16On(f.subject.dateOfBirth) : null,
    version: 0,
  };
}

/**
 * A new request's `created` event (its detail: `extra`, then what every request records) and its
 * invite through the outbox with the personal link, due at once or, for an SMS in quiet hours, at 08:00.
 */
export function createdWithInvite(deps: Pick<RequestConsentDeps, 'publicBaseUrl'>, request: ConsentRequestRecord, token: string, actor: string, extra: Record<string, unknown>): { event: EventRecord; message: OutboxMessage } {
  const now = request.createdAt;
  const channel = request.recipient.channel as Channel;
  return {
    event: {
      id: newId('evt', now),
      requestId: request.id,
      organisationId: request.organisationId,
      type: 'created',
      at: now,
      actor,
      detail: { subjectReference: request.subject.reference, formId: request.formId, formVersion: request.formVersion, ...extra, channel, maskedAddress: request.recipient.maskedAddress, expiresAt: request.expiresAt.toISOString(), reminders: request.reminders },
    },
    message: {
      id: newId('msg', now),
      requestId: request.id,
      organisationId: request.organisationId,
      kind: 'invite',
      channel,
      link: `${deps.publicBaseUrl}/c/${token}`,
      attempts: 0,
      dueAt: channel === 'sms' ? smsSendableAt(now) : now,
      createdAt: now,
    },
  };
}
