/**
 * No SMS between 21:00 and 08:00 Europe/Amsterdam: a text due in that window waits until 08:00.
 * E-mail has no quiet hours (it does not wake anyone).
 */
const ZONE = 'Europe/Amsterdam';
export const QUIET_FROM_HOUR = 21;
export const QUIET_UNTIL_HOUR = 8;

const partsFormat = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });

function localParts(at: Date): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const p = Object.fromEntries(partsFormat.formatToParts(at).map((x) => [x.type, x.value]));
  return { year: Number(p.year), month: Number(p.month), day: Number(p.day), hour: Number(p.hour), minute: Number(p.minute), second: Number(p.second) };
}

/** Amsterdam's offset from UTC at this instant, in ms (+1 h in winter, +2 h in summer). */
function offsetMs(at: Date): number {
  const p = localParts(at);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(at.getTime() / 1000) * 1000;
}

/** 08:00 Amsterdam on the given local calendar day (never in a DST gap: those are at 02:00–03:00). */
function eightOClock(year: number, month: number, day: number): Date {
  const guess = Date.UTC(year, month - 1, day, QUIET_UNTIL_HOUR);
  return new Date(guess - offsetMs(new Date(guess)));
}

export function inQuietHours(at: Date): boolean {
  const { hour } = localParts(at);
  return hour >= QUIET_FROM_HOUR || hour < QUIET_UNTIL_HOUR;
}

/** `at` itself when an SMS may go out then, otherwise the next 08:00 in Amsterdam. */
export function smsSendableAt(at: Date): Date {
  if (!inQuietHours(at)) return at;
  const p = localParts(at);
  if (p.hour < QUIET_UNTIL_HOUR) return eightOClock(p.year, p.month, p.day);
  const nextDay = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
  return eightOClock(nextDay.getUTCFullYear(), nextDay.getUTCMonth() + 1, nextDay.getUTCDate());
}
