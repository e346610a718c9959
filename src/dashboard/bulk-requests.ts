import { randomBytes } from 'node:crypto';

import { formFromSnapshot } from '../consent/form-snapshot';
import type { LocalizedText } from '../consent/form-types';
import { OPEN_STATUSES, type ConsentStatus } from '../consent/lifecycle';
import { organisationFormCatalog } from '../consent/organisation-forms';
import { checkConsentRequest, type CheckConsentDeps, requestConsent, type RequestConsentDeps, type RequestConsentInput } from '../consent/request-consent';
import { AppError, type FieldError, isAppError } from '../errors';
import { newId } from '../shared/ids';
import { cleanText } from '../shared/text';
import type { Store } from '../storage/store';
import type { BulkBatchRecord, BulkRowData, BulkRowInput, BulkRowRecord } from './bulk-store';
import { CsvError, type CsvTable, isoDateOf, parseCsv } from './csv';
import type { StaffPrincipal } from './staff';

/**
 * Many at once (issue 11): one form to everyone on a list. A list is checked row by row with the
 * rules of the API (the route's schema, passed in as `checkInput`, then checkConsentRequest) and
 * stored as a batch in `preview`; nothing is sent until a youth worker confirms. The worker then
 * makes the requests a few rows per pass (sendBulkRows): each row reserves its request id before
 * the request is made, so a retry, a double click or a restart after a crash never makes a row's
 * request twice and goes on where it stopped.
 */
export type BulkDeps = CheckConsentDeps & { store: Store };

/** The API's own input rules (the route's zod schema): the cleaned request, or the problems. */
export type InputCheck = (raw: unknown) => { ok: true; value: RequestConsentInput } | { ok: false; problems: FieldError[] };

export const MAX_ACTIVITY_LENGTH = 100;
/** How many rows one worker pass makes requests for (each pass also sends what is due). */
export const BULK_ROWS_PER_PASS = 20;
/** A list checked but never sent is deleted after this many days (it holds names and addresses). */
export const BULK_PREVIEW_KEEP_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A row's data without the phone number and e-mail address: once its request is made (which
 * keeps the address, erased by the privacy sweep) or it will never be sent, the list needs them
 * no more. Names stay for the activity overview; the masked address stays for the preview.
 */
export function withoutContact(row: BulkRowData): BulkRowData {
  const request = row.request ? { ...row.request, recipient: { ...row.request.recipient, phone: undefined, email: undefined } } : null;
  return { input: { ...row.input, phone: '', email: '' }, plan: row.plan, request };
}

type Column = Exclude<keyof BulkRowInput, 'dateOfBirthIso'> | 'contact';

/**
 * Header names we recognise (lower case, spaces collapsed), Dutch and English. A header cell is
 * read up to a `/` or `(`, and its part after a `/` is tried too, so the template's
 * "Voornaam / First name" and a plain "first name" both match.
 */
const COLUMN_NAMES: Record<Column, readonly string[]> = {
  firstName: ['voornaam', 'roepnaam', 'first name', 'firstname', 'given name'],
  lastName: ['achternaam', 'last name', 'lastname', 'surname', 'family name'],
  dateOfBirth: ['geboortedatum', 'date of birth', 'birth date', 'dob'],
  reference: ['referentie', 'reference', 'kenmerk', 'ref', 'nummer'],
  channel: ['kanaal', 'channel'],
  contact: ['telefoon of e-mail', 'phone or e-mail', 'phone or email', 'contact'],
  phone: ['telefoon', 'telefoonnummer', 'mobiel', 'phone', 'mobile'],
  email: ['e-mail', 'email', 'e-mailadres', 'email address', 'e-mail address'],
  recipientName: ['naam ouder', 'naam ouder of verzorger', "parent's name", 'parent name', 'naam ontvanger', 'recipient name', 'ouder', 'parent'],
  language: ['taal', 'language'],
};
/** The columns every list needs; a phone or e-mail column (or the combined one) as well. */
const REQUIRED: readonly Column[] = ['firstName', 'dateOfBirth', 'reference'];

