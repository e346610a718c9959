import { canTransition, STATUSES, type ConsentStatus } from '../consent/lifecycle';
import { projectSubjectDecisions } from '../consent/family-consent';
import type { AuditChainRows, AuditTotals, Decision, StatusProjectionRows, Store, SubjectDecisionRow } from '../storage/store';
import { GENESIS_HASH, type AuditChainKey } from './audit-chain';

/** What `audit verify` reads: every request's chain and what must agree with it, one at a time, and the sealed totals. */
export type AuditSource = Pick<Store, 'eventChains' | 'auditTotals' | 'statusProjections'>;

export interface AuditProblem {
  /** null for a problem of the whole log (its sealed totals) or of a subject's status projection. */
  requestId: string | null;
  /** The event the problem is found at, with its place in the chain (0-based), when there is one. */
  eventId: string | null;
  index: number | null;
  reason: string;
}

export interface AuditSummary {
  chains: number;
  events: number;
  problems: number;
  brokenChains: number;
  /** Requests whose `created` event is from before subject binding: their subject, form and signer role were not checked against the chain. */
  subjectsUnchecked: number;
  /** Decisions whose event is from before subject binding: their validity end and required purposes were not checked against the chain. */
  decisionsUnchecked: number;
}

/** What one chain's check could not compare, for events written before subject binding. */
export interface ChainCoverage {
  subjectUnchecked: boolean;
  decisionUnchecked: boolean;
}

/** The summary's note on what was not checked, or null when everything was. */
export function describeUnchecked(summary: AuditSummary): string | null {
  const parts: string[] = [];
  const n = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
  if (summary.subjectsUnchecked > 0) parts.push(`${n(summary.subjectsUnchecked, 'request', 'requests')} from before subject binding: subject, form and signer role not checked`);
  if (summary.decisionsUnchecked > 0) parts.push(`${n(summary.decisionsUnchecked, 'decision', 'decisions')} from before subject binding: validity end and required purposes not checked`);
  return parts.length > 0 ? parts.join('; ') : null;
}

/**
 * Checks every request's evidence and reports every problem, not only the first: the chain starts
 * with `created`, each link holds (keyed since migration 008, plain SHA-256 before it, never plain
 * after keyed), the sealed chain head matches the chain's end, the request's status and decisions,
 * its decision rows and the status projection agree with what the chain says, and every document's
 * SHA-256 is recorded in an event (and every recorded one is stored). The sealed totals, read
 * before and after, show whole chains that were deleted with every row of their request.
 */
export async function verifyAuditLog(deps: { source: AuditSource; key: AuditChainKey }, report: (problem: AuditProblem) => void): Promise<AuditSummary> {
  const summary: AuditSummary = { chains: 0, events: 0, problems: 0, brokenChains: 0, subjectsUnchecked: 0, decisionsUnchecked: 0 };
  const log = (reason: string) => {
    summary.problems += 1;
    report({ requestId: null, eventId: null, index: null, reason });
  };
  const before = await deps.source.auditTotals();
  let chainsWithEvents = 0;
  for await (const rows of deps.source.eventChains()) {
    const coverage: ChainCoverage = { subjectUnchecked: false, decisionUnchecked: false };
    const problems = checkChain(rows, deps.key, coverage);
    summary.chains += 1;
    if (coverage.subjectUnchecked) summary.subjectsUnchecked += 1;
    if (coverage.decisionUnchecked) summary.decisionsUnchecked += 1;
    summary.events += rows.events.length;
    if (rows.events.length > 0) chainsWithEvents += 1;
    if (problems.length > 0) summary.brokenChains += 1;
    summary.problems += problems.length;
    for (const p of problems) report(p);
  }
  // Events written while the check ran are counted or not: what was found must lie between the
  // totals before and after (equal to them when nothing was written meanwhile).
  const after = await deps.source.auditTotals();
  const sealed = (t: AuditTotals | null): t is AuditTotals => t !== null && t.mac === deps.key.totalsMac(t.chains, t.events);
  if (!sealed(before) || !sealed(after)) {
    log('the totals of the audit log are missing or not sealed with the audit key (they were rewritten)');
  } else if (chainsWithEvents < before.chains || summary.events < before.events || chainsWithEvents > after.chains || summary.events > after.events) {
    log(`the sealed totals count ${after.chains} chains and ${after.events} events, ${chainsWithEvents} chains and ${summary.events} events were found (whole chains or events were deleted or added)`);
  }
  // The status API's projection per subject must be what the (checked) decision rows make of it.
  for await (const subject of deps.source.statusProjections()) {
    for (const reason of checkProjection(subject)) log(reason);
  }
  return summary;
}

