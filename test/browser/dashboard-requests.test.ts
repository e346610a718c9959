import type { Browser } from 'playwright-core';

import { describeBrowser, horizontalOverflow, launchBrowser, runAxe, startBrowserApp, type BrowserApp } from '../helpers/browser';
import { DASHBOARD_REQUEST_PAGES, DASHBOARD_WIDTHS, openDashboard, prepareDashboard, visitDashboardPage, type DashboardSetup } from '../helpers/dashboard-requests-pages';

/**
 * D2's dashboard pages in Chromium (issue 11): every page state has zero axe violations (WCAG 2.2
 * AA tags) at 390 and 1280 px and no sideways scrolling at 390 px; a youth worker makes a request
 * with the keyboard only.
 */
jest.setTimeout(120_000);

describeBrowser('dashboard request pages in a browser', () => {
  let browser: Browser;
  let main: BrowserApp;
  let setup: DashboardSetup;

  beforeAll(async () => {
    browser = await launchBrowser();
    main = await startBrowserApp();
    setup = await prepareDashboard(main);
  });
  afterAll(async () => {
    await main?.close();
    await browser?.close();
  });

  for (const width of DASHBOARD_WIDTHS) {
    for (const state of DASHBOARD_REQUEST_PAGES) {
      test(`when the ${state} page is shown at ${width} px, then axe finds no WCAG 2.2 AA violation and nothing scrolls sideways`, async () => {
        const page = await openDashboard(browser, main, setup, width);
        try {
          const status = await visitDashboardPage(page, main, setup, state);
          expect(status).toBe(state === 'new-errors' ? 422 : 200);
          const { summary } = await runAxe(page);
          expect(summary).toBe('');
          expect(await horizontalOverflow(page)).toBe(0);
        } finally {
          await page.context().close();
        }
      });
    }
  }

  test('when the new request page has errors, then focus is on the error summary and its links move focus to the fields', async () => {
    const page = await openDashboard(browser, main, setup, 1280);
    try {
      await visitDashboardPage(page, main, setup, 'new-errors');
      expect(await page.title()).toMatch(/^Fout: /);
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-error-summary'))).not.toBeNull();
      await page.getByRole('link', { name: /^Registratienummer:/ }).click();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('field-reference');
      // The answers stay; the page says who receives the message.
      expect(await page.getByLabel('Voornaam').inputValue()).toBe('Lotte');
      await expect(page.getByText('Dit verzoek gaat naar de ouder of verzorger, want Lotte is jonger dan 16.').count()).resolves.toBe(1);
    } finally {
      await page.context().close();
    }
  });

  test('when a youth worker makes a request with the keyboard only, then it is sent and its detail page opens', async () => {
    const page = await openDashboard(browser, main, setup, 1280);
    try {
      await page.goto(main.url('/app/requests/new'));
      const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');
      // Tab from the top of the page to the form's first field.
      for (let i = 0; i < 30 && (await focusedId()) !== 'field-formId'; i += 1) await page.keyboard.press('Tab');
      expect(await focusedId()).toBe('field-formId');
      // A closed select changes with the arrow keys; the 16+ drop-in form is the third option.
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      expect(await page.locator('#field-formId').inputValue()).toBe('inloop-16-plus');
      // Tab on to a field (a date input has a tab stop per part); every step is the keyboard's.
      const tabTo = async (id: string) => {
        for (let i = 0; i < 6 && (await focusedId()) !== id; i += 1) await page.keyboard.press('Tab');
        expect(await focusedId()).toBe(id);
      };
      await tabTo('field-firstName');
      await page.keyboard.type('Noor');
      await tabTo('field-lastName');
      await page.keyboard.type('Toetsenbord');
      await tabTo('field-dateOfBirth');
      // A date input takes the digits of its parts in the order the browser shows them: month,
      // day, year in Chromium's default locale; day, month, year in a Dutch one.
      await page.keyboard.type('01152008');
      if ((await page.locator('#field-dateOfBirth').inputValue()) !== '2008-01-15') {
        await page.keyboard.press('Shift+Tab');
        await page.keyboard.press('Shift+Tab');
        await page.keyboard.type('15012008');
      }
      expect(await page.locator('#field-dateOfBirth').inputValue()).toBe('2008-01-15');
      await tabTo('field-reference');
      await page.keyboard.type('KB-1');
      // The parent's name is not needed at 16+: on to the channel.
      await tabTo('field-recipientName');
      await tabTo('field-channel');
      await page.keyboard.press('ArrowDown');
      expect(await page.locator('input[name="channel"][value="email"]').isChecked()).toBe(true);
      await page.keyboard.press('Tab');
      expect(await focusedId()).toBe('field-address');
      await page.keyboard.type('noor.toetsenbord@example.nl');
      await tabTo('field-language');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Verzoek versturen');
      await Promise.all([page.waitForURL(/\/app\/requests\/cr_[^?]+\?done=created$/), page.keyboard.press('Enter')]);
      await expect(page.getByText('Het verzoek is gemaakt.').count()).resolves.toBe(1);
      await expect(page.getByRole('heading', { level: 1, name: /Noor Toetsenbord/ }).count()).resolves.toBe(1);
    } finally {
      await page.context().close();
    }
  });
});
