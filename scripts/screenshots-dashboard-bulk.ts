/**
 * Screenshots of the dashboard's "many at once" pages (issue 11) at 1280 and 390 px, full page,
 * in docs/screenshots/dashboard-bulk-<state>-<width>.png. Run with
 * `node -r ./test/helpers/ts-register.js scripts/screenshots-dashboard-bulk.ts`. The app runs in
 * a temp folder with synthetic people and a fixed clock, as the browser tests do.
 */
import { BULK_STATES, openStaffPage, prepareBulkStates, visitBulkState } from '../test/helpers/bulk-pages';
import { runScreenshots } from './screenshot-kit';

runScreenshots(async ({ browser, target, save }) => {
  const { session, paths } = await prepareBulkStates(target.app);
  for (const width of [1280, 390]) {
    for (const state of BULK_STATES) {
      // JavaScript off: the progress page would otherwise reload itself once the list is done.
      const page = await openStaffPage(browser, target, session, width, { javaScriptEnabled: state === 'start-errors' });
      try {
        await visitBulkState(page, target, paths, state);
        await save(page, `dashboard-bulk-${state}-${width}.png`);
      } finally {
        await page.context().close();
      }
    }
  }
});
