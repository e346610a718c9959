import type { Page } from 'playwright-core';

import { newId } from '../../src/shared/ids';
import { DISABLED_FAILING } from '../../src/webhooks/webhook-endpoints';
import { newWebhookSecret } from '../../src/webhooks/signing';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver';
import type { BrowserApp } from './browser';
import { agentCookies } from './dashboard-requests-pages';
import { signInStaff, type StaffSession } from './staff';
import { auth, childRequest } from './test-app';

/**
 * The dashboard's webhook pages in a browser (issue 13): a signed-in admin, one working endpoint
 * on a local receiver with a delivery that succeeded and one that failed and waits for its next
 * attempt, and one endpoint switched off after 3 days of failures. Each page state by name. Used
 * by test/browser/dashboard-webhooks.test.ts (axe, reflow) and scripts/screenshots-dashboard-webhooks.ts.
 * The app must run with WEBHOOK_ALLOW_PRIVATE_URLS=true (the receiver is on 127.0.0.1).
 */
export const WEBHOOK_PAGES = ['webhooks', 'webhooks-created', 'webhooks-errors', 'webhook-detail', 'webhook-rotated', 'webhook-detail-off', 'webhook-remove', 'overview-notice'] as const;
export type WebhookPage = (typeof WEBHOOK_PAGES)[number];
export const WEBHOOK_PAGE_STATUS: Record<WebhookPage, number> = {
  webhooks: 200, 'webhooks-created': 200, 'webhooks-errors': 422, 'webhook-detail': 200, 'webhook-rotated': 200, 'webhook-detail-off': 200, 'webhook-remove': 200, 'overview-notice': 200,
};
export const WEBHOOK_ENV = { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' };

export interface WebhookSetup {
  staff: StaffSession;
  cookie: { name: string; value: string }[];
  receiver: WebhookReceiver;
  workingId: string;
  offId: string;
}

export async function prepareWebhookPages(main: BrowserApp): Promise<WebhookSetup> {
  const { app } = main;
  const receiver = await startWebhookReceiver();
  try {
    const staff = await signInStaff(app, { role: 'admin', email: 'sanne.jansen@example.nl' });
    const created = await app.http.post('/api/v1/webhook-endpoints').set(auth(app.apiKey))
      .send({ url: `${receiver.url}/akkoord/webhooks`, events: ['consent_request.signed', 'consent_request.withdrawn', 'consent_request.cancelled'], description: 'Registratiesysteem' });
    if (created.status !== 201) throw new Error(`webhook endpoint: ${created.status}`);
    const workingId = created.body.id as string;
    // Two cancellations: the first is answered 204, the second 503 (waits for its next attempt).
    receiver.answerNext({ status: 204 });
    receiver.answerNext({ status: 503 });
    for (const reference of ['REG-1042', 'REG-1043']) {
      const request = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest({ subject: { reference, firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2014-04-02' } }));
      if (request.status !== 201) throw new Error(`consent request: ${request.status}`);
      await app.http.post(`/api/v1/consent-requests/${request.body.id}/cancel`).set(auth(app.apiKey)).expect(200);
    }
    await app.container.worker.runOnce();
    await receiver.waitFor(2);
    // An older system's endpoint, switched off by the worker after 3 days of failures (stored as the worker leaves it).
    const now = app.clock.now();
    const offId = newId('whe', now);
    const madeAt = new Date(now.getTime() - 40 * 86_400_000);
    await app.container.store.createWebhookEndpoint({
      id: offId, organisationId: app.organisationId, url: 'https://oud-systeem.example.nl/hooks/akkoord', description: null, events: ['*'], secret: newWebhookSecret(),
      previousSecret: null, previousSecretExpiresAt: null, createdAt: madeAt, updatedAt: madeAt, disabledAt: null, disabledReason: null, failingSince: null,
    }, 10, { id: newId('whev', madeAt), organisationId: app.organisationId, endpointId: offId, type: 'created', at: madeAt, actor: 'api:setup', detail: { url: 'https://oud-systeem.example.nl/hooks/akkoord', events: ['*'] } });
    const failingSince = new Date(now.getTime() - 3 * 86_400_000);
    await app.container.store.disableWebhookEndpoint({
      organisationId: app.organisationId, id: offId, at: now, reason: DISABLED_FAILING,
      event: { id: newId('whev', now), organisationId: app.organisationId, endpointId: offId, type: 'disabled', at: now, actor: 'system', detail: { reason: DISABLED_FAILING, failingSince: failingSince.toISOString() } },
    });
    return { staff, cookie: agentCookies(staff), receiver, workingId, offId };
  } catch (error) {
    await receiver.close();
    throw error;
  }
}

let added = 0;

/** Goes to one page state (forms filled and sent as a person does); returns the HTTP status of the page shown. */
export async function visitWebhookPage(page: Page, main: BrowserApp, setup: WebhookSetup, state: WebhookPage): Promise<number> {
  const submit = async (name: RegExp) => {
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name }).click()]);
    return response!.status();
  };
  switch (state) {
    case 'webhooks':
      return (await page.goto(main.url('/app/admin/webhooks')))!.status();
    case 'webhooks-created':
      await page.goto(main.url('/app/admin/webhooks'));
      await page.getByLabel('Adres (URL) van jullie registratiesysteem').fill(`${setup.receiver.url}/nieuw/${++added}`);
      await page.getByRole('checkbox', { name: /Toestemming gegeven/ }).check();
      return submit(/^Webhook toevoegen$/);
    case 'webhooks-errors':
      await page.goto(main.url('/app/admin/webhooks'));
      await page.getByLabel('Adres (URL) van jullie registratiesysteem').fill('http://');
      return submit(/^Webhook toevoegen$/);
    case 'webhook-detail':
      return (await page.goto(main.url(`/app/admin/webhooks/${setup.workingId}`)))!.status();
    case 'webhook-rotated':
      await page.goto(main.url(`/app/admin/webhooks/${setup.workingId}`));
      return submit(/^Nieuwe sleutel maken$/);
    case 'webhook-detail-off':
      return (await page.goto(main.url(`/app/admin/webhooks/${setup.offId}`)))!.status();
    case 'webhook-remove':
      return (await page.goto(main.url(`/app/admin/webhooks/${setup.offId}/delete`)))!.status();
    case 'overview-notice':
      return (await page.goto(main.url('/app')))!.status();
  }
}
