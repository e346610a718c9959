import { createHash } from 'node:crypto';

import { browserSummary, describeBrowser } from '../evidence/browser-summary';
import { auditTrailFor } from '../evidence/audit-trail';
import { pdfOrganisation, sealInfo } from '../evidence/pdf-organisation';
import { computeConsentTextSha256, type ConsentPdfInput } from '../evidence/render-consent-pdf';
import { sealReason } from '../evidence/seal-reasons';
import { type Sealer, sealStateOf } from '../evidence/sealer';
import { checkSignaturePng, SIGNATURE_MAX_BYTES } from '../evidence/signature-image';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import { cleanText } from '../shared/text';
import type { ConsentRequestRecord, Decision, ParentalAuthority, SignatureRecord, Store } from '../storage/store';
import { amsterdamDate } from './age';
import { confirmationMessage } from './confirmation-message';
import { formFromSnapshot } from './form-snapshot';
import type { ConsentForm, Language, SignerRole } from './form-types';
import { declarationFor } from './forms';
import type { LinkTokens } from './link-token';
import { OPEN_STATUSES, statusesThatCanBecome } from './lifecycle';
import { namesMatch } from './name-match';
import { signerRoleFor } from './request-consent';
import { codeNeeded, usableVerifiedCode, verificationOf, type SignerVerification } from './signer-code';
import { consentValidUntil } from './validity';
import { authorityProblems, familyPdfFacts } from './family-signing';

export interface SignDeps {
  store: Store;
  tokens: LinkTokens;
  clock: Clock;
  renderPdf: (input: ConsentPdfInput) => Promise<Buffer>;
  sealer: Sealer;
}

export type LinkState =
  | { kind: 'unknown' }
  | { kind: 'gone'; reason: 'expired' | 'cancelled'; language: Language; request: ConsentRequestRecord }
  | { kind: 'open' | 'done'; request: ConsentRequestRecord; form: ConsentForm };

/**
 * What a personal link leads to. A token that fails its HMAC is refused before any lookup; a
 * wrong, failed or unknown link looks the same to the visitor, so nothing leaks about what exists.
 */
export async function resolveLink(deps: SignDeps, token: string): Promise<LinkState> {
  const hash = deps.tokens.verify(token);
  if (!hash) return { kind: 'unknown' };
  // By the token alone: the link names no organisation. Every write below names the request's.
  const request = await deps.store.findConsentRequestByTokenHash(hash);
  if (!request || request.status === 'failed') return { kind: 'unknown' };
  if (request.status === 'expired' || request.status === 'cancelled') return { kind: 'gone', reason: request.status, language: request.language, request };
  const now = deps.clock.now();
  if (OPEN_STATUSES.includes(request.status) && request.expiresAt.getTime() <= now.getTime()) {
    await deps.store.changeStatus({
      organisationId: request.organisationId,
      requestId: request.id,
      fromStatuses: OPEN_STATUSES,
      status: 'expired',
      at: now,
      dropPendingMessages: true,
      event: { id: newId('evt', now), requestId: request.id, organisationId: request.organisationId, type: 'expired', at: now, actor: 'system', detail: { previousStatus: request.status } },
    });
    return { kind: 'gone', reason: 'expired', language: request.language, request };
  }
  const snapshot = await deps.store.getFormSnapshot(request.formId, request.formVersion);
  if (!snapshot) throw new Error(`form snapshot ${request.formId}@${request.formVersion} is missing`);
  const form = formFromSnapshot(snapshot);
  return { kind: OPEN_STATUSES.includes(request.status) ? 'open' : 'done', request, form };
}

/** The first view of the page moves the request to `opened` (never backwards). */
export async function markOpened(deps: SignDeps, request: ConsentRequestRecord, userAgent: string | undefined): Promise<void> {
  const from = statusesThatCanBecome('opened');
  if (!from.includes(request.status)) return;
  const now = deps.clock.now();
  await deps.store.changeStatus({
    organisationId: request.organisationId,
    requestId: request.id,
    fromStatuses: from,
    status: 'opened',
    at: now,
    patch: { openedAt: now },
    event: { id: newId('evt', now), requestId: request.id, organisationId: request.organisationId, type: 'opened', at: now, actor: 'recipient', detail: { browser: browserSummary(userAgent) } },
  });
}

