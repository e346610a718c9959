import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { formatExpiry } from '../../src/delivery/message-templates';
import { createViews, loadUiStrings, UI_LANGUAGES, type UiLanguage } from '../../src/http/views';
import { projectPath } from '../../src/shared/paths';

const TEMPLATES = projectPath('templates');
const views = createViews(TEMPLATES);

const purposes = [
  { id: 'registratie', label: 'Inschrijving', description: 'Wij schrijven uw kind in.\n\nDat is nodig.', specialCategory: false },
  { id: 'contact-ouder', label: 'Contact', description: 'Wij mogen u bellen.', specialCategory: false },
  { id: 'medische-gegevens', label: 'Medische informatie', description: 'Allergie of medicijnen.', specialCategory: true },
];

function signModel(lang: UiLanguage, extra: Record<string, unknown> = {}) {
  return {
    lang,
    otherLang: lang === 'nl' ? 'en' : 'nl',
    langSwitchUrl: `?lang=${lang === 'nl' ? 'en' : 'nl'}`,
    organisationName: 'Jongerenwerk De Brug',
    title: 'Toestemming voor activiteiten',
    intro: 'Uw kind wil meedoen.',
    sections: [{ heading: 'Wat wij vastleggen', body: 'Eerste alinea.\n\nTweede alinea.' }],
    purposes,
    signerRole: 'guardian',
    declaration: 'Ik verklaar dat ik het ouderlijk gezag heb over Sam.',
    subjectFirstName: 'Sam',
    signerName: 'Ans de Vries',
    expiresAt: new Date('2026-12-31T23:00:00Z'),
    formAction: '/c/tok123',
    csrfToken: 'csrf-value',
    errors: undefined,
    ...extra,
  };
}

function doneModel(lang: UiLanguage, outcome: 'signed' | 'declined' | 'withdrawn') {
  return {
    lang,
    otherLang: lang === 'nl' ? 'en' : 'nl',
    langSwitchUrl: '?lang=en',
    organisationName: 'Jongerenwerk De Brug',
    title: 'Toestemming voor activiteiten',
    outcome,
    decisions: [
      { label: 'Inschrijving', granted: true },
      { label: 'Contact', granted: false },
    ],
    signerName: 'Ans de Vries',
    decidedAt: new Date('2026-03-02T14:05:00Z'),
    documentUrl: '/c/tok123/document',
  };
}

const outbox = {
  lang: 'en',
  messages: [
    { id: 'msg_1', channel: 'sms', to: '+31612345678', subject: null, body: 'old', link: 'http://localhost:3000/c/old', createdAt: '2026-03-01T10:00:00.000Z' },
    { id: 'msg_2', channel: 'email', to: 'ans@example.org', subject: 'Subject', body: 'new', link: 'http://localhost:3000/c/new', createdAt: '2026-03-02T10:00:00.000Z' },
  ],
};

/**
 * Test models of the dashboard's pages: one file per area in test/helpers/view-models/, each
 * exporting `models: Record<page, (lang) => object[]>` (so areas grow apart without touching this file).
 */
const VIEW_MODELS_DIR = join(__dirname, '..', 'helpers', 'view-models');
const AREA_MODELS: Record<string, (lang: UiLanguage) => object[]> = Object.assign(
  {},
  ...readdirSync(VIEW_MODELS_DIR)
    .filter((f) => f.endsWith('.ts'))
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    .map((f) => (require(join(VIEW_MODELS_DIR, f)) as { models: Record<string, (lang: UiLanguage) => object[]> }).models),
);