/**
 * What the subject's decision rows make of its projection by the one rule the store uses
 * (consent/family-consent.ts: per (form, purpose) the newest family, both guardians where needed);
 * the stored projection must hold exactly those entries.
 */
export function checkProjection(subject: StatusProjectionRows): string[] {
  const who = `subject ${subject.subjectReference} (${subject.organisationId})`;
  const expected = new Map<string, SubjectDecisionRow>();
  for (const entry of projectSubjectDecisions(subject.rows)) expected.set(`${entry.formId}\u0000${entry.purposeId}`, entry);
  const stored = subject.stored ?? [];
  if (subject.stored === null && expected.size > 0) return [`${who} has decisions but no status projection (it was deleted)`];
  const problems: string[] = [];
  const found = new Set<string>();
  for (const entry of stored) {
    const key = `${entry.formId}\u0000${entry.purposeId}`;
    found.add(key);
    const want = expected.get(key);
    if (!want) problems.push(`${who}: the status projection has ${entry.formId}/${entry.purposeId}, which no decision row has (added outside the event log)`);
    else if (want.requestId !== entry.requestId || want.granted !== entry.granted || want.since !== entry.since) {
      problems.push(`${who}: the status projection says ${entry.formId}/${entry.purposeId} ${entry.granted ? 'granted' : 'not granted'} by ${entry.requestId}, the latest decision row says ${want.granted ? 'granted' : 'not granted'} by ${want.requestId} (changed outside the event log)`);
    } else if (want.required !== entry.required || want.validUntil !== entry.validUntil) {
      problems.push(`${who}: the status projection says ${entry.formId}/${entry.purposeId} ${requiredText(entry.required)} and valid ${untilText(entry.validUntil)}, the latest decision row says ${requiredText(want.required)} and valid ${untilText(want.validUntil)} (changed outside the event log)`);
    } else if (entry.waitingFor !== undefined && (entry.waitingFor.join(',') !== (want.waitingFor ?? []).join(',') || entry.signerRole !== want.signerRole)) {
      // Entries projected before migration 016 have neither; the migration projects them again.
      problems.push(`${who}: the status projection says ${entry.formId}/${entry.purposeId} waits for [${entry.waitingFor.join(', ')}] given by ${entry.signerRole ?? '?'}, the decision rows say [${(want.waitingFor ?? []).join(', ')}] given by ${want.signerRole ?? '?'} (changed outside the event log)`);
    }
  }
  for (const [key, want] of expected) if (!found.has(key)) problems.push(`${who}: the status projection lacks ${want.formId}/${want.purposeId} (removed outside the event log)`);
  return problems;
}

/** Event type → the status it moves a request to, when the lifecycle allows that move. */
const MOVES: Record<string, ConsentStatus> = {
  sent: 'sent',
  delivered: 'delivered',
  opened: 'opened',
  signed: 'signed',
  declined: 'declined',
  expired: 'expired',
  cancelled: 'cancelled',
  failed: 'failed',
};
/**
 * Events that are only stored together with their move. `sent`, `delivered`, `opened` and `failed`
 * may also be stored without one (a late provider report, a second copy sent after a cancel, a
 * failure after the link was opened): the status then stays. Other types (provider_status,
 * reminder_*, timestamp_added) never move the status.
 */
const ALWAYS_MOVES = new Set(['signed', 'declined', 'expired', 'cancelled', 'withdrawn']);

/** Top-level detail fields ending in `Sha256` that name a stored document. */
const DOCUMENT_FIELDS = ['documentSha256', 'receiptSha256'];

/**
 * `coverage`, when given, learns what could not be compared: a chain whose events are from before
 * subject binding (no `subjectReference` in `created`, no `validUntil`/`requiredPurposes` in the
 * decision) is checked without those facts.
 */
