import { Router } from 'express';

import type { DashboardDeps } from './index';

/** Dashboard: sign-in, set-up (password, TOTP, recovery codes), sign-out, and the session guard. */
export function authPages(_deps: DashboardDeps): Router {
  const router = Router({ caseSensitive: true });
  return router;
}
