import { Router } from 'express';

import type { AppDeps } from '../app';
import { accessLogPages } from './access-log-pages';
import { adminPages } from './admin-pages';
import { authPages } from './auth-pages';
import { bulkPages } from './bulk-pages';
import { familyPages } from './family-pages';
import { lapsingPages } from './lapsing-pages';
import { requestPages } from './request-pages';
import { webhookPages } from './webhook-pages';

/**
 * The youth workers' dashboard at /app (issue 11): server-rendered pages in
 * `templates/layouts/dashboard.hbs`. authPages serves sign-in, set-up and sign-out and then guards
 * every other /app page (no session: redirect to /app/sign-in; it sets res.locals.staff, see
 * dashboard/staff.ts). The routers after it only ever see a signed-in person of one organisation.
 */
export interface DashboardDeps extends AppDeps {
  secureCookies: boolean;
}

export function dashboardRouter(deps: DashboardDeps): Router {
  const router = Router({ caseSensitive: true, strict: false });
  router.use(authPages(deps));
  router.use(requestPages(deps));
  router.use(familyPages(deps));
  router.use(bulkPages(deps));
  router.use(lapsingPages(deps));
  router.use(adminPages(deps));
  router.use(accessLogPages(deps));
  router.use(webhookPages(deps));
  return router;
}
