import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsentForm } from '../../src/consent/form-types';
import type { Language } from '../../src/consent/form-types';
import { signaturePng } from '../helpers/png';
import { type AuditEntry, computeConsentTextSha256, type ConsentPdfInput, consentText, loadPdfLabels, renderConsentPdf } from '../../src/evidence/render-consent-pdf';
import { expectOnlyEmbeddedFonts, flat, pageCount, popplerTest, runTool, textOf } from '../helpers/pdf-tools';


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

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
// Distinct, recognisable chain values: the page shows the first 16 characters of each.
const chainHash = (n: number) => sha256(`event ${n}`);
const SIGNED_AT = new Date('2026-11-22T13:05:00Z');
const minutesBefore = (minutes: number) => new Date(SIGNED_AT.getTime() - minutes * 60_000);

/** Every kind of actor and channel a real request produces, oldest first, ending with the signing. */
const auditTrail: AuditEntry[] = [
  { at: minutesBefore(26 * 60), type: 'created', actor: 'api:key_7f3a9c', hash: chainHash(1) },
  { at: minutesBefore(26 * 60 - 1), type: 'sent', actor: 'system', channel: 'sms', maskedAddress: '+31 6 •••• ••12', hash: chainHash(2) },
  { at: minutesBefore(26 * 60 - 2), type: 'delivered', actor: 'provider:twilio', channel: 'sms', maskedAddress: '+31 6 •••• ••12', hash: chainHash(3) },
  { at: minutesBefore(90), type: 'reminder_sent', actor: 'system', channel: 'email', maskedAddress: 'n•••@example.nl', hash: chainHash(4) },
  { at: minutesBefore(4), type: 'opened', actor: 'recipient', detail: 'Chrome 126 on Android', hash: chainHash(5) },
  { at: SIGNED_AT, type: 'signed', actor: 'recipient', hash: chainHash(6) },
];

function input(overrides: Partial<ConsentPdfInput> = {}): ConsentPdfInput {
  const language = overrides.language ?? 'nl';
  const declaration = overrides.declaration ?? 'Ik heb het ouderlijk gezag over Zoë.';
  const pdfForm = overrides.form ?? form;
  const signature = overrides.signature === undefined ? { kind: 'drawn' as const, png: signaturePng() } : overrides.signature;
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
    signature,
    // 14:05 in Amsterdam (CET, UTC+1).
    signedAt: SIGNED_AT,
    signedVia: { channel: 'sms', maskedAddress: '+31 6 •••• ••12' },
    auditTrail,
    consentTextSha256: computeConsentTextSha256(pdfForm, language, declaration),
    signatureSha256: signature?.kind === 'drawn' ? sha256(signature.png) : null,
    browser: { browser: 'Chrome 126', system: 'Android' },
    ...overrides,
  };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'akkoord-pdf-'));
});
// KEEP_PDF=1 keeps the rendered files to look at them (pdftoppm -png -r 60 <file> <prefix>).
afterAll(() => (process.env.KEEP_PDF ? undefined : rmSync(dir, { recursive: true, force: true })));

async function renderToFile(name: string, pdfInput: ConsentPdfInput): Promise<string> {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, await renderConsentPdf(pdfInput));
  return file;
}

const run = runTool;

const lineWith = (text: string, needle: string) => text.split('\n').find((line) => line.includes(needle)) ?? '';
// Content-stream order keeps each table cell's lines together, so a wrapped cell reads as one phrase.
const auditPageText = (file: string) => {
  const last = String(pageCount(file));
  return flat(run('pdftotext', ['-raw', '-f', last, '-l', last, file, '-']));
};


