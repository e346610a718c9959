import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

import { accessLogOf } from '../access-log';
import { requestIdOf } from './request-id';

/** What every JSON API answer carries; helmet's page headers are for the HTML pages. */
const API_HEADERS: readonly (readonly [string, string])[] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['Referrer-Policy', 'no-referrer'],
  ['Cache-Control', 'no-store'],
];
const API_HEADERS_FLAT: readonly string[] = API_HEADERS.flat();

export function setApiHeaders(res: Response): void {
  for (const [name, value] of API_HEADERS) res.setHeader(name, value);
}

export const apiHeaders: RequestHandler = (_req, res, next) => {
  setApiHeaders(res);
  next();
};

/**
 * For the registration systems' hot path (the status lookup): request id, access log and API
 * headers as for every API route, but the headers are written together with the answer in one
 * `writeHead` (see writeJson), which costs less than setting them one by one ahead of time. An
 * error answer on the way (401, 422, 429, 5xx) goes through sendProblem, which sets them first.
 */
export function deferredApiHeaders(logger: Logger): RequestHandler {
  const accessLog = accessLogOf(logger);
  return (req, res, next) => {
    const id = requestIdOf(req);
    res.locals.requestId = id;
    res.locals.apiHeadersDeferred = true;
    accessLog.begin(res);
    next();
  };
}

/** Sets the deferred headers now, for an answer that is not written by writeJson. */
export function flushDeferredApiHeaders(res: Response): void {
  if (res.locals.apiHeadersDeferred !== true || res.headersSent) return;
  res.locals.apiHeadersDeferred = false;
  res.setHeader('X-Request-Id', res.locals.requestId as string);
  setApiHeaders(res);
  for (const [name, value] of (res.locals.rateLimitHeaders as [string, string][] | undefined) ?? []) res.setHeader(name, value);
}

/** A JSON answer; with deferred headers, everything goes out in one writeHead. */
export function writeJson(res: Response, status: number, body: string): void {
  const length = String(Buffer.byteLength(body));
  if (res.locals.apiHeadersDeferred === true && res.getHeaderNames().length === 0) {
    res.locals.apiHeadersDeferred = false;
    const limits = (res.locals.rateLimitHeaders as [string, string][] | undefined) ?? [];
    res.writeHead(status, [...API_HEADERS_FLAT, ...limits.flat(), 'X-Request-Id', res.locals.requestId as string, 'Content-Type', 'application/json; charset=utf-8', 'Content-Length', length]);
  } else {
    flushDeferredApiHeaders(res);
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', length);
  }
  res.end(body);
}
