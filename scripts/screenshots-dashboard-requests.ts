/**
 * `npm run screenshots:dashboard-requests`: D2's dashboard pages (overview, search, new request,
 * its error state, request detail open and signed, access log) as full-page PNGs at 1280 and
 * 390 px in docs/screenshots/dashboard-<page>-<width>.png, in Dutch, with synthetic people and a
 * fixed clock as the browser tests (test/helpers/dashboard-requests-pages.ts).
 */
import { DASHBOARD_REQUEST_PAGES, DASHBOARD_WIDTHS, openDashboard, prepareDashboard, visitDashboardPage } from '../test/helpers/dashboard-requests-pages';
import { runScreenshots } from './screenshot-kit';

runScreenshots(async ({ browser, target, save }) => {
  const setup = await prepareDashboard(target);
  for (const state of DASHBOARD_REQUEST_PAGES) {
    for (const width of DASHBOARD_WIDTHS) {
      const page = await openDashboard(browser, target, setup, width);
      try {
        await visitDashboardPage(page, target, setup, state);
        await save(page, `dashboard-${state}-${width}.png`);
      } finally {
        await page.context().close();
      }
    }
  }
});
