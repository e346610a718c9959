import type { SignerSlot, StoredDecisionRow, SubjectDecisionRow } from '../storage/store';

/**
 * Both parents (issue 12): how a subject's decision rows become its status projection, one entry
 * per (form, purpose), in the order each was first decided. Pure, so every store adapter and
 * `audit verify` compute the same projection.
 *
 * a. The winning family per (form, purpose) is the one whose first row came last: a renewal or a
 *    new request supersedes an older family, a late answer in an old family does not.
 * b. Within that family, per signer slot, the latest row counts (a withdrawal is a later "no").
 * c. The family has joint authority when a guardian declared `joint` or a second guardian answered.
 * d. A `needsAllGuardians` purpose with joint authority is granted only when both guardians' latest
 *    rows grant it; a "no" by either is "no" at once; while one has not answered, it waits for them.
 * e. Anything else: the family's latest row wins.
 * f. The entry names the family (the first guardian's request).
 */
export function projectSubjectDecisions(rows: readonly StoredDecisionRow[]): SubjectDecisionRow[] {
  const byPurpose = new Map<string, StoredDecisionRow[]>();
  for (const row of [...rows].sort((a, b) => a.seq - b.seq)) {
    const key = `${row.formId}\u0000${row.purposeId}`;
    const list = byPurpose.get(key);
    if (list) list.push(row);
    else byPurpose.set(key, [row]);
  }
  // A Map keeps insertion order: the order in which each (form, purpose) was first written.
  return [...byPurpose.values()].map(projectPurpose);
}

/** Later means a later decision time, and for the same time the later write (as the SQL projection did). */
function later(a: StoredDecisionRow, b: StoredDecisionRow): boolean {
  return a.decidedAt > b.decidedAt || (a.decidedAt === b.decidedAt && a.seq > b.seq);
}

function projectPurpose(rows: StoredDecisionRow[]): SubjectDecisionRow {
  // a. Each family's first row; the family whose first row is latest wins.
  const firstOf = new Map<string, StoredDecisionRow>();
  for (const row of rows) {
    const first = firstOf.get(row.familyId);
    if (!first || later(first, row)) firstOf.set(row.familyId, row);
  }
  let familyId = rows[0]!.familyId;
  for (const [id, first] of firstOf) if (later(first, firstOf.get(familyId)!)) familyId = id;
  const family = rows.filter((r) => r.familyId === familyId);

  // b. The latest row per slot, and the family's latest row.
  const latestBySlot = new Map<SignerSlot, StoredDecisionRow>();
  let latest = family[0]!;
  for (const row of family) {
    const seen = latestBySlot.get(row.signerSlot);
    if (!seen || later(row, seen)) latestBySlot.set(row.signerSlot, row);
    if (later(row, latest)) latest = row;
  }
  const guardian = latestBySlot.get('guardian');
  const second = latestBySlot.get('second-guardian');
  const base = { requestId: familyId, formId: latest.formId, purposeId: latest.purposeId, required: latest.required, since: latest.decidedAt };

  // c. Joint authority: declared by a guardian, or shown by a second guardian's answer.
  const joint = family.some((r) => r.signerSlot === 'guardian' && r.authority === 'joint') || second !== undefined;
  const needsAll = family.some((r) => r.needsAllGuardians);
  if (latest.signerSlot !== 'participant' && joint && needsAll) {
    // d. Both guardians must grant; either "no" counts at once.
    const answered = [guardian, second].filter((r): r is StoredDecisionRow => r !== undefined);
    if (answered.some((r) => !r.granted)) return { ...base, granted: false, validUntil: null, waitingFor: [], signerRole: 'guardian' };
    if (!guardian || !second) return { ...base, granted: false, validUntil: null, waitingFor: [guardian ? 'second-guardian' : 'guardian'], signerRole: 'guardian' };
    return { ...base, granted: true, validUntil: earlier(guardian.validUntil, second.validUntil), waitingFor: [], signerRole: 'guardian' };
  }
  // e. The family's latest row wins.
  return { ...base, granted: latest.granted, validUntil: latest.validUntil, waitingFor: [], signerRole: latest.signerSlot === 'participant' ? 'participant' : 'guardian' };
}

/** The earlier of two ends; null is "no end recorded". Both are toISOString() output, so the strings compare as instants. */
function earlier(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}
