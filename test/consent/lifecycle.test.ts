import { assertTransition, canTransition, OPEN_STATUSES, STATUSES, statusesThatCanBecome, type ConsentStatus } from '../../src/consent/lifecycle';

const LEGAL: Record<ConsentStatus, ConsentStatus[]> = {
  pending: ['sent', 'delivered', 'opened', 'signed', 'declined', 'expired', 'cancelled', 'failed'],
  sent: ['delivered', 'opened', 'signed', 'declined', 'expired', 'cancelled', 'failed'],
  delivered: ['opened', 'signed', 'declined', 'expired', 'cancelled'],
  opened: ['signed', 'declined', 'expired', 'cancelled'],
  signed: ['withdrawn'],
  declined: [],
  expired: [],
  cancelled: [],
  failed: [],
  withdrawn: [],
};

describe('consent request lifecycle', () => {
  for (const from of STATUSES) {
    for (const to of STATUSES) {
      const legal = LEGAL[from].includes(to);
      test(`when a ${from} request would become ${to}, then it is ${legal ? 'allowed' : 'refused'}`, () => {
        expect(canTransition(from, to)).toBe(legal);
        if (legal) expect(() => assertTransition(from, to)).not.toThrow();
        else expect(() => assertTransition(from, to)).toThrow(expect.objectContaining({ code: 'conflict', status: 409 }));
      });
    }
  }
});

describe('the guards the use cases use', () => {
  test('when a use case moves a request, then its allowed starting statuses are exactly those the table allows', () => {
    // Signing, declining, expiring and cancelling start from the open statuses.
    for (const to of ['signed', 'declined', 'expired', 'cancelled'] as const) expect(statusesThatCanBecome(to)).toEqual([...OPEN_STATUSES]);
    expect(statusesThatCanBecome('opened')).toEqual(['pending', 'sent', 'delivered']);
    expect(statusesThatCanBecome('withdrawn')).toEqual(['signed']);
    expect(statusesThatCanBecome('failed')).toEqual(['pending', 'sent']);
  });
});
