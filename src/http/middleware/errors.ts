import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

import { AppError, isAppError } from '../../errors';
import { maskedError } from '../../privacy/log-masking';
import { isTransientStoreError } from '../../storage/store-errors';
import { sendErrorPage, wantsPage } from '../public/error-pages';
import type { Views } from '../views';
import { sendProblem as sendProblemJson } from './problem';
import type { OnLimited } from './rate-limit';

const TITLES: Record<string, string> = {
  validation_failed: 'The request has invalid fields',
  unauthorized: 'A valid API key is required',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  conflict: 'The resource is not in a state that allows this',
  gone: 'Gone',
  idempotency_mismatch: 'This Idempotency-Key was used with a different request',
  payload_too_large: 'The request body is too large',
  rate_limited: 'Too many requests',
  not_implemented: 'Not implemented yet',
  unavailable: 'Service unavailable',
};

/** The one error mapping: AppError → its status; body-parser faults → 400/413; the rest → bare 500. */
export function errorHandler(logger: Logger, views?: Views): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    // A browser on a public page gets the error page in its language; everyone else problem+json.
    const page = views !== undefined && wantsPage(req);
    const sendProblem = (r: Response, status: number, ...rest: [string, string, string?, AppError['errors']?]) =>
      page ? sendErrorPage(views, req, r, status) : sendProblemJson(r, status, ...rest);
    if (isAppError(err)) {
      if (err.code === 'unavailable') res.setHeader('Retry-After', '30');
      sendProblem(res, err.status, err.code, TITLES[err.code] ?? err.code, err.message, err.errors);
      return;
    }
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.parse.failed') {
      sendProblem(res, 400, 'malformed_json', 'The body is not valid JSON', 'Send a JSON object with Content-Type: application/json.');
      return;
    }
    if (e.type === 'entity.too.large') {
      sendProblem(res, 413, 'payload_too_large', TITLES.payload_too_large!);
      return;
    }
    if (isTransientStoreError(err)) {
      logger.warn({ requestId: res.locals.requestId, method: req.method }, 'store busy');
      res.setHeader('Retry-After', '1');
      sendProblem(res, 503, 'unavailable', TITLES.unavailable!, 'The store is busy; retry in a moment.');
      return;
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      sendProblem(res, e.status, 'bad_request', 'The request could not be read');
      return;
    }
    logger.error({ err: maskedError(err), requestId: res.locals.requestId, method: req.method }, 'unhandled error');
    sendProblem(res, 500, 'internal', 'Something went wrong on our side', 'Quote the requestId when you report this.');
  };
}

export const notFoundHandler: RequestHandler = (_req, res) => {
  sendProblemJson(res, 404, 'not_found', 'Not found');
};

/** The last handler of the app: the friendly 404 page for a browser outside the API, else problem+json. */
export function notFoundPage(views: Views): RequestHandler {
  return (req: Request, res) => (wantsPage(req) ? sendErrorPage(views, req, res, 404) : notFoundHandler(req, res, () => undefined));
}

/** For the public pages' limiters: over the limit goes through the error handler, so a browser gets a page. */
export const limitedToErrorHandler: OnLimited = (_req, _res, next, seconds) => next(new AppError('rate_limited', `Try again in ${seconds} seconds.`));
