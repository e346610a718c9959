import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';

import { accessLogOf } from '../access-log';

/** A safe incoming X-Request-Id is kept, so a caller can trace; otherwise a new UUID. */
export function requestIdOf(req: Request): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && /^[A-Za-z0-9._-]{8,64}$/.test(incoming) ? incoming : randomUUID();
}

/**
 * Every response carries X-Request-Id; see also api-headers.ts for the one route that defers it.
 * The access log holds ids, method, route and status only: link tokens in paths are masked in
 * every spelling of the path, and the query string is left out (privacy/log-masking.ts). It is
 * written in batches off the request path (../access-log.ts).
 */
export function requestId(logger: Logger): RequestHandler {
  const accessLog = accessLogOf(logger);
  return (req, res, next) => {
    const id = requestIdOf(req);
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    accessLog.begin(res);
    next();
  };
}