export interface DecisionInput {
  action: 'sign' | 'decline';
  /** Issue 12: problems the page found in fields of its own (the second parent's contact): nothing is recorded while there are any. */
  pageProblems?: FieldProblem[];
  answers: Record<string, 'yes' | 'no' | undefined>;
  declarationConfirmed: boolean;
  signerName: string;
  signatureDataUrl: string;
  userAgent: string | undefined;
  /** The language the page was shown in (the signer may switch); the record holds that text. */
  language?: Language;
  /** Issue 12: what a guardian declared: parental authority alone or jointly; ignored for a participant. */
  authority?: ParentalAuthority | undefined;
  /** Issue 12 (verify): the special-category purposes whose explicit statement the signer ticked. */
  explicitConfirmed?: string[];
  /** Issue 12 (verify): the request's verified one-time code this sign rests on, when one was needed. */
  verifiedCodeId?: string | null;
}

/** Field problems are i18n keys: the page shows them in the signer's language. */
export interface FieldProblem {
  field: string;
  key: string;
}

/** `roleChanged`: the signer's role on the day of signing is no longer the request's (the child turned 16); nothing was stored. */
export type DecisionResult = { ok: true; request: ConsentRequestRecord } | { ok: false; problems: FieldProblem[]; roleChanged?: SignerRole; codeNeeded?: true };

const SIGNATURE_PREFIX = 'data:image/png;base64,';

export type DrawnSignature = { kind: 'none' } | { kind: 'png'; image: Buffer } | { kind: 'refused'; problem: FieldProblem };

/**
 * A drawn signature arrives as a PNG data URL; an empty field means the typed name signs. Anything
 * else that is not a sound, small PNG is refused on the `signature` field (never silently replaced
 * by the typed name): too large, or not readable.
 */
export async function readDrawnSignature(dataUrl: string): Promise<DrawnSignature> {
  if (dataUrl === '') return { kind: 'none' };
  const refused = (key: string): DrawnSignature => ({ kind: 'refused', problem: { field: 'signature', key } });
  if (!dataUrl.startsWith(SIGNATURE_PREFIX)) return refused('errors.signatureUnreadable');
  const base64 = dataUrl.slice(SIGNATURE_PREFIX.length);
  // Measured before decoding: base64 carries 3 bytes in 4 characters.
  if (Math.floor((base64.length * 3) / 4) > SIGNATURE_MAX_BYTES + 2) return refused('errors.signatureTooLarge');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return refused('errors.signatureUnreadable');
  const check = await checkSignaturePng(Buffer.from(base64, 'base64'));
  if (!check.ok) return refused(check.reason === 'too_large' ? 'errors.signatureTooLarge' : 'errors.signatureUnreadable');
  return { kind: 'png', image: check.png };
}

function validate(form: ConsentForm, input: DecisionInput): { problems: FieldProblem[]; decisions: Decision[]; signerName: string } {
  const problems: FieldProblem[] = [];
  const name = cleanText(input.signerName);
  const signerName = name.ok ? name.value : '';
  const decisions: Decision[] = [];
  if (input.action === 'sign') {
    for (const purpose of form.purposes) {
      const answer = input.answers[purpose.id];
      if (answer === undefined) problems.push({ field: `purpose_${purpose.id}`, key: 'errors.purposeMissing' });
      else decisions.push({ purposeId: purpose.id, granted: answer === 'yes' });
    }
    if (!input.declarationConfirmed) problems.push({ field: 'declaration', key: 'errors.declarationMissing' });
    problems.push(...explicitProblems(form, input));
  } else {
    for (const purpose of form.purposes) decisions.push({ purposeId: purpose.id, granted: false });
  }
  // Control characters, unpaired surrogates and bidi overrides are refused even when declining,
  // since a declined record shows the name too; invisible characters alone leave it empty.
  if (!name.ok && name.problem !== 'empty') problems.push({ field: 'signerName', key: 'errors.nameInvalid' });
  else if (input.action === 'sign' && signerName.length < 2) problems.push({ field: 'signerName', key: 'errors.nameMissing' });
  if (signerName.length > 100) problems.push({ field: 'signerName', key: 'errors.nameTooLong' });
  return { problems, decisions, signerName };
}

// ---- issue 12 (verify): explicit consent for special-category data and the one-time code ----

