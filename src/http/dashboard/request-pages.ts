import express, { Router, type Request, type Response } from 'express';

import { parseIsoDate, type CalendarDate } from '../../consent/age';
import { cancelConsent } from '../../consent/cancel-consent';
import { normaliseEmail, normalisePhone } from '../../consent/contact-address';
import type { ConsentDocument } from '../../consent/consent-documents';
import { STATUSES } from '../../consent/lifecycle';
import { organisationFormCatalog } from '../../consent/organisation-forms';
import { MAX_SCAN_BYTES, recordPaperConsent } from '../../consent/record-paper-consent';
import { remindConsent } from '../../consent/remind-consent';
import { requestConsent, signerRoleFor } from '../../consent/request-consent';
import { startOfAmsterdamDay } from '../../consent/validity';
import { downloadDocument, isStatus, requestDetail, requestOverview, type OverviewQuery, type RequestDetail } from '../../dashboard/request-views';
import { staffCsrfOk, staffOf, type StaffPrincipal } from '../../dashboard/staff';
import { disabledWebhookNotice } from '../../dashboard/webhook-notice';
import { AppError, isAppError } from '../../errors';
import type { StoredEvent } from '../../storage/store';
import { readMultipart, UploadTooLarge } from '../middleware/multipart';
import { createConsentRequestBody } from '../routes/consent-requests/schema';
import type { DashboardDeps } from './index';
import { FAMILY_EVENT_LABELS, familyPanel, type SecondGuardianValues } from './family-pages';

/** A field error as the dashboard's pages show it: the field's id, a message key, the field's label key. */
interface PageError {
  field: string;
  key: string;
  labelKey?: string;
  /** A label that is no key (a purpose's name from the form). */
  label?: string;
}

const REQUEST_ID = /^cr_[A-Za-z0-9_-]{1,60}$/;
const DOCUMENT_ID = /^doc_[A-Za-z0-9_-]{1,60}$/;
const MAX_SEARCH = 100;

const urlencoded = express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 50 });
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
/** Who did it, in the audit log and an endpoint's history: `staff:<userId>`. */
export const actorOf = (staff: StaffPrincipal) => `staff:${staff.userId}`;
const dayAfter = (d: CalendarDate): CalendarDate => {
  const next = new Date(Date.UTC(d.year, d.month - 1, d.day + 1));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
};

/** The same page in the other language (the session guard reads `?lang=` and remembers it). */
export function langSwitch(req: Request, lang: 'nl' | 'en'): { langSwitchUrl: string; otherLang: 'nl' | 'en' } {
  const other = lang === 'nl' ? 'en' : 'nl';
  const url = new URL(req.originalUrl, 'http://dashboard.invalid');
  url.searchParams.set('lang', other);
  return { langSwitchUrl: `${url.pathname}${url.search}`, otherLang: other };
}

function pageModel(req: Request, res: Response, nav: 'overview' | 'new', extra: Record<string, unknown>): Record<string, unknown> {
  const staff = staffOf(res);
  return { layout: 'dashboard', lang: staff.language, ...langSwitch(req, staff.language), staff, organisationName: res.locals.organisationName, nav, ...extra };
}

export function sendPage(deps: DashboardDeps, res: Response, page: string, model: Record<string, unknown>, status = 200): void {
  res.status(status).setHeader('Cache-Control', 'no-store');
  res.type('html').send(deps.views.render(page, model));
}

/** The forms the organisation can send now, titled in the page's language. */
async function formChoices(deps: DashboardDeps, staff: StaffPrincipal, selected: string): Promise<{ id: string; title: string; selected: boolean }[]> {
  const catalog = await organisationFormCatalog(deps, staff.organisationId);
  return catalog.list().map((f) => ({ id: f.id, title: f.title[staff.language], selected: f.id === selected }));
}

// ---- overview ----

interface OverviewInput {
  query: OverviewQuery;
  raw: { q: string; from: string; to: string; status: string; form: string };
  errors: PageError[];
}

