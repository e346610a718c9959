import { randomBytes } from 'node:crypto';

import type { Clock } from '../shared/clock';
import type { AccessLogEntry, Page, Store } from '../storage/store';
import type { StaffPrincipal } from './staff';

/**
 * The access log (issue 11): every view of personal data by staff — a request's detail page, an
 * overview page that shows names, a download, an export — is written here: who (the user id),
 * what (an action, the request, a short detail) and when. The organisation is the controller and
 * reads it on /app/admin/access-log. It holds no personal data: no names, addresses or search
 * texts, only ids and facts such as a filter or a page number. Append-only (migration 014).
 *
 * Actions used so far: `overview.view`, `request.view`, `document.download`, `access-log.export`
 * and the bulk pages' own (`bulk.*`).
 */
export interface AccessLogDeps {
  store: Store;
  clock: Clock;
}

export interface AccessRecord {
  /** What was viewed: lower-case words with dots or dashes, e.g. `request.view`. */
  action: string;
  requestId?: string | null | undefined;
  /** Without personal data: e.g. `{ page: 2, status: 'signed' }` or `kind=consent-pdf`. */
  detail?: string | Record<string, string | number | boolean | null | undefined> | null | undefined;
}

const ACTION = /^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/;
const MAX_DETAIL = 500;

function detailText(detail: AccessRecord['detail']): string | null {
  if (detail === undefined || detail === null) return null;
  const text = typeof detail === 'string'
    ? detail
    : Object.entries(detail).filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => `${k}=${String(v)}`).join(' ');
  return text === '' ? null : text.slice(0, MAX_DETAIL);
}

/** Writes one view to the log; awaited before the page is sent, so nothing is shown unlogged. */
export async function recordAccess(deps: AccessLogDeps, staff: Pick<StaffPrincipal, 'userId' | 'organisationId'>, record: AccessRecord): Promise<void> {
  if (!ACTION.test(record.action) || record.action.length > 64) throw new Error(`access log: invalid action "${record.action}"`);
  await deps.store.appendAccessLog({
    id: `acc_${randomBytes(12).toString('base64url')}`,
    organisationId: staff.organisationId,
    userId: staff.userId,
    action: record.action,
    requestId: record.requestId ?? null,
    detail: detailText(record.detail),
    at: deps.clock.now(),
  });
}

/** One page of the organisation's log, newest first. */
export function readAccessLog(deps: AccessLogDeps, organisationId: string, limit: number, cursor: string | null): Promise<Page<AccessLogEntry>> {
  return deps.store.listAccessLog(organisationId, limit, cursor);
}

/** A CSV field: quoted when needed; a leading = + - @ is prefixed with ' so a spreadsheet never runs it as a formula. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The whole log as CSV (RFC 4180, CRLF), newest first, read 1,000 entries at a time. */
export async function* accessLogCsv(deps: AccessLogDeps, organisationId: string): AsyncGenerator<string> {
  yield 'at,user_id,action,request_id,detail\r\n';
  let cursor: string | null = null;
  do {
    const page: Page<AccessLogEntry> = await deps.store.listAccessLog(organisationId, 1000, cursor);
    yield page.items.map((e) => [e.at.toISOString(), e.userId, e.action, e.requestId ?? '', e.detail ?? ''].map(csvField).join(',') + '\r\n').join('');
    cursor = page.nextCursor;
  } while (cursor !== null);
}
