import { Router } from 'express';

import type { DashboardDeps } from './index';

/** Dashboard: many at once (CSV list, progress, activity overview). */
export function bulkPages(_deps: DashboardDeps): Router {
  const router = Router({ caseSensitive: true });
  return router;
}
