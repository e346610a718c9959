import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';

import { isAppError } from '../../errors';
import { maskedError } from '../../privacy/log-masking';
import { isTransientStoreError } from '../../storage/store-errors';
import { sendProblem } from './problem';

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
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    if (isAppError(err)) {
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
  sendProblem(res, 404, 'not_found', 'Not found');
};
