import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Language } from '../../src/consent/form-types';
import { renderWithdrawalReceiptPdf, type WithdrawalReceiptPdfInput } from '../../src/evidence/render-receipt-pdf';
import { expectOnlyEmbeddedFonts, flat, pageCount, popplerTest, runTool, textOf } from '../helpers/pdf-tools';
import { SUMMER_CAMP_PURPOSES, summerCampForm } from './summer-camp-form';

const form = summerCampForm(4);
const purposes = SUMMER_CAMP_PURPOSES.slice(0, 4);

const ORIGINAL_SHA256 = createHash('sha256').update('the sealed consent record').digest('hex');

/** Photos and medical information withdrawn; registration stays granted, the newsletter was never granted. */
function input(language: Language, overrides: Partial<WithdrawalReceiptPdfInput> = {}): WithdrawalReceiptPdfInput {
  const label = (id: string) => purposes.find((p) => p.id === id)![language];
  return {
    organisationName: 'Jongerenwerk Café De Ruïne',
    requestId: 'cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D',
    form,
    language,
    signerName: 'Noëlle van den Bërg',
    subjectFirstName: 'Zoë',
    // 10:41 in Amsterdam (CET, UTC+1).
    withdrawnAt: new Date('2027-02-03T09:41:00Z'),
    withdrawn: ['foto-website', 'medische-gegevens'].map((purposeId) => ({ purposeId, label: label(purposeId) })),
    remaining: purposes.map((p) => ({ purposeId: p.id, label: p[language], granted: p.id === 'registratie' })),
    // 14:05 in Amsterdam (CET, UTC+1).
    originalSignedAt: new Date('2026-11-22T13:05:00Z'),
    originalDocumentSha256: ORIGINAL_SHA256,
    ...overrides,
  };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'akkoord-receipt-'));
});
// KEEP_PDF=1 keeps the rendered files to look at them (pdftoppm -png -r 60 <file> <prefix>).
afterAll(() => (process.env.KEEP_PDF ? undefined : rmSync(dir, { recursive: true, force: true })));

async function renderToFile(name: string, receiptInput: WithdrawalReceiptPdfInput): Promise<string> {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, await renderWithdrawalReceiptPdf(receiptInput));
  return file;
}

const run = runTool;

// The last line with the phrase: a withdrawn purpose is named in the list first, then in the table of choices.
const lineWith = (text: string, needle: string) => text.split('\n').filter((line) => line.includes(needle)).at(-1) ?? '';


const EXPECTED: Record<Language, { phrases: string[]; lines: [string, RegExp | string][] }> = {
  nl: {
    phrases: [
      'Bevestiging intrekking toestemming',
      'Jongerenwerk Café De Ruïne',
      'cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D',
      'Toestemming voor het zomerkamp en de café-avond',
      'Noëlle van den Bërg heeft toestemming ingetrokken voor Zoë.',
      "• Foto's op onze website",
      '• Medische informatie voor het café-team',
      'Keuzes die nu gelden',
      'Het eerdere bewijs',
      'Jongerenwerk Café De Ruïne bewaart het eerdere bewijs. Dat laat zien wat eerder is afgesproken.',
      'gebruikt de gegevens niet meer voor wat is ingetrokken.',
    ],
    lines: [
      ['Ingetrokken op', '3 februari 2027, 10:41 (Europe/Amsterdam)'],
      ['Ondertekend op', '22 november 2026, 14:05 (Europe/Amsterdam)'],
      ['SHA-256 van het document', ORIGINAL_SHA256],
      ['Inschrijving voor het zomerkamp', /\bJa\b/],
      ['De nieuwsbrief van het café', /\bNee\b/],
      ["Foto's op onze website", /\bIngetrokken\b/],
    ],
  },
  en: {
    phrases: [
      'Confirmation of withdrawal',
      'Jongerenwerk Café De Ruïne',
      'cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D',
      'Consent for the summer camp and the café evening',
      'Noëlle van den Bërg has withdrawn consent for Zoë.',
      '• Photos on our website',
      '• Medical information for the café team',
      'Choices that apply now',
      'The earlier record',
      'Jongerenwerk Café De Ruïne keeps the earlier record. It shows what was agreed before.',
      'no longer uses the information for what was withdrawn.',
    ],
    lines: [
      ['Withdrawn on', '3 February 2027, 10:41 (Europe/Amsterdam)'],
      ['Signed on', '22 November 2026, 14:05 (Europe/Amsterdam)'],
      ['SHA-256 of the document', ORIGINAL_SHA256],
      ['Registration for the summer camp', /\bYes\b/],
      ['The café newsletter', /\bNo\b/],
      ['Photos on our website', /\bWithdrawn\b/],
    ],
  },
};

