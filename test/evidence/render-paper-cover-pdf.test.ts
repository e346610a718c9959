import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import type { Language } from '../../src/consent/form-types';
import { type PaperCoverPdfInput, type PaperScanType, renderPaperCoverPdf, renderPaperRecordPdf } from '../../src/evidence/render-paper-cover-pdf';
import { expectOnlyEmbeddedFonts, flat, pageCount, popplerTest, runTool, textOf } from '../helpers/pdf-tools';
import { SUMMER_CAMP_PURPOSES, summerCampForm } from './summer-camp-form';

const form = summerCampForm(3);
const purposes = SUMMER_CAMP_PURPOSES.slice(0, 3);

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function coverInput(language: Language, scan: Buffer, contentType: PaperScanType, fileName: string | null, overrides: Partial<PaperCoverPdfInput> = {}): PaperCoverPdfInput {
  return {
    organisationName: 'Jongerenwerk Café De Ruïne',
    requestId: 'cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D',
    form,
    language,
    signedBy: 'Ans de Vriës',
    signedOn: '2026-11-20',
    decisions: purposes.map((p) => ({ purposeId: p.id, label: p[language], granted: p.id !== 'foto-website' })),
    // 14:05 in Amsterdam (CET, UTC+1).
    recordedAt: new Date('2026-11-22T13:05:00Z'),
    recordedBy: 'api:key_7f3a9c',
    scan: { contentType, bytes: scan.length, sha256: sha256(scan), fileName },
    ...overrides,
  };
}

/** A filled-in paper form as a plain PDF, the way a scanner app would send it. */
function paperFormPdf(): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ size: 'A4', info: { CreationDate: new Date('2026-11-20T10:00:00Z') } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.fontSize(18).text('Toestemmingsformulier zomerkamp', 60, 70);
    doc.fontSize(11).moveDown().text('[x] Inschrijving   [ ] Foto’s   [x] Medische informatie');
    doc.moveDown(2).text('Handtekening: Ans de Vries        Datum: 20-11-2026');
    doc.rect(60, 260, 470, 400).lineWidth(2).stroke();
    doc.end();
  });
}

let dir: string;
let scanPdf: Buffer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'akkoord-paper-'));
  scanPdf = await paperFormPdf();
});
// KEEP_PDF=1 keeps the rendered files to look at them (pdftoppm -png -r 60 <file> <prefix>).
afterAll(() => (process.env.KEEP_PDF ? undefined : rmSync(dir, { recursive: true, force: true })));

const run = runTool;

/** The paper form as a photo: poppler rasterises the PDF, as a phone camera or scanner would. */
function scanImage(format: 'jpeg' | 'png'): Buffer {
  const source = join(dir, 'paper-form.pdf');
  writeFileSync(source, scanPdf);
  run('pdftoppm', [`-${format}`, '-r', '40', '-singlefile', source, join(dir, `paper-form-${format}`)]);
  return readFileSync(join(dir, `paper-form-${format}.${format === 'jpeg' ? 'jpg' : 'png'}`));
}

