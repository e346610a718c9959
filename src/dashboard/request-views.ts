import { getConsentDocument, listConsentDocuments, type ConsentDocument } from '../consent/consent-documents';
import { STATUSES, type ConsentStatus, OPEN_STATUSES } from '../consent/lifecycle';
import type { FormCatalog } from '../consent/forms';
import { organisationFormCatalog } from '../consent/organisation-forms';
import { REMINDABLE } from '../consent/remind-consent';
import { AppError } from '../errors';
import type { ConsentRequestRecord, DocumentRecord, OverviewFilter, OverviewItem, StoredEvent } from '../storage/store';
import { recordAccess, type AccessLogDeps } from './access-log';
import type { StaffPrincipal } from './staff';

/**
 * What the dashboard's request pages read (issue 11): the overview, a request's detail and its
 * documents, each scoped to the staff member's organisation and each written to the access log
 * before it is shown. Changes (new request, remind, cancel, paper) go through the API's use cases.
 */
export interface RequestViewDeps extends AccessLogDeps {
  forms: FormCatalog;
}

/** Rows per overview page. */
export const OVERVIEW_PAGE_SIZE = 25;

export interface OverviewQuery {
  status?: ConsentStatus | undefined;
  formId?: string | undefined;
  createdFrom?: Date | undefined;
  createdBefore?: Date | undefined;
  search?: string | undefined;
  /** The last id of the page before (keyset paging: stable while new requests arrive). */
  after?: string | undefined;
}

export interface OverviewRow {
  id: string;
  reference: string;
  name: string;
  formId: string;
  formTitle: { nl: string; en: string };
  status: ConsentStatus;
  channel: OverviewItem['channel'];
  createdAt: Date;
}

export const isStatus = (value: unknown): value is ConsentStatus => typeof value === 'string' && (STATUSES as readonly string[]).includes(value);

/** A form's title in both languages by its id (the organisation's copy first); the id itself for a form no longer known. */
export async function formTitles(deps: RequestViewDeps, organisationId: string): Promise<(formId: string) => { nl: string; en: string }> {
  const catalog = await organisationFormCatalog(deps, organisationId);
  return (formId) => (catalog.get(formId) ?? deps.forms.get(formId))?.title ?? { nl: formId, en: formId };
}

const fullName = (r: Pick<ConsentRequestRecord, 'subject'> | OverviewItem) => [r.subject.firstName, r.subject.lastName].filter(Boolean).join(' ');

/** One overview page; a page that shows names is written to the access log (filters, never the search text). */
export async function requestOverview(deps: RequestViewDeps, staff: StaffPrincipal, query: OverviewQuery): Promise<{ rows: OverviewRow[]; nextCursor: string | null }> {
  const filter: OverviewFilter = { status: query.status, formId: query.formId, createdFrom: query.createdFrom, createdBefore: query.createdBefore, search: query.search };
  const [page, title] = await Promise.all([deps.store.listRequestOverview(staff.organisationId, filter, OVERVIEW_PAGE_SIZE, query.after ?? null), formTitles(deps, staff.organisationId)]);
  if (page.items.length > 0) {
    await recordAccess(deps, staff, {
      action: 'overview.view',
      detail: { rows: page.items.length, next: query.after ? 'yes' : undefined, status: query.status, form: query.formId, from: query.createdFrom?.toISOString(), before: query.createdBefore?.toISOString(), search: query.search ? 'yes' : undefined },
    });
  }
  const rows = page.items.map((r) => ({ id: r.id, reference: r.subject.reference, name: fullName(r), formId: r.formId, formTitle: title(r.formId), status: r.status, channel: r.channel, createdAt: r.createdAt }));
  return { rows, nextCursor: page.nextCursor };
}

export interface RequestDetail {
  request: ConsentRequestRecord;
  name: string;
  formTitle: { nl: string; en: string };
  events: StoredEvent[];
  documents: ConsentDocument[];
  /** What the page offers: remind while a message waits for an answer, cancel and paper while open. */
  canRemind: boolean;
  canCancel: boolean;
  canRecordPaper: boolean;
  /** The form's purposes, for the paper form's choices. */
  purposes: { id: string; label: { nl: string; en: string } }[];
  /** Issue 12: the requests of its family (both parents), the first guardian's first. */
  family: ConsentRequestRecord[];
}

/** A request of the staff member's organisation with its events and documents; 404 for any other. Logged. */
export async function requestDetail(deps: RequestViewDeps, staff: StaffPrincipal, requestId: string): Promise<RequestDetail> {
  const request = await deps.store.getConsentRequest(staff.organisationId, requestId);
  if (!request) throw new AppError('not_found', 'There is no consent request with this id.');
  const [events, documents, snapshot, title, family] = await Promise.all([
    deps.store.listEvents(staff.organisationId, request.id),
    listConsentDocuments(deps, staff.organisationId, request.id),
    deps.store.getFormSnapshot(request.formId, request.formVersion),
    formTitles(deps, staff.organisationId),
    deps.store.listFamilyRequests(staff.organisationId, request.primaryRequestId ?? request.id),
  ]);
  await recordAccess(deps, staff, { action: 'request.view', requestId: request.id });
  const form = snapshot ? (JSON.parse(snapshot.content) as { title?: { nl: string; en: string }; purposes?: { id: string; label: { nl: string; en: string } }[] }) : null;
  const open = OPEN_STATUSES.includes(request.status);
  return {
    request,
    name: fullName(request),
    formTitle: form?.title ?? title(request.formId),
    events,
    documents,
    canRemind: REMINDABLE.includes(request.status) && request.recipient.channel !== 'paper' && request.reminderCount < request.reminders.max,
    canCancel: open,
    canRecordPaper: open,
    purposes: (form?.purposes ?? []).map((p) => ({ id: p.id, label: p.label })),
    family,
  };
}

/** One document's bytes for a download; logged with its kind and version (no content, no names). */
export async function downloadDocument(deps: RequestViewDeps, staff: StaffPrincipal, requestId: string, documentId: string): Promise<{ document: DocumentRecord; listed: ConsentDocument }> {
  const found = await getConsentDocument(deps, staff.organisationId, requestId, documentId);
  await recordAccess(deps, staff, { action: 'document.download', requestId, detail: { document: documentId, kind: found.listed.kind, version: found.listed.version } });
  return found;
}
