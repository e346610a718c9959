import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

import { normaliseEmail } from '../consent/contact-address';
import { LANGUAGES, type Language } from '../consent/form-types';
import { AppError } from '../errors';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import { cleanText, TEXT_PROBLEM_MESSAGES } from '../shared/text';
import type { Organisation, OrganisationSettings, Store, Turning16Policy } from '../storage/store';
import { newApiKey } from './api-keys';
import { normaliseLogo } from './organisation-logo';

/**
 * Organisations as tenants (issue 10): creating one with its first API key, and its settings.
 * Every value is checked here, whoever asks (the CLI now, the staff dashboard later). A value of
 * "" clears an optional setting; an absent one leaves it as it is. Errors are AppError
 * validation errors whose path is the setting's name below.
 */
export interface OrganisationInput {
  name?: string;
  contactPhone?: string;
  contactEmail?: string;
  website?: string;
  privacyStatementUrl?: string;
  dpoContact?: string;
  smsSenderName?: string;
  emailSenderName?: string;
  emailReplyTo?: string;
  defaultLanguage?: string;
  reminderAfterDays?: string;
  expiryDays?: string;
  turning16Policy?: string;
  turning16LapseDays?: string;
  turning16WindowDays?: string;
  turning16FormId?: string;
  renewalDaysBefore?: string;
  /** The logo file's bytes (PNG or SVG). */
  logo?: Buffer;
}

export const EMPTY_SETTINGS: OrganisationSettings = {
  contactPhone: null,
  contactEmail: null,
  website: null,
  privacyStatementUrl: null,
  dpoContact: null,
  smsSenderName: null,
  emailSenderName: null,
  emailReplyTo: null,
  defaultLanguage: null,
  reminderAfterDays: null,
  expiryDays: null,
  logoPng: null,
  turning16Policy: null,
  turning16LapseDays: null,
  turning16WindowDays: null,
  turning16FormId: null,
  renewalDaysBefore: null,
};

/** The same ranges as REMINDER_AFTER_DAYS and DEFAULT_EXPIRY_DAYS in src/config.ts. */
export const REMINDER_AFTER_DAYS_RANGE = { min: 1, max: 30 } as const;
export const EXPIRY_DAYS_RANGE = { min: 1, max: 365 } as const;
/** Turning 16 and renewal (issue 12; README, "Turning 16 and renewal"). */
export const TURNING16_POLICIES = ['until-young-person-decides', 'lapses-after-days'] as const;
export const TURNING16_LAPSE_DAYS_RANGE = { min: 0, max: 365 } as const;
export const TURNING16_WINDOW_DAYS_RANGE = { min: 1, max: 365 } as const;
export const RENEWAL_DAYS_BEFORE_RANGE = { min: 0, max: 365 } as const;
/** The lifecycle settings, as the dashboard's settings form names its fields. */
export const LIFECYCLE_SETTING_FIELDS = ['turning16Policy', 'turning16LapseDays', 'turning16WindowDays', 'turning16FormId', 'renewalDaysBefore'] as const;
export const LIFECYCLE_DEFAULTS = { turning16Policy: 'until-young-person-decides', turning16WindowDays: 30, renewalDaysBefore: 30 } as const;
const FORM_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MAX_NAME = 100;
const MAX_TEXT = 200;
const MAX_URL = 500;
// Alphanumeric SMS sender ids: letters, digits and spaces of the GSM 7-bit alphabet, at least one letter.
const SMS_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;

function text(raw: string, field: string, max: number): string {
  const clean = cleanText(raw);
  if (!clean.ok) throw AppError.validation(field, TEXT_PROBLEM_MESSAGES[clean.problem]);
  if (clean.value.length > max) throw AppError.validation(field, `At most ${max} characters.`);
  return clean.value;
}

function phone(raw: string, field: string): string {
  // A contact number may be a landline: any valid number (Dutch when no country code), in E.164.
  const parsed = parsePhoneNumberFromString(raw, 'NL');
  if (!parsed || !parsed.isValid()) throw AppError.validation(field, 'This is not a valid phone number.');
  return parsed.number;
}

function httpsUrl(raw: string, field: string): string {
  const trimmed = raw.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw AppError.validation(field, 'This is not a valid URL; give a full https:// address.');
  }
  if (url.protocol !== 'https:' || !url.hostname.includes('.') || url.username || url.password) throw AppError.validation(field, 'Give a full https:// address (no other scheme, no user name or password).');
  if (url.href.length > MAX_URL) throw AppError.validation(field, `At most ${MAX_URL} characters.`);
  return url.href;
}

function days(raw: string, field: string, range: { min: number; max: number }): number {
  const n = /^\d{1,4}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isInteger(n) || n < range.min || n > range.max) throw AppError.validation(field, `A whole number of days from ${range.min} to ${range.max}.`);
  return n;
}

