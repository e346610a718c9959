import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import Handlebars from 'handlebars';
import { formatDeadline } from '../shared/deadline';
import { projectPath } from '../shared/paths';
import { createStaticAssets, type StaticAssets } from './static-assets';

/**
 * The HTML pages: `templates/pages/<page>.hbs` rendered inside `templates/layouts/main.hbs`.
 * UI strings come from `templates/i18n/<lang>.json`; the model's `lang` picks the language.
 * An unknown string key throws while rendering, so a typo fails a test instead of showing a key.
 */
export type UiLanguage = 'nl' | 'en';
export const UI_LANGUAGES: readonly UiLanguage[] = ['nl', 'en'];

export interface Views {
  /** Renders `pages/<page>.hbs` in `layouts/main.hbs` (or `layouts/<model.layout>.hbs`; `layout: false` for none). */
  render(page: string, model: object): string;
  /**
   * One UI string, `{name}` placeholders replaced from `params`; throws on an unknown key. A key
   * written per form of address (`{"u": …, "je": …}`) gives its `je` text for a participant
   * (`signerRole` "participant") and its `u` text otherwise.
   */
  translate(lang: string, key: string, params?: Record<string, unknown>, signerRole?: unknown): string;
  /** The files under public/ that pages link with `{{asset "app.css"}}`, and their handler. */
  readonly assets: StaticAssets;
}

export interface ViewsOptions {
  /** Keep compiled templates (default true); false re-reads files on every render while editing. */
  cache?: boolean;
  /** The static files pages link (default: public/ of the project). */
  assets?: StaticAssets;
}

export type UiStrings = Record<UiLanguage, ReadonlyMap<string, string>>;

/** Reads `i18n/nl.json` and `i18n/en.json`; nested objects become dotted keys (`sign.button`). */
export function loadUiStrings(templatesDir: string): UiStrings {
  const load = (lang: UiLanguage) => {
    const flat = new Map<string, string>();
    const walk = (file: string, node: unknown, prefix: string) => {
      if (typeof node === 'string') {
        if (flat.has(prefix)) throw new Error(`i18n/${file}: "${prefix}" is already defined`);
        return void flat.set(prefix, node);
      }
      if (node === null || typeof node !== 'object' || Array.isArray(node)) throw new Error(`i18n/${file}: "${prefix}" must be a string or an object`);
      for (const [key, value] of Object.entries(node)) walk(file, value, prefix ? `${prefix}.${key}` : key);
    };
    // `<lang>.json`, then one file per area besides (`i18n/<area>.<lang>.json`, e.g. the
    // dashboard's), so that areas grow apart; a key defined twice is an error, not a silent override.
    const areaFiles = readdirSync(join(templatesDir, 'i18n')).filter((f) => f.endsWith(`.${lang}.json`)).sort();
    for (const file of [`${lang}.json`, ...areaFiles]) walk(file, JSON.parse(readFileSync(join(templatesDir, 'i18n', file), 'utf8')), '');
    return flat;
  };
  return { nl: load('nl'), en: load('en') };
}

const uiLanguage = (lang: unknown): UiLanguage => (lang === 'en' ? 'en' : 'nl');

function fillPlaceholders(text: string, params: Record<string, unknown>, key: string): string {
  return text.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined || value === null) throw new Error(`i18n "${key}" needs the parameter {${name}}`);
    return String(value);
  });
}

type HelperOptions = Handlebars.HelperOptions;
interface RenderData {
  root?: Record<string, unknown>;
  /** Per-render scratch space: a page sets its <title> here for the layout. */
  page?: { title?: string };
}
const dataOf = (options: HelperOptions): RenderData => (options.data ?? {}) as RenderData;
const rootOf = (options: HelperOptions): Record<string, unknown> => dataOf(options).root ?? {};

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value as string | number);
  return Number.isNaN(date.getTime()) ? null : date;
}

function createDateFormats() {
  const make = (locale: string, options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale, { timeZone: 'Europe/Amsterdam', ...options });
  return {
    dateTime: { nl: make('nl-NL', { dateStyle: 'long', timeStyle: 'short' }), en: make('en-GB', { dateStyle: 'long', timeStyle: 'short' }) },
    date: { nl: make('nl-NL', { dateStyle: 'long' }), en: make('en-GB', { dateStyle: 'long' }) },
    dateTimeUtc: {
      nl: new Intl.DateTimeFormat('nl-NL', { timeZone: 'UTC', dateStyle: 'long', timeStyle: 'medium' }),
      en: new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', dateStyle: 'long', timeStyle: 'medium' }),
    },
    dateTimeSeconds: { nl: make('nl-NL', { dateStyle: 'long', timeStyle: 'medium' }), en: make('en-GB', { dateStyle: 'long', timeStyle: 'medium' }) },
  };
}

interface FieldError {
  field: string;
  message?: string;
  key?: string;
}

