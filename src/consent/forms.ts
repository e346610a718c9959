import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type Range } from 'yaml';
import { z } from 'zod';
import { parseIsoDate } from './age';
import { type ConsentForm, type Language, LANGUAGES, PURPOSE_KINDS, type SignerRole } from './form-types';

/** What a form file describes: everything in a `ConsentForm` except what the loader derives. */
export type FormContent = Omit<ConsentForm, 'version' | 'sourceFile'>;

export interface FormProblem {
  file: string;
  /** 1-based line of the offending node, or of the nearest parent that exists; null when the file as a whole is at fault. */
  line: number | null;
  /** Field path such as `purposes[1].label.en`; empty when the problem is not about one field. */
  field: string;
  message: string;
}

export class FormValidationError extends Error {
  readonly problems: FormProblem[];

  constructor(problems: FormProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'FormValidationError';
    this.problems = problems;
  }
}

export function formatProblem(problem: FormProblem): string {
  const where = problem.line === null ? problem.file : `${problem.file}:${problem.line}`;
  return problem.field === '' ? `${where} ${problem.message}` : `${where} ${problem.field}: ${problem.message}`;
}

export interface FormCatalog {
  /** All forms, in file-name order. */
  list(): ConsentForm[];
  get(id: string): ConsentForm | undefined;
}

export const CHILD_FIRST_NAME_PLACEHOLDER = '{childFirstName}';

const KEBAB_CASE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const KEBAB_MESSAGE = 'Must be kebab-case: lowercase letters, digits and single hyphens (e.g. foto-website)';

// Trimmed so that switching between YAML scalar styles (`>`, `>-`, quotes) does not change the text or its version.
// Form texts reach pages and PDFs: control characters (other than line breaks) and bidi overrides
// (which show text in another order than it is written) are refused, as in names.
const HIDDEN_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const text = z
  .string()
  .trim()
  .min(1, 'Must not be empty')
  .refine((value) => !HIDDEN_CONTROLS.test(value), 'Must not contain control characters (other than line breaks) or bidi embedding, override or isolate characters (U+202A–U+202E, U+2066–U+2069)');
const localizedText = z.strictObject({ nl: text, en: text });

const purposeSchema = z.strictObject({
  id: z.string().regex(KEBAB_CASE, KEBAB_MESSAGE),
  required: z.boolean().default(false),
  specialCategory: z.boolean().default(false),
  label: localizedText,
  description: localizedText,
  // Optional: what choosing "Nee" means for this purpose, in plain words (the page falls back to a generic line).
  whenNo: localizedText.optional(),
  // Issue 12: what the purpose is about, whether every guardian must agree, and the explicit statement for special-category data.
  // A required purpose is the registration purpose: its kind defaults to registration, any other's to other.
  kind: z.enum(PURPOSE_KINDS as [string, ...string[]], { error: `Must be one of ${PURPOSE_KINDS.join(', ')}` }).optional(),
  needsAllGuardians: z.boolean().optional(),
  explicitStatement: localizedText.optional(),
}).transform((purpose) => ({
  ...purpose,
  kind: (purpose.kind ?? (purpose.required ? 'registration' : 'other')) as (typeof PURPOSE_KINDS)[number],
  needsAllGuardians: purpose.needsAllGuardians ?? (purpose.kind === 'images' || purpose.kind === 'health' || purpose.specialCategory),
}));