/** A "yes" to special-category data needs its explicit statement ticked; a "no" needs nothing (old snapshots without a statement ask none). */
function explicitProblems(form: ConsentForm, input: DecisionInput): FieldProblem[] {
  return form.purposes
    .filter((p) => p.specialCategory && p.explicitStatement && input.answers[p.id] === 'yes' && !(input.explicitConfirmed ?? []).includes(p.id))
    .map((p) => ({ field: `explicit_${p.id}`, key: 'verify.errors.explicitMissing' }));
}

/** The explicit statements that count (ticked, purpose answered "yes"), in the language the signer saw. */
function explicitStatementsOf(form: ConsentForm, input: DecisionInput, language: Language): { purposeId: string; text: string; sha256: string }[] {
  if (input.action !== 'sign') return [];
  return form.purposes.flatMap((p) => {
    const text = p.explicitStatement?.[language];
    if (!p.specialCategory || text === undefined || input.answers[p.id] !== 'yes' || !(input.explicitConfirmed ?? []).includes(p.id)) return [];
    return [{ purposeId: p.id, text, sha256: createHash('sha256').update(text, 'utf8').digest('hex') }];
  });
}

/** Defence in depth: a sign that needs a code is recorded only on a verified, unused, unexpired code of this request. */
async function verificationFor(deps: SignDeps, request: ConsentRequestRecord, form: ConsentForm, input: DecisionInput): Promise<{ needed: boolean; codeId: string | null; verification: SignerVerification | null }> {
  if (!codeNeeded(form, input.action, input.answers)) return { needed: false, codeId: null, verification: null };
  const code = input.verifiedCodeId ? await usableVerifiedCode(deps, request, input.verifiedCodeId) : null;
  return { needed: true, codeId: code?.id ?? null, verification: code ? verificationOf(code) : null };
}

/** The signer's role today when it is no longer the request's (the child turned 16 since), else null. */
export function roleChangedSince(deps: Pick<SignDeps, 'clock'>, request: ConsentRequestRecord): SignerRole | null {
  const roleToday = signerRoleFor(request.subject.dateOfBirth, deps.clock.now());
  return roleToday === request.signerRole ? null : roleToday;
}

