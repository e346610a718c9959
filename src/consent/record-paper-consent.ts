import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';

import { type AuditChainKey, GENESIS_HASH } from '../evidence/audit-chain';
import { auditEntry, auditTrailFor } from '../evidence/audit-trail';
import { inspectPdfScan } from '../evidence/inspect-pdf-scan';
import type { PaperCoverPdfInput } from '../evidence/render-paper-cover-pdf';
import { ScanRenderError } from '../evidence/render-pdf-pages';
import { pdfOrganisation, sealInfo } from '../evidence/pdf-organisation';
import { sealReason } from '../evidence/seal-reasons';
import { type Sealer, sealStateOf } from '../evidence/sealer';
import { prepareScanImage } from '../evidence/scan-image';
import { isCompleteScan, sniffScanType, type ScanType } from '../evidence/scan-type';
import { AppError, isAppError } from '../errors';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import { type WorkLimit, WorkLimitFull } from '../shared/work-limit';
import { cleanText, stripToVisible, TEXT_PROBLEM_MESSAGES } from '../shared/text';
import type { ConsentRequestRecord, DecideInput, Decision, EventRecord, Store } from '../storage/store';
import { amsterdamDate, type CalendarDate, compareDates, parseIsoDate } from './age';
import { formFromSnapshot, formSnapshot } from './form-snapshot';
import type { ConsentForm, Language } from './form-types';
import type { FormCatalog } from './forms';
import { organisationFormCatalog } from './organisation-forms';
import { OPEN_STATUSES } from './lifecycle';
import { assertAudience, reminderPolicy, signerRoleOn } from './request-consent';
import { consentValidUntil } from './validity';

export const MAX_SCAN_BYTES = 10 * 1024 * 1024;

export interface PaperDeps {
  store: Store;
  clock: Clock;
  forms: FormCatalog;
  sealer: Sealer;
  reminderDefaults: ConsentRequestRecord['reminders'];
  renderPaperRecordPdf: (cover: PaperCoverPdfInput, scan: Buffer, contentType: ScanType) => Promise<Buffer>;
  /** Checking, decoding and drawing scans: a few at once, a few waiting, the rest refused (503). */
  scanWork: WorkLimit;
  /** The audit chain's key: a new request's record prints the hash its `created` event will be stored with. */
  auditChain: Pick<AuditChainKey, 'eventHash'>;
}

export interface PaperFields {
  signedBy?: string | undefined;
  signedOn?: string | undefined;
  decisions?: string | undefined;
  file: { bytes: Buffer; fileName: string | null } | null;
}

/**
 * A paper form is recorded at most 2 years after it was signed: the same Amsterdam calendar date
 * two years back is the earliest `signedOn` (on 29 February, with no such day two years back, that
 * is 1 March). An older date is a typing error or a consent that has long lapsed; it is also never
 * before the date of birth (signerRoleOn).
 */
export const MAX_PAPER_AGE_YEARS = 2;
function earliestSignedOn(now: Date): CalendarDate {
  const today = amsterdamDate(now);
  return { ...today, year: today.year - MAX_PAPER_AGE_YEARS };
}

const decisionsSchema = z.array(z.object({ purposeId: z.string().min(1), granted: z.boolean() }).strict()).min(1);

