import { AMSTERDAM, type CalendarDate, compareDates, parseIsoDate } from './age';
import type { ConsentForm } from './form-types';

/**
 * How long a consent counts. It runs from the day it was given (the Amsterdam calendar day of the
 * signature, or the `signedOn` date written on paper, never the day it was recorded) and ends at
 * the end of the Amsterdam day `validForMonths` calendar months later: signed on 22 November 2026
 * with 12 months, it counts up to and including 22 November 2027, like a passport's "valid until".
 * A month without that day ends on its last day: 31 January + 1 month is 28 (or 29) February.
 * A form's `validUntil` date (e.g. the end of the school year) also ends it; the earlier end wins.
 *
 * The end is an instant: 00:00 Europe/Amsterdam on the day after the last valid day, in UTC
 * (2027-11-22T23:00:00.000Z in winter, 22:00 in summer). At that instant the consent has lapsed.
 */
export function consentValidUntil(form: Pick<ConsentForm, 'validForMonths' | 'validUntil'>, givenOn: CalendarDate): Date {
  let lastDay = addCalendarMonths(givenOn, form.validForMonths);
  const fixed = form.validUntil === undefined ? null : parseIsoDate(form.validUntil);
  if (fixed && compareDates(fixed, lastDay) < 0) lastDay = fixed;
  return startOfAmsterdamDay(nextDay(lastDay));
}

/** The same day of the month `months` later, or that month's last day when it is shorter. */
export function addCalendarMonths(date: CalendarDate, months: number): CalendarDate {
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function nextDay(date: CalendarDate): CalendarDate {
  const next = new Date(Date.UTC(date.year, date.month - 1, date.day + 1));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

const offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone: AMSTERDAM, timeZoneName: 'longOffset' });

/** Minutes Amsterdam is ahead of UTC at `at` (60 in winter, 120 in summer). */
function amsterdamOffsetMinutes(at: Date): number {
  const name = offsetFormat.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** 00:00 in Amsterdam on that day. Clocks change at 02:00/03:00 there, so midnight always exists once. */
export function startOfAmsterdamDay(date: CalendarDate): Date {
  const utcMidnight = Date.UTC(date.year, date.month - 1, date.day);
  const guess = utcMidnight - amsterdamOffsetMinutes(new Date(utcMidnight)) * 60_000;
  return new Date(utcMidnight - amsterdamOffsetMinutes(new Date(guess)) * 60_000);
}
