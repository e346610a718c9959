import type { Browser } from 'playwright-core';

import { describeBrowser, horizontalOverflow, launchBrowser, runAxe, startBrowserApp, type BrowserApp } from '../helpers/browser';
import { BULK_STATES, bulkChildList, openStaffPage, prepareBulkStates, visitBulkState } from '../helpers/bulk-pages';
import type { StaffSession } from '../helpers/staff';

/** Many at once (issue 11) in Chromium: axe WCAG 2.2 AA on every page state at 390 and 1280 px, and the progress with and without JavaScript. */
describeBrowser('dashboard: many at once in a browser', () => {
  let browser: Browser;
  let target: BrowserApp;
  let session: StaffSession;
  let paths: Awaited<ReturnType<typeof prepareBulkStates>>['paths'];

  beforeAll(async () => {
    browser = await launchBrowser();
    target = await startBrowserApp();
    ({ session, paths } = await prepareBulkStates(target.app));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await target?.close();
  });

  for (const width of [390, 1280]) {
    test.each(BULK_STATES)(`when the %s page is shown at ${width} px, then axe finds no WCAG 2.2 AA violation and nothing scrolls sideways`, async (state) => {
      const page = await openStaffPage(browser, target, session, width);
      try {
        await visitBulkState(page, target, paths, state);
        const { violations, summary } = await runAxe(page);
        expect(summary).toBe('');
        expect(violations).toEqual([]);
        expect(await horizontalOverflow(page)).toBe(0);
      } finally {
        await page.context().close();
      }
    });
  }

  test('when every page state is shown at 360 px, then nothing scrolls sideways (the tables scroll inside their own region)', async () => {
    for (const state of BULK_STATES) {
      const page = await openStaffPage(browser, target, session, 360);
      try {
        await visitBulkState(page, target, paths, state);
        expect({ state, overflow: await horizontalOverflow(page) }).toEqual({ state, overflow: 0 });
      } finally {
        await page.context().close();
      }
    }
  });

  test('when a list is sent without JavaScript, then the progress page refreshes itself and shows the new count', async () => {
    const { app } = target;
    const res = await session.agent.post('/app/bulk').field('_csrf', session.csrf).field('formId', 'activiteit-onder-16').field('activity', 'Zonder script').field('list', bulkChildList(30, 'NOJS')).expect(303);
    const path = String(res.headers.location);
    await session.agent.post(`${path}/send`).type('form').send({ _csrf: session.csrf }).expect(303);
    const page = await openStaffPage(browser, target, session, 390, { javaScriptEnabled: false });
    try {
      await page.goto(target.url(path));
      expect(await page.locator('[data-bulk-progress-text]').textContent()).toBe('0 van 30 verzoeken gemaakt');
      // Other lists of this suite may still be sending: passes go on until this one has rows made.
      const id = path.split('/').pop()!;
      let done = 0;
      while (done === 0) {
        await app.container.worker.runOnce();
        done = (await app.container.store.listBulkRows(app.organisationId, id)).filter((r) => r.state === 'created').length;
      }
      // The next refresh the page makes by itself (every 2 s), asked after those passes, shows the new count.
      const refresh = await page.waitForRequest((r) => r.url() === target.url(path) && r.isNavigationRequest());
      expect((await refresh.response())?.status()).toBe(200);
      await page.getByText(`${done} van 30 verzoeken gemaakt`, { exact: true }).waitFor();
      await page.getByRole('link', { name: 'Vernieuwen' }).waitFor();
    } finally {
      await page.context().close();
    }
  });

  test('when a list of 50 people is sent with JavaScript, then the bar moves without a reload and the page shows the result once it is done', async () => {
    const { app } = target;
    const people = 50; // the CSV of 50 participants; 20 are made per worker pass, so the bar is seen part-way

    const res = await session.agent.post('/app/bulk').field('_csrf', session.csrf).field('formId', 'activiteit-onder-16').field('activity', 'Met script').field('list', bulkChildList(people, 'JS')).expect(303);
    const path = String(res.headers.location);
    await session.agent.post(`${path}/send`).type('form').send({ _csrf: session.csrf }).expect(303);
    const page = await openStaffPage(browser, target, session, 1280);
    try {
      await page.goto(target.url(path));
      let navigations = 0;
      page.on('framenavigated', () => void (navigations += 1));
      expect(await page.locator('progress').evaluate((el) => (el as HTMLProgressElement).value)).toBe(0);
      const id = path.split('/').pop()!;
      const rowsDone = async () => (await app.container.store.listBulkRows(app.organisationId, id)).filter((r) => r.state === 'created').length;
      // Other lists of this suite may still be sending: passes go on until this one has rows made, not all.
      while ((await rowsDone()) === 0) await app.container.worker.runOnce();
      if ((await rowsDone()) < people) {
        await page.waitForFunction(() => (document.querySelector('progress') as HTMLProgressElement).value > 0);
        expect(navigations).toBe(0);
      }
      while ((await app.container.store.getBulkBatch(app.organisationId, id))?.state !== 'done') await app.container.worker.runOnce();
      await page.getByRole('link', { name: 'Naar het overzicht van de activiteit' }).waitFor();
      expect(navigations).toBe(1); // the one reload once it was done
      await page.getByRole('link', { name: 'Naar het overzicht van de activiteit' }).click();
      await page.getByRole('table', { name: 'Antwoorden per persoon' }).waitFor();
      expect(await page.getByRole('row').count()).toBe(people + 2);
    } finally {
      await page.context().close();
    }
  });

  test('when a youth worker uses only the keyboard, then a list can be checked and sent', async () => {
    const page = await openStaffPage(browser, target, session, 1280);
    try {
      await page.goto(target.url('/app/bulk'));
      const focused = () => page.evaluate(() => ({ id: document.activeElement?.id ?? '', text: document.activeElement?.textContent?.trim() ?? '' }));
      const tabUntil = async (found: (f: { id: string; text: string }) => boolean) => {
        for (let i = 0; i < 60; i += 1) {
          await page.keyboard.press('Tab');
          if (found(await focused())) return;
        }
        throw new Error('never reached by Tab');
      };
      await tabUntil((f) => f.id === 'formId');
      for (let i = 0; i < 10 && (await page.locator('#formId').inputValue()) !== 'activiteit-onder-16'; i += 1) await page.keyboard.press('ArrowDown');
      expect(await page.locator('#formId').inputValue()).toBe('activiteit-onder-16');
      await tabUntil((f) => f.id === 'activity');
      await page.keyboard.type('Toetsenbordmiddag');
      await tabUntil((f) => f.id === 'list');
      await page.keyboard.insertText(bulkChildList(3, 'KEYS'));
      await tabUntil((f) => f.text === 'Controleren');
      await Promise.all([page.waitForURL(/\/app\/bulk\/[^/]+$/), page.keyboard.press('Enter')]);
      await tabUntil((f) => f.text === 'Versturen naar 3 personen');
      await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
      await page.getByText(/van 3 verzoeken gemaakt/).first().waitFor();
    } finally {
      await page.context().close();
    }
  });
});