function readOverviewQuery(req: Request): OverviewInput {
  const q = text(req.query.q).trim();
  const raw = { q, from: text(req.query.from).trim(), to: text(req.query.to).trim(), status: text(req.query.status), form: text(req.query.form) };
  const errors: PageError[] = [];
  const from = raw.from ? parseIsoDate(raw.from) : null;
  const to = raw.to ? parseIsoDate(raw.to) : null;
  if (raw.from && !from) errors.push({ field: 'from', key: 'dash.requests.overview.errors.from', labelKey: 'dash.requests.overview.from' });
  if (raw.to && !to) errors.push({ field: 'to', key: 'dash.requests.overview.errors.to', labelKey: 'dash.requests.overview.to' });
  if (q.length > MAX_SEARCH) errors.push({ field: 'q', key: 'dash.requests.overview.errors.search', labelKey: 'dash.requests.overview.search' });
  const after = text(req.query.after);
  const query: OverviewQuery = {
    status: isStatus(raw.status) ? raw.status : undefined,
    formId: /^[a-z0-9][a-z0-9-]{0,63}$/.test(raw.form) ? raw.form : undefined,
    createdFrom: from ? startOfAmsterdamDay(from) : undefined,
    createdBefore: to ? startOfAmsterdamDay(dayAfter(to)) : undefined,
    search: q && q.length <= MAX_SEARCH ? q : undefined,
    after: REQUEST_ID.test(after) ? after : undefined,
  };
  return { query, raw, errors };
}

function overviewUrl(raw: OverviewInput['raw'], after?: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(raw)) if (value) params.set(key, value);
  if (after) params.set('after', after);
  const qs = params.toString();
  return qs ? `/app?${qs}` : '/app';
}

// ---- new request ----

const NEW_FIELDS = ['formId', 'firstName', 'lastName', 'dateOfBirth', 'reference', 'recipientName', 'channel', 'address', 'language'] as const;
type NewValues = Record<(typeof NEW_FIELDS)[number], string>;

const NEW_LABELS: Record<string, string> = {
  formId: 'dash.requests.new.form',
  firstName: 'dash.requests.new.firstName',
  lastName: 'dash.requests.new.lastName',
  dateOfBirth: 'dash.requests.new.dateOfBirth',
  reference: 'dash.requests.new.reference',
  recipientName: 'dash.requests.new.recipientName',
  channel: 'dash.requests.new.channel',
  address: 'dash.requests.new.address',
  language: 'dash.requests.new.language',
};

/** API paths (the use case's and the schema's) → the page's fields. */
const API_TO_FIELD: Record<string, string> = {
  formId: 'formId',
  'subject.reference': 'reference',
  'subject.firstName': 'firstName',
  'subject.lastName': 'lastName',
  'subject.dateOfBirth': 'dateOfBirth',
  'recipient.name': 'recipientName',
  'recipient.channel': 'channel',
  'recipient.phone': 'address',
  'recipient.email': 'address',
  'recipient.language': 'language',
};

function newRequestError(field: string, values: NewValues, missing: boolean): PageError {
  const invalid = missing ? '' : 'Invalid';
  const key =
    field === 'address' ? (missing ? 'address' : values.channel === 'email' ? 'addressEmail' : 'addressSms')
    : field === 'recipientName' && missing ? 'recipientName'
    : ['channel', 'language'].includes(field) ? field
    : `${field}${invalid}`;
  return { field, key: `dash.requests.new.errors.${key}`, labelKey: NEW_LABELS[field] };
}

