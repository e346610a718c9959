import { rateLimit } from 'express-rate-limit';
import type { RequestHandler } from 'express';

import { sendProblem } from './problem';

/** Fixed-window limits per key (API key or client address), answered as problem+json with Retry-After. */
export function limitPerMinute(limit: number, keyOf?: (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]) => string): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    ...(keyOf ? { keyGenerator: keyOf } : {}),
    handler: (req, res) => {
      const reset = (req as unknown as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60;
      res.setHeader('Retry-After', String(seconds));
      sendProblem(res, 429, 'rate_limited', 'Too many requests', `Try again in ${seconds} seconds.`);
    },
  });
}
