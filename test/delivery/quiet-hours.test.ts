import { inQuietHours, smsSendableAt } from '../../src/delivery/quiet-hours';

describe('SMS quiet hours (21:00–08:00 Europe/Amsterdam)', () => {
  const cases: [string, string, string][] = [
    ['a winter afternoon', '2026-11-22T14:00:00Z', '2026-11-22T14:00:00.000Z'],
    ['20:59 in winter', '2026-11-22T19:59:00Z', '2026-11-22T19:59:00.000Z'],
    ['21:00 in winter', '2026-11-22T20:00:00Z', '2026-11-23T07:00:00.000Z'],
    ['03:00 in winter', '2026-11-23T02:00:00Z', '2026-11-23T07:00:00.000Z'],
    ['07:59 in winter', '2026-11-23T06:59:00Z', '2026-11-23T07:00:00.000Z'],
    ['08:00 in winter', '2026-11-23T07:00:00Z', '2026-11-23T07:00:00.000Z'],
    ['22:30 in summer', '2026-07-01T20:30:00Z', '2026-07-02T06:00:00.000Z'],
    ['the night the clocks go forward', '2026-03-28T22:00:00Z', '2026-03-29T06:00:00.000Z'],
    ['the night the clocks go back', '2026-10-24T21:30:00Z', '2026-10-25T07:00:00.000Z'],
    ['new year\'s eve late', '2026-12-31T22:00:00Z', '2027-01-01T07:00:00.000Z'],
  ];
  test.each(cases)('when an SMS is due at %s, then it goes out at the right time', (_label, due, expected) => {
    expect(smsSendableAt(new Date(due)).toISOString()).toBe(expected);
    expect(inQuietHours(new Date(expected))).toBe(false);
  });
});
