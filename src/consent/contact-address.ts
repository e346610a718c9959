import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';

import { AppError } from '../errors';
import type { Channel } from '../storage/store';

/**
 * Turns what a registration system sends into an address a message can reach: phone numbers in
 * E.164 (Dutch when no country code is given) of a type that can receive SMS, e-mail addresses
 * lower-cased in their domain. Anything else is a 422 naming the field.
 */
const SMS_CAPABLE = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE', 'PERSONAL_NUMBER', 'PAGER']);
const emailSchema = z.email();

export function normalisePhone(raw: string, field: string): string {
  const parsed = parsePhoneNumberFromString(raw, 'NL');
  if (!parsed || !parsed.isValid()) throw AppError.validation(field, 'This is not a valid phone number.');
  const type = parsed.getType();
  if (type !== undefined && !SMS_CAPABLE.has(type)) throw AppError.validation(field, 'This number cannot receive text messages; give a mobile number.');
  return parsed.number;
}

export function normaliseEmail(raw: string, field: string): string {
  const trimmed = raw.trim();
  if (!emailSchema.safeParse(trimmed).success) throw AppError.validation(field, 'This is not a valid e-mail address.');
  const at = trimmed.lastIndexOf('@');
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}

export function maskAddress(channel: Channel, address: string): string {
  if (channel === 'sms') return `${address.slice(0, 4)}••••${address.slice(-4)}`;
  const at = address.lastIndexOf('@');
  return `${address.slice(0, 1)}••••${address.slice(at)}`;
}
