/**
 * `node -r ./test/helpers/ts-register.js scripts/screenshots-dashboard-webhooks.ts`: the dashboard's
 * webhook pages (issue 13: list, added with its secret, form errors, detail with deliveries, new
 * secret, switched off, delete confirmation, the overview's notice) as full-page PNGs at 1280 and
 * 390 px in docs/screenshots/dashboard-<page>-<width>.png, in Dutch, with synthetic data and a fixed
 * clock as the browser tests (test/helpers/dashboard-webhooks-pages.ts).
 */
import { prepareWebhookPages, visitWebhookPage, WEBHOOK_ENV, WEBHOOK_PAGES } from '../test/helpers/dashboard-webhooks-pages';
import { openDashboard } from '../test/helpers/dashboard-requests-pages';
import { runScreenshots } from './screenshot-kit';

runScreenshots(async ({ browser, target, save }) => {
  const setup = await prepareWebhookPages(target);
  try {
    for (const state of WEBHOOK_PAGES) {
      for (const width of [1280, 390]) {
        const page = await openDashboard(browser, target, setup, width);
        try {
          await visitWebhookPage(page, target, setup, state);
          await save(page, `dashboard-${state}-${width}.png`);
        } finally {
          await page.context().close();
        }
      }
    }
  } finally {
    await setup.receiver.close();
  }
}, WEBHOOK_ENV);
