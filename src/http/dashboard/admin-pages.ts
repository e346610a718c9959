import { Router } from 'express';

import type { DashboardDeps } from './index';

/** Dashboard: administration (colleagues, API keys, settings, access log). */
export function adminPages(_deps: DashboardDeps): Router {
  const router = Router({ caseSensitive: true });
  return router;
}
