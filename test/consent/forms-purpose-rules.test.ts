import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runCli } from '../../src/cli';
import { type FormProblem, FormValidationError, parseForm } from '../../src/consent/forms';
import { minimalFormYaml } from '../helpers/form-yaml';

/**
 * Issue 12: the rules `forms check` holds for purposes (src/consent/forms.ts ruleProblems) and
 * the defaults of the new keys. Each broken form is refused with the field and its line, and the
 * CLI exits 1; a form with every new key set right loads and the CLI exits 0.
 */
const FILE = 'consent-forms/regels.yaml';

// Synthetic form: passes every rule; each test changes the second purpose (its lines start at `- id: tweede`).
const form = (second: string, extra = '') => minimalFormYaml('regels', second, extra);

const STATEMENT = `    explicitStatement:
      nl: Ik geef uitdrukkelijk toestemming.
      en: I explicitly consent.
`;

/** 1-based line of the nth line that contains `needle`. */
const lineOf = (source: string, needle: string, nth = 1): number => {
  const lines = source.split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i += 1) if (lines[i]!.includes(needle) && ++seen === nth) return i + 1;
  throw new Error(`test set-up: "${needle}" (#${nth}) not in source`);
};

function problemsOf(source: string): FormProblem[] {
  try {
    parseForm(FILE, source);
  } catch (error) {
    if (error instanceof FormValidationError) return error.problems;
    throw error;
  }
  return [];
}

const cases: { name: string; second: string; field: string; at: [string, number]; message: RegExp }[] = [
  { name: 'a required purpose whose kind is not registration', second: '    kind: sharing\n    required: true\n', field: 'purposes[1].required', at: ['required: true', 2], message: /Only a purpose with kind: registration may be required; a sharing purpose/ },
  { name: 'required special-category data', second: `    kind: registration\n    required: true\n    specialCategory: true\n${STATEMENT}`, field: 'purposes[1].required', at: ['required: true', 2], message: /Special-category data is always a free choice and cannot be required/ },
  { name: 'a health purpose without specialCategory', second: '    kind: health\n', field: 'purposes[1].specialCategory', at: ['- id: tweede', 1], message: /A health purpose is special-category data: set specialCategory: true/ },
  { name: 'specialCategory without an explicit statement', second: '    specialCategory: true\n', field: 'purposes[1].explicitStatement', at: ['- id: tweede', 1], message: /Special-category data needs explicit consent/ },
  { name: 'an explicit statement without specialCategory', second: STATEMENT, field: 'purposes[1].explicitStatement', at: ['explicitStatement:', 1], message: /Only a purpose with specialCategory: true has an explicit statement/ },
  { name: 'needsAllGuardians false on special-category data', second: `    specialCategory: true\n    needsAllGuardians: false\n${STATEMENT}`, field: 'purposes[1].needsAllGuardians', at: ['needsAllGuardians: false', 1], message: /needsAllGuardians cannot be false/ },
];

describe('forms check: purpose rules of issue 12', () => {
  it.each(cases)('when a form has $name, then it is refused on $field with its line', ({ second, field, at, message }) => {
    const source = form(second);
    const problems = problemsOf(source);
    const found = problems.find((p) => p.field === field);
    expect(found).toBeDefined();
    expect(found!.message).toMatch(message);
    // The line of the offending key, or of its purpose when the key is missing.
    const expected = lineOf(source, at[0], at[1]);
    expect(found!.line).toBe(expected);
    expect(found!.file).toBe(FILE);
  });

  it('when kind is left out, then a required purpose is the registration purpose and any other is "other"', () => {
    const parsed = parseForm(FILE, form(''));
    expect(parsed.purposes.map((p) => [p.id, p.kind])).toEqual([
      ['eerste', 'registration'],
      ['tweede', 'other'],
    ]);
  });

  it('when needsAllGuardians is left out, then it is true for images, health and special-category data and false for the rest', () => {
    const defaultFor = (second: string) => parseForm(FILE, form(second)).purposes[1]!.needsAllGuardians;
    expect(defaultFor('    kind: images\n')).toBe(true);
    expect(defaultFor(`    kind: health\n    specialCategory: true\n${STATEMENT}`)).toBe(true);
    expect(defaultFor(`    kind: other\n    specialCategory: true\n${STATEMENT}`)).toBe(true);
    expect(defaultFor('    kind: sharing\n')).toBe(false);
    expect(defaultFor('    kind: contact\n')).toBe(false);
    expect(defaultFor('')).toBe(false);
    expect(defaultFor('    kind: images\n    needsAllGuardians: false\n')).toBe(false);
  });

  it('when verifySigner and childSummary are set, then they load; left out, verifySigner is false and there is no summary', () => {
    const withKeys = parseForm(FILE, form('', 'verifySigner: true\nchildSummary:\n  nl: Uitleg voor een kind.\n  en: For a child.\n'));
    expect(withKeys.verifySigner).toBe(true);
    expect(withKeys.childSummary).toEqual({ nl: 'Uitleg voor een kind.', en: 'For a child.' });
    const without = parseForm(FILE, form(''));
    expect(without.verifySigner).toBe(false);
    expect(without.childSummary).toBeUndefined();
  });
});

describe('akkoord forms check (issue 12 rules)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'akkoord-forms-'));
    mkdirSync(join(dir, 'forms'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const check = async (source: string) => {
    writeFileSync(join(dir, 'forms', 'regels.yaml'), source);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['forms', 'check'], { env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dir, FORMS_DIR: join(dir, 'forms') }, out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) });
    return { code, out: out.join(''), err: err.join('') };
  };

  it.each(cases)('when a form has $name, then forms check exits 1 naming file, line and field', async ({ second, field }) => {
    const result = await check(form(second));
    expect(result.code).toBe(1);
    expect(result.err).toMatch(new RegExp(`regels\\.yaml:\\d+ ${field.replace(/[[\].]/g, '\\$&')}`));
  });

  it('when health data is marked right (kind, specialCategory, explicit statement) with verifySigner and a child summary, then forms check exits 0', async () => {
    const result = await check(form(`    kind: health\n    specialCategory: true\n${STATEMENT}`, 'verifySigner: true\nchildSummary:\n  nl: Uitleg.\n  en: Summary.\n'));
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
  });
});
