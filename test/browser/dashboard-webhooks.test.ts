import type { Browser } from 'playwright-core';

import { describeBrowser, horizontalOverflow, launchBrowser, runAxe, startBrowserApp, type BrowserApp } from '../helpers/browser';
import { prepareWebhookPages, visitWebhookPage, WEBHOOK_ENV, WEBHOOK_PAGE_STATUS, WEBHOOK_PAGES, type WebhookSetup } from '../helpers/dashboard-webhooks-pages';
import { openDashboard } from '../helpers/dashboard-requests-pages';

/**
 * The dashboard's webhook pages in Chromium (issue 13): every page state has zero axe violations
 * (WCAG 2.2 AA tags) at 390 and 1280 px, and nothing scrolls sideways at 320 px (WCAG 1.4.10
 * reflow) with a long URL on the page; the error summary's links move focus to the fields.
 */
jest.setTimeout(120_000);

describeBrowser('dashboard webhook pages in a browser', () => {
  let browser: Browser;
  let main: BrowserApp;
  let setup: WebhookSetup;

  beforeAll(async () => {
    browser = await launchBrowser();
    main = await startBrowserApp(WEBHOOK_ENV);
    setup = await prepareWebhookPages(main);
  });
  afterAll(async () => {
    await setup?.receiver.close();
    await main?.close();
    await browser?.close();
  });

  for (const width of [390, 1280]) {
    for (const state of WEBHOOK_PAGES) {
      test(`when the ${state} page is shown at ${width} px, then axe finds no WCAG 2.2 AA violation and nothing scrolls sideways`, async () => {
        const page = await openDashboard(browser, main, setup, width);
        try {
          expect(await visitWebhookPage(page, main, setup, state)).toBe(WEBHOOK_PAGE_STATUS[state]);
          const { summary } = await runAxe(page);
          expect(summary).toBe('');
          expect(await horizontalOverflow(page)).toBe(0);
        } finally {
          await page.context().close();
        }
      });
    }
  }

  for (const state of WEBHOOK_PAGES) {
    test(`when the ${state} page is shown at 320 px, then nothing scrolls sideways`, async () => {
      const page = await openDashboard(browser, main, setup, 320);
      try {
        await visitWebhookPage(page, main, setup, state);
        expect(await horizontalOverflow(page)).toBe(0);
      } finally {
        await page.context().close();
      }
    });
  }

  test('when the add form has errors, then the title says so, focus is on the summary, and its links move focus to the fields', async () => {
    const page = await openDashboard(browser, main, setup, 1280);
    try {
      await visitWebhookPage(page, main, setup, 'webhooks-errors');
      expect(await page.title()).toMatch(/^Fout: /);
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-error-summary'))).not.toBeNull();
      await page.getByRole('link', { name: 'Kies minstens één melding.' }).click();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('field-events');
      await page.getByRole('link', { name: /^Vul een volledig adres in/ }).click();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('field-url');
      expect(await page.getByLabel('Adres (URL) van jullie registratiesysteem').inputValue()).toBe('http://');
    } finally {
      await page.context().close();
    }
  });
});
