import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  createFormCatalog,
  declarationFor,
  type FormProblem,
  FormValidationError,
  formVersion,
  loadForms,
  parseForm,
} from '../../src/consent/forms';
import { minimalFormYaml } from '../helpers/form-yaml';

const SHIPPED_DIR = join(__dirname, '..', '..', 'consent-forms');
const FILE = 'consent-forms/test-form.yaml';

// Synthetic form: the smallest file that passes every rule, edited per test to break one rule.
const VALID = minimalFormYaml('test-form');

function edit(source: string, from: string, to: string): string {
  if (!source.includes(from)) throw new Error(`test set-up: "${from}" not in source`);
  return source.replace(from, to);
}

/** 1-based line of the nth line that contains `needle`. */
function lineOf(source: string, needle: string, nth = 1): number {
  let seen = 0;
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    if (lines[i]!.includes(needle) && ++seen === nth) return i + 1;
  }
  throw new Error(`test set-up: "${needle}" (#${nth}) not in source`);
}

function problemsOf(fileName: string, source: string): FormProblem[] {
  try {
    parseForm(fileName, source);
  } catch (error) {
    if (error instanceof FormValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a FormValidationError');
}

describe('shipped consent forms', () => {
  const catalog = loadForms(SHIPPED_DIR);

  it('when the consent-forms folder is loaded, then the three forms are there in file-name order with their audiences', () => {
    expect(catalog.list().map((f) => [f.id, f.audience])).toEqual([
      ['activiteit-onder-16', 'under16'],
      ['beeldmateriaal', 'any'],
      ['inloop-16-plus', '16plus'],
    ]);
  });

  it('when the forms are loaded, then each has the expected purposes with their required and special-category flags', () => {
    const purposes = (id: string) => catalog.get(id)?.purposes.map((p) => [p.id, p.required, p.specialCategory]);
    expect(purposes('activiteit-onder-16')).toEqual([
      ['registratie', true, false],
      ['contact-ouder', false, false],
      ['gegevens-delen', false, false],
      ['medische-gegevens', false, true],
    ]);
    expect(purposes('inloop-16-plus')).toEqual([
      ['registratie', true, false],
      ['contact', false, false],
      ['gegevens-delen', false, false],
    ]);
    expect(purposes('beeldmateriaal')).toEqual([
      ['intern-gebruik', false, false],
      ['website', false, false],
      ['social-media', false, false],
    ]);
  });

  it('when the forms are loaded, then each has 4 to 6 sections, yearly renewal, a hash version and its source file', () => {
    for (const form of catalog.list()) {
      expect(form.sections.length).toBeGreaterThanOrEqual(4);
      expect(form.sections.length).toBeLessThanOrEqual(6);
      expect(form.validForMonths).toBe(12);
      expect(form.languages).toEqual(['nl', 'en']);
      expect(form.version).toMatch(/^[0-9a-f]{16}$/);
      expect(form.version).toBe(formVersion(form));
      expect(form.sourceFile).toBe(join(SHIPPED_DIR, `${form.id}.yaml`));
    }
  });

  it('when a guardian declaration is asked for, then the child first name is filled in', () => {
    const form = catalog.get('activiteit-onder-16')!;
    expect(declarationFor(form, 'guardian', 'nl', 'Sanne')).toContain('ouderlijk gezag heb over Sanne, of dat ik de voogd ben');
    expect(declarationFor(form, 'guardian', 'en', 'Sanne')).toContain('parental authority over Sanne, or that I am the legal guardian');
  });

  it('when an unknown id is asked for, then the catalog returns undefined', () => {
    expect(catalog.get('bestaat-niet')).toBeUndefined();
  });
});

describe('parseForm', () => {
  it('when optional fields are left out, then validForMonths is 12 and required/specialCategory are false', () => {
    const form = parseForm(FILE, VALID);
    expect(form.validForMonths).toBe(12);
    expect(form.purposes[1]).toMatchObject({ id: 'tweede', required: false, specialCategory: false });
    expect(form.sourceFile).toBe(FILE);
  });
});

describe('form validUntil', () => {
  it('when a form sets validUntil as a date (quoted or not), then it is kept as YYYY-MM-DD and changes the version', () => {
    const plain = parseForm(FILE, `${VALID}validUntil: 2027-07-31\n`);
    expect(plain.validUntil).toBe('2027-07-31');
    expect(parseForm(FILE, `${VALID}validUntil: "2027-07-31"\n`).version).toBe(plain.version);
    expect(plain.version).not.toBe(parseForm(FILE, VALID).version);
    expect(parseForm(FILE, VALID).validUntil).toBeUndefined();
  });

  it.each([['2027-02-30'], ['31-07-2027'], ['20270731']])('when validUntil is %s, then forms check names the field and its line', (value) => {
    const source = `${VALID}validUntil: ${value}\n`;
    expect(problemsOf(FILE, source)).toEqual([{ file: FILE, line: lineOf(source, 'validUntil:'), field: 'validUntil', message: expect.stringMatching(/YYYY-MM-DD/) }]);
  });
});

describe('form texts', () => {
  it.each([['a right-to-left override', '\\u202E'], ['a tab', '\\t'], ['an escape character', '\\u001b']])('when a text holds %s, then forms check names the field and its line', (_what, escaped) => {
    const source = edit(VALID, '  en: Title', `  en: "Ti${escaped}tle"`);
    expect(problemsOf(FILE, source)).toEqual([{ file: FILE, line: lineOf(source, '"Ti'), field: 'title.en', message: expect.stringMatching(/control characters.*bidi/) }]);
  });

  it('when a text spans lines, then the line breaks are allowed', () => {
    expect(parseForm(FILE, edit(VALID, '  en: Title', '  en: |\n    Title\n    on two lines')).title.en).toBe('Title\non two lines');
  });
});

describe('formVersion', () => {
  it('when the YAML is reformatted, commented, reordered and defaults are spelled out, then the version stays the same', () => {
    const reformatted = `# Een opmerking verandert de versie niet.
languages: ["nl", "en"]
id: "test-form"
validForMonths: 12
audience: any
intro: { en: Introduction, nl: Inleiding }
title:
  en: "Title"
  nl: >-
    Titel
sections:
  - body: { nl: Tekst, en: Text }
    heading: { nl: Kop, en: Heading }
purposes:
  - id: eerste
    required: true
    specialCategory: false
    label: { nl: Eerste, en: First }
    description: { nl: 'Omschrijving een', en: "Description one" }
  - description:
      en: Description two
      nl: Omschrijving twee
    label: { en: Second, nl: Tweede }
    required: false
    id: tweede
declarations:
  participant: { nl: Ik ben 16 jaar of ouder., en: I am 16 or older. }
  guardian:
    en: "I am the parent of {childFirstName}."
    nl: |
      Ik ben de ouder van {childFirstName}.
`;
    expect(parseForm(FILE, reformatted).version).toBe(parseForm(FILE, VALID).version);
  });

  it('when a shipped form is rewritten by a YAML printer in another style, then its version stays the same', () => {
    const file = join(SHIPPED_DIR, 'activiteit-onder-16.yaml');
    const source = readFileSync(file, 'utf8');
    const rewritten = `# herschreven\n${stringify(parse(source), { defaultStringType: 'QUOTE_DOUBLE', indent: 4 })}`;
    expect(rewritten).not.toBe(source);
    expect(parseForm(file, rewritten).version).toBe(parseForm(file, source).version);
  });

  it('when one character of a text changes, then the version changes', () => {
    const changed = edit(VALID, 'en: Description two', 'en: Description tw0');
    expect(parseForm(FILE, changed).version).not.toBe(parseForm(FILE, VALID).version);
  });

  it('when a form object is passed with version and sourceFile, then those do not count', () => {
    const form = parseForm(FILE, VALID);
    expect(formVersion({ ...form, version: 'anders', sourceFile: 'elders.yaml' })).toBe(form.version);
  });
});

describe('form validation problems', () => {
  it('when a purpose misses its English label, then the problem names file, the line of that purpose label and the field', () => {
    const source = edit(VALID, '      nl: Tweede\n      en: Second\n', '      nl: Tweede\n');
    const problems = problemsOf(FILE, source);
    expect(problems).toEqual([{ file: FILE, line: lineOf(source, 'label:', 2), field: 'purposes[1].label.en', message: 'Required' }]);
    expect(problems[0]!.line).toBeGreaterThan(lineOf(source, '- id: tweede'));
  });

  it('when a whole purpose label is missing, then the line is the one where that purpose starts', () => {
    const source = edit(VALID, '    label:\n      nl: Tweede\n      en: Second\n', '');
    expect(problemsOf(FILE, source)).toEqual([{ file: FILE, line: lineOf(source, '- id: tweede'), field: 'purposes[1].label', message: 'Required' }]);
  });

  it('when a key is unknown, then the problem names the key and its line', () => {
    const source = edit(VALID, '  - id: eerste\n', '  - id: eerste\n    kleur: blauw\n');
    expect(problemsOf(FILE, source)).toEqual([{ file: FILE, line: lineOf(source, 'kleur:'), field: 'purposes[0].kleur', message: 'Unknown key' }]);
  });

  it('when two purposes share an id, then the second one is reported on its line', () => {
    const source = edit(VALID, '- id: tweede', '- id: eerste');
    const problems = problemsOf(FILE, source);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: FILE, line: lineOf(source, '- id: eerste', 2), field: 'purposes[1].id' });
    expect(problems[0]!.message).toMatch(/Duplicate purpose id "eerste"/);
  });

  it('when the audience is not one of the three, then the audience line is reported', () => {
    const source = edit(VALID, 'audience: any', 'audience: kinderen');
    const problems = problemsOf(FILE, source);
    expect(problems).toEqual([{ file: FILE, line: 2, field: 'audience', message: expect.stringContaining('under16, 16plus, any') }]);
  });

  it('when the YAML has a syntax error, then the problem carries the line of the error', () => {
    const source = edit(VALID, '  nl: Kop', '  nl: [Kop');
    const problems = problemsOf(FILE, source);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ file: FILE, field: '' });
    expect(problems[0]!.message).toMatch(/^YAML syntax: /);
    expect(problems[0]!.line).toBeGreaterThanOrEqual(lineOf(source, '[Kop'));
    expect(problems[0]!.line).toBeLessThanOrEqual(lineOf(source, '[Kop') + 1);
  });

  it('when a key appears twice, then it is reported as a YAML problem on that line', () => {
    const source = edit(VALID, 'audience: any\n', 'audience: any\naudience: under16\n');
    expect(problemsOf(FILE, source)).toEqual([{ file: FILE, line: 3, field: '', message: expect.stringMatching(/^YAML syntax: .*unique/) }]);
  });

  it('when the id differs from the file name, then the id line is reported', () => {
    const file = 'consent-forms/andere-naam.yaml';
    expect(problemsOf(file, VALID)).toEqual([{ file, line: 1, field: 'id', message: expect.stringContaining('"andere-naam"') }]);
  });

  it('when ids are not kebab-case, then both the form and the purpose id are reported', () => {
    const source = edit(edit(VALID, 'id: test-form', 'id: Test_Form'), '- id: tweede', '- id: Tweede');
    const fields = problemsOf('consent-forms/Test_Form.yaml', source).map((p) => p.field);
    expect(fields).toEqual(['id', 'purposes[1].id']);
  });

  it('when the guardian declaration lacks the child placeholder, then that language is reported', () => {
    const source = edit(VALID, 'en: I am the parent of {childFirstName}.', 'en: I am the parent of this child.');
    expect(problemsOf(FILE, source)).toEqual([
      { file: FILE, line: lineOf(source, 'I am the parent'), field: 'declarations.guardian.en', message: expect.stringContaining('{childFirstName}') },
    ]);
  });

  it('when a declaration has a misspelt placeholder, then it is reported', () => {
    const source = edit(VALID, 'nl: Ik ben 16 jaar of ouder.', 'nl: Ik ben {naam}, 16 jaar of ouder.');
    expect(problemsOf(FILE, source)).toMatchObject([{ field: 'declarations.participant.nl', message: expect.stringContaining('{naam}') }]);
  });

  it('when English is missing from languages, a text is empty and there are no purposes, then all three are reported', () => {
    let source = edit(VALID, 'languages: [nl, en]', 'languages: [nl]');
    source = edit(source, '  en: Introduction', '  en: "  "');
    source = source.slice(0, source.indexOf('purposes:')) + 'purposes: []\n' + source.slice(source.indexOf('declarations:'));
    const problems = problemsOf(FILE, source);
    expect(problems.map((p) => [p.line, p.field])).toEqual([
      [3, 'languages'],
      [9, 'intro.en'],
      [lineOf(source, 'purposes: []'), 'purposes'],
    ]);
  });

  it('when the file is empty, then that is the problem', () => {
    expect(problemsOf(FILE, '# alleen een opmerking\n')).toEqual([{ file: FILE, line: null, field: '', message: expect.stringContaining('empty') }]);
  });

  it('when problems are thrown, then the message lists one "file:line field: message" per line', () => {
    const source = edit(edit(VALID, '      nl: Tweede\n      en: Second\n', '      nl: Tweede\n'), 'audience: any', 'audience: iedereen');
    let error: unknown;
    try {
      parseForm(FILE, source);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FormValidationError);
    expect((error as Error).message.split('\n')).toEqual([
      `${FILE}:2 audience: Must be one of under16, 16plus, any`,
      `${FILE}:${lineOf(source, 'label:', 2)} purposes[1].label.en: Required`,
    ]);
  });
});

