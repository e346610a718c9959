import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import type { ConsentForm } from '../../src/consent/form-types';
import { type ConsentPdfInput, renderConsentPdf } from '../../src/evidence/render-consent-pdf';

const hasPoppler = spawnSync('pdftotext', ['-v']).status === 0;
// Locally the PDF checks need poppler-utils; on CI they must run, so a missing tool fails there.
const popplerTest = hasPoppler || process.env.CI === 'true' ? test : test.skip;

const form: ConsentForm = {
  id: 'zomerkamp-onder-16',
  version: '3f9a1c07be52d864',
  audience: 'under16',
  languages: ['nl', 'en'],
  title: { nl: 'Toestemming voor het zomerkamp en de café-avond', en: 'Consent for the summer camp and the café evening' },
  intro: {
    nl: 'Uw kind gaat mee op zomerkamp. Wij vragen u als ouder of voogd om toestemming. Lees eerst wat wij met de gegevens doen.',
    en: 'Your child is coming to summer camp. We ask you, as parent or guardian, for consent. Please first read what we do with the information.',
  },
  sections: [
    {
      heading: { nl: 'Wat wij vastleggen', en: 'What we record' },
      body: {
        nl: 'Wij leggen de voornaam en de geboortedatum vast. Ideeën en vragen van naïeve nieuwkomers zijn welkom in ons café.',
        en: 'We record the first name and the date of birth. Ideas and questions from first-time visitors are welcome in our café.',
      },
    },
    {
      heading: { nl: 'Hoe lang wij de gegevens bewaren', en: 'How long we keep the information' },
      body: { nl: 'Tot 3 jaar na het laatste contact.', en: 'Until 3 years after the last contact.' },
    },
  ],
  purposes: [
    {
      id: 'registratie',
      required: true,
      specialCategory: false,
      label: { nl: 'Inschrijving voor het zomerkamp', en: 'Registration for the summer camp' },
      description: { nl: 'Nodig om mee te gaan.', en: 'Needed to come along.' },
    },
    {
      id: 'foto-website',
      required: false,
      specialCategory: false,
      label: { nl: "Foto's op onze website", en: 'Photos on our website' },
      description: { nl: 'Groepsfoto’s van het kamp, zonder achternamen.', en: 'Group photos of the camp, without last names.' },
    },
    {
      id: 'medische-gegevens',
      required: false,
      specialCategory: true,
      label: { nl: 'Medische informatie voor het café-team', en: 'Medical information for the café team' },
      description: { nl: 'Allergieën en medicijnen, alleen voor de begeleiders.', en: 'Allergies and medication, only for the leaders.' },
    },
  ],
  declarations: {
    guardian: { nl: 'Ik heb het ouderlijk gezag over {childFirstName}.', en: 'I have parental authority over {childFirstName}.' },
    participant: { nl: 'Ik heb deze uitleg gelezen.', en: 'I have read this information.' },
  },
  validForMonths: 12,
  sourceFile: 'zomerkamp-onder-16.yaml',
};

const decisions = [
  { purposeId: 'registratie', granted: true },
  { purposeId: 'foto-website', granted: false },
  { purposeId: 'medische-gegevens', granted: true },
];

function input(overrides: Partial<ConsentPdfInput> = {}): ConsentPdfInput {
  return {
    organisationName: 'Jongerenwerk Café De Ruïne',
    requestId: 'cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D',
    form,
    language: 'nl',
    signerRole: 'guardian',
    signerName: 'Noëlle van den Bërg',
    declaration: 'Ik heb het ouderlijk gezag over Zoë.',
    subjectFirstName: 'Zoë',
    subjectDateOfBirth: '2015-03-14',
    outcome: 'signed',
    decisions,
    signature: { kind: 'drawn', png: signaturePng() },
    // 14:05 in Amsterdam (CET, UTC+1).
    signedAt: new Date('2026-11-22T13:05:00Z'),
    signedVia: 'link via sms (+31 6 •••• ••12), Chrome 126 on Android',
    ...overrides,
  };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'akkoord-pdf-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function renderToFile(name: string, pdfInput: ConsentPdfInput): Promise<string> {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, await renderConsentPdf(pdfInput));
  return file;
}