export function checkChain(rows: AuditChainRows, key: AuditChainKey, coverage?: ChainCoverage): AuditProblem[] {
  const problems: AuditProblem[] = [];
  const { requestId, request, events } = rows;
  const at = (index: number | null, reason: string) =>
    problems.push({ requestId, eventId: index === null ? null : (events[index]?.id ?? null), index, reason });

  if (!request) at(null, 'the request is not stored, but its events, chain head or documents are (the request was deleted)');
  if (events.length === 0) {
    at(null, 'the request has no events: its chain is missing (deleted)');
  } else if (events[0]!.type !== 'created') {
    at(0, `the chain starts with "${events[0]!.type}", not with "created" (its start was removed)`);
  }

  // Links. After a break the check goes on from the stored hash, so each break is named once.
  let prev = GENESIS_HASH;
  let keyedSeen = false;
  for (const [index, e] of events.entries()) {
    if (e.prevHash !== prev) at(index, 'its previous-hash does not match the event before it (an event was removed, inserted or reordered)');
    if (e.hashAlg === 'sha256' && keyedSeen) at(index, 'it has an unkeyed hash after keyed ones (it was written without the audit key)');
    const expected = key.expectedHash(e.hashAlg, e.prevHash, e);
    if (expected === null) at(index, `its hash algorithm "${e.hashAlg}" is unknown`);
    else if (expected !== e.hash) at(index, 'its content does not match its hash (the event was edited, or written without the audit key)');
    if (e.hashAlg === 'hmac-sha256') keyedSeen = true;
    if (request && e.organisationId !== request.organisationId) at(index, 'it names another organisation than its request');
    prev = e.hash;
  }

  // The sealed head: its seal, its count and its last hash.
  const last = events.length > 0 ? events.length - 1 : null;
  if (!rows.head) {
    if (events.length > 0) at(last, 'the chain has no stored chain head (it was deleted)');
  } else {
    const head = rows.head;
    if (head.mac === null || head.mac !== key.headMac(requestId, head.events, head.hash)) {
      at(last, 'its chain head is not sealed with the audit key (the head was rewritten)');
    }
    if (head.events !== events.length) at(last, `the chain head counts ${head.events} events, the chain has ${events.length} (events were removed)`);
    else if (last !== null && head.hash !== events[last]!.hash) at(last, 'the chain head does not match the last event (the last event was removed or replaced)');
  }

  // Status and decisions as the chain tells them.
  let status: ConsentStatus | null = null;
  let decisions: Decision[] | null = null;
  let decided: Record<string, unknown> | null = null;
  const documentHashes = new Set<string>();
  for (const [index, e] of events.entries()) {
    for (const [field, value] of Object.entries(e.detail)) if (field.endsWith('Sha256') && typeof value === 'string') documentHashes.add(value);
    if (e.type === 'created') {
      if (index > 0) at(index, 'a second "created" event');
      else status = 'pending';
      continue;
    }
    if (status === null) continue;
    if (e.type === 'withdrawn') {
      const purposes = e.detail.purposes;
      if (status !== 'signed' || decisions === null || !Array.isArray(purposes)) {
        at(index, `"withdrawn" cannot follow status ${status}${Array.isArray(purposes) ? '' : ' (its purposes are missing)'}`);
        continue;
      }
      decisions = decisions.map((d) => (purposes.includes(d.purposeId) ? { ...d, granted: false } : d));
      status = e.detail.complete === true ? 'withdrawn' : 'signed';
      continue;
    }
    const to = MOVES[e.type];
    if (!to) continue;
    if (!canTransition(status, to)) {
      if (ALWAYS_MOVES.has(e.type)) at(index, `"${e.type}" cannot follow status ${status}`);
      continue;
    }
    status = to;
    if (to === 'signed' || to === 'declined') {
      const recorded = parseDecisions(e.detail.decisions);
      if (!recorded) at(index, 'its decisions are missing or malformed');
      decisions = recorded ?? [];
      decided = e.detail;
    }
  }

  if (request && status !== null) {
    if (!(STATUSES as readonly string[]).includes(request.status)) at(last, `the request's status "${request.status}" is not a status`);
    else if (request.status !== status) at(last, `the request's status is ${request.status}, its chain ends in ${status} (the status was changed outside the event log)`);
    const final = decisions ?? [];
    if (!sameDecisions(request.decisions, final)) at(last, `the request's decisions ${show(request.decisions)} differ from its chain's ${show(final)} (changed outside the event log)`);
    const latest = new Map<string, boolean>();
    for (const row of rows.decisionRows) latest.set(row.purposeId, row.granted);
    const byPurpose = new Map(final.map((d) => [d.purposeId, d.granted]));
    if (latest.size !== byPurpose.size || [...latest].some(([id, granted]) => byPurpose.get(id) !== granted)) {
      at(last, `its decision rows ${show([...latest].map(([purposeId, granted]) => ({ purposeId, granted })))} differ from its chain's ${show(final)} (changed outside the event log)`);
    }
    // An entry that combines the answers of both guardians (issue 12) is checked per subject (checkProjection).
    for (const p of rows.projection) {
      if (p.family) continue;
      if (byPurpose.get(p.purposeId) !== p.granted) at(last, `the subject's status projection says ${p.purposeId} ${p.granted ? 'granted' : 'not granted'}, its chain does not (changed outside the event log)`);
    }
    checkBinding(rows, events[0]!.detail, decided, (reason) => at(last, reason), coverage);
  }

  for (const d of rows.documents) {
    if (!documentHashes.has(d.sha256)) at(null, `document ${d.id} (${d.kind}) has a SHA-256 that no event records (${d.sha256.slice(0, 16)}…): it was added or replaced outside the event log`);
  }
  const stored = new Set(rows.documents.map((d) => d.sha256));
  for (const [index, e] of events.entries()) {
    for (const field of DOCUMENT_FIELDS) {
      const value = e.detail[field];
      if (typeof value === 'string' && !stored.has(value)) at(index, `its ${field} names a document that is not stored (${value.slice(0, 16)}…): it was deleted`);
    }
  }
  return problems;
}

