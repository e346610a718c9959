import { ageOn, amsterdamDate, parseIsoDate } from '../../src/consent/age';
import { signerRoleFor } from '../../src/consent/request-consent';
import { AppError } from '../../src/errors';

const d = (s: string) => parseIsoDate(s)!;

describe('age rule (Europe/Amsterdam calendar day)', () => {
  test('when it is the day before the 16th birthday, then the person is 15 and a parent signs', () => {
    expect(ageOn(d('2010-05-10'), d('2026-05-09'))).toBe(15);
    expect(signerRoleFor('2010-05-10', new Date('2026-05-09T12:00:00Z'))).toBe('guardian');
  });

  test('when it is the 16th birthday itself, then the person is 16 and signs themselves', () => {
    expect(ageOn(d('2010-05-10'), d('2026-05-10'))).toBe(16);
    expect(signerRoleFor('2010-05-10', new Date('2026-05-10T12:00:00Z'))).toBe('participant');
  });

  test('when it is the day after the 16th birthday, then the person is 16', () => {
    expect(signerRoleFor('2010-05-10', new Date('2026-05-11T00:30:00+02:00'))).toBe('participant');
  });

  test('when UTC is still the day before but Amsterdam is already on the birthday, then Amsterdam counts', () => {
    // 22:30 UTC on 9 May is 00:30 on 10 May in Amsterdam (CEST).
    expect(amsterdamDate(new Date('2026-05-09T22:30:00Z'))).toEqual({ year: 2026, month: 5, day: 10 });
    expect(signerRoleFor('2010-05-10', new Date('2026-05-09T22:30:00Z'))).toBe('participant');
    expect(signerRoleFor('2010-05-10', new Date('2026-05-09T21:30:00Z'))).toBe('guardian');
  });

  test('when born on 29 February, then the 16th birthday is on 29 February (16 years on is a leap year again) and in a non-leap year a birthday falls on 1 March', () => {
    // 2012-02-29 + 16 years = 2028 (a leap year): 16 on 29 February.
    expect(ageOn(d('2012-02-29'), d('2028-02-28'))).toBe(15);
    expect(ageOn(d('2012-02-29'), d('2028-02-29'))).toBe(16);
    // In the non-leap year 2029 the next birthday is 1 March.
    expect(ageOn(d('2012-02-29'), d('2029-02-28'))).toBe(16);
    expect(ageOn(d('2012-02-29'), d('2029-03-01'))).toBe(17);
  });

  test('when a leap-day child turns 16, then the parent signs on 28 February and the child from 29 February; the 17th birthday is on 1 March', () => {
    // Born 2008-02-29: 16 on 2024-02-29 (leap), 17 on 2025-03-01 (non-leap). Between 1901 and
    // 2099 a 16th birthday always falls in a leap year, so only later birthdays move to 1 March.
    expect(signerRoleFor('2008-02-29', new Date('2024-02-28T12:00:00Z'))).toBe('guardian');
    expect(signerRoleFor('2008-02-29', new Date('2024-02-29T12:00:00Z'))).toBe('participant');
    expect(ageOn(d('2008-02-29'), d('2025-02-28'))).toBe(16);
    expect(ageOn(d('2008-02-29'), d('2025-03-01'))).toBe(17);
  });

  test('when the date of birth is impossible, in the future or over 120 years ago, then a 422 names the field', () => {
    for (const dob of ['2010-02-30', '2010-13-01', '2027-01-01', '1900-01-01', '1906-11-21']) {
      try {
        signerRoleFor(dob, new Date('2026-11-22T12:00:00Z'));
        throw new Error(`accepted ${dob}`);
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).status).toBe(422);
        expect((error as AppError).errors?.[0]?.path).toBe('subject.dateOfBirth');
      }
    }
  });

  test('when the date of birth is exactly 120 years ago today, then it is accepted; a day earlier is not', () => {
    expect(signerRoleFor('1906-11-22', new Date('2026-11-22T12:00:00Z'))).toBe('participant');
    expect(() => signerRoleFor('1906-11-21', new Date('2026-11-22T12:00:00Z'))).toThrow(/more than 120 years ago/);
  });

  test('when the date of birth is today, then it is accepted (a newborn, parent signs)', () => {
    expect(signerRoleFor('2026-11-22', new Date('2026-11-22T12:00:00Z'))).toBe('guardian');
  });
});