export function createViews(templatesDir: string, options: ViewsOptions = {}): Views {
  const cache = options.cache ?? true;
  const hb = Handlebars.create();
  const strings = loadUiStrings(templatesDir);
  const formats = createDateFormats();
  const assets = options.assets ?? createStaticAssets(projectPath('public'));

  const translate = (lang: string, key: string, params: Record<string, unknown> = {}, signerRole?: unknown): string => {
    const table = strings[uiLanguage(lang)];
    const text = table.get(key) ?? table.get(`${key}.${signerRole === 'participant' ? 'je' : 'u'}`);
    if (text === undefined) throw new Error(`unknown UI string "${key}" (${uiLanguage(lang)})`);
    return fillPlaceholders(text, params, key);
  };

  const errorText = (error: FieldError, lang: string, signerRole: unknown): string => error.message ?? (error.key ? translate(lang, error.key, {}, signerRole) : '');

  hb.registerHelper({
    /** {{t "sign.button"}} or {{t "done.signedOn" date=(formatDateTime decidedAt)}}; "je" or "u" follows the model's signerRole. */
    t(key: unknown, options: HelperOptions) {
      if (typeof key !== 'string') throw new Error('{{t}} needs a string key');
      const root = rootOf(options);
      return translate(String(root.lang), key, options.hash as Record<string, unknown>, root.signerRole);
    },
    /** {{asset "app.css"}}: the file's address with its content hash (static-assets.ts); an unknown file throws. */
    asset(name: unknown) {
      if (typeof name !== 'string') throw new Error('{{asset}} needs a file name');
      return assets.url(name);
    },
    eq: (a: unknown, b: unknown) => a === b,
    or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
    and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
    not: (value: unknown) => !value,
    startsWith: (value: unknown, prefix: unknown) => typeof value === 'string' && typeof prefix === 'string' && value.startsWith(prefix),
    concat: (...args: unknown[]) => args.slice(0, -1).map(String).join(''),
    formatDateTime(value: unknown, options: HelperOptions) {
      const date = toDate(value);
      return date ? formats.dateTime[uiLanguage(rootOf(options).lang)].format(date) : '';
    },
    /**
     * A moment something stops working. Midnight reads as the day before, "until 31 December
     * 23:59", rather than "until 1 January 00:00", which parents read as a day too late or early.
     */
    formatDeadline(value: unknown, options: HelperOptions) {
      const date = toDate(value);
      return date ? formatDeadline(date, uiLanguage(rootOf(options).lang)) : '';
    },
    /** A moment to the second, as evidence states it: {{formatDateTimeSeconds at}} in Europe/Amsterdam, {{formatDateTimeUtc at}} in UTC. */
    formatDateTimeSeconds(value: unknown, options: HelperOptions) {
      const date = toDate(value);
      return date ? formats.dateTimeSeconds[uiLanguage(rootOf(options).lang)].format(date) : '';
    },
    formatDateTimeUtc(value: unknown, options: HelperOptions) {
      const date = toDate(value);
      return date ? formats.dateTimeUtc[uiLanguage(rootOf(options).lang)].format(date) : '';
    },
    formatDate(value: unknown, options: HelperOptions) {
      const date = toDate(value);
      return date ? formats.date[uiLanguage(rootOf(options).lang)].format(date) : '';
    },
    /** Escapes the text and makes a <p> of every block separated by a blank line. */
    paragraphs(value: unknown) {
      const text = typeof value === 'string' ? value : '';
      const html = text
        .replace(/\r\n?/g, '\n')
        .split(/\n[ \t]*\n/)
        .map((p) => p.trim())
        .filter((p) => p.length > 0)
        .map((p) => `<p>${hb.escapeExpression(p)}</p>`)
        .join('\n');
      return new hb.SafeString(html);
    },
    /** The error message for one form field from the model's `errors`, or undefined. */
    errorFor(field: unknown, options: HelperOptions) {
      const root = rootOf(options);
      const errors = Array.isArray(root.errors) ? (root.errors as FieldError[]) : [];
      const found = errors.find((e) => e.field === field);
      return found ? errorText(found, String(root.lang), root.signerRole) : undefined;
    },
    /** The text of one `{field, message}` or `{field, key}` error. */
    errorText(error: FieldError, options: HelperOptions) {
      return errorText(error, String(rootOf(options).lang), rootOf(options).signerRole);
    },
    /** A copy of a list sorted on `createdAt`, newest first. */
    newestFirst(list: unknown) {
      if (!Array.isArray(list)) return [];
      const time = (item: { createdAt?: unknown }) => toDate(item.createdAt)?.getTime() ?? 0;
      return [...(list as { createdAt?: unknown }[])].sort((a, b) => time(b) - time(a));
    },
    /** {{setTitle (t "…")}}: a page names itself for the layout's <title>. */
    setTitle(value: unknown, options: HelperOptions) {
      const page = dataOf(options).page;
      if (page && typeof value === 'string') page.title = value;
      return '';
    },
  });

  const partialsDir = join(templatesDir, 'partials');
  if (existsSync(partialsDir)) {
    for (const file of readdirSync(partialsDir).filter((f) => f.endsWith('.hbs'))) {
      hb.registerPartial(basename(file, '.hbs'), readFileSync(join(partialsDir, file), 'utf8'));
    }
  }

  const compiled = new Map<string, Handlebars.TemplateDelegate>();
  const template = (relative: string): Handlebars.TemplateDelegate => {
    const hit = cache ? compiled.get(relative) : undefined;
    if (hit) return hit;
    const file = join(templatesDir, relative);
    if (!existsSync(file)) throw new Error(`template ${relative} does not exist`);
    const fn = hb.compile(readFileSync(file, 'utf8'), { preventIndent: true });
    if (cache) compiled.set(relative, fn);
    return fn;
  };

  const safeName = (name: string, what: string): string => {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`invalid ${what} name "${name}"`);
    return name;
  };

  return {
    translate,
    assets,
    render(page, model) {
      const m = model as Record<string, unknown>;
      const meta: { title?: string } = {};
      const body = template(`pages/${safeName(page, 'page')}.hbs`)(model, { data: { page: meta } });
      if (m.layout === false) return body;
      const layout = typeof m.layout === 'string' ? m.layout : 'main';
      const pageTitle = meta.title ?? (typeof m.title === 'string' && m.title ? m.title : undefined);
      return template(`layouts/${safeName(layout, 'layout')}.hbs`)({ ...m, pageTitle, body });
    },
  };
}
