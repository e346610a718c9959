import type { ConsentForm, Language } from '../../consent/form-types';
import { normaliseEmail, normalisePhone } from '../../consent/contact-address';
import { signerSlotOf } from '../../consent/family-signing';
import { familyOf, inviteSecondGuardian, resolveSecondGuardianRecipient } from '../../consent/second-guardian';
import type { RequestConsentDeps } from '../../consent/request-consent';
import { isAppError } from '../../errors';
import type { Channel, ConsentRequestRecord } from '../../storage/store';

/**
 * The "both parents" parts of the signing pages (issue 12): the parental authority fieldset, the
 * second parent's contact (always in the form, so it works without JavaScript; family-fields.js
 * only shows and hides), the second guardian's box and what the done page says about the family.
 * Field names posted: authority (sole|joint), second_name, second_channel (email|sms),
 * second_email, second_phone.
 */
export interface FamilyFields {
  authority?: string | undefined;
  secondName: string;
  secondChannel?: Channel | undefined;
  secondEmail: string;
  secondPhone: string;
}

/** A field problem as the pages show it: an i18n key and its parameters. */
export interface FamilyProblem {
  field: string;
  key: string;
  params?: Record<string, string>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function readFamilyFields(body: Record<string, unknown>): FamilyFields {
  const channel = body.second_channel;
  return {
    authority: body.authority === 'sole' || body.authority === 'joint' ? body.authority : undefined,
    secondName: str(body.second_name).slice(0, 200),
    secondChannel: channel === 'email' || channel === 'sms' ? channel : undefined,
    secondEmail: str(body.second_email).slice(0, 320),
    secondPhone: str(body.second_phone).slice(0, 64),
  };
}

/** The typed values as hidden fields, so that "back" from the decline step brings them again. */
export function familyKept(fields: FamilyFields | undefined): { name: string; value: string }[] {
  if (!fields) return [];
  const pairs: [string, string | undefined][] = [
    ['authority', fields.authority],
    ['second_name', fields.secondName],
    ['second_channel', fields.secondChannel],
    ['second_email', fields.secondEmail],
    ['second_phone', fields.secondPhone],
  ];
  return pairs.filter((p): p is [string, string] => typeof p[1] === 'string' && p[1] !== '').map(([name, value]) => ({ name, value }));
}

/** What the signing page shows of the family, by the signer's slot. */
export function familySignModel(request: ConsentRequestRecord, fields: FamilyFields | undefined) {
  const slot = signerSlotOf(request);
  if (slot === 'participant') return { family: null };
  const f = fields ?? { secondName: '', secondEmail: '', secondPhone: '' };
  return {
    family: {
      firstGuardian: slot === 'guardian',
      secondGuardian: slot === 'second-guardian',
      authority: f.authority ?? null,
      invite: { name: f.secondName, channel: f.secondChannel ?? null, email: f.secondEmail, phone: f.secondPhone },
    },
  };
}

/** True when the signer typed something for the second parent (a channel alone is no invite). */
const wantsInvite = (f: FamilyFields) => f.secondName.trim() !== '' || f.secondEmail.trim() !== '' || f.secondPhone.trim() !== '';

export type SecondGuardianInput = Parameters<typeof resolveSecondGuardianRecipient>[1];

/**
 * The second parent's contact, checked before anything is recorded: nothing to do unless the
 * signer shares authority and typed something. The rules (name required, a reachable address,
 * never the signer's own) are the use case's; this maps its `recipient.*` problems to the page's
 * fields and picks the words (the signer's own address gets a sentence of its own).
 */
export function checkSecondGuardian(request: ConsentRequestRecord, fields: FamilyFields, language: Language): { input: SecondGuardianInput | null; problems: FamilyProblem[] } {
  if (signerSlotOf(request) !== 'guardian' || fields.authority !== 'joint' || !wantsInvite(fields)) return { input: null, problems: [] };
  let channel = fields.secondChannel;
  // Without a choice, the one filled-in address decides.
  if (!channel && fields.secondEmail.trim() !== '' && fields.secondPhone.trim() === '') channel = 'email';
  if (!channel && fields.secondPhone.trim() !== '' && fields.secondEmail.trim() === '') channel = 'sms';
  if (!channel) return { input: null, problems: [{ field: 'second_channel', key: 'family.errors.channelMissing' }] };
  const input: SecondGuardianInput = { name: fields.secondName, channel, language, ...(channel === 'sms' ? { phone: fields.secondPhone } : { email: fields.secondEmail }) };
  const paths = problemPaths(request, input);
  // The use case stops at the first problem: with the name missing, the address is checked too, so that the summary lists both at once.
  if (paths[0] === 'recipient.name') paths.push(...problemPaths(request, { ...input, name: 'x' }));
  if (paths.length === 0) return { input, problems: [] };
  return { input: null, problems: paths.map((path) => problemFor(request, fields, path)) };
}

function problemPaths(request: ConsentRequestRecord, input: SecondGuardianInput): string[] {
  try {
    resolveSecondGuardianRecipient(request, input);
    return [];
  } catch (error) {
    if (!isAppError(error) || error.code !== 'validation_failed') throw error;
    return (error.errors ?? []).map((e) => e.path);
  }
}

function problemFor(request: ConsentRequestRecord, fields: FamilyFields, path: string): FamilyProblem {
  if (path === 'recipient.name') return { field: 'second_name', key: fields.secondName.trim() === '' ? 'family.errors.nameMissing' : 'family.errors.nameInvalid' };
  if (path === 'recipient.phone') {
    if (fields.secondPhone.trim() === '') return { field: 'second_phone', key: 'family.errors.phoneMissing' };
    return { field: 'second_phone', key: sameAddress(request, () => normalisePhone(fields.secondPhone, path)) ? 'family.errors.samePhone' : 'family.errors.phoneInvalid' };
  }
  if (path === 'recipient.email') {
    if (fields.secondEmail.trim() === '') return { field: 'second_email', key: 'family.errors.emailMissing' };
    return { field: 'second_email', key: sameAddress(request, () => normaliseEmail(fields.secondEmail, path)) ? 'family.errors.sameEmail' : 'family.errors.emailInvalid' };
  }
  return { field: 'second_channel', key: 'family.errors.channelMissing' };
}

/** Only to choose the words of the refusal: the use case decided already. */
function sameAddress(request: ConsentRequestRecord, normalise: () => string): boolean {
  try {
    return request.recipient.address !== null && normalise().toLowerCase() === request.recipient.address.toLowerCase();
  } catch {
    return false;
  }
}

export type InviteOutcome = 'invited' | 'refused' | 'failed';

/**
 * Sends the second parent their own link from the signing pages: actor `recipient`, origin
 * `signer`. The use case refuses a second invite from this public page with a conflict.
 */
export async function inviteFromSigningPage(deps: RequestConsentDeps, request: ConsentRequestRecord, input: SecondGuardianInput): Promise<InviteOutcome> {
  try {
    await inviteSecondGuardian(deps, request.organisationId, request.id, 'recipient', { recipient: input }, { origin: 'signer' });
    return 'invited';
  } catch (error) {
    if (isAppError(error) && error.code === 'conflict') return 'refused';
    if (isAppError(error)) return 'failed';
    throw error;
  }
}

/** The family as the done page shows it, read once per page view (set in load()). */
export interface FamilyView {
  slot: 'guardian' | 'second-guardian';
  /** The other guardian's request: the second one (the newest) for a first guardian, the first one for a second guardian. */
  other: ConsentRequestRecord | null;
}

export async function loadFamilyView(deps: Pick<RequestConsentDeps, 'store'>, request: ConsentRequestRecord): Promise<FamilyView | null> {
  const slot = signerSlotOf(request);
  if (slot === 'participant') return null;
  const members = await familyOf(deps, request.organisationId, request.id);
  const others = members.filter((m) => m.id !== request.id && signerSlotOf(m) !== slot);
  const other = slot === 'guardian' ? (others.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0] ?? null) : (others.find((m) => signerSlotOf(m) === 'guardian') ?? null);
  return { slot, other };
}