/** Empty required fields first (in Dutch, per field); then the API's own schema, so the rules are the API's. */
function checkNewRequest(values: NewValues): { errors: PageError[]; body: unknown } {
  const errors: PageError[] = [];
  for (const field of ['formId', 'firstName', 'dateOfBirth', 'reference', 'channel', 'address'] as const) {
    if (!values[field].trim()) errors.push(newRequestError(field, values, true));
  }
  const channel = values.channel === 'sms' || values.channel === 'email' ? values.channel : undefined;
  if (values.channel && !channel) errors.push(newRequestError('channel', values, true));
  const body = {
    formId: values.formId.trim(),
    subject: { reference: values.reference.trim(), firstName: values.firstName, ...(values.lastName.trim() ? { lastName: values.lastName } : {}), dateOfBirth: values.dateOfBirth.trim() },
    recipient: {
      ...(values.recipientName.trim() ? { name: values.recipientName } : {}),
      channel: channel ?? 'sms',
      ...(channel === 'email' ? { email: values.address.trim() } : { phone: values.address.trim() }),
      language: values.language === 'en' ? 'en' : 'nl',
    },
  };
  // The address by the API's own rules (consent/contact-address.ts), so every problem shows at once.
  if (channel && values.address.trim()) {
    try {
      if (channel === 'email') normaliseEmail(values.address.trim(), 'recipient.email');
      else normalisePhone(values.address.trim(), 'recipient.phone');
    } catch (error) {
      if (!isAppError(error)) throw error;
      errors.push(newRequestError('address', values, false));
    }
  }
  const parsed = createConsentRequestBody.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = API_TO_FIELD[issue.path.join('.')];
      if (field && !errors.some((e) => e.field === field)) errors.push(newRequestError(field, values, false));
    }
  }
  return { errors, body: parsed.success ? parsed.data : null };
}

function recipientNote(deps: DashboardDeps, values: NewValues): { key: string; name: string } | null {
  if (!parseIsoDate(values.dateOfBirth.trim())) return null;
  try {
    const role = signerRoleFor(values.dateOfBirth.trim(), deps.clock.now());
    const name = values.firstName.trim() || '…';
    return { key: role === 'guardian' ? 'dash.requests.new.recipientGuardian' : 'dash.requests.new.recipientParticipant', name };
  } catch {
    return null;
  }
}

// ---- detail ----

const KNOWN_EVENTS = new Set(['created', 'sent', 'reminder_requested', 'reminder_sent', 'reminder_failed', 'confirmation_sent', 'confirmation_failed', 'delivered', 'failed', 'opened', 'signed', 'declined', 'withdrawn', 'expired', 'cancelled', 'provider_status', 'timestamp_added',
  // Issue 12: one-time codes, turning 16, renewal and lapse ('subject.turning_16' is read as subject_turning_16).
  'signer_code_sent', 'signer_code_not_delivered', 'signer_code_failed', 'signer_verified', 'subject_turning_16', 'reconfirmation_requested', 'renewal_due', 'renewal_requested', 'lapsed']);

function actorKey(actor: string, staff: StaffPrincipal): string {
  if (actor === actorOf(staff)) return 'dash.requests.actors.you';
  const kind = actor.split(':')[0] ?? '';
  return ['api', 'recipient', 'system', 'provider', 'staff'].includes(kind) ? `dash.requests.actors.${kind}` : 'dash.requests.actors.system';
}

function timeline(events: StoredEvent[], staff: StaffPrincipal) {
  return events.map((e) => ({ at: e.at, atIso: e.at.toISOString(), type: e.type, labelKey: FAMILY_EVENT_LABELS[e.type] ?? (KNOWN_EVENTS.has(e.type.replace('.', '_')) ? `dash.requests.events.${e.type.replace('.', '_')}` : 'dash.requests.events.other'), actorKey: actorKey(e.actor, staff) }));
}

interface PaperValues {
  signedBy: string;
  signedOn: string;
  purposes: Record<string, string>;
}

