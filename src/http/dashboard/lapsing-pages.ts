import { Router } from 'express';

import { lapsingSoon } from '../../dashboard/lapsing-soon';
import { staffOf } from '../../dashboard/staff';
import type { DashboardDeps } from './index';
import { langSwitch } from './request-pages';

/** "Verloopt binnenkort / Lapsing soon" (/app/lapsing, issue 12): for every signed-in staff member of the organisation. */
export function lapsingPages(deps: DashboardDeps): Router {
  const router = Router({ caseSensitive: true });
  router.get('/lapsing', async (req, res) => {
    const staff = staffOf(res);
    const view = await lapsingSoon(deps, staff);
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(deps.views.render('lifecycle-lapsing', {
      layout: 'dashboard', lang: staff.language, ...langSwitch(req, staff.language), staff, organisationName: res.locals.organisationName, nav: 'lapsing',
      ...view,
      lapsing: view.lapsing.map((r) => ({ ...r, formTitle: r.formTitle[staff.language], renewalKey: `lifecycle.renewal.${r.renewal}` })),
      turning: view.turning.map((r) => ({ ...r, turns16OnDate: new Date(`${r.turns16On}T12:00:00Z`), stateKey: `lifecycle.turning.${r.state}` })),
    }));
  });
  return router;
}
