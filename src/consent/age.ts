/**
 * The age rule works on the calendar day in Europe/Amsterdam: on the 16th birthday itself the
 * person is 16. Someone born on 29 February has their birthday on 1 March in a non-leap year
 * (the day after 28 February), the careful reading: until then a parent signs.
 */
export const AMSTERDAM = 'Europe/Amsterdam';
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: AMSTERDAM, year: 'numeric', month: '2-digit', day: '2-digit' });

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export function amsterdamDate(at: Date): CalendarDate {
  const parsed = parseIsoDate(dayFormat.format(at));
  if (!parsed) throw new Error('unexpected date format from Intl');
  return parsed;
}

/** A real calendar date in YYYY-MM-DD form, or null. */
export function parseIsoDate(value: string): CalendarDate | null {
  const m = ISO_DATE.exec(value);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  return { year, month, day };
}

export function ageOn(birth: CalendarDate, on: CalendarDate): number {
  const hadBirthday = on.month > birth.month || (on.month === birth.month && on.day >= birth.day);
  return on.year - birth.year - (hadBirthday ? 0 : 1);
}

export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

export const AGE_OF_CONSENT = 16;
export const MAX_AGE = 120;