function headerCandidates(cell: string): string[] {
  const lower = cell.toLowerCase().replace(/\s+/g, ' ').trim();
  const [before, after] = lower.split('/', 2).map((part) => part.replace(/\(.*$/, '').trim());
  return [lower, before ?? '', after ?? ''].filter((c) => c !== '');
}

/** Which cell holds which column; unknown columns are ignored. */
export function mapHeader(header: string[]): Partial<Record<Column, number>> {
  const map: Partial<Record<Column, number>> = {};
  header.forEach((cell, index) => {
    const names = headerCandidates(cell);
    const column = (Object.keys(COLUMN_NAMES) as Column[]).find((c) => COLUMN_NAMES[c].some((n) => names.includes(n)));
    if (column && map[column] === undefined) map[column] = index;
  });
  return map;
}

/** The people of a list, column by column; CsvError when a needed column is missing or nobody is listed. */
export function rowsOfTable(table: CsvTable): { line: number; input: BulkRowInput }[] {
  const map = mapHeader(table.header);
  const missing: string[] = REQUIRED.filter((c) => map[c] === undefined);
  if (map.contact === undefined && map.phone === undefined && map.email === undefined) missing.push('contact');
  if (missing.length > 0) throw new CsvError({ kind: 'missing_columns', columns: missing });
  if (table.rows.length === 0) throw new CsvError({ kind: 'no_rows' });
  return table.rows.map(({ line, cells }) => {
    const cell = (c: Column) => (map[c] === undefined ? '' : (cells[map[c]] ?? '').trim());
    const contact = cell('contact');
    const dateOfBirth = cell('dateOfBirth');
    return {
      line,
      input: {
        firstName: cell('firstName'),
        lastName: cell('lastName'),
        dateOfBirth,
        dateOfBirthIso: isoDateOf(dateOfBirth),
        reference: cell('reference'),
        channel: cell('channel'),
        phone: cell('phone') || (contact.includes('@') ? '' : contact),
        email: cell('email') || (contact.includes('@') ? contact : ''),
        recipientName: cell('recipientName'),
        language: cell('language'),
      },
    };
  });
}

function channelOf(input: BulkRowInput): string {
  const raw = input.channel.toLowerCase().replace(/\s+/g, '');
  if (['sms', 'tekst', 'text', 'sms-bericht'].includes(raw)) return 'sms';
  if (['e-mail', 'email', 'mail'].includes(raw)) return 'email';
  if (raw !== '') return input.channel;
  if (input.email !== '' && input.phone === '') return 'email';
  return 'sms';
}

function languageOf(raw: string): string | undefined {
  const value = raw.toLowerCase().trim();
  if (value === '') return undefined;
  if (['nl', 'nederlands', 'dutch'].includes(value)) return 'nl';
  if (['en', 'engels', 'english'].includes(value)) return 'en';
  return raw;
}

/** The row as the API's request body, so the API's own rules judge it. */
export function requestBodyOf(formId: string, input: BulkRowInput): Record<string, unknown> {
  const channel = channelOf(input);
  const language = languageOf(input.language);
  return {
    formId,
    subject: {
      reference: input.reference,
      firstName: input.firstName,
      ...(input.lastName ? { lastName: input.lastName } : {}),
      dateOfBirth: input.dateOfBirthIso ?? input.dateOfBirth,
    },
    recipient: {
      channel,
      ...(input.recipientName ? { name: input.recipientName } : {}),
      ...(channel === 'sms' && input.phone ? { phone: input.phone } : {}),
      ...(channel === 'email' && input.email ? { email: input.email } : {}),
      ...(language ? { language } : {}),
    },
  };
}

async function checkRow(deps: BulkDeps, organisationId: string, formId: string, input: BulkRowInput, checkInput: InputCheck): Promise<Pick<BulkRowRecord, 'plan' | 'request' | 'problems'>> {
  const shaped = checkInput(requestBodyOf(formId, input));
  if (!shaped.ok) {
    // The API says "use YYYY-MM-DD"; a list may also use DD-MM-YYYY.
    const problems = shaped.problems.map((p) => (p.path === 'subject.dateOfBirth' && input.dateOfBirthIso === null ? { ...p, message: 'Use a date as YYYY-MM-DD or DD-MM-YYYY.' } : p));
    return { plan: null, request: null, problems };
  }
  const checked = await checkConsentRequest(deps, organisationId, shaped.value);
  if (!checked.ok) return { plan: null, request: null, problems: checked.problems };
  const { signerRole, recipientName, channel, maskedAddress, language } = checked.plan;
  return { plan: { signerRole, recipientName, channel, maskedAddress, language }, request: shaped.value, problems: [] };
}

/** `bat_` + time in base 36 + 80 random bits, like shared/ids.ts newId (whose prefixes are shared). */
function newBatchId(now: Date): string {
  return `bat_${now.getTime().toString(36).padStart(9, '0')}${randomBytes(10).toString('base64url')}`;
}

/** The forms the organisation can send now, for the form's choice list. */
export async function bulkFormChoices(deps: BulkDeps, organisationId: string): Promise<{ id: string; title: LocalizedText }[]> {
  return (await organisationFormCatalog(deps, organisationId)).list().map((form) => ({ id: form.id, title: form.title }));
}

export interface PreviewInput {
  formId: string;
  activity: string;
  /** The list as text (pasted, or an uploaded file decoded with decodeCsvBytes). */
  list: string;
}

/**
 * Checks every row of the list and stores the batch in `preview`; nothing is sent. Refuses a
 * form the organisation does not use and an empty or unreadable activity name (AppError on
 * `formId` / `activity`), and a list it cannot read (CsvError).
 */
export async function previewBulk(deps: BulkDeps, staff: StaffPrincipal, input: PreviewInput, checkInput: InputCheck): Promise<BulkBatchRecord> {
  const organisationId = staff.organisationId;
  const catalog = await organisationFormCatalog(deps, organisationId);
  const problems: FieldError[] = [];
  if (!catalog.get(input.formId)) problems.push({ path: 'formId', message: 'Choose one of the forms of your organisation.' });
  const activity = cleanText(input.activity);
  if (!activity.ok || activity.value.length > MAX_ACTIVITY_LENGTH) problems.push({ path: 'activity', message: `Give the activity a name of at most ${MAX_ACTIVITY_LENGTH} characters.` });
  if (problems.length > 0) throw new AppError('validation_failed', problems.map((p) => `${p.path}: ${p.message}`).join(' '), { errors: problems });
  const people = rowsOfTable(parseCsv(input.list));

  const now = deps.clock.now();
  const batch: BulkBatchRecord = { id: newBatchId(now), organisationId, formId: input.formId, activity: activity.ok ? activity.value : '', createdBy: staff.userId, createdAt: now, state: 'preview', confirmedAt: null, finishedAt: null };
  const firstLineOf = new Map<string, number>();
  const rows: BulkRowRecord[] = [];
  for (const [index, person] of people.entries()) {
    const checked = await checkRow(deps, organisationId, input.formId, person.input, checkInput);
    const reference = checked.request?.subject.reference;
    if (reference !== undefined) {
      const first = firstLineOf.get(reference);
      if (first === undefined) firstLineOf.set(reference, person.line);
      else checked.problems.push({ path: 'subject.reference', message: `The same reference is on line ${first} of the list; each person once.` });
    }
    const ok = checked.problems.length === 0;
    rows.push({ batchId: batch.id, organisationId, rowNo: index + 1, line: person.line, input: person.input, plan: ok ? checked.plan : null, request: ok ? checked.request : null, problems: checked.problems, state: ok ? 'ready' : 'invalid', requestId: null });
  }
  await deps.store.createBulkBatch(batch, rows);
  return batch;
}

/** A batch and its rows; not_found for another organisation's batch or one that does not exist. */
export async function getBulkBatch(deps: { store: Store }, staff: StaffPrincipal, batchId: string): Promise<{ batch: BulkBatchRecord; rows: BulkRowRecord[] }> {
  const batch = await deps.store.getBulkBatch(staff.organisationId, batchId);
  if (!batch) throw new AppError('not_found', 'There is no such list.');
  return { batch, rows: await deps.store.listBulkRows(staff.organisationId, batchId) };
}

export async function listBulkBatches(deps: { store: Store }, staff: StaffPrincipal, limit = 20): Promise<BulkBatchRecord[]> {
  return deps.store.listBulkBatches(staff.organisationId, limit);
}

/**
 * The youth worker confirms: the worker starts making the requests. A second confirm (double
 * click, back button) changes nothing. A list without a row that can be sent is refused.
 */
export async function confirmBulk(deps: { store: Store; clock: { now(): Date } }, staff: StaffPrincipal, batchId: string): Promise<BulkBatchRecord> {
  const { batch, rows } = await getBulkBatch(deps, staff, batchId);
  if (batch.state !== 'preview') return batch;
  if (!rows.some((r) => r.state === 'ready')) throw AppError.validation('batch', 'No row of this list can be sent.');
  await deps.store.confirmBulkBatch(staff.organisationId, batchId, deps.clock.now());
  return (await deps.store.getBulkBatch(staff.organisationId, batchId))!;
}

export interface BulkProgress {
  /** Rows that go out (every row that passed the check). */
  total: number;
  /** Of those, rows whose request was made or that a rule refused when sending. */
  done: number;
  created: number;
  failed: number;
  /** Rows left out at the check. */
  skipped: number;
  percent: number;
}

export function bulkProgress(rows: readonly BulkRowRecord[]): BulkProgress {
  const count = (state: BulkRowRecord['state']) => rows.filter((r) => r.state === state).length;
  const created = count('created');
  const failed = count('failed');
  const total = rows.length - count('invalid');
  const done = created + failed;
  return { total, done, created, failed, skipped: count('invalid'), percent: total === 0 ? 100 : Math.floor((done * 100) / total) };
}

async function sendRow(deps: RequestConsentDeps, batch: { id: string; organisationId: string }, createdBy: string, row: BulkRowRecord): Promise<void> {
  const { organisationId } = batch;
  const requestId = await deps.store.reserveBulkRowRequest(organisationId, batch.id, row.rowNo, newId('cr', deps.clock.now()));
  if (requestId === null) return; // another pass finished it
  if (!(await deps.store.getConsentRequest(organisationId, requestId))) {
    try {
      await requestConsent(deps, organisationId, `staff:${createdBy}`, row.request!, { requestId });
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        // A rule that held at the check no longer does (the form was stopped, a birthday passed).
        await deps.store.finishBulkRow(organisationId, batch.id, row.rowNo, { state: 'failed', problems: error.errors ?? [{ path: '', message: error.message }], data: withoutContact(row) });
        return;
      }
      // Another worker made this very request at the same moment (same id): that is the row's request.
      if (!(await deps.store.getConsentRequest(organisationId, requestId))) throw error;
    }
  }
  await deps.store.finishBulkRow(organisationId, batch.id, row.rowNo, { state: 'created', data: withoutContact(row) });
}