describe('loadForms', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'akkoord-forms-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('when two files in the folder are broken, then the problems of both are reported together', () => {
    writeFileSync(join(dir, 'test-form.yaml'), VALID);
    writeFileSync(join(dir, 'kapot-een.yaml'), edit(VALID, 'id: test-form', 'id: kapot-een\nonbekend: ja'));
    writeFileSync(join(dir, 'kapot-twee.yaml'), edit(VALID, 'id: test-form', 'id: kapot-twee').replace('audience: any', 'audience: niemand'));
    writeFileSync(join(dir, 'LEESMIJ.md'), 'Geen formulier.');
    let error: unknown;
    try {
      loadForms(dir);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FormValidationError);
    const problems = (error as FormValidationError).problems;
    expect(problems.map((p) => [p.file, p.line, p.field])).toEqual([
      [join(dir, 'kapot-een.yaml'), 2, 'onbekend'],
      [join(dir, 'kapot-twee.yaml'), 2, 'audience'],
    ]);
  });

  it('when the folder has no yaml files, then that is a problem', () => {
    writeFileSync(join(dir, 'LEESMIJ.md'), 'Geen formulier.');
    expect(() => loadForms(dir)).toThrow(/No forms found/);
  });

  it('when a form file ends in .yml, then it is reported instead of silently skipped', () => {
    writeFileSync(join(dir, 'test-form.yaml'), VALID);
    writeFileSync(join(dir, 'ander-formulier.yml'), VALID);
    expect(() => loadForms(dir)).toThrow(/ander-formulier\.yml Form files must end in \.yaml/);
  });

  it('when the folder does not exist, then that is a problem', () => {
    expect(() => loadForms(join(dir, 'bestaat-niet'))).toThrow(FormValidationError);
  });

  it('when the folder holds valid forms, then the catalog lists them sorted by file name', () => {
    writeFileSync(join(dir, 'test-form.yaml'), VALID);
    writeFileSync(join(dir, 'a-form.yaml'), edit(VALID, 'id: test-form', 'id: a-form'));
    expect(loadForms(dir).list().map((f) => f.id)).toEqual(['a-form', 'test-form']);
  });
});

