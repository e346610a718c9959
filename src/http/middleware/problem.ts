import type { Response } from 'express';

import type { FieldError } from '../../errors';
import { flushDeferredApiHeaders } from './api-headers';

/** RFC 9457 problem details; `type` points at the code's section in the README. */
export function sendProblem(res: Response, status: number, code: string, title: string, detail?: string, errors?: FieldError[]): void {
  const body: Record<string, unknown> = { type: `https://akkoord.nl/problems/${code}`, title, status, code };
  if (detail) body.detail = detail;
  if (errors && errors.length > 0) body.errors = errors;
  flushDeferredApiHeaders(res);
  const requestId = res.locals.requestId as string | undefined;
  if (requestId) body.requestId = requestId;
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}