const formSchema = z.strictObject({
  id: z.string().regex(KEBAB_CASE, KEBAB_MESSAGE),
  audience: z.enum(['under16', '16plus', 'any'], { error: 'Must be one of under16, 16plus, any' }),
  languages: z
    .array(z.enum(['nl', 'en'], { error: 'Must be nl or en' }))
    .refine((list) => LANGUAGES.every((language) => list.includes(language)), 'Must contain both nl and en')
    .refine((list) => new Set(list).size === list.length, 'Must not list a language twice'),
  title: localizedText,
  intro: localizedText,
  sections: z.array(z.strictObject({ heading: localizedText, body: localizedText })).min(1, 'A form needs at least one section'),
  purposes: z.array(purposeSchema).min(1, 'A form needs at least one purpose'),
  declarations: z.strictObject({ guardian: localizedText, participant: localizedText }),
  validForMonths: z.number().int('Must be a whole number of months').min(1).max(120).default(12),
  // Optional: a last day for every consent on this form (e.g. the end of the school year).
  validUntil: z.string('Must be a date in the form YYYY-MM-DD').refine((value) => parseIsoDate(value) !== null, 'Must be a real date in the form YYYY-MM-DD').optional(),
  // Issue 12: a one-time code for every signer, and a short summary for the child.
  verifySigner: z.boolean().default(false),
  childSummary: localizedText.optional(),
  // Optional: overrides the service's reminder defaults for requests with this form.
  reminders: z
    .strictObject({
      afterDays: z.number().int().min(1).max(30).optional(),
      automatic: z.number().int().min(0).max(5).optional(),
      max: z.number().int().min(0).max(5).optional(),
    })
    .optional(),
});

type Path = readonly PropertyKey[];
interface PathProblem {
  path: Path;
  message: string;
}

/**
 * Parses and validates one form file. `fileName` is used in problems and as `sourceFile`; its base
 * name without `.yaml` is the id the form must carry.
 */
export function parseForm(fileName: string, source: string): ConsentForm {
  const { form, problems } = analyseForm(fileName, source);
  if (!form) throw new FormValidationError(problems);
  return form;
}

interface Analysis {
  form: ConsentForm | null;
  problems: FormProblem[];
  idLine: number | null;
}

function analyseForm(fileName: string, source: string): Analysis {
  const lineCounter = new LineCounter();
  // prettyErrors off: its messages carry a multi-line source excerpt, and we report the line ourselves.
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const problemAt = (line: number | null, field: string, message: string): FormProblem => ({ file: fileName, line, field, message });

  // A document with syntax errors is only partly read; schema problems on top of it would mislead.
  if (doc.errors.length > 0) {
    return { form: null, idLine: null, problems: doc.errors.map((error) => problemAt(lineAt(error.pos[0]), '', `YAML syntax: ${error.message}`)) };
  }
  if (doc.contents === null) {
    return { form: null, idLine: null, problems: [problemAt(null, '', 'The file is empty; expected a form')] };
  }

  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (error) {
    // toJS refuses, for example, alias bombs (too many alias expansions).
    return { form: null, idLine: null, problems: [problemAt(null, '', `YAML: ${(error as Error).message}`)] };
  }
  const expectedId = basename(fileName, '.yaml');
  const found = [...schemaProblems(raw), ...ruleProblems(raw, expectedId)];
  const problems = found
    .map(({ path, message }) => problemAt(lineOf(doc, path, lineAt), formatPath(path), message))
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const idLine = lineOf(doc, ['id'], lineAt);
  if (problems.length > 0) return { form: null, problems, idLine };

  const content: FormContent = formSchema.parse(raw);
  return { form: { ...content, version: formVersion(content), sourceFile: fileName }, problems: [], idLine };
}

function schemaProblems(raw: unknown): PathProblem[] {
  const result = formSchema.safeParse(raw);
  if (result.success) return [];
  return result.error.issues.flatMap((issue): PathProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...issue.path, key], message: 'Unknown key' }));
    }
    if (issue.code === 'invalid_type' && valueAt(raw, issue.path) === undefined) {
      return [{ path: issue.path, message: 'Required' }];
    }
    return [{ path: issue.path, message: issue.message }];
  });
}