/**
 * Whose consent it is and how long it counts, as the chain recorded it: the `created` event names
 * the subject, form, form version and signer role; the `signed`/`declined` event the end of
 * validity and the required purposes. The request row, its decision rows and its status
 * projection entries must say the same, or a consent was moved to another subject or extended.
 */
function checkBinding(rows: AuditChainRows, created: Record<string, unknown>, decided: Record<string, unknown> | null, report: (reason: string) => void, coverage?: ChainCoverage): void {
  const request = rows.request!;
  const subject = typeof created.subjectReference === 'string' ? created.subjectReference : null;
  if (subject === null) {
    if (coverage) coverage.subjectUnchecked = true;
  } else if (request.subjectReference !== subject) {
    report(`the request's subject is ${request.subjectReference}, its chain was created for ${subject} (moved outside the event log)`);
  }
  const fields = [['formId', 'form', request.formId], ['formVersion', 'form version', request.formVersion], ['signerRole', 'signer role', request.signerRole]] as const;
  for (const [field, label, stored] of fields) {
    const recorded = created[field];
    if (subject !== null && typeof recorded === 'string' && recorded !== stored) report(`the request's ${label} is ${stored}, its chain was created with ${recorded} (changed outside the event log)`);
  }
  // The decision rows name the subject of the chain (or, for an old chain, of the request).
  const expectedSubject = subject ?? request.subjectReference;
  const otherSubjects = new Set(rows.decisionRows.map((d) => d.subjectReference).filter((s) => s !== expectedSubject));
  for (const other of otherSubjects) {
    report(`its decision rows name subject ${other}, ${subject !== null ? 'its chain was created for' : 'the request names'} ${expectedSubject} (moved outside the event log)`);
  }

  checkFamilyBinding(rows, created, decided, report);

  if (decided === null) {
    if (request.validUntil !== null) report(`the request is valid ${untilText(request.validUntil)}, its chain has no decision (changed outside the event log)`);
    return;
  }
  const until = decided.validUntil === null || typeof decided.validUntil === 'string' ? decided.validUntil : undefined;
  const required = Array.isArray(decided.requiredPurposes) ? new Set(decided.requiredPurposes.filter((p): p is string => typeof p === 'string')) : undefined;
  if (until === undefined || required === undefined) {
    if (coverage) coverage.decisionUnchecked = true;
  }
  if (until !== undefined) {
    if (request.validUntil !== until) report(`the request is valid ${untilText(request.validUntil)}, its chain says ${untilText(until)} (changed outside the event log)`);
    // Rows of the decision carry its end; a later "not granted" row of a withdrawal carries none.
    const fits = (granted: boolean, value: string | null) => value === until || (!granted && value === null);
    for (const d of rows.decisionRows) {
      if (!fits(d.granted, d.validUntil)) report(`its decision row ${d.purposeId} is valid ${untilText(d.validUntil)}, its chain says ${untilText(until)} (changed outside the event log)`);
    }
    for (const p of rows.projection) {
      if (p.family) continue;
      if (!fits(p.granted, p.validUntil)) report(`the subject's status projection has ${p.purposeId} valid ${untilText(p.validUntil)}, its chain says ${untilText(until)} (changed outside the event log)`);
    }
  }
  if (required !== undefined) {
    for (const d of rows.decisionRows) {
      if (d.required !== required.has(d.purposeId)) report(`its decision row ${d.purposeId} says ${requiredText(d.required)}, its chain says ${requiredText(required.has(d.purposeId))} (changed outside the event log)`);
    }
    for (const p of rows.projection) {
      if (p.required !== required.has(p.purposeId)) report(`the subject's status projection has ${p.purposeId} ${requiredText(p.required)}, its chain says ${requiredText(required.has(p.purposeId))} (changed outside the event log)`);
    }
  }
}

