import type { NextFunction, Request, RequestHandler, Response } from 'express';

import { sendProblem } from './problem';

/**
 * Fixed one-minute windows per key (API key or client address), in memory and synchronous: the
 * status lookups are the hot path, and a limiter that costs more than the lookup is no use.
 * Over the limit: 429 problem+json with Retry-After. Each process counts on its own.
 */
export type OnLimited = (req: Request, res: Response, next: NextFunction, retryAfterSeconds: number) => void;
const problemWhenLimited: OnLimited = (_req, res, _next, seconds) => sendProblem(res, 429, 'rate_limited', 'Too many requests', `Try again in ${seconds} seconds.`);

/** `onLimited` answers a request over the limit, after Retry-After is set (default: the 429 problem+json). */
export function limitPerMinute(limit: number, keyOf: (req: Request, res: Response) => string = (req) => req.ip ?? 'unknown', now: () => number = Date.now, onLimited: OnLimited = problemWhenLimited): RequestHandler {
  const windowMs = 60_000;
  let windowStart = Math.floor(now() / windowMs) * windowMs;
  let counts = new Map<string, number>();
  return (req, res, next) => {
    const t = now();
    if (t - windowStart >= windowMs) {
      windowStart = Math.floor(t / windowMs) * windowMs;
      counts = new Map();
    }
    const key = keyOf(req, res);
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    if (count > limit) {
      const seconds = Math.max(1, Math.ceil((windowStart + windowMs - t) / 1000));
      res.setHeader('Retry-After', String(seconds));
      onLimited(req, res, next, seconds);
      return;
    }
    next();
  };
}