/** Rules that span fields. They read the raw value so they still report when other fields are malformed. */
function ruleProblems(raw: unknown, expectedId: string): PathProblem[] {
  const problems: PathProblem[] = [];
  const id = valueAt(raw, ['id']);
  if (typeof id === 'string' && id !== expectedId) {
    problems.push({ path: ['id'], message: `Must equal the file name without .yaml ("${expectedId}")` });
  }

  const purposes = valueAt(raw, ['purposes']);
  if (Array.isArray(purposes)) {
    const firstIndex = new Map<string, number>();
    purposes.forEach((_, index) => {
      const purposeId = valueAt(purposes, [index, 'id']);
      if (typeof purposeId !== 'string') return;
      const earlier = firstIndex.get(purposeId);
      if (earlier === undefined) firstIndex.set(purposeId, index);
      else problems.push({ path: ['purposes', index, 'id'], message: `Duplicate purpose id "${purposeId}" (also purposes[${earlier}])` });
    });
  }

  if (Array.isArray(purposes)) {
    purposes.forEach((_, index) => {
      const at = (field: string): unknown => valueAt(purposes, [index, field]);
      const kind = at('kind') ?? (at('required') === true ? 'registration' : 'other');
      // Taking part may only depend on the registration purpose (issue 12): photos, sharing,
      // health and the rest are free choices.
      if (at('required') === true && kind !== 'registration') {
        problems.push({ path: ['purposes', index, 'required'], message: `Only a purpose with kind: registration may be required; a ${String(kind)} purpose is always a free choice` });
      }
      if (at('required') === true && at('specialCategory') === true) {
        problems.push({ path: ['purposes', index, 'required'], message: 'Special-category data is always a free choice and cannot be required' });
      }
      if (kind === 'health' && at('specialCategory') !== true) {
        problems.push({ path: ['purposes', index, 'specialCategory'], message: 'A health purpose is special-category data: set specialCategory: true' });
      }
      if (at('specialCategory') === true && at('explicitStatement') === undefined) {
        problems.push({ path: ['purposes', index, 'explicitStatement'], message: 'Special-category data needs explicit consent: add the statement the signer ticks (explicitStatement with nl and en)' });
      }
      if (at('specialCategory') !== true && at('explicitStatement') !== undefined) {
        problems.push({ path: ['purposes', index, 'explicitStatement'], message: 'Only a purpose with specialCategory: true has an explicit statement' });
      }
      if (at('specialCategory') === true && at('needsAllGuardians') === false) {
        problems.push({ path: ['purposes', index, 'needsAllGuardians'], message: 'Special-category data needs every guardian with joint authority; needsAllGuardians cannot be false' });
      }
    });
  }

  for (const role of ['guardian', 'participant'] satisfies SignerRole[]) {
    for (const language of LANGUAGES) {
      const declaration = valueAt(raw, ['declarations', role, language]);
      if (typeof declaration !== 'string') continue;
      const path = ['declarations', role, language];
      if (role === 'guardian' && !declaration.includes(CHILD_FIRST_NAME_PLACEHOLDER)) {
        problems.push({ path, message: `Must contain ${CHILD_FIRST_NAME_PLACEHOLDER} so the signer sees which child it is about` });
      }
      // Any other {…} would reach the signer verbatim, since only this one placeholder is filled in.
      for (const match of declaration.matchAll(/\{[^}]*\}/g)) {
        if (match[0] !== CHILD_FIRST_NAME_PLACEHOLDER) {
          problems.push({ path, message: `Unknown placeholder ${match[0]}; only ${CHILD_FIRST_NAME_PLACEHOLDER} is filled in` });
        }
      }
    }
  }
  return problems;
}

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, segment)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/**
 * The line of the node at `path`, or of the nearest parent that exists. A map entry is located by
 * its key, because that is the line a person looks at (and where a missing child key belongs).
 */
function lineOf(doc: Document, path: Path, lineAt: (offset: number) => number): number | null {
  let node: unknown = doc.contents;
  let line = startLine(node, lineAt);
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      line = startLine(pair.key, lineAt) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      line = startLine(item, lineAt) ?? line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}

