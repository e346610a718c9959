import type { UiLanguage } from '../../../src/http/views';

/** Test models of H4's dashboard page (lapsing soon, issue 12) for test/http/views.test.ts. */
const staff = { userId: 'usr_1', organisationId: 'org_1', role: 'youth-worker', email: 'jan@example.nl', language: 'nl', csrfToken: 'c'.repeat(43) };
const base = (lang: UiLanguage) => ({ layout: 'dashboard', lang, staff: { ...staff, language: lang }, organisationName: 'Jongerenwerk De Brug', nav: 'lapsing', otherLang: lang === 'nl' ? 'en' : 'nl', langSwitchUrl: '/app/lapsing?lang=en' });

export const models: Record<string, (lang: UiLanguage) => object[]> = {
  'lifecycle-lapsing': (lang) => [
    {
      ...base(lang),
      windowDays: 30,
      truncated: true,
      lapsing: [
        { requestId: 'cr_1', formId: 'inloop-16-plus', reference: 'REG-1', name: 'Noor Bakker', lastDay: new Date('2027-11-22T22:59:59.999Z'), renewalKey: 'lifecycle.renewal.sent', renewalRequestId: 'cr_2' },
        { requestId: 'cr_3', formId: 'activiteit-onder-16', reference: 'REG-2', name: 'Sam de Vries', lastDay: new Date('2027-11-30T22:59:59.999Z'), renewalKey: 'lifecycle.renewal.no-contact', renewalRequestId: null },
      ],
      turning: [
        { requestId: 'cr_3', reference: 'REG-2', name: 'Sam de Vries', turns16OnDate: new Date('2027-12-10T12:00:00Z'), stateKey: 'lifecycle.turning.not-yet', youngRequestId: null },
        { requestId: 'cr_4', reference: 'REG-3', name: 'Daan', turns16OnDate: new Date('2027-11-20T12:00:00Z'), stateKey: 'lifecycle.turning.sent', youngRequestId: 'cr_5' },
      ],
    },
    { ...base(lang), windowDays: 30, truncated: false, lapsing: [], turning: [] },
  ],
};