/** Every page template with the models it is rendered with; a new page without models fails the CSP test. */
function modelsFor(page: string, lang: UiLanguage): object[] {
  const area = AREA_MODELS[page];
  if (area) return area(lang);
  switch (page) {
    case 'sign':
      return [
        signModel(lang),
        signModel(lang, { signerRole: 'participant', errors: [{ field: 'form', key: 'errors.csrf' }, { field: 'purpose_registratie', key: 'errors.purposeMissing' }, { field: 'declaration', message: 'Zet een vinkje.' }, { field: 'signerName', key: 'errors.nameMissing' }] }),
      ];
    case 'done':
      return [
        doneModel(lang, 'signed'),
        doneModel(lang, 'declined'),
        doneModel(lang, 'withdrawn'),
        { ...doneModel(lang, 'signed'), documentUrl: null, decidedAt: null, signerName: null },
        { ...doneModel(lang, 'signed'), receiptUrl: '/c/x/receipt', errors: [{ field: 'withdraw', message: 'Kies eerst.' }], withdraw: { action: '/c/x/withdraw', csrfToken: 'c'.repeat(43), purposes: [{ id: 'registratie', label: 'Inschrijving' }] } },
      ];
    case 'verify': {
      const result = { authentic: true, sha256: 'ab'.repeat(32), record: { requestId: 'cr_1', kind: 'consent-pdf', formId: 'beeldmateriaal', formVersion: '0123456789abcdef', recordedAt: '2026-11-22T10:00:00.000Z' }, seal: { sealed: true, intact: true, byOurKey: true, signer: 'CN=x', signedAt: null, timestamped: false, problem: null } };
      const base = { lang, action: '/verify', csrfToken: 'c'.repeat(43), error: null };
      const stamped = { ...result, seal: { ...result.seal, timestamped: true, timestamp: { time: '2026-11-22T10:00:07.000Z', authority: { name: 'Fake TSA', organization: null, subject: 'CN=Fake TSA' } }, timestampProblem: null } };
      const badStamp = { ...result, seal: { ...result.seal, timestamp: null, timestampProblem: 'the TSA signature does not verify' } };
      return [{ ...base, result: null }, { ...base, result }, { ...base, result: { ...result, authentic: false, seal: { ...result.seal, intact: false } } }, { ...base, result: stamped }, { ...base, result: badStamp }, { ...base, result: null, error: 'Dit bestand is geen PDF.' }];
    }
    case 'decline-confirm': {
      const org = { organisation: { name: 'Jongerenwerk De Brug', logoUrl: null, phone: null, email: null, website: null, privacyStatementUrl: null, dpoContact: null, hasContact: false }, organisationName: 'Jongerenwerk De Brug' };
      const base = { lang, ...org, title: 'Toestemming', formAction: '/c/tok123', csrfToken: 'c'.repeat(43), purposes: [{ id: 'registratie', label: 'Inschrijving', whenNo: 'Dan kunnen wij uw kind niet inschrijven.' }, { id: 'contact', label: 'Contact', whenNo: null }] };
      return [{ ...base, signerRole: 'guardian', kept: [] }, { ...base, signerRole: 'participant', kept: [{ name: 'purpose_registratie', value: 'yes' }, { name: 'signerName', value: 'Noor "B" <x>' }] }];
    }
    case 'withdraw-confirm': {
      const org = { organisation: { name: 'Jongerenwerk De Brug', logoUrl: '/o/org_1/logo-0123456789abcdef.png', phone: { href: 'tel:+31201234567', text: '020 123 4567' }, email: null, website: null, privacyStatementUrl: 'https://example.nl/privacy', dpoContact: null, hasContact: true }, organisationName: 'Jongerenwerk De Brug' };
      return [{ lang, ...org, signerRole: 'guardian', title: 'Toestemming', action: '/c/tok123/withdraw', backUrl: '/c/tok123', csrfToken: 'c'.repeat(43), purposes: [{ id: 'registratie', label: 'Inschrijving', whenNo: null }] }];
    }
    case 'role-changed':
      return [{ lang, subjectFirstName: 'Sam', organisationName: 'Jongerenwerk Noord', title: '' }, { lang, subjectFirstName: 'Sam', organisationName: '', title: '' }];
    case 'link-gone':
      return [{ lang, reason: 'expired' }, { lang, reason: 'cancelled' }, { lang, reason: 'cancelled', organisationName: 'Jongerenwerk De Brug', organisation: { name: 'Jongerenwerk De Brug', logoUrl: null, phone: null, email: null, website: null, privacyStatementUrl: null, dpoContact: null, hasContact: false }, signerRole: 'participant' }, { lang, reason: 'unknown', title: '' }];
    case 'error':
      return [{ lang, status: 404 }, { lang, status: 429 }, { lang, status: 429, retryAfter: 1 }, { lang, status: 429, retryAfter: 42 }, { lang, status: 500 }, { lang, status: 500, requestId: 'req-1234abcd' }, { lang, status: 403 }];
    case 'home':
      return [{ lang, otherLang: lang === 'nl' ? 'en' : 'nl', langSwitchUrl: '/?lang=en' }];
    case 'dev-outbox':
      return [outbox, { lang: 'en', messages: [] }];
    default:
      throw new Error(`no test model for page ${page}: add one to modelsFor()`);
  }
}