/**
 * The worker's part: makes the requests of confirmed lists, at most `limit` rows per call, and
 * marks a list done when no row waits. Returns how many rows it handled.
 */
export async function sendBulkRows(deps: RequestConsentDeps, limit = BULK_ROWS_PER_PASS): Promise<number> {
  await deps.store.deleteBulkBatches({ state: 'preview', createdBefore: new Date(deps.clock.now().getTime() - BULK_PREVIEW_KEEP_DAYS * DAY_MS), limit: 100 });
  let handled = 0;
  for (const sending of await deps.store.listSendingBulkBatches(10)) {
    if (handled >= limit) break;
    const batch = await deps.store.getBulkBatch(sending.organisationId, sending.id);
    if (!batch) continue;
    const rows = await deps.store.listBulkRows(batch.organisationId, batch.id);
    const ready = rows.filter((r) => r.state === 'ready');
    const now = ready.slice(0, limit - handled);
    for (const row of now) await sendRow(deps, batch, batch.createdBy, row);
    handled += now.length;
    if (now.length < ready.length) continue;
    // Rows left out at the check will never be sent: their addresses go before the list is done.
    for (const row of rows.filter((r) => r.state === 'invalid' && (r.input.phone !== '' || r.input.email !== ''))) {
      await deps.store.replaceBulkRowData(batch.organisationId, batch.id, row.rowNo, withoutContact(row));
    }
    await deps.store.finishBulkBatch(batch.organisationId, batch.id, deps.clock.now());
  }
  return handled;
}