/** Checks the paper facts against the form: every purpose decided once, a name, a real date not in the future. */
function validatePaper(form: ConsentForm, fields: PaperFields, now: Date): { signedBy: string; signedOn: string; decisions: Decision[]; scan: Buffer; type: ScanType; fileName: string | null } {
  const errors: { path: string; message: string }[] = [];
  const name = cleanText(fields.signedBy ?? '');
  const signedBy = name.ok ? name.value : '';
  if (!name.ok && name.problem !== 'empty') errors.push({ path: 'signedBy', message: TEXT_PROBLEM_MESSAGES[name.problem] });
  else if (signedBy.length < 2 || signedBy.length > 100) errors.push({ path: 'signedBy', message: 'Give the name of who signed (2–100 characters).' });
  const day = parseIsoDate(fields.signedOn ?? '');
  if (!day) errors.push({ path: 'signedOn', message: 'Use a real date in the form YYYY-MM-DD.' });
  else if (compareDates(day, amsterdamDate(now)) > 0) errors.push({ path: 'signedOn', message: 'The date lies in the future.' });
  else if (compareDates(day, earliestSignedOn(now)) < 0) errors.push({ path: 'signedOn', message: `The date lies more than ${MAX_PAPER_AGE_YEARS} years before today; record a form signed in the last ${MAX_PAPER_AGE_YEARS} years.` });
  let decisions: Decision[] = [];
  try {
    const parsed = decisionsSchema.safeParse(JSON.parse(fields.decisions ?? ''));
    if (!parsed.success) errors.push({ path: 'decisions', message: 'Send a JSON array of {purposeId, granted}.' });
    else {
      decisions = parsed.data;
      const ids = decisions.map((d) => d.purposeId);
      const missing = form.purposes.filter((p) => !ids.includes(p.id)).map((p) => p.id);
      const unknown = ids.filter((id) => !form.purposes.some((p) => p.id === id));
      if (missing.length) errors.push({ path: 'decisions', message: `Every purpose needs a decision; missing: ${missing.join(', ')}.` });
      if (unknown.length) errors.push({ path: 'decisions', message: `Unknown purposes for form ${form.id}: ${unknown.join(', ')}.` });
      if (new Set(ids).size !== ids.length) errors.push({ path: 'decisions', message: 'A purpose appears twice.' });
    }
  } catch {
    errors.push({ path: 'decisions', message: 'This is not valid JSON.' });
  }
  const scan = fields.file?.bytes ?? null;
  const type = scan ? sniffScanType(scan) : null;
  if (!scan || scan.length === 0) errors.push({ path: 'file', message: 'Attach the scan of the signed paper form.' });
  else if (!type) errors.push({ path: 'file', message: 'The file must be a PDF, JPEG or PNG; its content is none of these (the file name does not count).' });
  else if (!isCompleteScan(scan, type)) errors.push({ path: 'file', message: 'The file starts like a PDF, JPEG or PNG but is not complete or is damaged. Scan it again.' });
  if (errors.length > 0) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  return { signedBy, signedOn: fields.signedOn!, decisions, scan: scan!, type: type!, fileName: stripToVisible(fields.file?.fileName ?? '') };
}

/**
 * A paper form tells what was decided on the day it was signed. A later decision for the same
 * subject and form (a signature or a withdrawal through the link) must not be undone by recording
 * an older paper afterwards: that paper is refused, with the date of the decision it would undo.
 */
async function assertNotOlderThanLatestDecision(deps: Pick<PaperDeps, 'store'>, organisationId: string, subjectReference: string, formId: string, signedOn: CalendarDate, signedOnText: string): Promise<void> {
  const latest = (await deps.store.currentDecisions(organisationId, subjectReference))
    .filter((d) => d.formId === formId)
    .reduce<string | null>((max, d) => (max === null || d.since > max ? d.since : max), null);
  if (latest === null) return;
  const latestDay = amsterdamDate(new Date(latest));
  if (compareDates(signedOn, latestDay) < 0) {
    const day = `${latestDay.year}-${String(latestDay.month).padStart(2, '0')}-${String(latestDay.day).padStart(2, '0')}`;
    throw AppError.validation('signedOn', `This paper was signed on ${signedOnText}, before the latest decision for this person on this form (${day}). An older paper form cannot replace a later choice; ask for a new consent instead.`);
  }
}

/** Runs scan work within the limit; when too much waits already, a 503 that says to retry. */
async function scanWork<T>(deps: Pick<PaperDeps, 'scanWork'>, job: () => Promise<T>): Promise<T> {
  try {
    return await deps.scanWork.run(job);
  } catch (error) {
    if (error instanceof WorkLimitFull) throw new AppError('unavailable', 'Too many scans are being processed right now; retry in a minute.');
    throw error;
  }
}

/**
 * What the record shows of the scan: a JPEG or PNG decoded in full and converted to sRGB for
 * PDF/A (refused as a 422 on `file` when too large or damaged); a PDF checked and rewritten from
 * its parsed objects (refused as a 422 on `file` naming the reason), so that bytes of the upload
 * that belong to no object never reach the record.
 */
async function scanForRecord(scan: Buffer, type: ScanType): Promise<Buffer> {
  if (type === 'application/pdf') {
    const inspected = await inspectPdfScan(scan);
    if (inspected.problem !== null) throw AppError.validation('file', inspected.problem);
    return inspected.normalised;
  }
  const prepared = await prepareScanImage(scan, type);
  if (!prepared.ok) throw AppError.validation('file', prepared.reason);
  return prepared.image.bytes;
}

/**
 * Consent given on paper: the scan (PDF, JPEG or PNG, at most 10 MiB = 10,485,760 bytes, type from its bytes) is kept
 * inside one sealed PDF with a cover page, encrypted like all documents, and the decisions count
 * in the status API like signed ones. For an open request, or for a subject without one.
 */
