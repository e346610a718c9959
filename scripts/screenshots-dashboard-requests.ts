/**
 * `npm run screenshots:dashboard-requests`: D2's dashboard pages (overview, search, new request,
 * its error state, request detail open and signed, access log) as full-page PNGs at 1280 and
 * 390 px in docs/screenshots/dashboard-<page>-<width>.png, in Dutch, with synthetic people and a
 * fixed clock as the browser tests (test/helpers/dashboard-requests-pages.ts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { projectPath } from '../src/shared/paths';
import { launchBrowser, startBrowserApp } from '../test/helpers/browser';
import { DASHBOARD_REQUEST_PAGES, DASHBOARD_WIDTHS, openDashboard, prepareDashboard, visitDashboardPage } from '../test/helpers/dashboard-requests-pages';
import { CHROMIUM } from '../test/helpers/tools';

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is needed at ${CHROMIUM} (apt-get install -y chromium).`);
  const dir = projectPath('docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const browser = await launchBrowser();
  const main = await startBrowserApp();
  try {
    const setup = await prepareDashboard(main);
    for (const state of DASHBOARD_REQUEST_PAGES) {
      for (const width of DASHBOARD_WIDTHS) {
        const page = await openDashboard(browser, main, setup, width);
        try {
          await visitDashboardPage(page, main, setup, state);
          const file = `dashboard-${state}-${width}.png`;
          await page.screenshot({ path: join(dir, file), fullPage: true, animations: 'disabled', caret: 'hide' });
          process.stdout.write(`docs/screenshots/${file}\n`);
        } finally {
          await page.context().close();
        }
      }
    }
  } finally {
    await browser.close();
    await main.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
  process.exit(1);
});
