import type { UiLanguage } from '../../../src/http/views';

/** Test models of D3's dashboard pages (many at once) for test/http/views.test.ts. */
const staff = { userId: 'usr_1', organisationId: 'org_1', role: 'youth-worker', email: 'jan@example.nl', language: 'nl', csrfToken: 'c'.repeat(43) };
const base = (lang: UiLanguage) => ({ layout: 'dashboard', lang, staff: { ...staff, language: lang }, organisationName: 'Jongerenwerk De Brug', nav: 'bulk', otherLang: lang === 'nl' ? 'en' : 'nl', langSwitchUrl: '/app/bulk?lang=en' });
const batch = { id: 'bat_000000001abc', activity: 'Zomerkamp 2027', formId: 'activiteit-onder-16', state: 'preview', createdAt: new Date('2026-11-22T10:00:00Z') };

export const models: Record<string, (lang: UiLanguage) => object[]> = {
  bulk: (lang) => [
    { ...base(lang), forms: [{ id: 'activiteit-onder-16', title: 'Activiteit', selected: false }], activity: '', list: '', batches: [] },
    { ...base(lang), forms: [{ id: 'activiteit-onder-16', title: 'Activiteit', selected: true }], activity: 'Zomerkamp', list: 'voornaam\nSam', batches: [batch], errors: [{ field: 'list', message: 'Deze kolommen ontbreken: referentie.' }] },
  ],
  'bulk-preview': (lang) => [
    {
      ...base(lang),
      batch,
      formTitle: 'Activiteit',
      counts: { rows: 2, ready: 1, skipped: 1 },
      rows: [
        { line: 2, name: 'Sam de Vries', reference: 'REG-1', ok: true, receives: 'Ouder: Ans de Vries', channel: 'sms', maskedAddress: '+316••••5678', problems: [] },
        { line: 3, name: 'Noor', reference: '', ok: false, problems: [{ hint: 'Controleer de referentie.', message: 'Too small' }] },
      ],
    },
    { ...base(lang), batch, formTitle: 'Activiteit', counts: { rows: 1, ready: 0, skipped: 1 }, rows: [], errors: [{ field: 'batch', message: 'Geen enkele regel kan verstuurd worden.' }] },
  ],
  'bulk-progress': (lang) => [
    { ...base(lang), batch: { ...batch, state: 'sending' }, progress: { total: 50, done: 20, failed: 0, percent: 40 }, finished: false },
    { ...base(lang), batch: { ...batch, state: 'done' }, progress: { total: 50, done: 50, failed: 1, percent: 100 }, finished: true },
  ],
  'bulk-overview': (lang) => [
    {
      ...base(lang),
      batch,
      purposes: [{ id: 'registratie', label: 'Registratie' }],
      people: [{ name: 'Sam de Vries', reference: 'REG-1', requestId: 'cr_1', status: 'Getekend', answers: [{ answer: 'yes', text: 'Ja' }] }],
      totals: [{ purposeId: 'registratie', yes: 1, no: 0, waiting: 0 }],
    },
  ],
};