const FIELD_IDS: Record<string, string> = { second_name: 'second_name', second_channel: 'second_channel-email', second_email: 'second_email', second_phone: 'second_phone' };
const ANSWERED = new Set(['signed', 'declined', 'withdrawn']);
const STOPPED = new Set(['expired', 'cancelled', 'failed']);

/** Shown to a first guardian with joint authority who signed and whose other parent has no live link. */
const mayInvite = (request: ConsentRequestRecord, view: FamilyView) => view.slot === 'guardian' && request.status === 'signed' && request.authority === 'joint' && (view.other === null || STOPPED.has(view.other.status));

/** What the done page says about the family; null for a participant or a guardian with sole authority and nobody else. */
export function familyDoneModel(
  request: ConsentRequestRecord,
  form: ConsentForm,
  lang: Language,
  view: FamilyView | null,
  invite: { action: string; csrfToken: string; fields?: FamilyFields; problems?: { field: string; message: string }[]; failed?: boolean },
) {
  const problems = (invite.problems ?? []).map((p) => ({ message: p.message, href: view && mayInvite(request, view) && FIELD_IDS[p.field] ? `#${FIELD_IDS[p.field]}` : null }));
  const joint = view !== null && (view.slot === 'second-guardian' || request.authority === 'joint' || view.other !== null);
  // Without a family to show, a refused invite still says why.
  if (!view || !joint) return problems.length > 0 ? { problems, you: null, other: null, needsBoth: [], invite: null } : null;
  const other = view.other === null ? 'None' : ANSWERED.has(view.other.status) ? 'Answered' : STOPPED.has(view.other.status) ? 'Stopped' : 'Invited';
  const you = request.status === 'signed' ? 'Signed' : request.status === 'declined' ? 'Declined' : request.status === 'withdrawn' ? 'Withdrawn' : null;
  const f = invite.fields ?? { secondName: '', secondEmail: '', secondPhone: '' };
  const errorFor = (field: string) => invite.problems?.find((p) => p.field === field)?.message ?? null;
  const shown = mayInvite(request, view);
  return {
    // The summary links each problem to its field of the invite form (when that form is shown).
    problems,
    you: you ? `family.done.you${you}` : null,
    other: `family.done.other${other}`,
    needsBoth: form.purposes.filter((p) => p.needsAllGuardians).map((p) => p.label[lang]),
    invite: shown
      ? {
          action: invite.action,
          csrfToken: invite.csrfToken,
          failed: invite.failed ?? false,
          name: { value: f.secondName, error: errorFor('second_name') },
          channel: { value: f.secondChannel ?? null, error: errorFor('second_channel') },
          email: { value: f.secondEmail, error: errorFor('second_email') },
          phone: { value: f.secondPhone, error: errorFor('second_phone') },
        }
      : null,
  };
}
