import type { UiLanguage } from '../../../src/http/views';

/** Test models of the one-time code step (issue 12, verify-code.hbs) for test/http/views.test.ts. */
const org = { organisation: { name: 'Jongerenwerk De Brug', logoUrl: null, phone: null, email: null, website: null, privacyStatementUrl: null, dpoContact: null, hasContact: false }, organisationName: 'Jongerenwerk De Brug' };
const base = (lang: UiLanguage, signerRole: 'guardian' | 'participant') => ({
  lang,
  otherLang: lang === 'nl' ? 'en' : 'nl',
  langSwitchForm: { form: 'code-lang-form', action: '/c/tok123?lang=en', value: 'code-lang' },
  ...org,
  signerRole,
  title: 'Toestemming',
  channel: 'sms',
  maskedAddress: '+316••••5678',
  notice: 'sent',
  validMinutes: 10,
  kept: [{ name: 'purpose_medische-gegevens', value: 'yes' }, { name: 'explicit_medische-gegevens', value: 'yes' }, { name: 'signerName', value: 'Ans "A" <x>' }],
  formAction: '/c/tok123',
  csrfToken: 'c'.repeat(43),
});

export const models: Record<string, (lang: UiLanguage) => object[]> = {
  'verify-code': (lang) => [
    base(lang, 'guardian'),
    { ...base(lang, 'participant'), channel: 'email', maskedAddress: 'n••••@example.nl', notice: 'resent' },
    { ...base(lang, 'guardian'), notice: null, errors: [{ field: 'code', message: 'Deze code klopt niet. U kunt het nog 4 keer proberen.' }] },
  ],
};