function turning16Policy(raw: string, field: string): Turning16Policy {
  const value = raw.trim();
  if (!(TURNING16_POLICIES as readonly string[]).includes(value)) throw AppError.validation(field, `One of: ${TURNING16_POLICIES.join(', ')}.`);
  return value as Turning16Policy;
}

function formId(raw: string, field: string): string {
  const value = raw.trim();
  if (!FORM_ID.test(value)) throw AppError.validation(field, 'A form id: lower-case letters, digits and hyphens, at most 64 characters.');
  return value;
}

function language(raw: string, field: string): Language {
  const value = raw.trim();
  if (!(LANGUAGES as readonly string[]).includes(value)) throw AppError.validation(field, `One of: ${LANGUAGES.join(', ')}.`);
  return value as Language;
}

function smsSender(raw: string, field: string): string {
  const value = raw.trim();
  if (!SMS_SENDER.test(value)) throw AppError.validation(field, '1 to 11 characters: letters A–Z, digits and spaces, with at least one letter.');
  return value;
}

/** Applies what was given to the current settings: "" clears, absent keeps. */
export async function applySettings(current: OrganisationSettings, input: OrganisationInput): Promise<OrganisationSettings> {
  const next = { ...current };
  const set = <K extends keyof OrganisationSettings>(key: K, raw: string | undefined, parse: (raw: string, field: string) => OrganisationSettings[K]) => {
    if (raw === undefined) return;
    next[key] = (raw.trim() === '' ? null : parse(raw, key)) as OrganisationSettings[K];
  };
  set('contactPhone', input.contactPhone, phone);
  set('contactEmail', input.contactEmail, normaliseEmail);
  set('website', input.website, httpsUrl);
  set('privacyStatementUrl', input.privacyStatementUrl, httpsUrl);
  set('dpoContact', input.dpoContact, (raw, field) => text(raw, field, MAX_TEXT));
  set('smsSenderName', input.smsSenderName, smsSender);
  set('emailSenderName', input.emailSenderName, (raw, field) => text(raw, field, MAX_NAME));
  set('emailReplyTo', input.emailReplyTo, normaliseEmail);
  set('defaultLanguage', input.defaultLanguage, language);
  set('reminderAfterDays', input.reminderAfterDays, (raw, field) => days(raw, field, REMINDER_AFTER_DAYS_RANGE));
  set('expiryDays', input.expiryDays, (raw, field) => days(raw, field, EXPIRY_DAYS_RANGE));
  set('turning16Policy', input.turning16Policy, turning16Policy);
  set('turning16LapseDays', input.turning16LapseDays, (raw, field) => days(raw, field, TURNING16_LAPSE_DAYS_RANGE));
  set('turning16WindowDays', input.turning16WindowDays, (raw, field) => days(raw, field, TURNING16_WINDOW_DAYS_RANGE));
  set('turning16FormId', input.turning16FormId, formId);
  set('renewalDaysBefore', input.renewalDaysBefore, (raw, field) => days(raw, field, RENEWAL_DAYS_BEFORE_RANGE));
  if (next.turning16Policy === 'lapses-after-days' && (next.turning16LapseDays ?? null) === null) {
    throw AppError.validation('turning16LapseDays', `The policy lapses-after-days needs a number of days from ${TURNING16_LAPSE_DAYS_RANGE.min} to ${TURNING16_LAPSE_DAYS_RANGE.max}.`);
  }
  if (input.logo !== undefined) next.logoPng = input.logo.length === 0 ? null : await normaliseLogo(input.logo, 'logo');
  return next;
}

export function organisationName(raw: string): string {
  return text(raw, 'name', MAX_NAME);
}

/** A new organisation with its settings and its first API key (the secret is returned only now). */
export async function createOrganisation(deps: { store: Store; clock: Clock }, input: OrganisationInput & { name: string }): Promise<{ organisation: Organisation; keyId: string; secret: string }> {
  const name = organisationName(input.name);
  const settings = await applySettings(EMPTY_SETTINGS, input);
  const now = deps.clock.now();
  const organisation: Organisation = { id: newId('org', now), name, createdAt: now };
  const { record, secret } = newApiKey(deps.clock, organisation.id, 'first key');
  // One write: a crash can no longer leave an organisation without its settings or its first key.
  await deps.store.createOrganisation(organisation, { settings, firstKey: record });
  return { organisation, keyId: record.id, secret };
}

export async function updateOrganisation(deps: { store: Store }, id: string, input: OrganisationInput): Promise<{ organisation: Organisation; settings: OrganisationSettings }> {
  const organisation = await deps.store.getOrganisation(id);
  const current = await deps.store.getOrganisationSettings(id);
  if (!organisation || !current) throw new AppError('not_found', `There is no organisation ${id}.`);
  const name = input.name === undefined ? organisation.name : organisationName(input.name);
  const settings = await applySettings(current, input);
  await deps.store.updateOrganisation(id, name, settings);
  return { organisation: { ...organisation, name }, settings };
}
