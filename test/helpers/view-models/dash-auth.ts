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
  'dash-admin': (lang) => [signedIn(lang)],
  'dash-admin-colleagues': (lang) => {
    const colleagues = [
      { id: 'usr_1', email: 'jan@example.nl', role: 'admin', state: 'active', createdAt: new Date('2026-11-01T10:00:00Z'), isSelf: true },
      { id: 'usr_2', email: 'fatima@example.nl', role: 'youth-worker', state: 'invited', createdAt: new Date('2026-11-02T10:00:00Z'), isSelf: false },
    ];
    return [
      { ...signedIn(lang), colleagues, form: { email: '', role: 'youth-worker' } },
      { ...signedIn(lang), colleagues, form: { email: '', role: 'youth-worker' }, notice: 'removed', invited: { email: 'fatima@example.nl', role: 'youth-worker', link: `http://127.0.0.1:3000/app/setup/${'t'.repeat(43)}`, expiresAt: new Date('2026-11-25T10:00:00Z') } },
      { ...signedIn(lang), colleagues, form: { email: 'x', role: 'admin' }, errors: [{ field: 'email', key: 'dash.admin.colleagues.emailInvalid' }, { field: 'colleagues', key: 'dash.admin.colleagues.lastAdmin' }] },
    ];
  },
  'dash-admin-remove': (lang) => [{ ...signedIn(lang), colleague: { id: 'usr_2', email: 'fatima@example.nl', role: 'youth-worker', state: 'active' } }],
  'dash-admin-api-keys': (lang) => {
    const keys = [
      { id: 'key_1', name: 'first key', fingerprint: '0a1b2c3d', createdAt: new Date('2026-11-01T10:00:00Z'), revokedAt: null },
      { id: 'key_2', name: 'old', fingerprint: '9f8e7d6c', createdAt: new Date('2026-10-01T10:00:00Z'), revokedAt: new Date('2026-11-01T10:00:00Z') },
    ];
    return [
      { ...signedIn(lang), keys, form: { name: '' } },
      { ...signedIn(lang), keys: [], form: { name: '' }, notice: 'revoked', created: { key: keys[0], secret: `ak_live_${'s'.repeat(32)}` } },
      { ...signedIn(lang), keys, form: { name: '' }, errors: [{ field: 'name', key: 'dash.admin.keys.nameInvalid' }] },
    ];
  },
  'dash-admin-settings': (lang) => {
    const values = { name: 'Jongerenwerk De Brug', contactPhone: '+31201234567', contactEmail: '', website: 'https://debrug.example.nl/', privacyStatementUrl: '', dpoContact: '', smsSenderName: 'De Brug', emailSenderName: '', emailReplyTo: '', defaultLanguage: 'nl', reminderAfterDays: '3', expiryDays: '' };
    return [
      { ...signedIn(lang), values, logoUrl: null, logoMaxKb: 200 },
      { ...signedIn(lang), values, logoUrl: '/o/org_1/logo-0123456789abcdef.png', logoMaxKb: 200, notice: 'saved', errors: [{ field: 'website', key: 'dash.admin.settings.invalid.website' }] },
    ];
  },
};
