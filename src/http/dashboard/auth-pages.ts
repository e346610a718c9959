import { timingSafeEqual } from 'node:crypto';

import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';

import { acceptInvite, confirmEnrolment, enrolmentView, openInvite } from '../../dashboard/accounts';
import { openSession, SESSION_COOKIE, setSessionLanguage, signOut, signOutEverywhere, type OpenSession } from '../../dashboard/sessions';
import { signInWithCode, signInWithPassword } from '../../dashboard/sign-in';
import type { StaffPrincipal } from '../../dashboard/staff';
import type { StaffSessionStage } from '../../dashboard/staff-store';
import { checkCsrf, issueCsrf } from '../public/csrf';
import { pageLanguage } from '../public/error-pages';
import type { UiLanguage } from '../views';
import type { DashboardDeps } from './index';

/**
 * Dashboard: sign-in, set-up (password, TOTP, recovery codes), sign-out, and the session guard.
 * Pages before sign-in use a double-submit CSRF cookie (public/csrf.ts, path /app); once there is
 * a session, every form posts the session's own token. The guard at the end lets only active
 * sessions through, sets res.locals.staff and checks `_csrf` on every url-encoded POST after it.
 */
const form = express.urlencoded({ extended: false, limit: '20kb', parameterLimit: 50 });
const PATH = '/app';

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...rest] = part.trim().split('=');
    if (k === name) {
      try {
        return decodeURIComponent(rest.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

const forbidden = () => Object.assign(new Error('forbidden'), { status: 403, expose: true });

function sameToken(expected: string, submitted: string): boolean {
  const a = Buffer.from(submitted);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function dashboardLanguage(req: Request, fallback?: UiLanguage): UiLanguage {
  if (req.query.lang === 'en' || req.query.lang === 'nl') return req.query.lang;
  const posted = field(req.body, 'lang');
  if (posted === 'en' || posted === 'nl') return posted;
  return fallback ?? pageLanguage(req);
}

/** The page's own address with `?lang=` for the other language. */
function langSwitch(req: Request, lang: UiLanguage): { langSwitchUrl: string; otherLang: UiLanguage } {
  const other: UiLanguage = lang === 'nl' ? 'en' : 'nl';
  return { langSwitchUrl: `${PATH}${req.path === '/' ? '' : req.path}?lang=${other}`, otherLang: other };
}

function timeOf(at: Date, lang: UiLanguage): string {
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'nl-NL', { timeZone: 'Europe/Amsterdam', timeStyle: 'medium' }).format(at);
}

export function sessionCookies(deps: DashboardDeps): { setCookie: (res: Response, id: string) => void; clearCookie: (res: Response) => void } {
  return {
    setCookie: (res, id) => void res.cookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: deps.secureCookies, path: PATH }),
    clearCookie: (res) => void res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: deps.secureCookies, path: PATH }),
  };
}