const PAGES = readdirSync(join(TEMPLATES, 'pages'))
  .filter((f) => f.endsWith('.hbs'))
  .map((f) => basename(f, '.hbs'));

const radios = (html: string) => [...html.matchAll(/<input[^>]*type="radio"[^>]*>/g)].map((m) => m[0]);

describe('signing page', () => {
  it.each(UI_LANGUAGES)('when rendered in %s, then every purpose has a yes/no radio pair and none is checked', (lang) => {
    const html = views.render('sign', signModel(lang));
    expect(html).toContain(`<html lang="${lang}">`);
    for (const p of purposes) {
      const pair = radios(html).filter((r) => r.includes(`name="purpose_${p.id}"`));
      expect(pair).toHaveLength(2);
      expect(pair.some((r) => r.includes('value="yes"'))).toBe(true);
      expect(pair.some((r) => r.includes('value="no"'))).toBe(true);
      expect(html).toContain(`<legend class="purpose__label">${p.label}</legend>`);
    }
    expect(radios(html).filter((r) => /\schecked\b/.test(r))).toEqual([]);
  });

  it('when rendered in nl and en, then the visible texts differ and the language switch points to the other language', () => {
    const nl = views.render('sign', signModel('nl'));
    const en = views.render('sign', signModel('en'));
    expect(nl).toContain('Ondertekenen en versturen');
    expect(en).toContain('Sign and send');
    expect(nl).toContain('hreflang="en">English</a>');
    expect(en).toContain('hreflang="nl">Nederlands</a>');
  });

  it('when a purpose has a value, then only that radio is checked', () => {
    const html = views.render('sign', signModel('nl', { purposes: [{ ...purposes[0]!, value: 'no' }, purposes[1]] }));
    const checked = radios(html).filter((r) => /\schecked\b/.test(r));
    expect(checked).toHaveLength(1);
    expect(checked[0]).toContain('name="purpose_registratie"');
    expect(checked[0]).toContain('value="no"');
  });

  it('when rendered, then it posts the agreed fields to formAction', () => {
    const html = views.render('sign', signModel('nl'));
    expect(html).toMatch(/<form[^>]*method="post"[^>]*action="\/c\/tok123"[^>]*novalidate/);
    expect(html).toContain('<input type="hidden" name="_csrf" value="csrf-value">');
    // novalidate: the server lists every missing answer at once, so no field is `required` to the browser.
    expect(html).toMatch(/<input[^>]*type="checkbox"[^>]*name="declaration"[^>]*value="yes"/);
    expect(html).not.toMatch(/\srequired\b/);
    expect(html).toMatch(/<input[^>]*name="signerName"[^>]*value="Ans de Vries"[^>]*autocomplete="name"/);
    expect(html).toContain('<input type="hidden" name="signatureData" value="">');
    expect(html).toMatch(/<button[^>]*type="submit" name="action" value="sign"/);
    expect(html).toMatch(/<button[^>]*type="submit" name="action" value="review-decline"/);
    expect(html).toMatch(/<script src="\/static\/signature-pad\.[0-9a-f]{12}\.js" defer><\/script>/);
  });

  it('when JavaScript is off, then the drawing area is hidden and the typed name is the signature', () => {
    const html = views.render('sign', signModel('nl'));
    expect(html).toMatch(/<div class="signature" data-signature hidden>/);
    expect(html).toContain('Uw getypte naam geldt als uw handtekening.');
  });

  it('when a purpose is special category data, then it says the Yes is explicit consent', () => {
    const html = views.render('sign', signModel('nl'));
    const special = html.slice(html.indexOf('id="field-purpose_medische-gegevens"'));
    expect(special.slice(0, special.indexOf('</fieldset>'))).toContain('uitdrukkelijk toestemming');
    const plain = html.slice(html.indexOf('id="field-purpose_registratie"'));
    expect(plain.slice(0, plain.indexOf('</fieldset>'))).not.toContain('uitdrukkelijk');
  });

  it('when there are errors, then they are listed at the top with role=alert and next to their fields', () => {
    const html = views.render('sign', signModel('nl', { errors: [{ field: 'form', key: 'errors.csrf' }, { field: 'purpose_contact-ouder', message: 'Kies Ja of Nee.' }, { field: 'signerName', key: 'errors.nameMissing' }] }));
    const summary = html.slice(html.indexOf('role="alert"'), html.indexOf('</div>', html.indexOf('role="alert"')));
    expect(html.indexOf('role="alert"')).toBeLessThan(html.indexOf('<h1'));
    expect(summary).toContain('De pagina was te lang open.');
    expect(summary).toContain('<a href="#purpose_contact-ouder-yes">Contact: Kies Ja of Nee.</a>');
    expect(summary).toContain('<a href="#signerName">Uw voor- en achternaam: Vul uw naam in.</a>');
    expect(html).toContain('id="error-purpose_contact-ouder"');
    expect(html).toMatch(/<input[^>]*name="signerName"[^>]*aria-describedby="typed-signature error-signerName"[^>]*aria-invalid="true"/);
    expect(html).not.toContain('id="error-purpose_registratie"');
  });

  it('when form texts contain blank lines or markup, then they become escaped paragraphs', () => {
    const html = views.render('sign', signModel('nl', { sections: [{ heading: 'Kop', body: 'Een <b>vet</b>\n\n  Twee & drie  \n\n\n' }] }));
    expect(html).toContain('<p>Een &lt;b&gt;vet&lt;/b&gt;</p>\n<p>Twee &amp; drie</p>');
  });

  it('when the link expires at midnight in Amsterdam, then the page shows 23:59 of the day before', () => {
    expect(views.render('sign', signModel('nl'))).toContain('tot 31 december 2026 om 23:59');
    expect(views.render('sign', signModel('en', { expiresAt: new Date('2026-06-30T10:30:00Z') }))).toContain('until 30 June 2026 at 12:30');
  });

  it.each(UI_LANGUAGES)('when the page is rendered in %s, then it shows the expiry exactly as the SMS and e-mail do', (lang) => {
    for (const expiresAt of [new Date('2026-12-31T23:00:00Z'), new Date('2026-06-30T22:00:00Z'), new Date('2026-06-30T10:30:00Z')]) {
      expect(views.render('sign', signModel(lang, { expiresAt }))).toContain(formatExpiry(expiresAt, lang));
    }
  });
});