/**
 * Issue 12: the facts the status projection combines a family by must be the chain's, or one
 * parent's answer could be made to count alone (authority changed to `sole`, a purpose's
 * needs-all-guardians flag cleared, a request moved into another family). The `created` event
 * names the first request and the slot of a second guardian's request (a first request names
 * neither); the `signed`/`declined` event the declared authority and the purposes that need both.
 */
function checkFamilyBinding(rows: AuditChainRows, created: Record<string, unknown>, decided: Record<string, unknown> | null, report: (reason: string) => void): void {
  const request = rows.request!;
  if (request.signerSlot === undefined) return;
  const slot = typeof created.signerSlot === 'string' ? created.signerSlot : request.signerRole === 'participant' ? 'participant' : 'guardian';
  const primary = typeof created.primaryRequestId === 'string' ? created.primaryRequestId : null;
  if (request.signerSlot !== slot) report(`the request's signer slot is ${request.signerSlot}, its chain was created as ${slot} (changed outside the event log)`);
  if ((request.primaryRequestId ?? null) !== primary) report(`the request belongs to the family of ${request.primaryRequestId ?? 'itself'}, its chain was created for ${primary ?? 'a family of its own'} (changed outside the event log)`);
  const familyId = primary ?? rows.requestId;
  const authority = decided && typeof decided.authority === 'string' ? decided.authority : null;
  const needsAll = decided && Array.isArray(decided.needsAllGuardians) ? new Set(decided.needsAllGuardians.filter((p): p is string => typeof p === 'string')) : null;
  if (decided !== null && (request.authority ?? null) !== authority) report(`the request's declared authority is ${request.authority ?? 'none'}, its chain says ${authority ?? 'none'} (changed outside the event log)`);
  for (const d of rows.decisionRows) {
    if (d.familyId === undefined) continue;
    if (d.familyId !== familyId || d.signerSlot !== slot) report(`its decision row ${d.purposeId} counts for the family of ${d.familyId} as ${d.signerSlot ?? '?'}, its chain says ${familyId} as ${slot} (changed outside the event log)`);
    if ((d.authority ?? null) !== authority) report(`its decision row ${d.purposeId} declares authority ${d.authority ?? 'none'}, its chain says ${authority ?? 'none'} (changed outside the event log)`);
    if (needsAll !== null && d.needsAllGuardians !== needsAll.has(d.purposeId)) report(`its decision row ${d.purposeId} says it ${d.needsAllGuardians ? 'needs' : 'does not need'} both guardians, its chain says the opposite (changed outside the event log)`);
  }
}

const untilText = (value: string | null): string => (value === null ? 'without an end date' : `until ${value}`);
const requiredText = (required: boolean): string => (required ? 'required' : 'not required');

function parseDecisions(value: unknown): Decision[] | null {
  if (!Array.isArray(value)) return null;
  const out: Decision[] = [];
  for (const d of value) {
    if (typeof d !== 'object' || d === null) return null;
    const { purposeId, granted } = d as Record<string, unknown>;
    if (typeof purposeId !== 'string' || typeof granted !== 'boolean') return null;
    out.push({ purposeId, granted });
  }
  return out;
}

function sameDecisions(a: Decision[], b: Decision[]): boolean {
  return a.length === b.length && a.every((d, i) => d.purposeId === b[i]!.purposeId && d.granted === b[i]!.granted);
}

function show(decisions: Decision[]): string {
  return decisions.length === 0 ? 'none' : decisions.map((d) => `${d.purposeId}=${d.granted ? 'yes' : 'no'}`).join(',');
}