describe('renderWithdrawalReceiptPdf', () => {
  describe.each(['nl', 'en'] as const)('in %s', (language) => {
    popplerTest('when two purposes are withdrawn, then one page says who withdrew what and when, what applies now and which record came before', async () => {
      const file = await renderToFile(`receipt-${language}`, input(language));
      const text = textOf(file);

      for (const phrase of EXPECTED[language].phrases) expect(flat(text)).toContain(phrase);
      for (const [label, value] of EXPECTED[language].lines) expect(lineWith(text, label)).toMatch(value);
      expect(text).toContain('2027-02-03T09:41:00.000Z');
      expect(text).toContain('2026-11-22T13:05:00.000Z');
      expect(pageCount(file)).toBe(1);
      expectOnlyEmbeddedFonts(file);
    });
  });

  popplerTest('when a purpose was just withdrawn, then its row in the current choices says withdrawn instead of yes', async () => {
    const text = textOf(await renderToFile('rows', input('nl')));

    expect(lineWith(text, "Foto's op onze website")).toMatch(/\bIngetrokken\b/);
    expect(lineWith(text, 'Medische informatie voor het café-team')).toMatch(/\bIngetrokken\b/);
    expect(lineWith(text, 'Inschrijving voor het zomerkamp')).not.toMatch(/\bIngetrokken\b/);
  });

  describe.each([
    ['nl', 'Ingetrokken op', '12 januari 2027, 09:30 (Europe/Amsterdam)', '3 februari 2027, 10:41 (Europe/Amsterdam)', 'Nee'],
    ['en', 'Withdrawn on', '12 January 2027, 09:30 (Europe/Amsterdam)', '3 February 2027, 10:41 (Europe/Amsterdam)', 'No'],
  ] as const)('in %s', (language, withdrawnOn, earlierDate, nowDate, no) => {
    popplerTest('when a purpose was withdrawn earlier, then it says withdrawn on that date, not no; one withdrawn now says today; one never granted says no', async () => {
      const label = (id: string) => purposes.find((p) => p.id === id)![language];
      // Photos were withdrawn on 12 January; medical information now; the newsletter was never granted.
      const remaining = purposes.map((p) => ({ purposeId: p.id, label: p[language], granted: p.id === 'registratie', withdrawnAt: p.id === 'foto-website' ? new Date('2027-01-12T08:30:00Z') : null }));
      const text = textOf(await renderToFile(`earlier-${language}`, input(language, { withdrawn: [{ purposeId: 'medische-gegevens', label: label('medische-gegevens') }], remaining })));
      const rows = text.slice(text.lastIndexOf(language === 'nl' ? 'Keuzes die nu gelden' : 'Choices that apply now'));
      const row = (id: string) => flat(rows.slice(rows.indexOf(label(id))).split(/\n\s*\n/)[0]!);

      expect(row('foto-website')).toContain(`${withdrawnOn} ${earlierDate}`);
      expect(row('foto-website')).not.toMatch(new RegExp(`\\b${no}\\b`));
      expect(row('medische-gegevens')).toContain(`${withdrawnOn} ${nowDate}`);
      expect(row('nieuwsbrief')).toMatch(new RegExp(`\\b${no}\\b`));
      expect(row('nieuwsbrief')).not.toContain(withdrawnOn);
    });
  });

  popplerTest('when nothing granted remains, then the receipt says no consent applies any more', async () => {
    const text = textOf(
      await renderToFile('none-left', input('nl', { remaining: purposes.map((p) => ({ purposeId: p.id, label: p.nl, granted: false })) })),
    );

    expect(text).toContain('Er geldt nu geen toestemming meer.');
  });

  popplerTest('when the original record is unknown, then a dash stands where its fingerprint would be', async () => {
    const text = textOf(await renderToFile('no-original', input('nl', { originalDocumentSha256: '' })));

    expect(lineWith(text, 'SHA-256 van het document')).toMatch(/—/);
  });

  test('when the same withdrawal is rendered twice, then the bytes are identical and the file declares PDF/A-3b', async () => {
    const first = await renderWithdrawalReceiptPdf(input('nl'));
    const second = await renderWithdrawalReceiptPdf(input('nl'));

    expect(first.equals(second)).toBe(true);
    const latin = first.toString('latin1');
    expect(latin).toContain('<pdfaid:part>3</pdfaid:part>');
    expect(latin).toContain('<pdfaid:conformance>B</pdfaid:conformance>');
  });
});
