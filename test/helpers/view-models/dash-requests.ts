import type { UiLanguage } from '../../../src/http/views';

/** Test models of D2's dashboard pages (overview, new request, request detail, access log) for test/http/views.test.ts. */
const staff = (role: 'admin' | 'youth-worker', lang: UiLanguage) => ({ userId: 'usr_1', organisationId: 'org_1', role, email: 'jan@example.nl', language: lang, csrfToken: 'c'.repeat(43) });
const base = (lang: UiLanguage, nav: string, role: 'admin' | 'youth-worker' = 'youth-worker') => ({
  layout: 'dashboard', lang, otherLang: lang === 'nl' ? 'en' : 'nl', langSwitchUrl: `/app?lang=${lang === 'nl' ? 'en' : 'nl'}`, staff: staff(role, lang), organisationName: 'Jongerenwerk De Brug', nav,
});
const at = new Date('2026-11-22T10:00:00Z');
const row = { id: 'cr_1', reference: 'REG-1042', name: 'Sam de Vries', formTitle: 'Toestemming activiteiten', status: 'signed', channel: 'sms', createdAt: at };
const forms = [{ id: 'activiteit-onder-16', title: 'Activiteiten', selected: false }];
const statuses = ['pending', 'signed'].map((value) => ({ value, selected: false }));
const values = { formId: '', firstName: 'Lotte', lastName: '', dateOfBirth: '2015-02-03', reference: 'REG-9', recipientName: '', channel: 'sms', address: '06 12345678', language: 'nl' };
const detail = {
  r: { id: 'cr_1', name: 'Sam de Vries', reference: 'REG-1042', status: 'sent', formTitle: 'Activiteiten', signerRole: 'guardian', recipientName: 'Ans de Vries', channel: 'sms', maskedAddress: '+316••••5678', expiresAt: at, reminderCount: 0, reminderMax: 2 },
  can: { remind: true, cancel: true, paper: true },
  events: [{ at, atIso: at.toISOString(), type: 'created', labelKey: 'dash.requests.events.created', actorKey: 'dash.requests.actors.api' }, { at, atIso: at.toISOString(), type: 'odd', labelKey: 'dash.requests.events.other', actorKey: 'dash.requests.actors.you' }],
  documents: [{ id: 'doc_1', kindKey: 'dash.requests.detail.documentKind.consent-pdf', version: 1, createdAt: at }],
  purposes: [{ id: 'registratie', label: 'Inschrijving', value: '' }],
  paper: { signedBy: '', signedOn: '', purposes: {} },
};

export const models: Record<string, (lang: UiLanguage) => object[]> = {
  'dash-overview': (lang) => [
    { ...base(lang, 'overview'), rows: [row], forms, statuses, query: { q: '', from: '', to: '' }, filtered: false, nextUrl: '/app?after=cr_1', firstUrl: null },
    { ...base(lang, 'overview'), rows: [], forms, statuses, query: { q: 'x', from: '2026-13-01', to: '' }, filtered: true, nextUrl: null, firstUrl: '/app', errors: [{ field: 'from', key: 'dash.requests.overview.errors.from', labelKey: 'dash.requests.overview.from' }] },
    { ...base(lang, 'overview'), rows: [], forms, statuses, query: { q: '', from: '', to: '' }, filtered: false, nextUrl: null, firstUrl: null },
  ],
  'dash-request-new': (lang) => [
    { ...base(lang, 'new'), forms, values, recipientNote: '' },
    { ...base(lang, 'new'), forms, values, recipientNote: 'Dit verzoek gaat naar de ouder of verzorger.', errors: [{ field: 'formId', key: 'dash.requests.new.errors.formId', labelKey: 'dash.requests.new.form' }, { field: '', key: 'dash.requests.new.errors.other' }] },
  ],
  'dash-request-detail': (lang) => [
    { ...base(lang, 'overview'), ...detail, notice: 'dash.requests.detail.created' },
    { ...base(lang, 'overview'), ...detail, problem: 'dash.requests.detail.conflict', errors: [{ field: 'purpose_registratie', key: 'dash.requests.detail.errors.purpose', label: 'Inschrijving' }] },
    { ...base(lang, 'overview'), ...detail, can: { remind: false, cancel: false, paper: false }, documents: [] },
  ],
  'dash-access-log': (lang) => [
    { ...base(lang, 'admin', 'admin'), entries: [{ at, atIso: at.toISOString(), userId: 'usr_1', action: 'request.view', actionKey: 'dash.access.actions.request.view', requestId: 'cr_1', detail: null }, { at, atIso: at.toISOString(), userId: 'usr_1', action: 'bulk.export', actionKey: 'dash.access.actions.other', requestId: null, detail: 'rows=3' }], nextUrl: '/app/admin/access-log?after=3', firstUrl: null },
    { ...base(lang, 'admin', 'admin'), entries: [], nextUrl: null, firstUrl: null },
  ],
};
