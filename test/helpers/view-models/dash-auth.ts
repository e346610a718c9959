import type { UiLanguage } from '../../../src/http/views';

/** Test models of D1's dashboard pages (sign-in, set-up, account, administration) for test/http/views.test.ts. */
const staff = (role: 'admin' | 'youth-worker') => ({ userId: 'usr_1', organisationId: 'org_1', role, email: 'jan@example.nl', language: 'nl', csrfToken: 'c'.repeat(43) });
const base = (lang: UiLanguage) => ({ layout: 'dashboard', lang, otherLang: lang === 'nl' ? 'en' : 'nl', langSwitchUrl: '/app/sign-in?lang=en' });
const signedIn = (lang: UiLanguage, role: 'admin' | 'youth-worker' = 'admin') => ({ ...base(lang), staff: staff(role), organisationName: 'Jongerenwerk De Brug', nav: 'admin' });
const QR = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 37 37" shape-rendering="crispEdges"><path fill="#ffffff" d="M0 0h37v37H0z"/></svg>';

export const models: Record<string, (lang: UiLanguage) => object[]> = {
  'dash-sign-in': (lang) => [
    { ...base(lang), csrf: 'c'.repeat(43) },
    { ...base(lang), csrf: 'c'.repeat(43), notice: 'signedOut' },
    { ...base(lang), csrf: 'c'.repeat(43), email: 'jan@example.nl', errors: [{ field: 'email', message: 'Het e-mailadres of het wachtwoord klopt niet.' }] },
  ],
  'dash-sign-in-code': (lang) => [{ ...base(lang), csrf: 'c'.repeat(43) }, { ...base(lang), csrf: 'c'.repeat(43), errors: [{ field: 'code', message: 'Deze code klopt niet.' }] }],
  'dash-setup': (lang) => [
    { ...base(lang), csrf: 'c'.repeat(43), token: 't'.repeat(43), email: 'jan@example.nl' },
    { ...base(lang), csrf: 'c'.repeat(43), token: 't'.repeat(43), email: 'jan@example.nl', errors: [{ field: 'password', key: 'dash.auth.setup.common' }] },
  ],
  'dash-link-gone': (lang) => [base(lang)],
  'dash-enrol': (lang) => [
    { ...base(lang), csrf: 'c'.repeat(43), qrSvg: QR, groupedSecret: 'ABCD EFGH IJKL MNOP' },
    { ...base(lang), csrf: 'c'.repeat(43), qrSvg: QR, groupedSecret: 'ABCD EFGH IJKL MNOP', errors: [{ field: 'code', key: 'dash.auth.enrol.wrong' }] },
  ],
  'dash-recovery-codes': (lang) => [{ ...base(lang), codes: ['abcd-efgh-jkmn-pqrs', 'stuv-wxyz-2345-6789'] }],
  'dash-account': (lang) => [{ ...signedIn(lang, 'youth-worker'), recoveryLeft: 9 }],
};
