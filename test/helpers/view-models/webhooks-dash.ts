import type { UiLanguage } from '../../../src/http/views';

/** Test models of the dashboard's webhook pages (issue 13, H2) for test/http/views.test.ts. */
const staff = { userId: 'usr_1', organisationId: 'org_1', role: 'admin', email: 'sanne@example.nl', language: 'nl', csrfToken: 'c'.repeat(43) };
const base = (lang: UiLanguage) => ({ layout: 'dashboard', lang, staff: { ...staff, language: lang }, organisationName: 'Jongerenwerk De Brug', nav: 'admin', otherLang: lang === 'nl' ? 'en' : 'nl', langSwitchUrl: '/app/admin/webhooks?lang=en' });

const active = {
  id: 'whe_1', description: 'Registratie', url: 'https://registratie.example.nl/akkoord/webhooks', active: true, disabledAt: null, reasonKey: null, reason: null, createdAt: new Date('2026-11-20T09:00:00Z'),
  events: [{ type: 'consent_request.signed', labelKey: 'webhooksDash.eventNames.consent_request_signed' }, { type: 'consent_request.some_future_event', labelKey: null }],
  last: { status: 'succeeded', at: new Date('2026-11-22T09:30:00Z'), httpStatus: 204 },
};
const disabled = {
  ...active, id: 'whe_2', url: 'https://oud.example.nl/' + 'heel-lang-pad/'.repeat(8), active: false, disabledAt: new Date('2026-11-21T08:00:00Z'), reasonKey: 'webhooksDash.reasons.failing', reason: 'failing',
  last: { status: 'failed', at: new Date('2026-11-21T08:00:00Z'), httpStatus: null },
};
const choices = [
  { type: 'consent_request.signed', labelKey: 'webhooksDash.eventNames.consent_request_signed', checked: true },
  { type: 'consent_request.withdrawn', labelKey: 'webhooksDash.eventNames.consent_request_withdrawn', checked: false },
];
const notice = { id: 'whe_2', url: disabled.url, disabledAt: disabled.disabledAt, others: 1 };

export const models: Record<string, (lang: UiLanguage) => object[]> = {
  'dash-webhooks': (lang) => [
    { ...base(lang), endpoints: [], eventChoices: choices, form: { url: '' } },
    { ...base(lang), endpoints: [active, disabled], eventChoices: choices, form: { url: '' }, webhookNotice: notice, notice: 'webhooksDash.remove.done', secret: { title: 'Webhook toegevoegd', value: 'whsec_' + 'A'.repeat(44) } },
    { ...base(lang), endpoints: [active], eventChoices: choices, form: { url: 'http://10.0.0.1/', description: 'x'.repeat(201) }, errors: [{ field: 'description', key: 'webhooksDash.errors.description' }, { field: 'url', key: 'webhooksDash.errors.urlRefused' }, { field: 'events', key: 'webhooksDash.errors.events' }] },
  ],
  'dash-webhook-detail': (lang) => [
    {
      ...base(lang), endpoint: disabled, canEnable: true, rotateHours: 24, webhookNotice: notice, nextUrl: '/app/admin/webhooks/whe_2?after=d2hkXzI', firstUrl: '/app/admin/webhooks/whe_2', notice: 'webhooksDash.detail.retried',
      deliveries: [
        { id: 'whd_1', eventType: 'consent_request.signed', eventLabelKey: 'webhooksDash.eventNames.consent_request_signed', createdAt: new Date('2026-11-21T08:00:00Z'), statusKey: 'webhooksDash.deliveryStatus.failed', badge: 'failed', httpStatus: 500, attempts: 12, nextAttemptAt: null, canRetry: true },
        { id: 'whd_2', eventType: 'consent_request.x', eventLabelKey: null, createdAt: new Date('2026-11-21T07:00:00Z'), statusKey: 'webhooksDash.deliveryStatus.retrying', badge: 'sent', httpStatus: null, attempts: 1, nextAttemptAt: new Date('2026-11-21T07:05:00Z'), canRetry: false },
      ],
    },
    { ...base(lang), endpoint: active, canEnable: false, rotateHours: 24, deliveries: [], problem: 'webhooksDash.detail.retryConflict', secret: { title: 'Nieuwe geheime sleutel gemaakt', value: 'whsec_' + 'B'.repeat(44), oldUntil: new Date('2026-11-23T10:00:00Z') } },
  ],
  'dash-webhook-remove': (lang) => [{ ...base(lang), endpoint: { id: 'whe_1', description: 'Registratie', url: active.url } }],
};
