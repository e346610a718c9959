/**
 * Screenshots of the dashboard's "many at once" pages (issue 11) at 1280 and 390 px, full page,
 * in docs/screenshots/dashboard-bulk-<state>-<width>.png. Run with
 * `node -r ./test/helpers/ts-register.js scripts/screenshots-dashboard-bulk.ts`. The app runs in
 * a temp folder with synthetic people and a fixed clock, as the browser tests do.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { projectPath } from '../src/shared/paths';
import { launchBrowser, startBrowserApp } from '../test/helpers/browser';
import { BULK_STATES, openStaffPage, prepareBulkStates, visitBulkState } from '../test/helpers/bulk-pages';
import { CHROMIUM } from '../test/helpers/tools';

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is needed at ${CHROMIUM} (apt-get install -y chromium).`);
  const dir = projectPath('docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const browser = await launchBrowser();
  const target = await startBrowserApp();
  try {
    const { session, paths } = await prepareBulkStates(target.app);
    for (const width of [1280, 390]) {
      for (const state of BULK_STATES) {
        // JavaScript off: the progress page would otherwise reload itself once the list is done.
        const page = await openStaffPage(browser, target, session, width, { javaScriptEnabled: state === 'start-errors' });
        try {
          await visitBulkState(page, target, paths, state);
          const file = `dashboard-bulk-${state}-${width}.png`;
          await page.screenshot({ path: join(dir, file), fullPage: true, animations: 'disabled', caret: 'hide' });
          process.stdout.write(`docs/screenshots/${file}\n`);
        } finally {
          await page.context().close();
        }
      }
    }
  } finally {
    await browser.close();
    await target.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