export function detailModel(req: Request, res: Response, d: RequestDetail, extra: { notice?: string; problem?: string; errors?: PageError[]; paper?: PaperValues; secondGuardian?: SecondGuardianValues } = {}): Record<string, unknown> {
  const staff = staffOf(res);
  const r = d.request;
  return pageModel(req, res, 'overview', {
    r: {
      id: r.id, name: d.name, reference: r.subject.reference, status: r.status, formTitle: d.formTitle[staff.language], signerRole: r.signerRole,
      recipientName: r.recipient.channel === 'paper' ? null : r.recipient.name, channel: r.recipient.channel, maskedAddress: r.recipient.maskedAddress,
      expiresAt: r.expiresAt, reminderCount: r.reminderCount, reminderMax: r.reminders.max,
    },
    can: { remind: d.canRemind, cancel: d.canCancel, paper: d.canRecordPaper },
    events: timeline(d.events, staff),
    documents: d.documents.map((doc: ConsentDocument) => ({ id: doc.id, kindKey: `dash.requests.detail.documentKind.${doc.kind}`, version: doc.version, createdAt: doc.createdAt })),
    purposes: d.purposes.map((p) => ({ id: p.id, label: p.label[staff.language], value: extra.paper?.purposes[p.id] ?? '' })),
    paper: extra.paper ?? { signedBy: '', signedOn: '', purposes: {} },
    family: familyPanel(r, d.family, extra.secondGuardian),
    notice: extra.notice,
    problem: extra.problem,
    errors: extra.errors && extra.errors.length > 0 ? extra.errors : undefined,
  });
}

const NOTICES: Record<string, string> = {
  created: 'dash.requests.detail.created',
  reminded: 'dash.requests.detail.reminded',
  cancelled: 'dash.requests.detail.cancelled',
  paper: 'dash.requests.detail.paperRecorded',
  secondGuardian: 'familyDash.invited',
};

const PAPER_LABELS: Record<string, string> = { signedBy: 'dash.requests.detail.signedBy', signedOn: 'dash.requests.detail.signedOn', file: 'dash.requests.detail.file' };

/** The paper use case's field errors (English, for the API) → the page's Dutch-first messages. */
function paperErrors(error: AppError): PageError[] {
  const found = error.errors ?? [];
  const out: PageError[] = [];
  for (const e of found) {
    if (e.path === 'file') {
      const key = error instanceof UploadTooLarge ? 'fileTooLarge' : /read|damaged|decode|PDF|large|pixels/i.test(e.message) && !/Attach/.test(e.message) ? 'fileUnreadable' : 'file';
      out.push({ field: 'file', key: `dash.requests.detail.errors.${key}`, labelKey: PAPER_LABELS.file });
    } else if (e.path === 'signedOn') {
      out.push({ field: 'signedOn', key: /latest decision/.test(e.message) ? 'dash.requests.detail.errors.signedOnOlder' : 'dash.requests.detail.errors.signedOn', labelKey: PAPER_LABELS.signedOn });
    } else if (e.path === 'signedBy') {
      out.push({ field: 'signedBy', key: 'dash.requests.detail.errors.signedBy', labelKey: PAPER_LABELS.signedBy });
    } else if (e.path === 'formId') {
      out.push({ field: '', key: 'dash.requests.detail.errors.formId' });
    } else if (e.path === 'decisions') {
      out.push({ field: '', key: 'dash.requests.detail.errors.decisions' });
    }
  }
  return out.length > 0 ? out : [{ field: '', key: 'dash.requests.detail.errors.other' }];
}