describe('createFormCatalog', () => {
  it('when two forms share an id, then that is a problem naming both files', () => {
    const form = parseForm(FILE, VALID);
    expect(() => createFormCatalog([form, { ...form, sourceFile: 'elders/test-form.yaml' }])).toThrow(
      'elders/test-form.yaml id: Duplicate form id "test-form" (also in consent-forms/test-form.yaml)',
    );
  });
});

describe('declarationFor', () => {
  it('when the first name contains $ patterns, then it is inserted literally', () => {
    const form = parseForm(FILE, VALID);
    expect(declarationFor(form, 'guardian', 'en', "Jo$&$'")).toBe("I am the parent of Jo$&$'.");
    expect(declarationFor(form, 'participant', 'nl', 'Sanne')).toBe('Ik ben 16 jaar of ouder.');
  });
});

describe('what "Nee" means per purpose (whenNo)', () => {
  const withWhenNo = (nl: string, en: string) => edit(VALID, '      en: Description one\n', `      en: Description one\n    whenNo:\n      nl: ${nl}\n      en: ${en}\n`);

  it('when a purpose says what Nee means, then both texts are kept and the version changes; without it the purpose has none', () => {
    const form = parseForm(FILE, withWhenNo('Dan doen wij dit niet.', 'Then we will not do this.'));
    expect(form.purposes[0]!.whenNo).toEqual({ nl: 'Dan doen wij dit niet.', en: 'Then we will not do this.' });
    expect(form.purposes[1]!.whenNo).toBeUndefined();
    expect(form.version).not.toBe(parseForm(FILE, VALID).version);
  });

  it('when whenNo misses its English text, then forms check names the field and its line', () => {
    const source = edit(VALID, '      en: Description one\n', '      en: Description one\n    whenNo:\n      nl: Dan doen wij dit niet.\n');
    expect(problemsOf(FILE, source)).toEqual([{ file: FILE, line: expect.any(Number), field: 'purposes[0].whenNo.en', message: 'Required' }]);
  });

  it('when the shipped forms are loaded, then the registration purpose says in plain words that Nee means no registration', () => {
    const catalog = loadForms(SHIPPED_DIR);
    expect(catalog.get('activiteit-onder-16')!.purposes.find((p) => p.id === 'registratie')!.whenNo!.nl).toMatch(/^Dan kunnen wij uw kind niet inschrijven\./);
    expect(catalog.get('inloop-16-plus')!.purposes.find((p) => p.id === 'registratie')!.whenNo!.nl).toMatch(/^Dan registreren wij je niet persoonlijk\./);
    for (const form of catalog.list()) for (const purpose of form.purposes) expect(purpose.whenNo).toBeDefined();
  });
});
