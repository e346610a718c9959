import type { NextFunction, Request, RequestHandler, Response } from 'express';

import { sendProblem } from './problem';

/**
 * Counts per key in fixed one-minute windows, in memory and synchronous. `hit` counts one and
 * says how many seconds remain when the key is over the limit; `over` only looks.
 */
export interface MinuteWindow {
  hit(key: string): number | null;
  over(key: string): number | null;
  /** Counts one and says what is left in this window: requests and seconds until it resets. */
  take(key: string): { over: boolean; remaining: number; resetSeconds: number };
}

export function minuteWindow(limit: number, now: () => number = Date.now): MinuteWindow {
  const windowMs = 60_000;
  let windowStart = Math.floor(now() / windowMs) * windowMs;
  let counts = new Map<string, number>();
  const roll = (t: number) => {
    if (t - windowStart >= windowMs) {
      windowStart = Math.floor(t / windowMs) * windowMs;
      counts = new Map();
    }
  };
  const secondsLeft = (t: number) => Math.max(1, Math.ceil((windowStart + windowMs - t) / 1000));
  return {
    hit(key) {
      const t = now();
      roll(t);
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, count);
      return count > limit ? secondsLeft(t) : null;
    },
    over(key) {
      const t = now();
      roll(t);
      return (counts.get(key) ?? 0) >= limit ? secondsLeft(t) : null;
    },
    take(key) {
      const t = now();
      roll(t);
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, count);
      return { over: count > limit, remaining: Math.max(0, limit - count), resetSeconds: secondsLeft(t) };
    },
  };
}

/** 429 problem+json with Retry-After. */
export function sendRateLimited(res: Response, seconds: number): void {
  res.setHeader('Retry-After', String(seconds));
  sendProblem(res, 429, 'rate_limited', 'Too many requests', `Try again in ${seconds} seconds.`);
}

/**
 * Fixed one-minute windows per key (API key or client address), in memory and synchronous: the
 * status lookups are the hot path, and a limiter that costs more than the lookup is no use.
 * Over the limit: 429 problem+json with Retry-After. Each process counts on its own.
 */
export type OnLimited = (req: Request, res: Response, next: NextFunction, retryAfterSeconds: number) => void;
const problemWhenLimited: OnLimited = (_req, res, _next, seconds) => sendProblem(res, 429, 'rate_limited', 'Too many requests', `Try again in ${seconds} seconds.`);

/**
 * The limit in the IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers): the
 * policy `RateLimit-Policy: "minute";q=<limit>;w=60` and what is left now, `RateLimit:
 * "minute";r=<remaining>;t=<seconds until the window resets>`, on every answer of a limited route
 * (with Retry-After on a 429). On the status lookup, whose headers are written in one go
 * (api-headers.ts), they wait in `res.locals.rateLimitHeaders`.
 */
export function rateLimitHeaders(limit: number, remaining: number, resetSeconds: number): [string, string][] {
  return [
    ['RateLimit-Policy', `"minute";q=${limit};w=60`],
    ['RateLimit', `"minute";r=${remaining};t=${resetSeconds}`],
  ];
}

/** `onLimited` answers a request over the limit, after Retry-After is set (default: the 429 problem+json). */
export function limitPerMinute(limit: number, keyOf: (req: Request, res: Response) => string = (req) => req.ip ?? 'unknown', now: () => number = Date.now, onLimited: OnLimited = problemWhenLimited): RequestHandler {
  const window = minuteWindow(limit, now);
  return (req, res, next) => {
    const taken = window.take(keyOf(req, res));
    const headers = rateLimitHeaders(limit, taken.remaining, taken.resetSeconds);
    if (res.locals.apiHeadersDeferred === true && !taken.over) res.locals.rateLimitHeaders = headers;
    else for (const [name, value] of headers) res.setHeader(name, value);
    if (taken.over) {
      res.setHeader('Retry-After', String(taken.resetSeconds));
      onLimited(req, res, next, taken.resetSeconds);
      return;
    }
    next();
  };
}
