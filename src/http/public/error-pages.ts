import type { Request, RequestHandler, Response } from 'express';

import type { UiLanguage, Views } from '../views';

/**
 * People never see raw JSON: outside the API (`/api/…`) and the provider callbacks (`/hooks/…`),
 * a client that prefers HTML over JSON (every browser) gets the friendly error page in its
 * language; API clients, and clients that do not say (`Accept: *\/*`), keep problem+json.
 */
export function wantsPage(req: Request): boolean {
  if (/^\/(api|hooks)(\/|$|\?)/.test(req.originalUrl)) return false;
  return req.accepts(['json', 'html']) === 'html';
}

/**
 * The one language picker of every public page: `?lang=en|nl` first, then the language of the
 * request the page is about (when known), then the browser's Accept-Language, else Dutch.
 */
export function pageLanguage(req: Request, known?: UiLanguage): UiLanguage {
  if (req.query.lang === 'en' || req.query.lang === 'nl') return req.query.lang;
  if (known) return known;
  return req.acceptsLanguages('nl', 'en') === 'en' ? 'en' : 'nl';
}

/** The error page for a status: 404, 429 (with the wait from Retry-After), 5xx (with the request id to quote), or the generic one. */
export function sendErrorPage(views: Views, req: Request, res: Response, status: number): void {
  const retryAfter = Number(res.getHeader('Retry-After')) || null;
  const requestId = status >= 500 ? ((res.locals.requestId as string | undefined) ?? null) : null;
  res
    .status(status)
    .setHeader('Cache-Control', 'no-store')
    .type('html')
    .send(views.render('error', { lang: pageLanguage(req), status, retryAfter, requestId, title: '' }));
}

/** `/`: what Akkoord is and that people use the link they received; no organisation data. */
export function homePage(views: Views): RequestHandler {
  return (req, res) => {
    const lang = pageLanguage(req);
    const other = lang === 'nl' ? 'en' : 'nl';
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(views.render('home', { lang, otherLang: other, langSwitchUrl: `/?lang=${other}`, title: '' }));
  };
}
