import type { RequestHandler } from 'express';

import { AppError } from '../../errors';
import { authenticateApiKey } from '../../organisations/api-keys';
import type { Store } from '../../storage/store';

export interface ApiAuth {
  organisationId: string;
  keyId: string;
}

/** Bearer API key → the organisation it belongs to; everything after sees only that organisation. */
export function requireApiKey(store: Store): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const key = match ? await authenticateApiKey(store, match[1]!) : null;
    if (!key) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      next(new AppError('unauthorized', 'Send a valid API key as "Authorization: Bearer <key>".'));
      return;
    }
    res.locals.auth = { organisationId: key.organisationId, keyId: key.id } satisfies ApiAuth;
    next();
  };
}

export function authOf(locals: Record<string, unknown>): ApiAuth {
  return locals.auth as ApiAuth;
}