function run(tool: string, args: string[]): string {
  const result = spawnSync(tool, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr}`);
  return result.stdout;
}

const textOf = (file: string) => run('pdftotext', ['-layout', file, '-']);
// Titles and paragraphs wrap, so phrases are looked for in the text with its whitespace collapsed.
const flat = (text: string) => text.replace(/\s+/g, ' ');
const lineWith = (text: string, needle: string) => text.split('\n').find((line) => line.includes(needle)) ?? '';

describe('renderConsentPdf', () => {
  popplerTest('when a guardian signs in Dutch with a drawn signature, then the text holds every fact of the consent', async () => {
    const text = textOf(await renderToFile('signed-nl', input()));

    expect(text).toContain('Jongerenwerk Café De Ruïne');
    expect(flat(text)).toContain('Toestemming voor het zomerkamp en de café-avond');
    expect(text).toContain('3f9a1c07be52d864');
    expect(flat(text)).toContain('Ideeën en vragen van naïeve nieuwkomers');
    expect(text).toContain('Hoe lang wij de gegevens bewaren');
    expect(lineWith(text, 'Inschrijving voor het zomerkamp')).toMatch(/\bJa\b/);
    expect(lineWith(text, "Foto's op onze website")).toMatch(/\bNee\b/);
    expect(lineWith(text, 'Medische informatie voor het café-team')).toMatch(/\bJa\b/);
    expect(flat(text)).toContain('Ik heb het ouderlijk gezag over Zoë.');
    expect(text).toContain('Noëlle van den Bërg');
    expect(lineWith(text, 'Rol')).toContain('Ouder/voogd');
    expect(lineWith(text, 'Voornaam kind')).toContain('Zoë');
    expect(lineWith(text, 'Geboortedatum')).toContain('14 maart 2015');
    expect(text).toContain('Handtekening');
    expect(text).toContain('cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D');
    expect(text).toContain('22 november 2026, 14:05 (Europe/Amsterdam)');
    expect(text).toContain('2026-11-22T13:05:00.000Z');
    expect(text).toContain('Chrome 126 on Android');
    expect(text).toMatch(/pagina 1 van \d/);
  });

  popplerTest('when a participant signs in English with a typed name, then labels are English and the signature is marked as typed', async () => {
    const text = textOf(
      await renderToFile(
        'typed-en',
        input({
          language: 'en',
          signerRole: 'participant',
          signerName: 'Zoë Jansen',
          declaration: 'I have read this information.',
          subjectDateOfBirth: null,
          signature: { kind: 'typed', text: 'Zoë Jansen' },
        }),
      ),
    );

    expect(flat(text)).toContain('Consent for the summer camp and the café evening');
    expect(lineWith(text, 'Registration for the summer camp')).toMatch(/\bYes\b/);
    expect(lineWith(text, 'Photos on our website')).toMatch(/\bNo\b/);
    expect(lineWith(text, 'Medical information for the café team')).toMatch(/\bYes\b/);
    expect(lineWith(text, 'Role')).toContain('Participant');
    expect(text).toContain('Typed signature');
    expect(text).toContain('Zoë Jansen');
    expect(text).toContain('22 November 2026, 14:05 (Europe/Amsterdam)');
    expect(text).toMatch(/page 1 of \d/);
    expect(text).not.toContain('Date of birth');
    expect(text).not.toMatch(/\bJa\b/);
  });

  popplerTest('when consent is declined, then a declined heading is shown and there is no signature block or declaration', async () => {
    const text = textOf(
      await renderToFile(
        'declined-nl',
        input({ outcome: 'declined', signature: null, decisions: decisions.map((d) => ({ ...d, granted: false })) }),
      ),
    );

    expect(text).toContain('Toestemming geweigerd');
    expect(lineWith(text, 'Geweigerd door')).toContain('Noëlle van den Bërg');
    expect(lineWith(text, 'Inschrijving voor het zomerkamp')).toMatch(/\bNee\b/);
    expect(text).not.toContain('Handtekening');
    expect(text).not.toContain('Ondertekend door');
    expect(text).not.toContain('Verklaring');
    expect(text).toContain('22 november 2026, 14:05 (Europe/Amsterdam)');
  });

  popplerTest('when rendered, then every font is embedded and the document info names form, organisation and request', async () => {
    const file = await renderToFile('fonts', input({ signature: { kind: 'typed', text: 'Noëlle van den Bërg' } }));

    const fontLines = run('pdffonts', [file]).trim().split('\n').slice(2);
    expect(fontLines.length).toBeGreaterThanOrEqual(2);
    for (const line of fontLines) {
      // Columns: name type encoding emb sub uni object ID
      expect(line.split(/\s+/).slice(-5, -4)).toEqual(['yes']);
    }
    const info = run('pdfinfo', [file]);
    expect(info).toMatch(/^Title:\s+Toestemming voor het zomerkamp en de café-avond$/m);
    expect(info).toMatch(/^Author:\s+Jongerenwerk Café De Ruïne$/m);
    expect(info).toMatch(/^Subject:\s+cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D$/m);
    expect(info).toMatch(/^Tagged:\s+yes$/m);
    expect(info).toMatch(/^Page size:\s+595\.28 x 841\.89 pts \(A4\)$/m);
  });

  popplerTest('when the form text runs over several pages, then it wraps and every page has a footer with its number', async () => {
    const longForm: ConsentForm = {
      ...form,
      sections: Array.from({ length: 14 }, (_, i) => ({
        heading: { nl: `Onderdeel ${i + 1}`, en: `Part ${i + 1}` },
        body: { nl: 'Een lange uitleg over wat wij doen en waarom, met café en ideeën. '.repeat(8), en: 'A long explanation. '.repeat(8) },
      })),
    };
    const file = await renderToFile('long', input({ form: longForm }));

    const pages = Number(/^Pages:\s+(\d+)$/m.exec(run('pdfinfo', [file]))?.[1]);
    expect(pages).toBeGreaterThanOrEqual(3);
    const text = textOf(file);
    for (let page = 1; page <= pages; page++) expect(text).toContain(`pagina ${page} van ${pages}`);
    expect(text.split('Verzoek-id cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D · Versie 3f9a1c07be52d864').length - 1).toBe(pages);
    expect(text).toContain('Onderdeel 14');
  });

  test('when the same consent is rendered twice, then the bytes are identical and the file declares PDF/A-3b', async () => {
    const first = await renderConsentPdf(input());
    const second = await renderConsentPdf(input());

    expect(first.equals(second)).toBe(true);
    expect(first.subarray(0, 8).toString('latin1')).toBe('%PDF-1.7');
    const latin = first.toString('latin1');
    expect(latin).toContain('<pdfaid:part>3</pdfaid:part>');
    expect(latin).toContain('<pdfaid:conformance>B</pdfaid:conformance>');
  });
});

// ---------------------------------------------------------------- a drawn signature, as a real PNG

/** A 240x96 RGBA PNG with a transparent background and a dark wavy stroke, like a canvas export. */
function signaturePng(): Buffer {
  const width = 240;
  const height = 96;
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 4); // filter byte 0, then RGBA
    for (let x = 0; x < width; x++) {
      const curve = height / 2 + Math.sin(x / 14) * (height / 3) * Math.cos(x / 47);
      if (Math.abs(y - curve) < 2.2) row.set([20, 40, 90, 255], 1 + x * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
