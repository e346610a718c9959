import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import Handlebars from 'handlebars';

import type { Language, SignerRole } from '../consent/form-types';

/**
 * The texts of the invite and reminder messages: `templates/sms/<kind>.<lang>.hbs` and
 * `templates/email/<kind>.<lang>.{subject,html,text}.hbs`, with `templates/email/partials/*.hbs`
 * for the e-mail shell and button. Every template is read and parsed at start-up, so a missing
 * or broken file stops the service instead of a message.
 */
export type MessageKind = 'invite' | 'reminder';
export const MESSAGE_KINDS: readonly MessageKind[] = ['invite', 'reminder'];
const MESSAGE_LANGUAGES: readonly Language[] = ['nl', 'en'];

export interface MessageModel {
  organisationName: string;
  recipientName: string;
  subjectFirstName: string;
  /** Used by e-mail only. */
  formTitle?: string;
  link: string;
  /** Pre-formatted in the message's language, e.g. "31 december 2026". */
  expiresOn: string;
  /** Where to ask questions; may be empty. E-mail only. */
  contactEmail?: string;
  signerRole: SignerRole;
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
    return template({ ...model, contactEmail: model.contactEmail ?? '', formTitle: model.formTitle ?? '' });
  };

  const check = (kind: MessageKind, lang: Language) => {
    if (!MESSAGE_KINDS.includes(kind)) throw new Error(`unknown message kind ${String(kind)}`);
    if (!MESSAGE_LANGUAGES.includes(lang)) throw new Error(`unknown message language ${String(lang)}`);
  };

  return {
    sms(kind, lang, model) {
      check(kind, lang);
      return tidySms(run(`sms/${kind}.${lang}.hbs`, model));
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
