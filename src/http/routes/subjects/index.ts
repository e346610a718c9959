import { Router } from 'express';

import { subjectConsent } from '../../../consent/consent-status';
import type { Store } from '../../../storage/store';
import { authOf } from '../../middleware/auth';
import { validate } from '../../middleware/validate';
import { subjectReference } from '../consent-requests/schema';
import { z } from 'zod';

const params = z.object({ reference: subjectReference });

export function subjectsRouter(store: Store): Router {
  const router = Router();
  router.get('/:reference/consent', validate('params', params), async (req, res) => {
    res.json(await subjectConsent(store, authOf(res.locals).organisationId, req.params.reference as string));
  });
  return router;
}
