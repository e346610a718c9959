import type { Browser } from 'playwright-core';

import { closePhone, describeBrowser, doubleTextSize, FAMILY_STATES, horizontalOverflow, launchBrowser, LINK_STATES, LANGS, prepareStates, ROLES, runAxe, startBrowserApp, visitState, WIDTHS, type BrowserApp, type Lang, type LinkState, type PublicState, type Role } from '../helpers/browser';

/**
 * Every page state a parent, a participant or anyone holding a PDF can reach, in Dutch and
 * English: axe-core with the WCAG 2.2 AA tags finds nothing at 320 and 390 px, and at 320 px
 * with the text twice as large nothing scrolls sideways (WCAG 1.4.10, 1.4.4).
 */
type Row = [LinkState | PublicState, Role | null, Lang];
const rows: Row[] = [
  ...LINK_STATES.flatMap((state) => ROLES.flatMap((role) => LANGS.map((lang): Row => [state, role, lang]))),
  ...LANGS.map((lang): Row => ['role-changed', 'guardian', lang]),
  ...FAMILY_STATES.flatMap((state) => LANGS.map((lang): Row => [state, 'guardian', lang])),
  ...LANGS.map((lang): Row => ['code', 'guardian', lang]),
  ...(['unknown', 'verify', 'verify-result', 'rate-limited'] as const).flatMap((state) => LANGS.map((lang): Row => [state, null, lang])),
];
const table = rows.map(([state, role, lang]) => ({ state, role, lang, who: role ? `a ${role}` : 'anyone' }));

describeBrowser('page states in Chromium (axe-core WCAG 2.2 AA, reflow)', () => {
  let browser: Browser;
  let main: BrowserApp;
  let limited: BrowserApp;
  let target: Parameters<typeof visitState>[1];

  beforeAll(async () => {
    browser = await launchBrowser();
    main = await startBrowserApp();
    limited = await startBrowserApp({ RATE_LIMIT_PUBLIC_PER_MINUTE: '1' });
    const { paths, signedPdf } = await prepareStates(main.app);
    target = { main, limited, paths, signedPdf };
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await main?.close();
    await limited?.close();
  });

  test.each(table)('when the $state page is shown to $who in $lang at 320 and 390 px, then axe finds no WCAG 2.2 AA violation', async ({ state, role, lang }) => {
    // One visit, measured at each width: the page is laid out again when the viewport changes.
    const found: string[] = [];
    const page = await visitState(browser, target, state, role, lang, WIDTHS[0]);
    try {
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 844 });
        const { violations, summary } = await runAxe(page);
        if (violations.length > 0) found.push(`${width} px:\n${summary}`);
      }
    } finally {
      await closePhone(page);
    }
    expect(found.join('\n')).toBe('');
  });

  test.each(table)('when the $state page is shown to $who in $lang at 320 px with the text at 200 %, then nothing scrolls sideways', async ({ state, role, lang }) => {
    const page = await visitState(browser, target, state, role, lang, 320);
    try {
      await doubleTextSize(page);
      const overflow = await horizontalOverflow(page);
      const culprits = overflow > 0 ? await page.evaluate(() => [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`)) : [];
      expect({ overflow, culprits }).toEqual({ overflow: 0, culprits: [] });
    } finally {
      await closePhone(page);
    }
  });
});
