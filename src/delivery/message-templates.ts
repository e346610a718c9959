import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import Handlebars from 'handlebars';

import type { Language, SignerRole } from '../consent/form-types';
import { formatDeadline } from '../shared/deadline';
import { isGsm7, septetLength, SMS_SEGMENT_SEPTETS, toGsm7, truncateToSeptets } from './gsm7';

/**
 * The texts of the messages (invite, reminder, and the confirmations after a decision or a
 * withdrawal): `templates/sms/<kind>.<lang>.hbs` and
 * `templates/email/<kind>.<lang>.{subject,html,text}.hbs`, with `templates/email/partials/*.hbs`
 * for the e-mail shell and button. Every template is read and parsed at start-up, so a missing
 * or broken file stops the service instead of a message.
 *
 * An SMS is always one GSM-7 segment (160 septets) with the link intact: every model string but
 * the link is mapped to GSM-7 first, and names that make it too long are shortened (people's
 * names first, the organisation, which says who the message is from, last).
 */
export type MessageKind = 'invite' | 'reminder' | 'confirmation' | 'withdrawal-confirmation' | 'signer-code';
export const MESSAGE_KINDS: readonly MessageKind[] = ['invite', 'reminder', 'confirmation', 'withdrawal-confirmation', 'signer-code'];
const MESSAGE_LANGUAGES: readonly Language[] = ['nl', 'en'];