/** Dashboard: overview, new request, request detail (issue 11). */
export function requestPages(deps: DashboardDeps): Router {
  const router = Router({ caseSensitive: true });

  router.get('/', async (req, res) => {
    const staff = staffOf(res);
    const input = readOverviewQuery(req);
    const { rows, nextCursor } = await requestOverview(deps, staff, input.query);
    const forms = await formChoices(deps, staff, input.raw.form);
    const filtered = Boolean(input.raw.q || input.raw.from || input.raw.to || input.query.status || input.query.formId);
    sendPage(deps, res, 'dash-overview', pageModel(req, res, 'overview', {
      rows: rows.map((r) => ({ ...r, formTitle: r.formTitle[staff.language] })),
      forms,
      statuses: STATUSES.map((value) => ({ value, selected: value === input.query.status })),
      query: input.raw,
      filtered,
      nextUrl: nextCursor ? overviewUrl(input.raw, nextCursor) : null,
      firstUrl: input.query.after ? overviewUrl(input.raw) : null,
      errors: input.errors.length > 0 ? input.errors : undefined,
      webhookNotice: await disabledWebhookNotice(deps, staff),
    }));
  });

  router.get('/requests/new', async (req, res) => {
    const staff = staffOf(res);
    const settings = await deps.store.getOrganisationSettings(staff.organisationId);
    const values = Object.fromEntries(NEW_FIELDS.map((f) => [f, ''])) as NewValues;
    values.language = settings?.defaultLanguage ?? 'nl';
    sendPage(deps, res, 'dash-request-new', pageModel(req, res, 'new', { forms: await formChoices(deps, staff, ''), values, recipientNote: '' }));
  });

  router.post('/requests/new', urlencoded, async (req, res) => {
    const staff = staffOf(res);
    const form = (req.body ?? {}) as Record<string, unknown>;
    const values = Object.fromEntries(NEW_FIELDS.map((f) => [f, text(form[f]).slice(0, 1000)])) as NewValues;
    const checked = checkNewRequest(values);
    let errors = checked.errors;
    if (errors.length === 0) {
      try {
        const created = await requestConsent(deps, staff.organisationId, actorOf(staff), checked.body as Parameters<typeof requestConsent>[3]);
        res.redirect(303, `/app/requests/${created.id}?done=created`);
        return;
      } catch (error) {
        if (!isAppError(error) || error.code !== 'validation_failed') throw error;
        errors = (error.errors ?? []).map((e) => {
          const field = API_TO_FIELD[e.path];
          return field ? newRequestError(field, values, !values[field as keyof NewValues]?.trim()) : { field: '', key: 'dash.requests.new.errors.other' };
        });
        if (errors.length === 0) errors = [{ field: '', key: 'dash.requests.new.errors.other' }];
      }
    }
    const note = recipientNote(deps, values);
    sendPage(deps, res, 'dash-request-new', pageModel(req, res, 'new', {
      forms: await formChoices(deps, staff, values.formId),
      values,
      recipientNote: note ? deps.views.translate(staff.language, note.key, { name: note.name }) : '',
      errors,
    }), 422);
  });

  const requestIdOf = (req: Request): string => {
    const id = text(req.params.id);
    if (!REQUEST_ID.test(id)) throw new AppError('not_found', 'There is no consent request with this id.');
    return id;
  };

  router.get('/requests/:id', async (req, res) => {
    const detail = await requestDetail(deps, staffOf(res), requestIdOf(req));
    const done = NOTICES[text(req.query.done)];
    sendPage(deps, res, 'dash-request-detail', detailModel(req, res, detail, { notice: done }));
  });

  /** Remind or cancel through the API's use case; a request that moved on meanwhile (409) gets the page with a friendly message. */
  const action = (name: 'remind' | 'cancel') => async (req: Request, res: Response) => {
    const staff = staffOf(res);
    const id = requestIdOf(req);
    try {
      if (name === 'remind') await remindConsent(deps, staff.organisationId, id, actorOf(staff));
      else await cancelConsent(deps, staff.organisationId, id, actorOf(staff));
    } catch (error) {
      if (!isAppError(error) || error.code !== 'conflict') throw error;
      const detail = await requestDetail(deps, staff, id);
      sendPage(deps, res, 'dash-request-detail', detailModel(req, res, detail, { problem: 'dash.requests.detail.conflict' }), 409);
      return;
    }
    res.redirect(303, `/app/requests/${id}?done=${name === 'remind' ? 'reminded' : 'cancelled'}`);
  };
  router.post('/requests/:id/remind', urlencoded, action('remind'));
  router.post('/requests/:id/cancel', urlencoded, action('cancel'));

  router.get('/requests/:id/documents/:documentId', async (req, res) => {
    const documentId = text(req.params.documentId);
    if (!DOCUMENT_ID.test(documentId)) throw new AppError('not_found', 'There is no document with this id for this consent request.');
    const { document, listed } = await downloadDocument(deps, staffOf(res), requestIdOf(req), documentId);
    const fileName = `akkoord-${document.requestId}-${listed.kind}-v${listed.version}${listed.contentType === 'application/pdf' ? '.pdf' : ''}`.replace(/[^A-Za-z0-9._-]/g, '_');
    res
      .status(200)
      .type(document.contentType)
      .setHeader('Content-Disposition', `attachment; filename="${fileName}"`)
      .setHeader('Digest', `sha-256=${Buffer.from(document.sha256, 'hex').toString('base64')}`)
      .setHeader('Cache-Control', 'no-store')
      .send(document.content);
  });

  /**
   * The paper form: multipart, `_csrf` read and checked before any byte of the file (the same
   * limits as the API: 10 MiB for the scan plus 1 MiB for the rest), then the API's use case.
   */
  router.post('/requests/:id/paper', async (req, res) => {
    const staff = staffOf(res);
    const id = requestIdOf(req);
    const csrfRefused = () => new AppError('forbidden', 'The form has expired; reload the page.');
    let body: Awaited<ReturnType<typeof readMultipart>>;
    let uploadError: AppError | null = null;
    try {
      body = await readMultipart(req, { maxFileBytes: MAX_SCAN_BYTES, fileField: 'file', beforeFile: (fields) => (staffCsrfOk(res, fields._csrf) ? null : csrfRefused()) });
    } catch (error) {
      if (!(error instanceof UploadTooLarge)) throw error;
      uploadError = error;
      body = { fields: {}, file: null };
    }
    if (!uploadError && !staffCsrfOk(res, body.fields._csrf)) throw csrfRefused();
    const detail = await requestDetail(deps, staff, id);
    const purposes = Object.fromEntries(detail.purposes.map((p) => [p.id, body.fields[`purpose_${p.id}`] === 'yes' ? 'yes' : body.fields[`purpose_${p.id}`] === 'no' ? 'no' : '']));
    const paper: PaperValues = { signedBy: body.fields.signedBy ?? '', signedOn: body.fields.signedOn ?? '', purposes };
    let errors: PageError[] = uploadError ? paperErrors(uploadError) : [];
    const unanswered = detail.purposes.filter((p) => !purposes[p.id]);
    if (!uploadError && unanswered.length > 0) {
      errors = unanswered.map((p) => ({ field: `purpose_${p.id}`, key: 'dash.requests.detail.errors.purpose', label: p.label[staff.language] }));
    }
    if (errors.length === 0) {
      const decisions = JSON.stringify(detail.purposes.map((p) => ({ purposeId: p.id, granted: purposes[p.id] === 'yes' })));
      try {
        await recordPaperConsent(deps, staff.organisationId, actorOf(staff), { requestId: id }, { signedBy: paper.signedBy, signedOn: paper.signedOn, decisions, file: body.file ? { bytes: body.file.bytes, fileName: body.file.fileName } : null });
        res.redirect(303, `/app/requests/${id}?done=paper`);
        return;
      } catch (error) {
        if (!isAppError(error)) throw error;
        if (error.code === 'conflict') {
          sendPage(deps, res, 'dash-request-detail', detailModel(req, res, await requestDetail(deps, staff, id), { problem: 'dash.requests.detail.conflict' }), 409);
          return;
        }
        if (error.code !== 'validation_failed') throw error;
        errors = paperErrors(error);
      }
    }
    sendPage(deps, res, 'dash-request-detail', detailModel(req, res, detail, { errors, paper }), 422);
  });

  return router;
}
