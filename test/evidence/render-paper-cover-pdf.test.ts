import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument as PdfLibDocument, rgb, type RGB } from 'pdf-lib';
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
    signerRole: 'guardian',
    subjectFirstName: 'Zoë',
    subjectDateOfBirth: '2015-03-14',
    signedOn: '2026-11-20',
    decisions: purposes.map((p) => ({ purposeId: p.id, label: p[language], granted: p.id !== 'foto-website' })),
    // 14:05 in Amsterdam (CET, UTC+1).
    recordedAt: new Date('2026-11-22T13:05:00Z'),
    recordedBy: 'api:key_7f3a9c',
    auditTrail: [
      { at: new Date('2026-11-22T13:04:58Z'), type: 'created', actor: 'api:key_7f3a9c', channel: 'paper', hash: '9c1e7b2a4f6d8e0c1a3b5d7f9e2c4a6b' },
      { at: new Date('2026-11-22T13:05:00Z'), type: 'signed', actor: 'api:key_7f3a9c', channel: 'paper', hash: '' },
    ],
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

/** A PDF whose pages are each filled with one colour, made with pdf-lib (which writes object streams). */
async function colouredPagesPdf(colours: RGB[], size: [number, number]): Promise<Buffer> {
  const doc = await PdfLibDocument.create();
  for (const colour of colours) doc.addPage(size).drawRectangle({ x: 0, y: 0, width: size[0], height: size[1], color: colour });
  return Buffer.from(await doc.save());
}

/** The colour that fills the middle of a page of the record, as poppler draws it. */
function dominantColour(file: string, pageNumber: number): string {
  const prefix = join(dir, `colour-${pageNumber}`);
  run('pdftoppm', ['-r', '20', '-f', String(pageNumber), '-l', String(pageNumber), '-singlefile', file, prefix]);
  const ppm = readFileSync(`${prefix}.ppm`);
  const [, width, height] = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 32).toString('latin1'))!.map(Number) as [number, number, number];
  const header = ppm.length - width * height * 3;
  const at = header + (Math.floor(height / 2) * width + Math.floor(width / 2)) * 3;
  const [r, g, b] = [ppm[at]!, ppm[at + 1]!, ppm[at + 2]!];
  return r > 150 && g < 90 && b < 90 ? 'red' : g > 110 && r < 90 && b < 90 ? 'green' : b > 150 && r < 90 && g < 90 ? 'blue' : `rgb(${r},${g},${b})`;
}