/** What a reader must find in a signed guardian consent, per language. */
const EXPECTED: Record<Language, { input: Partial<ConsentPdfInput>; text: string[]; lines: [string, RegExp | string][]; audit: string[] }> = {
  nl: {
    input: {},
    text: [
      'Jongerenwerk Café De Ruïne',
      'Toestemming voor het zomerkamp en de café-avond',
      '3f9a1c07be52d864',
      form.intro.nl,
      ...form.sections.flatMap((section) => [section.heading.nl, section.body.nl]),
      ...form.purposes.map((purpose) => purpose.description.nl),
      'Ik heb het ouderlijk gezag over Zoë.',
      'Noëlle van den Bërg',
      'cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D',
      '22 november 2026, 14:05 (Europe/Amsterdam)',
      '2026-11-22T13:05:00.000Z',
    ],
    lines: [
      ['Inschrijving voor het zomerkamp', /\bJa\b/],
      ["Foto's op onze website", /\bNee\b/],
      ['Medische informatie voor het café-team', /\bJa\b/],
      ['Rol', 'Ouder/voogd'],
      ['Voornaam kind', 'Zoë'],
      ['Geboortedatum', '14 maart 2015'],
    ],
    audit: [
      'Controlespoor',
      'Verzoek gemaakt',
      'Uitnodiging verstuurd',
      'Bericht afgeleverd',
      'Herinnering verstuurd',
      'Link geopend',
      'Toestemming ondertekend',
      'API-sleutel key_7f3a9c',
      'Provider Twilio',
      'Systeem',
      'Ontvanger',
      'sms +31 6 •••• ••12',
      'e-mail n•••@example.nl',
      'Browser van de ondertekenaar Chrome 126 op Android',
      'elektronisch zegel van Jongerenwerk Café De Ruïne',
    ],
  },
  en: {
    input: { language: 'en', declaration: 'I have parental authority over Zoë.' },
    text: [
      'Jongerenwerk Café De Ruïne',
      'Consent for the summer camp and the café evening',
      '3f9a1c07be52d864',
      form.intro.en,
      ...form.sections.flatMap((section) => [section.heading.en, section.body.en]),
      ...form.purposes.map((purpose) => purpose.description.en),
      'I have parental authority over Zoë.',
      'Noëlle van den Bërg',
      'cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D',
      '22 November 2026, 14:05 (Europe/Amsterdam)',
      '2026-11-22T13:05:00.000Z',
    ],
    lines: [
      ['Registration for the summer camp', /\bYes\b/],
      ['Photos on our website', /\bNo\b/],
      ['Medical information for the café team', /\bYes\b/],
      ['Role', 'Parent/guardian'],
      ["Child's first name", 'Zoë'],
      ['Date of birth', '14 March 2015'],
    ],
    audit: [
      'Audit trail',
      'Request created',
      'Invitation sent',
      'Message delivered',
      'Reminder sent',
      'Link opened',
      'Consent signed',
      'API key key_7f3a9c',
      'Provider Twilio',
      'System',
      'Recipient',
      'text message +31 6 •••• ••12',
      'e-mail n•••@example.nl',
      "Signer's browser Chrome 126 on Android",
      'electronic seal of Jongerenwerk Café De Ruïne',
    ],
  },
};

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
    expect(text).toContain('link per sms (+31 6 •••• ••12), Chrome 126 op Android');
    expect(text).toMatch(/pagina 1 van \d/);
  });

  popplerTest('when a second parent signs, then the record says so and gives the first request\'s id whole on one line, also when it holds hyphens', async () => {
    // A base64url id with hyphens: in a sentence pdfkit broke the line at one of them.
    const primaryRequestId = 'cr_0mwro18g0Bl-lYGAH_lqStA-x';
    const text = textOf(await renderToFile('second-guardian-nl', input({ family: { slot: 'second-guardian', authority: 'joint', primaryRequestId } })));
    expect(lineWith(text, 'Ouderlijk gezag')).toContain('samen met een andere ouder (verklaard door de ondertekenaar)');
    expect(lineWith(text, 'Ondertekenaar')).toContain('Tweede ouder met gezag');
    expect(lineWith(text, 'Hoort bij verzoek')).toContain(primaryRequestId);
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
    expect(lineWith(text, 'Recorded via')).toContain('link by text message (+31 6 •••• ••12), Chrome 126 on Android');
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

    expectOnlyEmbeddedFonts(file);
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

    const pages = pageCount(file);
    expect(pages).toBeGreaterThanOrEqual(3);
    const text = textOf(file);
    for (let page = 1; page <= pages; page++) expect(text).toContain(`pagina ${page} van ${pages}`);
    expect(text.split('Verzoek-id cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D · Versie 3f9a1c07be52d864').length - 1).toBe(pages);
    expect(text).toContain('Onderdeel 14');
  });

  describe.each(['nl', 'en'] as const)('in %s', (language) => {
    const expected = EXPECTED[language];

    popplerTest('when a guardian signs with a drawn signature, then the text holds the form, the choices, the signer and the moment', async () => {
      const file = await renderToFile(`complete-${language}`, input(expected.input));
      const text = textOf(file);

      for (const phrase of expected.text) expect(flat(text)).toContain(flat(phrase));
      for (const [label, value] of expected.lines) expect(lineWith(text, label)).toMatch(value);
    });

    popplerTest('when a guardian signs, then the last page is the audit trail with every event, actor, address, time, hash and fingerprint', async () => {
      const pdfInput = input(expected.input);
      const file = await renderToFile(`audit-${language}`, pdfInput);
      const audit = auditPageText(file);

      for (const phrase of expected.audit) expect(audit).toContain(phrase);
      for (const entry of auditTrail) {
        expect(audit).toContain(`${entry.at.toISOString().slice(0, 10)} ${entry.at.toISOString().slice(11, 19)} UTC`);
        expect(audit).toContain(entry.hash.slice(0, 16));
        expect(audit).not.toContain(entry.hash.slice(0, 17));
      }
      // 14:05 in Amsterdam is 13:05 UTC: both columns of the signing event.
      expect(audit).toMatch(/22[-/]11[-/]2026 14:05:00 2026-11-22 13:05:00 UTC/);
      expect(audit).toContain(pdfInput.consentTextSha256);
      expect(audit).toContain(pdfInput.signatureSha256);
      expect(audit).toContain('3f9a1c07be52d864');
      expectOnlyEmbeddedFonts(file);
    });
  });

  popplerTest('when the signature is a typed name, then the audit page says so instead of an image fingerprint', async () => {
    const file = await renderToFile('audit-typed', input({ signature: { kind: 'typed', text: 'Noëlle van den Bërg' } }));

    expect(auditPageText(file)).toContain('SHA-256 van de handtekening getypte naam');
  });

  popplerTest('when consent is declined, then the audit page shows the declined event and a dash for the signature', async () => {
    const declinedTrail = [...auditTrail.slice(0, -1), { at: SIGNED_AT, type: 'declined', actor: 'recipient', hash: chainHash(7) }];
    const file = await renderToFile('audit-declined', input({ outcome: 'declined', signature: null, auditTrail: declinedTrail }));
    const audit = auditPageText(file);

    expect(audit).toContain('Toestemming geweigerd');
    expect(audit).toContain('SHA-256 van de handtekening —');
    expect(audit).not.toContain('Toestemming ondertekend');
  });

  popplerTest('when an event type or actor has no label, then the stored value is shown as it is', async () => {
    const trail = [...auditTrail, { at: SIGNED_AT, type: 'archived_by_robot', actor: 'cron-job', hash: chainHash(8) }];
    const audit = auditPageText(await renderToFile('audit-unknown', input({ auditTrail: trail })));

    expect(audit).toContain('archived_by_robot cron-job');
  });

  popplerTest('when the audit trail is longer than a page, then the table continues with its header on the next page', async () => {
    const trail = Array.from({ length: 45 }, (_, i) => ({
      at: minutesBefore(45 - i),
      type: i % 2 ? 'reminder_sent' : 'provider_status',
      actor: i % 2 ? 'system' : 'provider:sendgrid',
      channel: 'email',
      maskedAddress: 'n•••@example.nl',
      ...(i % 2 ? {} : { detail: 'delivered' }),
      hash: chainHash(100 + i),
    }));
    const file = await renderToFile('audit-long', input({ auditTrail: trail }));
    const text = textOf(file);
    const pages = pageCount(file);
    const pagesWithEvents = Array.from({ length: pages }, (_, i) => run('pdftotext', ['-layout', '-f', String(i + 1), '-l', String(i + 1), file, '-'])).filter((page) =>
      trail.some((entry) => page.includes(entry.hash.slice(0, 16))),
    );

    expect(pagesWithEvents.length).toBeGreaterThanOrEqual(2);
    for (const page of pagesWithEvents) expect(page).toMatch(/TIJDSTIP\s+GEBEURTENIS\s+DOOR\s+KANAAL\s+HASH/);
    for (const entry of trail) expect(text).toContain(entry.hash.slice(0, 16));
    expect(text).toContain(`pagina ${pages} van ${pages}`);
    // The fingerprints close the document, after the last event.
    expect(text.lastIndexOf('Vingerafdrukken')).toBeGreaterThan(text.indexOf(trail.at(-1)!.hash.slice(0, 16)));
  });

  test('when the given consent text hash is not the hash of the text in the document, then rendering stops', async () => {
    await expect(renderConsentPdf(input({ consentTextSha256: sha256('another text') }))).rejects.toThrow(/consentTextSha256/);
  });

  test('when the given signature hash is not the hash of the drawn image, then rendering stops', async () => {
    await expect(renderConsentPdf(input({ signatureSha256: sha256('another image') }))).rejects.toThrow(/signatureSha256/);
  });

  popplerTest('when a document with glyphs built from other glyphs came first, then the next one still has the same text and bytes', async () => {
    // DejaVu draws ĳ from i and j. Subsetting the first typed signature looks up j without its
    // character; the typed-signature font has no other j in that document to look it up properly.
    // Only the typed signature uses its font, so the signer's name elsewhere is kept apart from it.
    const later = input({ signerName: 'Anna', signature: { kind: 'typed', text: 'Jojanneke Smit' } });
    await renderConsentPdf(input({ signerName: 'Anna', signature: { kind: 'typed', text: 'Ĳsbrand ĳzerman' } }));
    const afterOther = await renderConsentPdf(later);
    const file = join(dir, 'after-other.pdf');
    writeFileSync(file, afterOther);

    expect(run('pdftotext', ['-raw', file, '-'])).toContain('Jojanneke Smit');
    expect(afterOther.equals(await renderConsentPdf(later))).toBe(true);
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

describe('computeConsentTextSha256', () => {
  test('when computed, then it is the SHA-256 of title, intro, sections, purposes and declaration joined by blank lines', () => {
    const declaration = 'Ik heb het ouderlijk gezag over Zoë.';
    const expected = [
      form.title.nl,
      form.intro.nl,
      'Wat wij vastleggen',
      form.sections[0]!.body.nl,
      'Hoe lang wij de gegevens bewaren',
      'Tot 3 jaar na het laatste contact.',
      'Inschrijving voor het zomerkamp',
      'Nodig om mee te gaan.',
      "Foto's op onze website",
      'Groepsfoto’s van het kamp, zonder achternamen.',
      'Medische informatie voor het café-team',
      'Allergieën en medicijnen, alleen voor de begeleiders.',
      declaration,
    ].join('\n\n');

    expect(consentText(form, 'nl', declaration)).toBe(expected);
    expect(computeConsentTextSha256(form, 'nl', declaration)).toBe(sha256(Buffer.from(expected, 'utf8')));
  });

  test('when one character of the text, the language or the declaration differs, then the hash differs', () => {
    const base = computeConsentTextSha256(form, 'nl', 'Ik heb het ouderlijk gezag over Zoë.');
    const edited: ConsentForm = { ...form, intro: { ...form.intro, nl: form.intro.nl.replace('zomerkamp', 'zomerkamp.') } };

    expect(computeConsentTextSha256(edited, 'nl', 'Ik heb het ouderlijk gezag over Zoë.')).not.toBe(base);
    expect(computeConsentTextSha256(form, 'en', 'Ik heb het ouderlijk gezag over Zoë.')).not.toBe(base);
    expect(computeConsentTextSha256(form, 'nl', 'Ik heb het ouderlijk gezag over Zoe.')).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('PDF labels', () => {
  const keysOf = (value: unknown, prefix = ''): string[] =>
    value !== null && typeof value === 'object' ? Object.entries(value).flatMap(([key, inner]) => keysOf(inner, `${prefix}${key}.`)) : [prefix.slice(0, -1)];

  test('when the label files are loaded, then Dutch and English have the same keys and every recorded event type has a label', () => {
    const nl = loadPdfLabels('nl');
    const en = loadPdfLabels('en');
    const recorded = ['created', 'sent', 'reminder_requested', 'reminder_sent', 'reminder_failed', 'delivered', 'failed', 'opened', 'signed', 'declined', 'withdrawn', 'expired', 'cancelled', 'provider_status', 'timestamp_added'];

    expect(keysOf(en).sort()).toEqual(keysOf(nl).sort());
    for (const type of recorded) {
      expect(nl.eventTypes[type]).toBeTruthy();
      expect(en.eventTypes[type]).toBeTruthy();
    }
  });
});