describe('other pages', () => {
  it('when a request was signed, then the page shows the choices as Ja/Nee, the time in Amsterdam, the PDF and the withdraw note', () => {
    const html = views.render('done', doneModel('nl', 'signed'));
    expect(html).toContain('Bedankt. Uw keuzes zijn opgeslagen.');
    expect(html).toContain('Ondertekend op 2 maart 2026 om 15:05.');
    expect(html).toMatch(/Inschrijving<\/span>\s*<span class="badge badge--yes">Ja<\/span>/);
    expect(html).toMatch(/Contact<\/span>\s*<span class="badge badge--no">Nee<\/span>/);
    expect(html).toContain('href="/c/tok123/document"');
    expect(html).toContain('via deze zelfde link');
    expect(html).toContain('<title>Bedankt. Uw keuzes zijn opgeslagen. · Jongerenwerk De Brug</title>');
  });

  it('when a link is unknown, then the page does not say whether it existed and names no organisation', () => {
    const html = views.render('link-gone', { lang: 'nl', reason: 'unknown', title: '' });
    expect(html).toContain('Deze link werkt niet (meer)');
    expect(html).toContain('Neem contact op met de organisatie');
    expect(html).not.toMatch(/verlopen|ingetrokken|stopgezet/);
  });

  it('when the dev outbox has messages, then the newest is first and links are clickable', () => {
    const html = views.render('dev-outbox', outbox);
    expect(html.indexOf('msg_2')).toBeLessThan(html.indexOf('msg_1'));
    expect(html).toContain('<a class="outbox-item__link" href="http://localhost:3000/c/new">');
  });

  it('when a model sets layout: false, then only the page is rendered', () => {
    const html = views.render('error', { lang: 'nl', status: 404, layout: false });
    expect(html).not.toContain('<html');
    expect(html).toContain('Deze pagina bestaat niet');
  });
});

