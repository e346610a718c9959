import { Router, type NextFunction, type Request, type Response } from 'express';

import type { RequestConsentInput } from '../../consent/request-consent';
import { recordAccess } from '../../dashboard/access-log';
import { activityOverview, bulkFormChoices, bulkProgress, confirmBulk, getBulkBatch, type InputCheck, listBulkBatches, previewBulk } from '../../dashboard/bulk-requests';
import type { BulkBatchRecord, BulkRowRecord } from '../../dashboard/bulk-store';
import { CsvError, decodeCsvBytes, MAX_CSV_BYTES, writeCsv } from '../../dashboard/csv';
import { staffCsrfOk, staffOf, type StaffPrincipal } from '../../dashboard/staff';
import { AppError, type FieldError, isAppError } from '../../errors';
import { projectPath } from '../../shared/paths';
import { readMultipart, UploadTooLarge } from '../middleware/multipart';
import { createConsentRequestBody } from '../routes/consent-requests/schema';
import type { DashboardDeps } from './index';
import { readFileSync } from 'node:fs';

/**
 * Dashboard: many at once (issue 11). GET /app/bulk (form, list, earlier lists), the CSV
 * template, POST /app/bulk (multipart: `_csrf` is read before any file part) → a checked list
 * in preview; its page shows every row; POST …/send starts sending; the same page then shows the
 * progress; …/overview and …/overview.csv the answers per person and purpose. Every page that
 * shows names, and the export, is written to the access log.
 */

/** The API's own rules for a request body (its zod schema), as the list check uses them. */
export const apiInputCheck: InputCheck = (raw) => {
  const parsed = createConsentRequestBody.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data as RequestConsentInput };
  return { ok: false, problems: parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })) };
};

const BATCH_ID = /^bat_[A-Za-z0-9_-]{1,40}$/;

/** Which column a rule's field is, for the Dutch hint beside its (English) rule text. */
const PROBLEM_KEYS: Record<string, string> = {
  formId: 'form',
  'subject.firstName': 'firstName',
  'subject.lastName': 'lastName',
  'subject.dateOfBirth': 'dateOfBirth',
  'subject.reference': 'reference',
  'recipient.channel': 'channel',
  'recipient.phone': 'phone',
  'recipient.email': 'email',
  'recipient.name': 'recipientName',
  'recipient.language': 'language',
};

const forbidden = () => new AppError('forbidden', 'The form was not sent from this page (CSRF).');

