import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * Double-submit CSRF protection for the signing form: a random value in a SameSite=Strict,
 * HttpOnly cookie must match the hidden `_csrf` field. Works without JavaScript.
 */
const COOKIE = 'akkoord_csrf';

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...rest] = part.trim().split('=');
    if (k === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

export function issueCsrf(req: Request, res: Response, secure: boolean, path = '/c/'): string {
  // One value per response: a page with two forms (the done page's withdraw and invite forms) must not set two cookies.
  const issued = res.locals.csrfIssued as string | undefined;
  if (issued) return issued;
  const existing = readCookie(req, COOKIE);
  const value = existing && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : randomBytes(32).toString('base64url');
  res.cookie(COOKIE, value, { httpOnly: true, sameSite: 'strict', secure, path });
  res.locals.csrfIssued = value;
  return value;
}

/** Whether the request carries a CSRF cookie at all: without one no submitted value can match. */
export function hasCsrfCookie(req: Request): boolean {
  return Boolean(readCookie(req, COOKIE));
}

export function checkCsrf(req: Request, submitted: unknown): boolean {
  const cookie = readCookie(req, COOKIE);
  if (!cookie || typeof submitted !== 'string' || submitted.length !== cookie.length) return false;
  return timingSafeEqual(Buffer.from(cookie), Buffer.from(submitted));
}