/** Per person and purpose: yes, no, still waiting, or no answer coming (expired, cancelled, failed, not sent). */
export type BulkAnswer = 'yes' | 'no' | 'waiting' | 'none';

export interface ActivityPerson {
  rowNo: number;
  firstName: string;
  lastName: string;
  reference: string;
  /** The request's status; null when the row was not sent. */
  status: ConsentStatus | null;
  rowState: BulkRowRecord['state'];
  requestId: string | null;
  answers: { purposeId: string; answer: BulkAnswer }[];
}

export interface ActivityOverview {
  batch: BulkBatchRecord;
  purposes: { id: string; label: LocalizedText }[];
  people: ActivityPerson[];
  totals: { purposeId: string; yes: number; no: number; waiting: number }[];
}

function answerFor(status: ConsentStatus | null, decisions: { purposeId: string; granted: boolean }[], purposeId: string, lapsed: boolean): BulkAnswer {
  if (status === null) return 'none';
  if (OPEN_STATUSES.includes(status)) return 'waiting';
  if (status === 'declined') return 'no';
  if (status === 'signed' || status === 'withdrawn') {
    const decision = decisions.find((d) => d.purposeId === purposeId);
    if (!decision) return 'none';
    return decision.granted && !lapsed ? 'yes' : 'no';
  }
  return 'none';
}