export function bulkPages(deps: DashboardDeps): Router {
  const router = Router({ caseSensitive: true });
  const template = readFileSync(projectPath('templates', 'bulk', 'template.csv'));
  const t = (staff: StaffPrincipal, key: string, params?: Record<string, unknown>) => deps.views.translate(staff.language, key, params);

  /** `path`: the page's GET address under /app, for the language switch (`?lang=`, handled by the session guard). */
  const render = (res: Response, path: string, page: string, model: Record<string, unknown>, status = 200) => {
    const staff = staffOf(res);
    const otherLang = staff.language === 'nl' ? 'en' : 'nl';
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).type('html').send(deps.views.render(page, { layout: 'dashboard', lang: staff.language, staff, organisationName: res.locals.organisationName, nav: 'bulk', otherLang, langSwitchUrl: `/app${path}?lang=${otherLang}`, ...model }));
  };

  const startPage = async (res: Response, values: { formId?: string; activity?: string; list?: string }, errors: { field: string; message: string }[] = []) => {
    const staff = staffOf(res);
    const forms = (await bulkFormChoices(deps, staff.organisationId)).map((f) => ({ id: f.id, title: f.title[staff.language], selected: f.id === values.formId }));
    const batches = await listBulkBatches(deps, staff);
    render(res, '/bulk', 'bulk', { forms, activity: values.activity ?? '', list: values.list ?? '', batches, errors }, errors.length > 0 ? 422 : 200);
  };

  router.get('/bulk', async (_req, res) => startPage(res, {}));

  router.get('/bulk/template.csv', (_req, res) => {
    res.setHeader('Content-Disposition', 'attachment; filename="akkoord-lijst.csv"');
    res.type('text/csv; charset=utf-8').send(template);
  });

  router.post('/bulk', async (req, res) => {
    const staff = staffOf(res);
    let body;
    try {
      body = await readMultipart(req, { fileField: 'file', maxFileBytes: MAX_CSV_BYTES, maxFieldBytes: MAX_CSV_BYTES, beforeFile: (fields) => (staffCsrfOk(res, fields._csrf) ? null : forbidden()) });
    } catch (error) {
      if (error instanceof UploadTooLarge) return startPage(res, {}, [{ field: 'list', message: t(staff, 'dash.bulk.errors.tooLarge') }]);
      throw error;
    }
    // A body without a file part never reached beforeFile.
    if (!staffCsrfOk(res, body.fields._csrf)) throw forbidden();
    const values = { formId: body.fields.formId ?? '', activity: body.fields.activity ?? '', list: body.fields.list ?? '' };
    try {
      const list = body.file && body.file.bytes.length > 0 ? decodeCsvBytes(body.file.bytes) : values.list;
      if (list.trim() === '') throw new CsvError({ kind: 'empty' });
      const batch = await previewBulk(deps, staff, { ...values, list }, apiInputCheck);
      return res.redirect(303, `/app/bulk/${batch.id}`);
    } catch (error) {
      const errors = pageErrors(error, staff, t, values.list.trim() === '' && !(body.file && body.file.bytes.length > 0));
      if (!errors) throw error;
      return startPage(res, values, errors);
    }
  });

  const batchParam = (req: Request, next: NextFunction): string | null => {
    const id = String(req.params.id);
    if (BATCH_ID.test(id)) return id;
    next();
    return null;
  };

  const previewPage = async (res: Response, batch: BulkBatchRecord, rows: BulkRowRecord[], errors: { field: string; message: string }[] = []) => {
    const staff = staffOf(res);
    const form = (await bulkFormChoices(deps, staff.organisationId)).find((f) => f.id === batch.formId);
    await recordAccess(deps, staff, { action: 'bulk.preview.view', detail: { batch: batch.id, rows: rows.length } });
    const view = rows.map((row) => ({
      line: row.line,
      name: [row.input.firstName, row.input.lastName].filter(Boolean).join(' '),
      reference: row.input.reference,
      ok: row.state !== 'invalid',
      receives: row.plan ? t(staff, row.plan.signerRole === 'guardian' ? 'dash.bulk.preview.parent' : 'dash.bulk.preview.self', { name: row.plan.recipientName }) : '',
      channel: row.plan ? t(staff, `dash.bulk.channel.${row.plan.channel}`) : '',
      maskedAddress: row.plan?.maskedAddress ?? '',
      problems: problemsByHint(row.problems, (path) => t(staff, `dash.bulk.problem.${PROBLEM_KEYS[path] ?? 'other'}`)),
    }));
    const ready = rows.filter((r) => r.state !== 'invalid').length;
    render(res, `/bulk/${batch.id}`, 'bulk-preview', { batch, formTitle: form?.title[staff.language] ?? batch.formId, rows: view, counts: { rows: rows.length, ready, skipped: rows.length - ready }, errors }, errors.length > 0 ? 422 : 200);
  };

  router.get('/bulk/:id', async (req, res, next) => {
    const id = batchParam(req, next);
    if (!id) return;
    const staff = staffOf(res);
    const { batch, rows } = await getBulkBatch(deps, staff, id);
    if (batch.state === 'preview') return previewPage(res, batch, rows);
    render(res, `/bulk/${batch.id}`, 'bulk-progress', { batch, progress: bulkProgress(rows), finished: batch.state === 'done' });
  });

  router.get('/bulk/:id/progress.json', async (req, res, next) => {
    const id = batchParam(req, next);
    if (!id) return;
    const staff = staffOf(res);
    const { batch, rows } = await getBulkBatch(deps, staff, id);
    const progress = bulkProgress(rows);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ state: batch.state, total: progress.total, done: progress.done, percent: progress.percent, text: t(staff, 'dash.bulk.progress.count', { done: progress.done, total: progress.total }) });
  });

  router.post('/bulk/:id/send', async (req, res, next) => {
    const id = batchParam(req, next);
    if (!id) return;
    const staff = staffOf(res);
    try {
      await confirmBulk(deps, staff, id);
    } catch (error) {
      if (!(isAppError(error) && error.code === 'validation_failed')) throw error;
      const { batch, rows } = await getBulkBatch(deps, staff, id);
      return previewPage(res, batch, rows, [{ field: 'batch', message: t(staff, 'dash.bulk.errors.noneReady') }]);
    }
    res.redirect(303, `/app/bulk/${id}`);
  });

  const answerText = (staff: StaffPrincipal, answer: string) => t(staff, `dash.bulk.answer.${answer}`);
  const statusText = (staff: StaffPrincipal, status: string | null) => t(staff, `dash.bulk.status.${status ?? 'notSent'}`);

  router.get('/bulk/:id/overview', async (req, res, next) => {
    const id = batchParam(req, next);
    if (!id) return;
    const staff = staffOf(res);
    const overview = await activityOverview(deps, staff, id);
    await recordAccess(deps, staff, { action: 'bulk.overview.view', detail: { batch: id, people: overview.people.length } });
    render(res, `/bulk/${id}/overview`, 'bulk-overview', {
      batch: overview.batch,
      purposes: overview.purposes.map((p) => ({ id: p.id, label: p.label[staff.language] })),
      people: overview.people.map((p) => ({
        name: [p.firstName, p.lastName].filter(Boolean).join(' '),
        reference: p.reference,
        requestId: p.requestId,
        status: statusText(staff, p.status),
        answers: p.answers.map((a) => ({ answer: a.answer, text: answerText(staff, a.answer) })),
      })),
      totals: overview.totals,
    });
  });

  router.get('/bulk/:id/overview.csv', async (req, res, next) => {
    const id = batchParam(req, next);
    if (!id) return;
    const staff = staffOf(res);
    const overview = await activityOverview(deps, staff, id);
    await recordAccess(deps, staff, { action: 'bulk.overview.export', detail: { batch: id, people: overview.people.length } });
    const header = [t(staff, 'dash.bulk.csv.firstName'), t(staff, 'dash.bulk.csv.lastName'), t(staff, 'dash.bulk.csv.reference'), t(staff, 'dash.bulk.csv.status'), ...overview.purposes.map((p) => p.label[staff.language])];
    const rows = overview.people.map((p) => [p.firstName, p.lastName, p.reference, statusText(staff, p.status), ...p.answers.map((a) => (a.answer === 'none' ? '' : answerText(staff, a.answer)))]);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Disposition', `attachment; filename="akkoord-${id}.csv"`);
    res.type('text/csv; charset=utf-8').send(writeCsv([header, ...rows]));
  });

  return router;
}