export interface MessageModel {
  organisationName: string;
  recipientName: string;
  subjectFirstName: string;
  /** Used by e-mail only. */
  formTitle?: string;
  link: string;
  /** `formatExpiry(expiresAt, lang)`, e.g. "31 december 2026 om 23:59". */
  expiresOn: string;
  /** Where to ask questions; may be empty. E-mail only. */
  contactEmail?: string;
  /** The organisation's contact (issue 10), e-mail only; each may be absent. `contactPhone` is E.164 (the tel: link), `contactPhoneDisplay` as people write it. */
  contactPhone?: string;
  contactPhoneDisplay?: string;
  website?: string;
  privacyStatementUrl?: string;
  /** Replies reach the organisation (it set a reply-to or a contact e-mail): the e-mail may say so. */
  canReply?: boolean;
  /** E-mail: the `cid:` of the organisation's logo, sent inline with the e-mail; absent: the name only. */
  logoCid?: string;
  /** The logo's size in CSS pixels as the e-mail shows it (at most 160 × 48). */
  logoWidth?: number;
  logoHeight?: number;
  signerRole: SignerRole;
  /** Confirmations: how the request was decided. */
  outcome?: 'signed' | 'declined';
  /** Confirmations: every purpose in the form's order with the choice as it stands. */
  choices?: { label: string; granted: boolean }[];
  grantedCount?: number;
  refusedCount?: number;
  /** `signer-code` (issue 12): the one-time code; an SMS carries it verbatim instead of the link. */
  code?: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface MessageRenderer {
  sms(kind: MessageKind, lang: Language, model: MessageModel): string;
  email(kind: MessageKind, lang: Language, model: MessageModel): RenderedEmail;
}

/**
 * When a link stops working, as the message should say it: the same text as the signing page
 * ("31 december 2026 om 23:59"; midnight reads as 23:59 of the day before).
 */
export function formatExpiry(expiresAt: Date, lang: Language): string {
  return formatDeadline(expiresAt, lang);
}

/** SMS: one space between words, no blank lines; every character counts. */
export function tidySms(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .filter((line) => line.length > 0)
    .join('\n');
}

/** Plain-text e-mail: no trailing spaces, at most one blank line between paragraphs. */
export function tidyText(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/[ \t]+$/g, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A subject is one line: a newline in a header would be an injection. */
const tidySubject = (text: string): string => text.replace(/\s+/g, ' ').trim();

export function createMessageRenderer(templatesDir: string): MessageRenderer {
  const hb = Handlebars.create();
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);

  const partialsDir = join(templatesDir, 'email', 'partials');
  if (existsSync(partialsDir)) {
    for (const file of readdirSync(partialsDir).filter((f) => f.endsWith('.hbs'))) {
      hb.registerPartial(`email-${basename(file, '.hbs')}`, readFileSync(join(partialsDir, file), 'utf8'));
    }
  }

  const templates = new Map<string, Handlebars.TemplateDelegate>();
  const load = (relative: string, escape: boolean) => {
    const source = readFileSync(join(templatesDir, relative), 'utf8');
    hb.parse(source); // syntax errors surface at start-up
    templates.set(relative, hb.compile(source, { noEscape: !escape, strict: false, preventIndent: true }));
  };
  for (const kind of MESSAGE_KINDS) {
    for (const lang of MESSAGE_LANGUAGES) {
      load(`sms/${kind}.${lang}.hbs`, false);
      load(`email/${kind}.${lang}.subject.hbs`, false);
      load(`email/${kind}.${lang}.text.hbs`, false);
      load(`email/${kind}.${lang}.html.hbs`, true);
    }
  }

  const run = (relative: string, model: MessageModel): string => {
    const template = templates.get(relative);
    if (!template) throw new Error(`message template ${relative} does not exist`);
    const hasContact = Boolean(model.contactEmail || model.contactPhone || model.website);
    return template({ ...model, contactEmail: model.contactEmail ?? '', formTitle: model.formTitle ?? '', hasContact });
  };

  const check = (kind: MessageKind, lang: Language) => {
    if (!MESSAGE_KINDS.includes(kind)) throw new Error(`unknown message kind ${String(kind)}`);
    if (!MESSAGE_LANGUAGES.includes(lang)) throw new Error(`unknown message language ${String(lang)}`);
  };

  return {
    sms(kind, lang, model) {
      check(kind, lang);
      const relative = `sms/${kind}.${lang}.hbs`;
      return fitSms(relative, model, (m) => tidySms(run(relative, m)));
    },
    email(kind, lang, model) {
      check(kind, lang);
      return {
        subject: tidySubject(run(`email/${kind}.${lang}.subject.hbs`, model)),
        html: run(`email/${kind}.${lang}.html.hbs`, model).trim(),
        text: tidyText(run(`email/${kind}.${lang}.text.hbs`, model)),
      };
    },
  };
}

type SmsNameField = 'recipientName' | 'subjectFirstName' | 'organisationName';
/** Shortened in this order: people's names first (longest first), then the organisation. */
const SMS_NAME_PHASES: readonly (readonly SmsNameField[])[] = [['recipientName', 'subjectFirstName'], ['organisationName']];
/** Below this a name no longer helps the reader; a template that needs less is too long. */
const SMS_MIN_NAME_SEPTETS: Record<SmsNameField, number> = { recipientName: 6, subjectFirstName: 6, organisationName: 16 };

/** One line of GSM-7: "Zoë “De Brug” 🎉" → "Zoe "De Brug"". */
const smsText = (text: string): string => toGsm7(text).replace(/\s+/g, ' ').trim();

/**
 * Renders an SMS into one GSM-7 segment. The link is never changed: it must already be GSM-7 and
 * appear verbatim. A template that is not GSM-7, or too long even with the names at their
 * minimum, throws: that is a bug in the template, not in the data.
 */
export function fitSms(templateName: string, model: MessageModel, render: (model: MessageModel) => string): string {
  // A one-time code is what must arrive intact in its SMS (issue 12); every other SMS carries the link.
  const link = model.code ?? model.link;
  if (link.length === 0 || !isGsm7(link) || /\s/.test(link)) throw new Error(`${templateName}: the link must be GSM-7 without spaces`);
  const base = Object.fromEntries(Object.entries(model).map(([key, value]) => [key, key !== 'link' && typeof value === 'string' ? smsText(value) : value])) as unknown as MessageModel;

  const septets = (text: string): number => {
    if (!isGsm7(text)) throw new Error(`${templateName} renders characters outside GSM-7: ${JSON.stringify([...text].filter((c) => !isGsm7(c)).join(''))}`);
    return septetLength(text);
  };
  const uses = (field: SmsNameField) => base[field] !== '' && render({ ...base, [field]: '' }) !== render(base);
  const limits = new Map<SmsNameField, number>();
  for (const phase of SMS_NAME_PHASES) for (const field of phase) if (uses(field)) limits.set(field, septetLength(base[field]));

  const current = { ...base };
  let text = render(current);
  for (const phase of SMS_NAME_PHASES) {
    for (let over = septets(text) - SMS_SEGMENT_SEPTETS; over > 0; over = septets(text) - SMS_SEGMENT_SEPTETS) {
      const candidates = phase.filter((f) => (limits.get(f) ?? 0) > SMS_MIN_NAME_SEPTETS[f]).sort((a, b) => limits.get(b)! - limits.get(a)!);
      const [longest, next] = candidates;
      if (!longest) break;
      const limit = limits.get(longest)!;
      // Cut the longest name down towards the next one, never more than needed: a name that is
      // in the text at least once gives back at least one septet per septet cut.
      const step = Math.max(1, Math.min(over, limit - (next ? limits.get(next)! : 0), limit - SMS_MIN_NAME_SEPTETS[longest]));
      limits.set(longest, limit - step);
      const atWord = truncateToSeptets(base[longest], limit - step, { atWord: true });
      current[longest] = septetLength(atWord) >= SMS_MIN_NAME_SEPTETS[longest] ? atWord : truncateToSeptets(base[longest], limit - step);
      text = render(current);
    }
  }
  const total = septets(text);
  if (total > SMS_SEGMENT_SEPTETS) throw new Error(`${templateName} does not fit one SMS: ${total} septets with the names at their minimum (link ${septetLength(link)})`);
  if (!text.includes(link)) throw new Error(`${templateName} must contain the link`);
  return text;
}
