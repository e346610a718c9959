/**
 * How a moment something stops working reads, in Amsterdam time. Shared by the signing page and
 * the messages so that the SMS/e-mail and the page name the same day and time.
 */
export type DeadlineLanguage = 'nl' | 'en';

const make = (locale: string, options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale, { timeZone: 'Europe/Amsterdam', ...options });
const dateTime: Record<DeadlineLanguage, Intl.DateTimeFormat> = {
  nl: make('nl-NL', { dateStyle: 'long', timeStyle: 'short' }),
  en: make('en-GB', { dateStyle: 'long', timeStyle: 'short' }),
};
const clock = make('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/**
 * "31 december 2026 om 23:59" / "31 December 2026 at 23:59". Midnight reads as 23:59 of the day
 * before, not "1 januari 00:00", which parents read as a day too late or too early.
 */
export function formatDeadline(at: Date, lang: DeadlineLanguage): string {
  const parts = clock.formatToParts(at);
  const midnight = parts.find((p) => p.type === 'hour')?.value === '00' && parts.find((p) => p.type === 'minute')?.value === '00';
  return dateTime[lang].format(midnight ? new Date(at.getTime() - 60_000) : at);
}