export async function decide(deps: SignDeps, request: ConsentRequestRecord, form: ConsentForm, input: DecisionInput): Promise<DecisionResult> {
  // A link lives up to 90 days: the age rule of the request is checked again on the day of signing.
  const roleToday = roleChangedSince(deps, request);
  if (roleToday) return { ok: false, problems: [], roleChanged: roleToday };
  const { problems, decisions, signerName } = validate(form, input);
  const drawn = input.action === 'sign' ? await readDrawnSignature(input.signatureDataUrl) : ({ kind: 'none' } as const);
  if (drawn.kind === 'refused') problems.push(drawn.problem);
  problems.push(...authorityProblems(request, input.action, input.authority), ...(input.pageProblems ?? []));
  if (problems.length > 0) return { ok: false, problems };
  const verify = await verificationFor(deps, request, form, input);
  if (verify.needed && !verify.verification) return { ok: false, problems: [], codeNeeded: true };
  const now = deps.clock.now();
  const status = input.action === 'sign' ? 'signed' : 'declined';
  const name = signerName || request.recipient.name;
  // null: no name was typed (a decline may leave it empty), so there is nothing to compare.
  const nameMatchesRecipient = signerName ? namesMatch(signerName, request.recipient.name) : null;
  let signature: SignatureRecord | null = null;
  if (status === 'signed') {
    signature = drawn.kind === 'png' ? { kind: 'drawn', image: drawn.image, text: null } : { kind: 'typed', image: null, text: name };
  }
  const [organisation, settings] = await Promise.all([deps.store.getOrganisation(request.organisationId), deps.store.getOrganisationSettings(request.organisationId)]);
  const language = input.language ?? request.language;
  const declaration = declarationFor(form, request.signerRole, language, request.subject.firstName);
  const browser = browserSummary(input.userAgent);
  const explicitStatements = explicitStatementsOf(form, input, language);
  const signatureSha256 = signature?.image ? createHash('sha256').update(signature.image).digest('hex') : null;
  const eventId = newId('evt', now);
  // Issue 12: only a guardian declares parental authority; the purposes that need both guardians are copied from the form.
  const authority = request.signerRole === 'guardian' ? input.authority ?? null : null;
  const needsAllGuardians = form.purposes.filter((p) => p.needsAllGuardians === true).map((p) => p.id);
  const eventDetail = (documentSha256: string | null, timestamp: { timestamped: boolean; error?: string | null } | null): Record<string, unknown> => ({
    decisions,
    signature: signature?.kind ?? null,
    signatureSha256,
    signerNameMatchesRecipient: nameMatchesRecipient,
    documentSha256,
    sealed: documentSha256 !== null,
    timestamped: timestamp?.timestamped ?? false,
    ...(timestamp && deps.sealer.timestamps && !timestamp.timestamped ? { sealNote: 'sealed without timestamp', timestampError: timestamp.error ?? null } : {}),
    formVersion: form.version,
    // What the decision rows and the status projection must hold: `audit verify` compares them.
    validUntil: status === 'signed' ? consentValidUntil(form, amsterdamDate(now)).toISOString() : null,
    requiredPurposes: form.purposes.filter((p) => p.required).map((p) => p.id),
    language,
    browser,
    authority,
    needsAllGuardians,
    // Issue 12 (verify): which explicit statements were ticked (the exact text's SHA-256), and how the signer was checked.
    ...(explicitStatements.length > 0 ? { explicitStatements: explicitStatements.map(({ purposeId, sha256 }) => ({ purposeId, sha256 })) } : {}),
    ...(verify.verification ? { verification: verify.verification } : {}),
  });
  const history = await deps.store.listEvents(request.organisationId, request.id);
  const finalEvent = { id: eventId, requestId: request.id, organisationId: request.organisationId, type: status, at: now, actor: 'recipient', detail: eventDetail(null, null) };
  const pdf = await deps.renderPdf({
    organisationName: organisation?.name ?? '',
    organisation: pdfOrganisation(settings),
    signerNameMatchesRecipient: nameMatchesRecipient,
    requestId: request.id,
    form,
    language,
    signerRole: request.signerRole,
    signerName: name,
    declaration,
    subjectFirstName: request.subject.firstName,
    subjectDateOfBirth: request.signerRole === 'guardian' ? request.subject.dateOfBirth : null,
    outcome: status,
    decisions,
    signature: signature === null ? null : signature.kind === 'drawn' ? { kind: 'drawn', png: signature.image! } : { kind: 'typed', text: signature.text! },
    signedAt: now,
    signedVia: { channel: request.recipient.channel, maskedAddress: request.recipient.maskedAddress },
    auditTrail: auditTrailFor(history, finalEvent),
    consentTextSha256: computeConsentTextSha256(form, language, declaration),
    signatureSha256,
    browser: describeBrowser(input.userAgent),
    family: familyPdfFacts(request, input.authority),
    explicitStatements: explicitStatements.map(({ purposeId, text }) => ({ purposeId, text })),
    verification: verify.verification,
  });
  const sealed = await deps.sealer.seal(pdf, sealInfo(organisation?.name, settings, sealReason(status, language), now));
  const sha256 = createHash('sha256').update(sealed.pdf).digest('hex');
  // When two taps race, decide() lets only the first one through; both then show its outcome.
  await deps.store.decide({
    sealState: sealStateOf(deps.sealer, sealed),
    organisationId: request.organisationId,
    requestId: request.id,
    fromStatuses: OPEN_STATUSES,
    status,
    at: now,
    signerName: name,
    decisions,
    // Counts from the Amsterdam day of this decision (consent/validity.ts).
    validUntil: status === 'signed' ? consentValidUntil(form, amsterdamDate(now)) : null,
    requiredPurposes: form.purposes.filter((p) => p.required).map((p) => p.id),
    needsAllGuardians,
    authority,
    signature,
    document: { id: newId('doc', now), requestId: request.id, organisationId: request.organisationId, kind: 'consent-pdf', contentType: 'application/pdf', sha256, content: sealed.pdf, createdAt: now },
    event: { ...finalEvent, detail: eventDetail(sha256, { timestamped: sealed.timestamped, error: sealed.timestampError ?? null }) },
    confirmation: confirmationMessage(request, 'confirmation', now),
    signerCodeId: verify.codeId,
  });
  return { ok: true, request: (await deps.store.getConsentRequest(request.organisationId, request.id))! };
}