function startLine(node: unknown, lineAt: (offset: number) => number): number | null {
  const range = (node as Node | null | undefined)?.range as Range | undefined;
  return range ? lineAt(range[0]) : null;
}

function formatPath(path: Path): string {
  return path
    .map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : index === 0 ? String(segment) : `.${String(segment)}`))
    .join('');
}

/**
 * 16 hex chars of SHA-256 over the canonical JSON of the content. Built from the parsed form, so
 * YAML layout, comments and spelled-out defaults do not change it; any text change does.
 */
export function formVersion(content: FormContent & Partial<Pick<ConsentForm, 'version' | 'sourceFile'>>): string {
  const { version: _version, sourceFile: _sourceFile, ...rest } = content;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex').slice(0, 16);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

interface LocatedForm {
  form: ConsentForm;
  idLine: number | null;
}

function duplicateIdProblems(located: LocatedForm[]): FormProblem[] {
  const firstFile = new Map<string, string>();
  const problems: FormProblem[] = [];
  for (const { form, idLine } of located) {
    const earlier = firstFile.get(form.id);
    if (earlier === undefined) firstFile.set(form.id, form.sourceFile);
    else problems.push({ file: form.sourceFile, line: idLine, field: 'id', message: `Duplicate form id "${form.id}" (also in ${earlier})` });
  }
  return problems;
}

export function createFormCatalog(forms: readonly ConsentForm[]): FormCatalog {
  const problems = duplicateIdProblems(forms.map((form) => ({ form, idLine: null })));
  if (problems.length > 0) throw new FormValidationError(problems);
  const ordered = [...forms];
  const byId = new Map(ordered.map((form) => [form.id, form]));
  return {
    list: () => [...ordered],
    get: (id) => byId.get(id),
  };
}

/**
 * Reads every `*.yaml` form in `dir` (in code-point order of the file names) and reports the
 * problems of all files at once, so one run of `forms check` shows everything to fix.
 */
export function loadForms(dir: string): FormCatalog {
  let names: string[];
  try {
    names = readdirSync(dir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } catch (error) {
    throw new FormValidationError([{ file: dir, line: null, field: '', message: `Cannot read the forms folder (${errorCode(error)})` }]);
  }

  const problems: FormProblem[] = [];
  const located: LocatedForm[] = [];
  let formFiles = 0;
  for (const name of names) {
    const file = join(dir, name);
    // A .yml file would otherwise be skipped without a word, and its form silently missing.
    if (name.endsWith('.yml')) {
      problems.push({ file, line: null, field: '', message: 'Form files must end in .yaml; this file is not loaded' });
      continue;
    }
    if (!name.endsWith('.yaml')) continue;
    formFiles += 1;
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push({ file, line: null, field: '', message: `Cannot read the file (${errorCode(error)})` });
      continue;
    }
    const analysis = analyseForm(file, source);
    problems.push(...analysis.problems);
    if (analysis.form) located.push({ form: analysis.form, idLine: analysis.idLine });
  }

  if (formFiles === 0) problems.push({ file: dir, line: null, field: '', message: 'No forms found: the folder has no *.yaml files' });
  problems.push(...duplicateIdProblems(located));
  if (problems.length > 0) throw new FormValidationError(problems);
  return createFormCatalog(located.map(({ form }) => form));
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | null)?.code ?? 'unknown error';
}

/** The declaration text the signer confirms, with the child's first name filled in. */
export function declarationFor(
  form: Pick<ConsentForm, 'declarations'>,
  role: SignerRole,
  language: Language,
  childFirstName: string,
): string {
  // split/join rather than replace(): a replacement string would treat `$&` or `$'` in a name as patterns.
  return form.declarations[role][language].split(CHILD_FIRST_NAME_PLACEHOLDER).join(childFirstName);
}