export function authPages(deps: DashboardDeps): Router {
  const router = Router({ caseSensitive: true });
  const { setCookie, clearCookie } = sessionCookies(deps);
  const render = (req: Request, res: Response, page: string, lang: UiLanguage, model: object, status = 200) => {
    res.status(status).type('html').send(deps.views.render(page, { layout: 'dashboard', lang, ...langSwitch(req, lang), ...model }));
  };
  const session = (req: Request, stages: readonly StaffSessionStage[]) => openSession(deps, readCookie(req, SESSION_COOKIE), stages);
  const clientAddress = (req: Request) => req.ip ?? 'unknown';
  const wrap = (handler: (req: Request, res: Response, next: NextFunction) => Promise<void>): RequestHandler => (req, res, next) => handler(req, res, next).catch(next);

  // Nothing of the dashboard may be kept by a browser or proxy cache.
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  // ---- sign-in: e-mail and password ----
  const signInPage = (req: Request, res: Response, lang: UiLanguage, extra: object = {}, status = 200) =>
    render(req, res, 'dash-sign-in', lang, { csrf: issueCsrf(req, res, deps.secureCookies, PATH), ...extra }, status);

  router.get('/sign-in', wrap(async (req, res) => {
    if (await session(req, ['active'])) return void res.redirect(303, PATH);
    const notice = req.query.notice === 'signedOut' || req.query.notice === 'expired' ? req.query.notice : undefined;
    signInPage(req, res, dashboardLanguage(req), { notice });
  }));

  router.post('/sign-in', form, wrap(async (req, res, next) => {
    if (!checkCsrf(req, field(req.body, '_csrf'))) return next(forbidden());
    const lang = dashboardLanguage(req);
    const email = field(req.body, 'email');
    const result = await signInWithPassword(deps, { email, password: field(req.body, 'password'), clientAddress: clientAddress(req), language: lang });
    if (result.kind === 'wait' || result.kind === 'wrong') {
      const waiting = result.kind === 'wait' || result.retryAt.getTime() - deps.clock.now().getTime() > 2000;
      const message = result.kind === 'wrong' ? deps.views.translate(lang, 'dash.auth.signIn.wrong') : '';
      const wait = waiting ? deps.views.translate(lang, 'dash.auth.signIn.wait', { time: timeOf(result.retryAt, lang) }) : '';
      if (waiting) res.setHeader('Retry-After', String(Math.max(1, Math.ceil((result.retryAt.getTime() - deps.clock.now().getTime()) / 1000))));
      return signInPage(req, res, lang, { email, errors: [{ field: 'email', message: [message, wait].filter(Boolean).join(' ') }] }, result.kind === 'wait' ? 429 : 401);
    }
    setCookie(res, result.sessionId);
    res.redirect(303, result.kind === 'enrol' ? `${PATH}/enrol` : `${PATH}/sign-in/code`);
  }));

  // ---- sign-in: the second factor ----
  router.get('/sign-in/code', wrap(async (req, res) => {
    const opened = await session(req, ['second-factor']);
    if (!opened) return void res.redirect(303, `${PATH}/sign-in`);
    render(req, res, 'dash-sign-in-code', await languageOf(req, opened), { csrf: opened.session.csrfToken });
  }));

  router.post('/sign-in/code', form, wrap(async (req, res, next) => {
    const opened = await session(req, ['second-factor']);
    if (!opened) return void res.redirect(303, `${PATH}/sign-in`);
    if (!sameToken(opened.session.csrfToken, field(req.body, '_csrf'))) return next(forbidden());
    const lang = opened.session.language;
    const result = await signInWithCode(deps, opened, field(req.body, 'code'), clientAddress(req));
    if (result.kind !== 'signed-in') {
      const waiting = result.kind === 'wait' || result.retryAt.getTime() - deps.clock.now().getTime() > 2000;
      const message = [result.kind === 'wrong' ? deps.views.translate(lang, 'dash.auth.code.wrong') : '', waiting ? deps.views.translate(lang, 'dash.auth.signIn.wait', { time: timeOf(result.retryAt, lang) }) : ''].filter(Boolean).join(' ');
      return render(req, res, 'dash-sign-in-code', lang, { csrf: opened.session.csrfToken, errors: [{ field: 'code', message }] }, result.kind === 'wait' ? 429 : 401);
    }
    setCookie(res, result.sessionId);
    res.redirect(303, PATH);
  }));

  // ---- set-up: password (step 1) ----
  router.get('/setup/:token', wrap(async (req, res) => {
    const lang = dashboardLanguage(req);
    const opened = await openInvite(deps, String(req.params.token));
    if (!opened) return render(req, res, 'dash-link-gone', lang, {}, 410);
    render(req, res, 'dash-setup', lang, { csrf: issueCsrf(req, res, deps.secureCookies, PATH), token: req.params.token, email: opened.user.email });
  }));

  router.post('/setup/:token', form, wrap(async (req, res, next) => {
    if (!checkCsrf(req, field(req.body, '_csrf'))) return next(forbidden());
    const lang = dashboardLanguage(req);
    const token = String(req.params.token);
    const result = await acceptInvite(deps, token, field(req.body, 'password'), field(req.body, 'repeat'), lang);
    if (result.ok) {
      setCookie(res, result.sessionId);
      return void res.redirect(303, `${PATH}/enrol`);
    }
    if (result.problem === 'gone') return render(req, res, 'dash-link-gone', lang, {}, 410);
    const opened = await openInvite(deps, token);
    render(req, res, 'dash-setup', lang, { csrf: issueCsrf(req, res, deps.secureCookies, PATH), token, email: opened?.user.email ?? '', errors: [{ field: result.problem === 'mismatch' ? 'repeat' : 'password', key: `dash.auth.setup.${result.problem}` }] }, 422);
  }));

  // ---- set-up: TOTP (step 2) and recovery codes (step 3, only in the answer) ----
  router.get('/enrol', wrap(async (req, res) => {
    const opened = await session(req, ['enrol']);
    if (!opened) return void res.redirect(303, `${PATH}/sign-in`);
    render(req, res, 'dash-enrol', await languageOf(req, opened), { csrf: opened.session.csrfToken, ...(await enrolmentView(opened)) });
  }));

  router.post('/enrol', form, wrap(async (req, res, next) => {
    const opened = await session(req, ['enrol']);
    if (!opened) return void res.redirect(303, `${PATH}/sign-in`);
    if (!sameToken(opened.session.csrfToken, field(req.body, '_csrf'))) return next(forbidden());
    const lang = opened.session.language;
    const result = await confirmEnrolment(deps, opened, field(req.body, 'code'), clientAddress(req));
    if (!result.ok) {
      const waiting = result.retryAt !== undefined && (result.problem === 'wait' || result.retryAt.getTime() - deps.clock.now().getTime() > 2000);
      const message = [result.problem === 'code' ? deps.views.translate(lang, 'dash.auth.enrol.wrong') : '', waiting && result.retryAt ? deps.views.translate(lang, 'dash.auth.signIn.wait', { time: timeOf(result.retryAt, lang) }) : ''].filter(Boolean).join(' ');
      return render(req, res, 'dash-enrol', lang, { csrf: opened.session.csrfToken, ...(await enrolmentView(opened)), errors: [{ field: 'code', message }] }, result.problem === 'wait' ? 429 : 422);
    }
    setCookie(res, result.sessionId);
    render(req, res, 'dash-recovery-codes', lang, { codes: result.recoveryCodes });
  }));

  // ---- sign-out (any stage) ----
  router.post('/sign-out', form, wrap(async (req, res, next) => {
    const opened = await session(req, ['enrol', 'second-factor', 'active']);
    if (!opened) {
      clearCookie(res);
      return void res.redirect(303, `${PATH}/sign-in`);
    }
    if (!sameToken(opened.session.csrfToken, field(req.body, '_csrf'))) return next(forbidden());
    await signOut(deps, opened.id);
    clearCookie(res);
    res.redirect(303, `${PATH}/sign-in?notice=signedOut${opened.session.language === 'en' ? '&lang=en' : ''}`);
  }));

  async function languageOf(req: Request, opened: OpenSession): Promise<UiLanguage> {
    const asked = req.query.lang;
    if ((asked === 'en' || asked === 'nl') && asked !== opened.session.language) {
      await setSessionLanguage(deps, opened.id, asked);
      opened.session.language = asked;
    }
    return opened.session.language;
  }

  // ---- the guard: everything after this needs an active session ----
  router.use(wrap(async (req, res, next) => {
    const opened = await session(req, ['active', 'enrol', 'second-factor']);
    if (!opened) {
      if (readCookie(req, SESSION_COOKIE)) clearCookie(res);
      return void res.redirect(303, `${PATH}/sign-in`);
    }
    // A sign-in or set-up half done continues where it was; nothing behind the guard opens before.
    if (opened.session.stage === 'enrol') return void res.redirect(303, `${PATH}/enrol`);
    if (opened.session.stage === 'second-factor') return void res.redirect(303, `${PATH}/sign-in/code`);
    const organisation = await deps.store.getOrganisation(opened.user.organisationId);
    if (!organisation) return void res.redirect(303, `${PATH}/sign-in`);
    const language = await languageOf(req, opened);
    const staff: StaffPrincipal = { userId: opened.user.id, organisationId: opened.user.organisationId, role: opened.user.role, email: opened.user.email, language, csrfToken: opened.session.csrfToken };
    res.locals.staff = staff;
    res.locals.organisationName = organisation.name;
    res.locals.staffSessionId = opened.id;
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    // Multipart routes check `_csrf` themselves (staffCsrfOk) before reading a file; every other
    // body must be a form with the session's token.
    if (req.is('multipart/form-data')) return next();
    form(req, res, (error?: unknown) => {
      if (error) return next(error);
      if (!sameToken(staff.csrfToken, field(req.body, '_csrf'))) return next(forbidden());
      next();
    });
  }));

  // ---- the signed-in person's own account ----
  router.get('/account', wrap(async (req, res) => {
    const staff = res.locals.staff as StaffPrincipal;
    const recoveryLeft = await deps.store.countUnusedRecoveryCodes(staff.userId);
    render(req, res, 'dash-account', staff.language, { staff, organisationName: res.locals.organisationName, recoveryLeft });
  }));

  router.post('/account/sign-out-everywhere', wrap(async (_req, res) => {
    const staff = res.locals.staff as StaffPrincipal;
    await signOutEverywhere(deps, staff.userId);
    clearCookie(res);
    res.redirect(303, `${PATH}/sign-in?notice=signedOut${staff.language === 'en' ? '&lang=en' : ''}`);
  }));

  return router;
}