export async function recordPaperConsent(deps: PaperDeps, organisationId: string, actor: string, target: { requestId: string } | { subjectReference: string; formId: string; firstName: string; lastName?: string | undefined; dateOfBirth: string; language?: Language | undefined }, fields: PaperFields, actorName: string | null = null): Promise<ConsentRequestRecord> {
  const now = deps.clock.now();
  const existing = 'requestId' in target ? await deps.store.getConsentRequest(organisationId, target.requestId) : null;
  let form: ConsentForm;
  if ('requestId' in target) {
    if (!existing) throw new AppError('not_found', 'There is no consent request with this id.');
    if (!OPEN_STATUSES.includes(existing.status)) throw new AppError('conflict', `Paper consent can be recorded while the request is open; it is ${existing.status}.`);
    form = formFromSnapshot((await deps.store.getFormSnapshot(existing.formId, existing.formVersion))!);
  } else {
    const current = (await organisationFormCatalog(deps, organisationId)).get(target.formId);
    if (!current) throw AppError.validation('formId', `There is no form "${target.formId}".`);
    form = current;
  }
  const paper = validatePaper(form, fields, now);
  // The age rule of the digital path, on the day the paper was signed (not the day it is recorded).
  const signedOn = parseIsoDate(paper.signedOn)!;
  const dayName = `the day the paper was signed (${paper.signedOn})`;
  const signerRole = existing ? signerRoleOn(existing.subject.dateOfBirth, signedOn, 'signedOn', dayName) : signerRoleOn((target as { dateOfBirth: string }).dateOfBirth, signedOn, 'dateOfBirth', dayName);
  assertAudience(form.audience, signerRole, form.id, paper.signedOn);
  await assertNotOlderThanLatestDecision(deps, organisationId, existing ? existing.subject.reference : (target as { subjectReference: string }).subjectReference, form.id, signedOn, paper.signedOn);
  const embedded = await scanWork(deps, () => scanForRecord(paper.scan, paper.type));
  // A new request is only allocated here: it is written together with its decision, after the
  // record is sealed, so an expiry sweep or a reader never meets it half-made.
  let request: ConsentRequestRecord;
  if (existing) {
    request = existing;
  } else {
    const subject = target as Exclude<typeof target, { requestId: string }>;
    request = {
      id: newId('cr', now),
      organisationId,
      formId: form.id,
      formVersion: form.version,
      status: 'pending',
      // The signer's role follows from the age on the day the paper was signed.
      signerRole,
      language: subject.language ?? 'nl',
      subject: { reference: subject.subjectReference, firstName: subject.firstName, lastName: subject.lastName ?? null, dateOfBirth: subject.dateOfBirth },
      recipient: { name: paper.signedBy, channel: 'paper', address: null, maskedAddress: 'paper' },
      // Paper requests have no link: a random hash that no token can ever match.
      tokenHash: createHash('sha256').update(randomBytes(32)).digest('hex'),
      createdAt: now,
      updatedAt: now,
      expiresAt: now,
      sentAt: null,
      openedAt: null,
      decidedAt: null,
      reminderCount: 0,
      reminders: reminderPolicy(deps.reminderDefaults, form, { automatic: 0, max: 0 }),
      deliveredAt: null,
      failureReason: null,
      decisions: [],
      signerName: null,
      signatureKind: null,
      sealState: null,
      version: 0,
    };
  }

  // A new request's `created` event is stored with its decision, after sealing; it starts the
  // request's chain, so the hash it will be stored with is known now and printed in the trail.
  const created: EventRecord | null = existing
    ? null
    : { id: newId('evt', now), requestId: request.id, organisationId, type: 'created', at: now, actor, detail: { subjectReference: request.subject.reference, formId: form.id, formVersion: form.version, signerRole: request.signerRole, channel: 'paper' } };
  const [organisation, settings] = await Promise.all([deps.store.getOrganisation(organisationId), deps.store.getOrganisationSettings(organisationId)]);
  // The SHA-256 of the upload as it was received; for a PDF also that of the normalised copy attached to the record.
  const scanSha256 = createHash('sha256').update(paper.scan).digest('hex');
  const attachedSha256 = paper.type === 'application/pdf' ? createHash('sha256').update(embedded).digest('hex') : null;
  const label = (id: string) => form.purposes.find((p) => p.id === id)?.label[request.language] ?? id;
  const history = existing ? await deps.store.listEvents(organisationId, request.id) : [];
  let record: Buffer;
  try {
    record = await scanWork(deps, () => deps.renderPaperRecordPdf(
      {
        organisationName: organisation?.name ?? '',
        organisation: pdfOrganisation(settings),
        requestId: request.id,
        form,
        language: request.language,
        signedBy: paper.signedBy,
        // The role on the day the paper was signed; on an open request it may differ from the request's.
        signerRole,
        subjectFirstName: request.subject.firstName,
        subjectDateOfBirth: signerRole === 'guardian' ? request.subject.dateOfBirth : null,
        signedOn: paper.signedOn,
        decisions: paper.decisions.map((d) => ({ ...d, label: label(d.purposeId) })),
        recordedAt: now,
        recordedBy: actor,
        recordedByName: actorName,
        // The event this record completes is stored after sealing: its hash covers this record, so it is shown without one.
        auditTrail: [
          ...(created ? [auditEntry(created, deps.auditChain.eventHash(GENESIS_HASH, created))] : []),
          ...auditTrailFor(history, { id: '', requestId: request.id, organisationId, type: paper.decisions.some((d) => d.granted) ? 'signed' : 'declined', at: now, actor, detail: { channel: 'paper' } }),
        ],
        scan: { contentType: paper.type, bytes: paper.scan.length, sha256: scanSha256, fileName: paper.fileName, attachedSha256 },
      },
      embedded,
      paper.type,
    ));
  } catch (error) {
    if (isAppError(error)) throw error;
    if (error instanceof ScanRenderError) throw AppError.validation('file', error.message);
    // The first bytes said PDF, JPEG or PNG, but the file cannot be read as one.
    throw AppError.validation('file', `The file cannot be read as a ${paper.type === 'application/pdf' ? 'PDF' : paper.type === 'image/png' ? 'PNG' : 'JPEG'}: it may be damaged. Scan it again.`);
  }
  const sealed = await deps.sealer.seal(record, sealInfo(organisation?.name, settings, sealReason('paper', request.language), now));
  const sha256 = createHash('sha256').update(sealed.pdf).digest('hex');
  const status = paper.decisions.some((d) => d.granted) ? 'signed' : 'declined';
  const decision: Omit<DecideInput, 'organisationId' | 'requestId' | 'fromStatuses'> = {
    sealState: sealStateOf(deps.sealer, sealed),
    status,
    at: now,
    signerName: paper.signedBy,
    decisions: paper.decisions,
    // Validity counts from the date on the paper, not from the day it was recorded.
    validUntil: status === 'signed' ? consentValidUntil(form, signedOn) : null,
    requiredPurposes: form.purposes.filter((p) => p.required).map((p) => p.id),
    needsAllGuardians: form.purposes.filter((p) => p.needsAllGuardians === true).map((p) => p.id),
    signature: null,
    document: { id: newId('doc', now), requestId: request.id, organisationId, kind: 'paper-record', contentType: 'application/pdf', sha256, content: sealed.pdf, createdAt: now },
    event: {
      id: newId('evt', now),
      requestId: request.id,
      organisationId,
      type: status,
      at: now,
      actor,
      detail: { method: 'paper', signedOn: paper.signedOn, signerRole, decisions: paper.decisions, scan: { type: paper.type, bytes: paper.scan.length, sha256: scanSha256, ...(attachedSha256 ? { attachedSha256 } : {}) }, documentSha256: sha256, timestamped: sealed.timestamped, ...(deps.sealer.timestamps && !sealed.timestamped ? { sealNote: 'sealed without timestamp', timestampError: sealed.timestampError ?? null } : {}), formVersion: form.version, validUntil: status === 'signed' ? consentValidUntil(form, signedOn).toISOString() : null, requiredPurposes: form.purposes.filter((p) => p.required).map((p) => p.id), needsAllGuardians: form.purposes.filter((p) => p.needsAllGuardians === true).map((p) => p.id) },
    },
  };
  if (!existing) {
    await deps.store.createDecidedRequest({
      request,
      form: formSnapshot(form),
      event: created!,
      decision,
    });
    return (await deps.store.getConsentRequest(organisationId, request.id))!;
  }
  // Paper for an open request racing a signature through the link: the first to be stored wins.
  const decided = await deps.store.decide({ ...decision, organisationId, requestId: request.id, fromStatuses: OPEN_STATUSES });
  if (!decided) throw new AppError('conflict', 'The request changed at the same moment; fetch it again.');
  return (await deps.store.getConsentRequest(organisationId, request.id))!;
}