/** The start page's errors for a refused list or field; null for anything else (it goes on to the error page). */
function pageErrors(error: unknown, staff: StaffPrincipal, t: (staff: StaffPrincipal, key: string, params?: Record<string, unknown>) => string, noList: boolean): { field: string; message: string }[] | null {
  if (error instanceof CsvError) {
    const p = error.problem;
    const key = { too_large: 'tooLarge', too_many_rows: 'tooManyRows', unclosed_quote: 'unclosedQuote', empty: noList ? 'noList' : 'empty', missing_columns: 'missingColumns', no_rows: 'noRows' }[p.kind];
    const params = p.kind === 'unclosed_quote' ? { line: p.line } : p.kind === 'missing_columns' ? { columns: p.columns.map((c) => t(staff, `dash.bulk.colName.${c}`)).join(', ') } : {};
    return [{ field: 'list', message: t(staff, `dash.bulk.errors.${key}`, params) }];
  }
  if (isAppError(error) && error.code === 'validation_failed' && error.errors) {
    const fields = error.errors.filter((e: FieldError) => e.path === 'formId' || e.path === 'activity');
    if (fields.length === error.errors.length) return fields.map((e) => ({ field: e.path, message: t(staff, `dash.bulk.errors.${e.path}`) }));
  }
  return null;
}

/** One Dutch hint per column, with the rule texts behind it (a reference can break two rules). */
function problemsByHint(problems: FieldError[], hintOf: (path: string) => string): { hint: string; message: string }[] {
  const grouped = new Map<string, string[]>();
  for (const p of problems) grouped.set(hintOf(p.path), [...(grouped.get(hintOf(p.path)) ?? []), p.message]);
  return [...grouped].map(([hint, messages]) => ({ hint, message: messages.join(' ') }));
}