async function writePdf(name: string, pdf: Buffer): Promise<string> {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

const lineWith = (text: string, needle: string) => text.split('\n').find((line) => line.includes(needle)) ?? '';


/** The line under a label in the header's grid, where its value is. */
const lineUnder = (text: string, label: string) => {
  const lines = text.split('\n');
  return lines[lines.findIndex((line) => line.includes(label)) + 1] ?? '';
};

const EXPECTED: Record<Language, { phrases: string[]; lines: [string, RegExp | string][]; grid: [string, string][] }> = {
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
    grid: [
      ['Ondertekend door', 'Ans de Vriës'],
      ['Rol', 'Ouder/voogd'],
      ['Voornaam kind', 'Zoë'],
      ['Geboortedatum', '14 maart 2015'],
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
    grid: [
      ['Signed by', 'Ans de Vriës'],
      ['Role', 'Parent/guardian'],
      ["Child's first name", 'Zoë'],
      ['Date of birth', '14 March 2015'],
    ],
  },
};

describe('renderPaperCoverPdf', () => {
  describe.each(['nl', 'en'] as const)('in %s', (language) => {
    popplerTest('when paper consent is recorded, then one cover page says who signed in which role for which child and when, the choices, who recorded it and the scan facts', async () => {
      const input = coverInput(language, scanPdf, 'application/pdf', 'formulier Ans.pdf');
      const file = await writePdf(`cover-${language}`, await renderPaperCoverPdf(input));
      const text = textOf(file);

      for (const phrase of EXPECTED[language].phrases) expect(flat(text)).toContain(phrase);
      for (const [label, value] of EXPECTED[language].lines) expect(lineWith(text, label)).toMatch(value);
      for (const [label, value] of EXPECTED[language].grid) expect(lineUnder(text, label)).toContain(value);
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

  popplerTest('when a participant signed and the API key has a name, then the cover names the participant, the role and the key by name and id, without a date of birth', async () => {
    const input = coverInput('nl', scanPdf, 'application/pdf', null, { signerRole: 'participant', subjectFirstName: 'Daan', subjectDateOfBirth: null, signedBy: 'Daan Bakker', recordedBy: 'api:key_0mhv1x2y3z4A5B6C7D8E9F0G', recordedByName: 'Registratiesysteem Kampen' });
    const text = textOf(await writePdf('cover-participant', await renderPaperCoverPdf(input)));

    expect(lineUnder(text, 'Rol')).toContain('Deelnemer');
    expect(lineUnder(text, 'Voornaam deelnemer')).toContain('Daan');
    expect(text).not.toContain('Geboortedatum');
    expect(flat(text)).toContain('API-sleutel ‘Registratiesysteem Kampen’ (key_0mhv1x2y3z4A5B6C7D8E9F0G)');
    // The key id stays whole on one line, so it can be looked up as it is.
    expect(text.split('\n').some((line) => line.includes('(key_0mhv1x2y3z4A5B6C7D8E9F0G)'))).toBe(true);
  });
});

describe('renderPaperRecordPdf', () => {
  popplerTest('when the scan is a JPEG photo, then page 2 shows it fitted to the page and the cover points to it', async () => {
    const jpeg = scanImage('jpeg');
    const file = await writePdf('record-jpeg', await renderPaperRecordPdf(coverInput('nl', jpeg, 'image/jpeg', 'IMG_2041.jpg'), jpeg, 'image/jpeg'));
    const text = textOf(file);
    const images = run('pdfimages', ['-list', file]).trim().split('\n').slice(2).map((line) => line.trim().split(/\s+/));

    expect(pageCount(file)).toBe(3);
    expect(flat(text)).toContain('De scan staat op de volgende pagina van dit document.');
    expect(lineWith(text, 'Soort bestand')).toContain('JPEG-afbeelding');
    expect(text).toContain(sha256(jpeg));
    expect(text).toContain('Scan van het papieren formulier');
    expect(text).toContain('pagina 2 van 3');
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

    expect(pageCount(file)).toBe(3);
    expect(flat(text)).toContain('The scan is on the next page of this document.');
    expect(lineWith(text, 'Type of file')).toContain('PNG image');
    expect(text).toContain(sha256(png));
    expect(images.filter((row) => row[0] === '2' && row[2] === 'image')).toHaveLength(1);
    expectOnlyEmbeddedFonts(file);
  });

  popplerTest('when the scan is a one-page PDF, then the record is the cover, the page as an image and the audit trail, with the PDF attached unchanged', async () => {
    const file = await writePdf('record-pdf', await renderPaperRecordPdf(coverInput('nl', scanPdf, 'application/pdf', 'formulier Ans.pdf'), scanPdf, 'application/pdf'));
    const text = textOf(file);
    const pages = text.split('\f');
    const images = run('pdfimages', ['-list', file]).trim().split('\n').slice(2).map((line) => line.trim().split(/\s+/));

    expect(pageCount(file)).toBe(3);
    expect(flat(text)).toContain('De scan staat op de volgende pagina. Het PDF-bestand zit er ook als bijlage in, opnieuw opgeslagen zonder wat niet bij de pagina\'s hoort.');
    expect(flat(pages[1]!)).toContain('Scan van het papieren formulier, pagina 1 van 1');
    // Columns: page num type width height color comp bpc enc …: one RGB JPEG on page 2, A4 at 150 dpi.
    expect(images.map((row) => [row[0], row[2], row[3], row[4], row[5], row[8]])).toEqual([['2', 'image', '1240', '1754', 'rgb', 'jpeg']]);
    expect(flat(pages[2]!)).toContain('Controlespoor');
    expect(flat(pages[2]!)).toContain('Verzoek gemaakt');
    expect(flat(pages[2]!)).toMatch(/Toestemming .*ondertekend/);
    expect(flat(pages[2]!)).toContain('dit document');
    expect(run('pdfdetach', ['-list', file])).toMatch(/^1 embedded files\n1: formulier Ans\.pdf$/m);
    const extracted = join(dir, 'extracted.pdf');
    run('pdfdetach', ['-save', '1', '-o', extracted, file]);
    expect(readFileSync(extracted).equals(scanPdf)).toBe(true);
    expectOnlyEmbeddedFonts(file);
  });

  popplerTest('when the scan is a three-page PDF, then each page is shown on its own page of the record, in order', async () => {
    const colours = [rgb(0.8, 0, 0), rgb(0, 0.6, 0), rgb(0, 0, 0.8)];
    const scan = await colouredPagesPdf(colours, [595, 842]);
    const file = await writePdf('record-pdf-3', await renderPaperRecordPdf(coverInput('en', scan, 'application/pdf', 'form.pdf'), scan, 'application/pdf'));
    const text = textOf(file);

    expect(pageCount(file)).toBe(5);
    expect(flat(text)).toContain('The scan is on the next 3 pages. The PDF file is attached as well, saved again without anything that is not part of its pages.');
    for (const n of [1, 2, 3]) expect(flat(text.split('\f')[n]!)).toContain(`Scan of the paper form, page ${n} of 3`);
    expect([2, 3, 4].map((n) => dominantColour(file, n))).toEqual(['red', 'green', 'blue']);
  });

  popplerTest('when a PDF page is huge, then its image keeps to the pixel budget of 2500 pixels on the long side', async () => {
    const scan = await colouredPagesPdf([rgb(0, 0, 0.8)], [14_400, 7_200]);
    const file = await writePdf('record-pdf-huge', await renderPaperRecordPdf(coverInput('nl', scan, 'application/pdf', null), scan, 'application/pdf'));
    const images = run('pdfimages', ['-list', file]).trim().split('\n').slice(2).map((line) => line.trim().split(/\s+/));

    expect(images.map((row) => [row[3], row[4]])).toEqual([['2500', '1250']]);
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
