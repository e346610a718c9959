import { Router, urlencoded, type Request, type RequestHandler, type Response } from 'express';

import type { ConsentForm, Language } from '../../consent/form-types';
import { declarationFor } from '../../consent/forms';
import { decide, markOpened, resolveLink, roleChangedSince, type FieldProblem, type LinkState, type SignDeps } from '../../consent/sign-consent';
import type { ConsentRequestRecord } from '../../storage/store';
import type { Views } from '../views';
import { checkCsrf, issueCsrf } from './csrf';
import { pageLanguage } from './error-pages';
import { withdrawConsent, type WithdrawDeps } from '../../consent/withdraw-consent';

/**
 * The personal link: `/c/<token>` shows the form (or the outcome once decided), POST signs or
 * declines, `/c/<token>/document` downloads the PDF. The token is the only credential.
 */
export interface SigningPagesDeps extends SignDeps, WithdrawDeps {
  views: Views;
  secureCookies: boolean;
}

/** One picker for every page (error-pages.ts): ?lang=, then the request's language when known, then Accept-Language, else nl. */
const pickLang = (req: Request, known?: Language): Language => pageLanguage(req, known);

export function signingPages(deps: SigningPagesDeps): Router {
  const router = Router({ caseSensitive: true, strict: true });
  const { views } = deps;

  const html = (res: Response, status: number, page: string, model: object) => {
    res.status(status).setHeader('Cache-Control', 'no-store').type('html').send(views.render(page, model));
  };

  const gone = (res: Response, lang: Language, reason: 'expired' | 'cancelled' | 'unknown') => {
    html(res, reason === 'unknown' ? 404 : 410, 'link-gone', { lang, reason, title: '' });
  };

  /** The page for a link that leads nowhere: in the request's language when the request is known. */
  const goneFor = (req: Request, res: Response, state: LinkState) =>
    state.kind === 'gone' ? gone(res, pickLang(req, state.language), state.reason) : gone(res, pickLang(req, state.kind === 'unknown' ? undefined : state.request.language), 'unknown');

  // One spelling per link: a token is base64url, so a `%` in its raw path segment (`/c/%64…`, which
  // Express would decode to the same token) is an unknown link, answered before any lookup.
  router.use((req, res, next) => {
    const rawPath = req.originalUrl.split('?')[0] ?? '';
    const token = rawPath.slice(req.baseUrl.length).split('/')[1] ?? '';
    if (token.includes('%')) return gone(res, pickLang(req), 'unknown');
    next();
  });

  const roleChangedPage = (res: Response, request: ConsentRequestRecord, lang: Language, status = 200) =>
    html(res, status, 'role-changed', { lang, title: '', subjectFirstName: request.subject.firstName, organisationName: res.locals.organisationName as string });

  const signModel = (req: Request, res: Response, request: ConsentRequestRecord, form: ConsentForm, lang: Language, extra: { errors?: { field: string; message: string }[]; answers?: Record<string, string | undefined>; signerName?: string; declarationConfirmed?: boolean }) => ({
    lang,
    otherLang: lang === 'nl' ? 'en' : 'nl',
    langSwitchUrl: `?lang=${lang === 'nl' ? 'en' : 'nl'}`,
    organisationName: res.locals.organisationName as string,
    title: form.title[lang],
    intro: form.intro[lang],
    sections: form.sections.map((s) => ({ heading: s.heading[lang], body: s.body[lang] })),
    purposes: form.purposes.map((p) => ({ id: p.id, label: p.label[lang], description: p.description[lang], specialCategory: p.specialCategory, value: extra.answers?.[p.id] })),
    signerRole: request.signerRole,
    declaration: declarationFor(form, request.signerRole, lang, request.subject.firstName),
    subjectFirstName: request.subject.firstName,
    signerName: extra.signerName ?? request.recipient.name,
    expiresAt: request.expiresAt,
    formAction: `${req.baseUrl}/${req.params.token}${lang === request.language ? '' : `?lang=${lang}`}`,
    csrfToken: issueCsrf(req, res, deps.secureCookies),
    errors: extra.errors,
    declarationConfirmed: extra.declarationConfirmed ?? false,
  });

  /** Purposes withdrawn through this link so far (from the `withdrawn` events), set by load(). */
  const withdrawnOf = (res: Response): string[] => (res.locals.withdrawnPurposes as string[] | undefined) ?? [];

  const doneModel = (req: Request, res: Response, request: ConsentRequestRecord, form: ConsentForm, lang: Language, errors?: { field: string; message: string }[]) => ({
    lang,
    otherLang: lang === 'nl' ? 'en' : 'nl',
    langSwitchUrl: `?lang=${lang === 'nl' ? 'en' : 'nl'}`,
    organisationName: res.locals.organisationName as string,
    title: form.title[lang],
    outcome: request.status,
    decisions: request.decisions.map((d) => ({ label: form.purposes.find((p) => p.id === d.purposeId)?.label[lang] ?? d.purposeId, granted: d.granted, withdrawn: withdrawnOf(res).includes(d.purposeId) })),
    partlyWithdrawn: request.status === 'signed' && withdrawnOf(res).length > 0,
    signerName: request.signerName,
    decidedAt: request.decidedAt,
    documentUrl: `${req.baseUrl}/${req.params.token}/document`,
    receiptUrl: withdrawnOf(res).length > 0 ? `${req.baseUrl}/${req.params.token}/receipt` : null,
    errors,
    // Withdrawing is offered while something is still granted, on the same link, as easy as giving it.
    withdraw:
      request.status === 'signed' && request.decisions.some((d) => d.granted)
        ? {
            action: `${req.baseUrl}/${req.params.token}/withdraw${lang === request.language ? '' : `?lang=${lang}`}`,
            csrfToken: issueCsrf(req, res, deps.secureCookies),
            purposes: request.decisions.filter((d) => d.granted).map((d) => ({ id: d.purposeId, label: form.purposes.find((p) => p.id === d.purposeId)?.label[lang] ?? d.purposeId })),
          }
        : null,
  });

  const load = async (req: Request, res: Response) => {
    const state = await resolveLink(deps, req.params.token as string);
    if (state.kind === 'open' || state.kind === 'done') {
      res.locals.organisationName = (await deps.store.getOrganisation(state.request.organisationId))?.name ?? '';
    }
    if (state.kind === 'done' && (state.request.status === 'signed' || state.request.status === 'withdrawn')) {
      const events = await deps.store.listEvents(state.request.organisationId, state.request.id);
      res.locals.withdrawnPurposes = events.filter((e) => e.type === 'withdrawn').flatMap((e) => (Array.isArray(e.detail.purposes) ? (e.detail.purposes as string[]) : []));
    }
    return state;
  };

  router.get('/:token', async (req, res) => {
    const state = await load(req, res);
    if (state.kind === 'unknown' || state.kind === 'gone') return goneFor(req, res, state);
    const lang = pickLang(req, state.request.language);
    if (state.kind === 'done') return html(res, 200, 'done', doneModel(req, res, state.request, state.form, lang));
    // The child turned 16 since the link was sent: the parent is told at once, before filling anything in.
    if (roleChangedSince(deps, state.request)) return roleChangedPage(res, state.request, lang);
    await markOpened(deps, state.request, req.get('user-agent'));
    html(res, 200, 'sign', signModel(req, res, state.request, state.form, lang, {}));
  });

  // Over 1 MiB (only a hand-made post; the pad's largest signature is far smaller) the form is not
  // read, and the page comes back with the signature error instead of a bare 413.
  const signForm = urlencoded({ extended: false, limit: '1mb', parameterLimit: 100 });
  const readSignForm: RequestHandler = (req, res, next) =>
    signForm(req, res, (error?: unknown) => {
      if ((error as { type?: string } | undefined)?.type !== 'entity.too.large') return next(error);
      res.locals.formTooLarge = true;
      res.setHeader('Connection', 'close');
      next();
    });

  router.post('/:token', readSignForm, async (req, res) => {
    const state = await load(req, res);
    if (state.kind === 'unknown' || state.kind === 'gone') return goneFor(req, res, state);
    const lang = pickLang(req, state.request.language);
    if (state.kind === 'done') return res.redirect(303, `${req.baseUrl}/${req.params.token}`);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    const answers: Record<string, 'yes' | 'no' | undefined> = {};
    for (const p of state.form.purposes) {
      const v = body[`purpose_${p.id}`];
      answers[p.id] = v === 'yes' || v === 'no' ? v : undefined;
    }
    const rerender = (status: number, problems: FieldProblem[]) =>
      html(res, status, 'sign', signModel(req, res, state.request, state.form, lang, {
        errors: problems.map((p) => ({ field: p.field, message: views.translate(lang, p.key) })),
        answers,
        signerName: str(body.signerName),
        declarationConfirmed: body.declaration === 'yes',
      }));
    if (res.locals.formTooLarge) return rerender(422, [{ field: 'signature', key: 'errors.signatureTooLarge' }]);
    if (!checkCsrf(req, body._csrf)) return rerender(403, [{ field: 'form', key: 'errors.csrf' }]);
    const action = body.action === 'decline' ? 'decline' : body.action === 'sign' ? 'sign' : null;
    if (action === null) return rerender(422, [{ field: 'form', key: 'errors.actionMissing' }]);
    const result = await decide(deps, state.request, state.form, {
      action,
      answers,
      declarationConfirmed: body.declaration === 'yes',
      signerName: str(body.signerName),
      signatureDataUrl: str(body.signatureData),
      userAgent: req.get('user-agent'),
      language: lang,
    });
    if (!result.ok && result.roleChanged) return roleChangedPage(res, state.request, lang, 422);
    if (!result.ok) return rerender(422, result.problems);
    res.redirect(303, `${req.baseUrl}/${req.params.token}${lang === state.request.language ? '' : `?lang=${lang}`}`);
  });

  router.post('/:token/withdraw', urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }), async (req, res) => {
    const state = await load(req, res);
    if (state.kind === 'unknown' || state.kind === 'gone') return goneFor(req, res, state);
    const lang = pickLang(req, state.request.language);
    const back = `${req.baseUrl}/${req.params.token}${lang === state.request.language ? '' : `?lang=${lang}`}`;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const fail = (status: number, keys: string[]) =>
      html(res, status, 'done', doneModel(req, res, state.request, state.form, lang, keys.map((key) => ({ field: 'withdraw', message: views.translate(lang, key) }))));
    if (!checkCsrf(req, body._csrf)) return fail(403, ['errors.csrf']);
    if (state.kind !== 'done') return res.redirect(303, back);
    const chosen = ([] as unknown[]).concat(body.purpose ?? []).filter((v): v is string => typeof v === 'string');
    const result = await withdrawConsent(deps, state.request, state.form, { purposes: body.action === 'all' ? 'all' : chosen, userAgent: req.get('user-agent'), language: lang });
    if (!result.ok) return fail(result.conflict ? 409 : 422, result.problems.map((p) => p.key));
    res.redirect(303, back);
  });

  router.get('/:token/receipt', async (req, res) => {
    const state = await load(req, res);
    if (state.kind !== 'done') return goneFor(req, res, state);
    const doc = await deps.store.getDocument(state.request.organisationId, state.request.id, 'withdrawal-receipt');
    if (!doc) return gone(res, pickLang(req, state.request.language), 'unknown');
    res.status(200).type(doc.contentType).setHeader('Cache-Control', 'no-store').setHeader('Content-Disposition', `attachment; filename="intrekking-${state.request.id}.pdf"`).send(doc.content);
  });

  router.get('/:token/document', async (req, res) => {
    const state = await load(req, res);
    if (state.kind !== 'done') return goneFor(req, res, state);
    const doc = (await deps.store.getDocument(state.request.organisationId, state.request.id, 'consent-pdf')) ?? (await deps.store.getDocument(state.request.organisationId, state.request.id, 'paper-record'));
    if (!doc) return gone(res, pickLang(req, state.request.language), 'unknown');
    res.status(200).type(doc.contentType).setHeader('Cache-Control', 'no-store').setHeader('Content-Disposition', `attachment; filename="toestemming-${state.request.id}.pdf"`).send(doc.content);
  });

  return router;
}
