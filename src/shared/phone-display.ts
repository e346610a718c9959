import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** "+31201234567" → "020 123 4567": a stored E.164 number as people write it (international outside the Netherlands). */
export function displayPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return e164;
  return parsed.country === 'NL' ? parsed.formatNational() : parsed.formatInternational();
}