/**
 * The activity overview: per person of the list and per purpose of the form, yes / no / waiting,
 * from each row's request as it is now (withdrawals and lapsed consent count as no).
 */
export async function activityOverview(deps: BulkDeps, staff: StaffPrincipal, batchId: string): Promise<ActivityOverview> {
  const { batch, rows } = await getBulkBatch(deps, staff, batchId);
  const now = deps.clock.now();
  const requests = await Promise.all(rows.map((r) => (r.state === 'created' && r.requestId ? deps.store.getConsentRequest(staff.organisationId, r.requestId) : Promise.resolve(null))));
  const version = requests.find((r) => r !== null)?.formVersion;
  const snapshot = version ? await deps.store.getFormSnapshot(batch.formId, version) : null;
  const form = snapshot ? formFromSnapshot(snapshot) : (await organisationFormCatalog(deps, staff.organisationId)).get(batch.formId);
  const purposes = (form?.purposes ?? []).map((p) => ({ id: p.id, label: p.label }));
  const people = rows.map((row, index): ActivityPerson => {
    const request = requests[index] ?? null;
    const lapsed = request?.validUntil ? request.validUntil.getTime() <= now.getTime() : false;
    const status = request?.status ?? null;
    return {
      rowNo: row.rowNo,
      firstName: request?.subject.firstName ?? row.input.firstName,
      lastName: request?.subject.lastName ?? row.input.lastName,
      reference: request?.subject.reference ?? row.input.reference,
      status,
      rowState: row.state,
      requestId: request?.id ?? null,
      answers: purposes.map((p) => ({ purposeId: p.id, answer: answerFor(status, request?.decisions ?? [], p.id, lapsed) })),
    };
  });
  const totals = purposes.map((p) => {
    const answers = people.map((person) => person.answers.find((a) => a.purposeId === p.id)?.answer);
    return { purposeId: p.id, yes: answers.filter((a) => a === 'yes').length, no: answers.filter((a) => a === 'no').length, waiting: answers.filter((a) => a === 'waiting').length };
  });
  return { batch, purposes, people, totals };
}
