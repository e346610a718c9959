import { addCalendarMonths, consentValidUntil, startOfAmsterdamDay } from '../../src/consent/validity';

const day = (s: string) => {
  const [year, month, d] = s.split('-').map(Number) as [number, number, number];
  return { year, month, day: d };
};

describe('consent validity', () => {
  test('when a month has no such day, then adding months ends on its last day (31 January + 1 month = 28 or 29 February)', () => {
    expect(addCalendarMonths(day('2026-01-31'), 1)).toEqual(day('2026-02-28'));
    expect(addCalendarMonths(day('2028-01-31'), 1)).toEqual(day('2028-02-29'));
    expect(addCalendarMonths(day('2028-02-29'), 12)).toEqual(day('2029-02-28'));
    expect(addCalendarMonths(day('2026-03-31'), 1)).toEqual(day('2026-04-30'));
    expect(addCalendarMonths(day('2026-11-22'), 14)).toEqual(day('2028-01-22'));
    expect(addCalendarMonths(day('2026-12-15'), 1)).toEqual(day('2027-01-15'));
  });

  test('when midnight in Amsterdam is asked for, then it is 23:00 UTC the day before in winter and 22:00 in summer', () => {
    expect(startOfAmsterdamDay(day('2027-11-23')).toISOString()).toBe('2027-11-22T23:00:00.000Z');
    expect(startOfAmsterdamDay(day('2027-08-01')).toISOString()).toBe('2027-07-31T22:00:00.000Z');
    // The days the clocks change (at 02:00/03:00, after midnight).
    expect(startOfAmsterdamDay(day('2027-03-28')).toISOString()).toBe('2027-03-27T23:00:00.000Z');
    expect(startOfAmsterdamDay(day('2027-03-29')).toISOString()).toBe('2027-03-28T22:00:00.000Z');
    expect(startOfAmsterdamDay(day('2026-10-25')).toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(startOfAmsterdamDay(day('2026-10-26')).toISOString()).toBe('2026-10-25T23:00:00.000Z');
  });

  test('when consent is given on a day, then it counts through the same date validForMonths later and ends at the next Amsterdam midnight', () => {
    expect(consentValidUntil({ validForMonths: 12 }, day('2026-11-22')).toISOString()).toBe('2027-11-22T23:00:00.000Z');
    expect(consentValidUntil({ validForMonths: 1 }, day('2026-01-31')).toISOString()).toBe('2026-02-28T23:00:00.000Z');
    expect(consentValidUntil({ validForMonths: 12 }, day('2026-06-15')).toISOString()).toBe('2027-06-15T22:00:00.000Z');
  });

  test('when the form also sets a last day, then the earlier end wins', () => {
    const schoolYear = { validForMonths: 12, validUntil: '2027-07-31' };
    expect(consentValidUntil(schoolYear, day('2026-11-22')).toISOString()).toBe('2027-07-31T22:00:00.000Z');
    expect(consentValidUntil(schoolYear, day('2026-06-01')).toISOString()).toBe('2027-06-01T22:00:00.000Z');
  });
});