describe('content security policy', () => {
  const inline = [
    { name: 'inline <script>', pattern: /<script(?![^>]*\ssrc=)[^>]*>/i },
    { name: 'script with a body', pattern: /<script[^>]*>\s*[^<\s]/i },
    { name: '<style> block', pattern: /<style[\s>]/i },
    { name: 'style attribute', pattern: /<[a-z][^>]*\sstyle\s*=/i },
    { name: 'on* handler', pattern: /<[a-z][^>]*\son[a-z]+\s*=/i },
    { name: 'javascript: URL', pattern: /javascript:/i },
    { name: 'external script or style', pattern: /<(script|link)[^>]*(src|href)="(https?:)?\/\//i },
  ];

  it('when the pages are listed, then each has test models', () => {
    expect(PAGES.filter((p) => !AREA_MODELS[p]).sort()).toEqual(['decline-confirm', 'dev-outbox', 'done', 'error', 'home', 'link-gone', 'role-changed', 'sign', 'verify', 'withdraw-confirm']);
  });

  for (const page of PAGES) {
    it.each(UI_LANGUAGES)(`when ${page} is rendered in %s, then it has no inline script, style or event handler`, (lang) => {
      for (const model of modelsFor(page, lang)) {
        const html = views.render(page, model);
        for (const rule of inline) expect({ rule: rule.name, found: html.match(rule.pattern)?.[0] ?? null }).toEqual({ rule: rule.name, found: null });
      }
    });
  }
});

describe('UI strings', () => {
  it('when t is given an unknown key, then rendering throws', () => {
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-views-'));
    try {
      for (const sub of ['i18n', 'layouts', 'pages']) mkdirSync(join(dir, sub));
      writeFileSync(join(dir, 'i18n', 'nl.json'), JSON.stringify({ hello: 'Hallo {name}' }));
      writeFileSync(join(dir, 'i18n', 'en.json'), JSON.stringify({ hello: 'Hello {name}' }));
      writeFileSync(join(dir, 'layouts', 'main.hbs'), '{{{body}}}');
      writeFileSync(join(dir, 'pages', 'ok.hbs'), '{{t "hello" name=who}}');
      writeFileSync(join(dir, 'pages', 'typo.hbs'), '{{t "helo"}}');
      const local = createViews(dir);
      expect(local.render('ok', { lang: 'en', who: 'Sam' })).toBe('Hello Sam');
      expect(() => local.render('typo', { lang: 'nl' })).toThrow(/unknown UI string "helo"/);
      expect(() => local.render('ok', { lang: 'nl' })).toThrow(/\{name\}/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when translate is given an unknown key, then it throws', () => {
    expect(views.translate('nl', 'errors.purposeMissing')).toBe('Kies Ja of Nee.');
    expect(() => views.translate('en', 'errors.doesNotExist')).toThrow(/unknown UI string/);
  });

  it('when nl.json and en.json are compared, then every key exists in both, for both forms of address', () => {
    const strings = loadUiStrings(TEMPLATES);
    // A key may be one text or one per form of address (`key.u` / `key.je`): both must resolve in both languages.
    const base = (k: string) => k.replace(/\.(u|je)$/, '');
    const keys = new Set([...strings.nl.keys(), ...strings.en.keys()].map(base));
    for (const key of keys) {
      for (const lang of UI_LANGUAGES) {
        for (const role of ['guardian', 'participant']) expect(() => views.translate(lang, key, new Proxy({}, { get: () => 'x' }), role)).not.toThrow();
      }
    }
    for (const lang of UI_LANGUAGES) {
      for (const k of strings[lang].keys()) {
        if (k.endsWith('.u')) expect(strings[lang].has(`${base(k)}.je`)).toBe(true);
        if (k.endsWith('.je')) expect(strings[lang].has(`${base(k)}.u`)).toBe(true);
      }
    }
    expect(keys.size).toBeGreaterThan(20);
  });

  it('when the sign feature reports field problems, then each of its keys has a text', () => {
    for (const key of ['errors.purposeMissing', 'errors.declarationMissing', 'errors.nameMissing', 'errors.nameTooLong', 'errors.nameInvalid', 'errors.csrf', 'errors.actionMissing']) {
      for (const lang of UI_LANGUAGES) expect(views.translate(lang, key).length).toBeGreaterThan(5);
    }
  });
});

describe('hard words get plain words next to them (B1)', () => {
  it('when a guardian signs, then "ouderlijk gezag" is explained beside the declaration; a participant does not see it', () => {
    const guardian = views.render('sign', signModel('nl'));
    expect(guardian).toContain('<p class="hint" id="parental-authority">Ouderlijk gezag betekent: u mag als ouder wettelijk beslissen over uw kind.');
    expect(guardian).toMatch(/<input[^>]*id="declaration"[^>]*aria-describedby="parental-authority "/);
    expect(views.render('sign', signModel('en'))).toContain('Parental authority means you are legally allowed to make decisions for your child');
    expect(views.render('sign', signModel('nl', { signerRole: 'participant' }))).not.toContain('parental-authority');
  });

  it('when a purpose is special category data, then "uitdrukkelijk toestemming" is said in plain words', () => {
    expect(views.render('sign', signModel('nl'))).toContain('Dat betekent: u zegt apart en heel duidelijk Ja tegen het gebruik van deze gevoelige gegevens.');
  });

  it.each(UI_LANGUAGES)('when /verify shows a result in %s, then seal, time-stamp and SHA-256 have plain words beside them', (lang) => {
    const [, withResult] = modelsFor('verify', lang) as object[];
    const html = views.render('verify', withResult!);
    const words = lang === 'nl' ? ['Zegel (digitale verzegeling)', 'Tijdstempel (bewijs van het tijdstip)', 'Vingerafdruk van het bestand (SHA-256)', 'Wat betekenen deze woorden?'] : ['Seal (digital sealing)', 'Time-stamp (proof of the time)', 'Fingerprint of the file (SHA-256)', 'What do these words mean?'];
    for (const word of words) expect(html).toContain(word);
  });
});

describe('English reads as a native writer would', () => {
  it('when the English UI strings are read, then none asks "Do you not…" or "Did you not…"', () => {
    const strings = loadUiStrings(TEMPLATES);
    const awkward = [...strings.en.entries()].filter(([, text]) => /\b(do|did|does) you not\b/i.test(text)).map(([key]) => key);
    expect(awkward).toEqual([]);
  });
});
