import { Router } from 'express';

import type { DashboardDeps } from './index';

/** Dashboard: overview, new request, request detail. */
export function requestPages(_deps: DashboardDeps): Router {
  const router = Router({ caseSensitive: true });
  return router;
}