async function writePdf(name: string, pdf: Buffer): Promise<string> {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

const lineWith = (text: string, needle: string) => text.split('\n').find((line) => line.includes(needle)) ?? '';


const EXPECTED: Record<Language, { phrases: string[]; lines: [string, RegExp | string][] }> = {
  nl: {
    phrases: [
      'Papieren toestemming',
      'Jongerenwerk Café De Ruïne',
      'cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D',
      'Toestemming voor het zomerkamp en de café-avond',
      'Toestemming gegeven op papier',
      'Ans de Vriës heeft het formulier op papier ingevuld en ondertekend op 20 november 2026.',
      'kan iedereen controleren dat de scan niet is veranderd',
      'elektronisch zegel van Jongerenwerk Café De Ruïne',
    ],
    lines: [
      ['Inschrijving voor het zomerkamp', /\bJa\b/],
      ["Foto's op onze website", /\bNee\b/],
      ['Medische informatie voor het café-team', /\bJa\b/],
      ['Vastgelegd door', 'API-sleutel key_7f3a9c'],
      ['Vastgelegd op', '22 november 2026, 14:05 (Europe/Amsterdam)'],
      ['Tijdstip (UTC)', '2026-11-22T13:05:00.000Z'],
    ],
  },
  en: {
    phrases: [
      'Consent on paper',
      'Jongerenwerk Café De Ruïne',
      'cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D',
      'Consent for the summer camp and the café evening',
      'Consent given on paper',
      'Ans de Vriës filled in and signed the form on paper on 20 November 2026.',
      'lets anyone check that the scan was not changed',
      'electronic seal of Jongerenwerk Café De Ruïne',
    ],
    lines: [
      ['Registration for the summer camp', /\bYes\b/],
      ['Photos on our website', /\bNo\b/],
      ['Medical information for the café team', /\bYes\b/],
      ['Recorded by', 'API key key_7f3a9c'],
      ['Recorded on', '22 November 2026, 14:05 (Europe/Amsterdam)'],
      ['Time (UTC)', '2026-11-22T13:05:00.000Z'],
    ],
  },
};

describe('renderPaperCoverPdf', () => {
  describe.each(['nl', 'en'] as const)('in %s', (language) => {
    popplerTest('when paper consent is recorded, then one cover page says who signed when, the choices, who recorded it and the scan facts', async () => {
      const input = coverInput(language, scanPdf, 'application/pdf', 'formulier Ans.pdf');
      const file = await writePdf(`cover-${language}`, await renderPaperCoverPdf(input));
      const text = textOf(file);

      for (const phrase of EXPECTED[language].phrases) expect(flat(text)).toContain(phrase);
      for (const [label, value] of EXPECTED[language].lines) expect(lineWith(text, label)).toMatch(value);
      expect(lineWith(text, language === 'nl' ? 'Soort bestand' : 'Type of file')).toContain(language === 'nl' ? 'PDF-document' : 'PDF document');
      expect(text).toContain('formulier Ans.pdf');
      expect(text).toContain(input.scan.sha256);
      expect(text).toContain(new Intl.NumberFormat(language === 'nl' ? 'nl-NL' : 'en-GB').format(scanPdf.length));
      expect(pageCount(file)).toBe(1);
      expectOnlyEmbeddedFonts(file);
    });
  });

  popplerTest('when no purpose was granted on paper, then the cover says no consent was given', async () => {
    const input = coverInput('nl', scanPdf, 'application/pdf', null, { decisions: purposes.map((p) => ({ purposeId: p.id, label: p.nl, granted: false })) });
    const text = textOf(await writePdf('cover-none', await renderPaperCoverPdf(input)));

    expect(text).toContain('Geen toestemming gegeven op papier');
    expect(text).not.toContain('Bestandsnaam');
  });
});

describe('renderPaperRecordPdf', () => {
  popplerTest('when the scan is a JPEG photo, then page 2 shows it fitted to the page and the cover points to it', async () => {
    const jpeg = scanImage('jpeg');
    const file = await writePdf('record-jpeg', await renderPaperRecordPdf(coverInput('nl', jpeg, 'image/jpeg', 'IMG_2041.jpg'), jpeg, 'image/jpeg'));
    const text = textOf(file);
    const images = run('pdfimages', ['-list', file]).trim().split('\n').slice(2).map((line) => line.trim().split(/\s+/));

    expect(pageCount(file)).toBe(2);
    expect(flat(text)).toContain('De scan staat op de volgende pagina van dit document.');
    expect(lineWith(text, 'Soort bestand')).toContain('JPEG-afbeelding');
    expect(text).toContain(sha256(jpeg));
    expect(text).toContain('Scan van het papieren formulier');
    expect(text).toContain('pagina 2 van 2');
    // Columns: page num type width height color comp bpc enc …
    expect(images).toHaveLength(1);
    expect(images[0]!.slice(0, 3)).toEqual(['2', '0', 'image']);
    expect(images[0]![8]).toBe('jpeg');
    expectOnlyEmbeddedFonts(file);
  });

  popplerTest('when the scan is a PNG image, then page 2 shows it and the cover names its type and fingerprint', async () => {
    const png = scanImage('png');
    const file = await writePdf('record-png', await renderPaperRecordPdf(coverInput('en', png, 'image/png', 'scan.png'), png, 'image/png'));
    const text = textOf(file);
    const images = run('pdfimages', ['-list', file]).trim().split('\n').slice(2).map((line) => line.trim().split(/\s+/));

    expect(pageCount(file)).toBe(2);
    expect(flat(text)).toContain('The scan is on the next page of this document.');
    expect(lineWith(text, 'Type of file')).toContain('PNG image');
    expect(text).toContain(sha256(png));
    expect(images.filter((row) => row[0] === '2' && row[2] === 'image')).toHaveLength(1);
    expectOnlyEmbeddedFonts(file);
  });

  popplerTest('when the scan is a PDF, then it is attached unchanged inside the one-page record and the cover says so', async () => {
    const file = await writePdf('record-pdf', await renderPaperRecordPdf(coverInput('nl', scanPdf, 'application/pdf', 'formulier Ans.pdf'), scanPdf, 'application/pdf'));
    const text = textOf(file);

    expect(pageCount(file)).toBe(1);
    expect(flat(text)).toContain('De originele scan zit als bijlage in dit PDF-bestand.');
    expect(run('pdfdetach', ['-list', file])).toMatch(/^1 embedded files\n1: formulier Ans\.pdf$/m);
    const extracted = join(dir, 'extracted.pdf');
    run('pdfdetach', ['-save', '1', '-o', extracted, file]);
    expect(readFileSync(extracted).equals(scanPdf)).toBe(true);
    expect(run('pdfimages', ['-list', file]).trim().split('\n')).toHaveLength(2);
    expectOnlyEmbeddedFonts(file);
  });

  popplerTest('when the uploaded PDF has no usable file name, then the attachment is named after the request', async () => {
    const nameless = await writePdf('record-nameless', await renderPaperRecordPdf(coverInput('nl', scanPdf, 'application/pdf', null), scanPdf, 'application/pdf'));
    const traversal = await writePdf('record-traversal', await renderPaperRecordPdf(coverInput('nl', scanPdf, 'application/pdf', '../../etc/scan'), scanPdf, 'application/pdf'));

    expect(run('pdfdetach', ['-list', nameless])).toContain('1: scan-cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D.pdf');
    expect(run('pdfdetach', ['-list', traversal])).toContain('1: scan.pdf');
  });

  test('when a PDF scan is recorded twice, then the bytes are identical, the file declares PDF/A-3b and the scan is its source file', async () => {
    const input = coverInput('nl', scanPdf, 'application/pdf', 'formulier Ans.pdf');
    const first = await renderPaperRecordPdf(input, scanPdf, 'application/pdf');
    const second = await renderPaperRecordPdf(input, scanPdf, 'application/pdf');

    expect(first.equals(second)).toBe(true);
    const latin = first.toString('latin1');
    expect(latin).toContain('<pdfaid:part>3</pdfaid:part>');
    expect(latin).toContain('<pdfaid:conformance>B</pdfaid:conformance>');
    // PDF/A-3 associated file: named in the catalog's /AF, related as the source of this record.
    expect(latin).toMatch(/\/AFRelationship \/Source/);
    expect(latin).toMatch(/\/AF \[\d+ 0 R\]/);
    expect(latin).toContain('/Subtype /application#2Fpdf');
  });
});
