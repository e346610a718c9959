import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

import { maskedPath } from '../../privacy/log-masking';

/** A safe incoming X-Request-Id is kept, so a caller can trace; otherwise a new UUID. */
export function requestIdOf(req: Request): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && /^[A-Za-z0-9._-]{8,64}$/.test(incoming) ? incoming : randomUUID();
}

/**
 * The access log holds ids, method, route and status only: link tokens in paths are masked in
 * every spelling of the path, and the query string is left out (privacy/log-masking.ts). Its
 * listener and timer cost something per request, so they are only set up when it is written.
 */
export function logAccess(logger: Logger, req: Request, res: Response, id: string): void {
  if (!logger.isLevelEnabled('info')) return;
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const path = maskedPath(req.originalUrl);
    logger.info({ requestId: id, method: req.method, path, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
  });
}

/** Every response carries X-Request-Id; see also api-headers.ts for the one route that defers it. */
export function requestId(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const id = requestIdOf(req);
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    logAccess(logger, req, res, id);
    next();
  };
}
