import { projectSubjectDecisions } from '../../src/consent/family-consent';
import type { StoredDecisionRow } from '../../src/storage/store';

/** Rows in write order; each call is the next seq. */
function rowsOf(...specs: Partial<StoredDecisionRow>[]): StoredDecisionRow[] {
  return specs.map((s, i) => ({
    seq: i + 1, requestId: 'cr_a', familyId: 'cr_a', formId: 'f', purposeId: 'foto', signerSlot: 'guardian', authority: null, needsAllGuardians: true,
    granted: true, required: false, decidedAt: `2026-11-22T10:0${i}:00.000Z`, validUntil: '2027-11-22T23:00:00.000Z', ...s,
  }));
}
const second = { requestId: 'cr_b', familyId: 'cr_a', signerSlot: 'second-guardian' as const };

describe('projectSubjectDecisions (issue 12: both parents)', () => {
  test('when the guardian declared joint authority and granted a purpose that needs both, then it waits for the second guardian', () => {
    expect(projectSubjectDecisions(rowsOf({ authority: 'joint' }))).toEqual([
      { requestId: 'cr_a', formId: 'f', purposeId: 'foto', granted: false, required: false, since: '2026-11-22T10:00:00.000Z', validUntil: null, waitingFor: ['second-guardian'], signerRole: 'guardian' },
    ]);
  });

  test('when both guardians grant, then it is granted until the earlier of the two ends, since the later answer', () => {
    const [entry] = projectSubjectDecisions(rowsOf({ authority: 'joint' }, { ...second, validUntil: '2027-06-30T22:00:00.000Z' }));
    expect(entry).toMatchObject({ requestId: 'cr_a', granted: true, waitingFor: [], since: '2026-11-22T10:01:00.000Z', validUntil: '2027-06-30T22:00:00.000Z' });
  });

  test('when one guardian says yes and the other no, then it is not granted and waits for nobody, whichever answered first', () => {
    expect(projectSubjectDecisions(rowsOf({ authority: 'joint' }, { ...second, granted: false }))[0]).toMatchObject({ granted: false, waitingFor: [], validUntil: null });
    expect(projectSubjectDecisions(rowsOf({ ...second, granted: false }, { authority: 'joint' }))[0]).toMatchObject({ granted: false, waitingFor: [] });
    // Only the second guardian answered, with yes: waits for the first.
    expect(projectSubjectDecisions(rowsOf({ ...second }))[0]).toMatchObject({ granted: false, waitingFor: ['guardian'] });
  });

  test('when either guardian withdraws after both granted, then it is not granted at once; other purposes keep the family\'s latest answer', () => {
    const rows = rowsOf(
      { authority: 'joint' },
      { authority: 'joint', purposeId: 'registratie', needsAllGuardians: false, required: true },
      { ...second },
      { ...second, purposeId: 'registratie', needsAllGuardians: false, required: true },
      { ...second, granted: false, validUntil: null },
    );
    expect(projectSubjectDecisions(rows).map((e) => [e.purposeId, e.granted, e.waitingFor])).toEqual([['foto', false, []], ['registratie', true, []]]);
  });

  test('when the guardian has sole authority, then one grant suffices; a participant\'s own answer counts alone', () => {
    expect(projectSubjectDecisions(rowsOf({ authority: 'sole' }))[0]).toMatchObject({ granted: true, waitingFor: [], validUntil: '2027-11-22T23:00:00.000Z' });
    // Not asked (paper, before issue 12): as before, the answer counts.
    expect(projectSubjectDecisions(rowsOf({ authority: null }))[0]).toMatchObject({ granted: true, waitingFor: [] });
    expect(projectSubjectDecisions(rowsOf({ signerSlot: 'participant' }))[0]).toMatchObject({ granted: true, waitingFor: [], signerRole: 'participant' });
  });

  test('when a purpose does not need both, then the family\'s latest answer wins, even with joint authority', () => {
    expect(projectSubjectDecisions(rowsOf({ authority: 'joint', needsAllGuardians: false }, { ...second, needsAllGuardians: false, granted: false }))[0]).toMatchObject({ requestId: 'cr_a', granted: false, waitingFor: [] });
    expect(projectSubjectDecisions(rowsOf({ authority: 'joint', needsAllGuardians: false }))[0]).toMatchObject({ granted: true, waitingFor: [] });
  });

  test('when a newer family decides, then it supersedes the older one, and a late answer in the older family does not win', () => {
    const rows = rowsOf(
      { authority: 'joint' },
      { requestId: 'cr_new', familyId: 'cr_new', authority: 'sole' },
      { ...second, granted: false },
    );
    expect(projectSubjectDecisions(rows)[0]).toMatchObject({ requestId: 'cr_new', granted: true, since: '2026-11-22T10:01:00.000Z' });
  });

  test('when purposes are decided at several times, then they keep the order in which each was first decided', () => {
    const rows = rowsOf({ purposeId: 'b', needsAllGuardians: false }, { purposeId: 'a', needsAllGuardians: false }, { purposeId: 'b', needsAllGuardians: false, granted: false });
    expect(projectSubjectDecisions(rows).map((e) => [e.purposeId, e.granted])).toEqual([['b', false], ['a', true]]);
  });
});
