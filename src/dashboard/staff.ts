import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';

/**
 * Staff of an organisation using the dashboard at /app (issue 11). `admin` manages colleagues,
 * API keys, settings and reads the access log; `youth-worker` works with consent requests.
 */
export type StaffRole = 'admin' | 'youth-worker';
export const STAFF_ROLES: readonly StaffRole[] = ['admin', 'youth-worker'];

/** The signed-in person behind a dashboard request, set by the session guard (http/dashboard/auth-pages.ts). */
export interface StaffPrincipal {
  userId: string;
  organisationId: string;
  role: StaffRole;
  /** For the header ("Ingelogd als …"); never logged. */
  email: string;
  /** The page language the person chose (nl unless they switched). */
  language: 'nl' | 'en';
  /** The session's CSRF token: every dashboard form posts it as `_csrf`. */
  csrfToken: string;
}

/** The principal of a request that passed the session guard; throws when a route forgot the guard. */
export function staffOf(res: Response): StaffPrincipal {
  const staff = res.locals.staff as StaffPrincipal | undefined;
  if (!staff) throw new Error('dashboard route reached without a signed-in staff member');
  return staff;
}

/**
 * Whether a submitted `_csrf` matches the session's token (constant time). The session guard
 * checks every url-encoded POST under /app itself; a multipart route (file uploads) reads its
 * `_csrf` field first and calls this before it reads any file part.
 */
export function staffCsrfOk(res: Response, submitted: unknown): boolean {
  const expected = staffOf(res).csrfToken;
  if (typeof submitted !== 'string' || submitted.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(submitted), Buffer.from(expected));
}

/** Route guard: only these roles; anyone else gets the 403 page (a youth worker on admin pages). */
export function requireRole(...roles: StaffRole[]): RequestHandler {
  return (_req, res, next) => {
    if (roles.includes(staffOf(res).role)) return next();
    next(Object.assign(new Error('forbidden'), { status: 403, expose: true }));
  };
}
