import { Router, urlencoded, type Request, type RequestHandler, type Response } from 'express';

import type { ConsentForm, Language } from '../../consent/form-types';
import { declarationFor } from '../../consent/forms';
import { decide, markOpened, resolveLink, roleChangedSince, type FieldProblem, type LinkState, type SignDeps } from '../../consent/sign-consent';
import type { ConsentRequestRecord } from '../../storage/store';
import type { Views } from '../views';
import { checkCsrf, issueCsrf } from './csrf';
import { pageLanguage } from './error-pages';
import { withdrawConsent, type WithdrawDeps } from '../../consent/withdraw-consent';
import { loadOrganisationView, type OrganisationView } from './organisation-view';
import type { RequestConsentDeps } from '../../consent/request-consent';
import { declaredAuthority } from '../../consent/family-signing';
import { checkSecondGuardian, familyDoneModel, familyKept, familySignModel, inviteFromSigningPage, loadFamilyView, readFamilyFields, type FamilyFields, type FamilyProblem, type FamilyView } from './family-fields';
import { isCodeAction, keptFields, readExplicit, verifySignModel, verifyStep } from './verify-step';

/**
 * The personal link: `/c/<token>` shows the form (or the outcome once decided), POST signs or
 * declines, `/c/<token>/document` downloads the PDF. The token is the only credential.
 */
export interface SigningPagesDeps extends SignDeps, WithdrawDeps, RequestConsentDeps {
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

  /** The language switch of a page that has no form to carry: a plain link to the same page. */
  const linkSwitch = (lang: Language) => ({ otherLang: lang === 'nl' ? 'en' : 'nl', langSwitchUrl: `?lang=${lang === 'nl' ? 'en' : 'nl'}` });
  /** The language switch of a page with a form: a submit button of that form, so what was filled in goes along (works without JavaScript). */
  const formSwitch = (req: Request, lang: Language, form: string, action: string, path = '', defaultAction?: string) => ({
    otherLang: lang === 'nl' ? 'en' : 'nl',
    langSwitchForm: { form, action: `${req.baseUrl}/${req.params.token as string}${path}?lang=${lang === 'nl' ? 'en' : 'nl'}`, value: action, defaultAction },
  });
  /** Who is asking (logo, name, contact), set by load() for every known request. */
  const orgOf = (res: Response): OrganisationView | null => (res.locals.organisation as OrganisationView | null | undefined) ?? null;
  const orgModel = (res: Response, request?: ConsentRequestRecord) => ({
    organisation: orgOf(res),
    organisationName: orgOf(res)?.name ?? '',
    signerRole: request?.signerRole,
    requestedBy: request?.requestedBy ?? null,
  });

  const gone = (res: Response, lang: Language, reason: 'expired' | 'cancelled' | 'unknown', request?: ConsentRequestRecord) => {
    html(res, reason === 'unknown' ? 404 : 410, 'link-gone', { lang, ...linkSwitch(lang), reason, title: '', ...(reason === 'unknown' ? {} : orgModel(res, request)) });
  };

  /** The page for a link that leads nowhere: in the request's language when the request is known, with its organisation when expired or cancelled. */
  const goneFor = (req: Request, res: Response, state: LinkState) =>
    state.kind === 'gone' ? gone(res, pickLang(req, state.language), state.reason, state.request) : gone(res, pickLang(req, state.kind === 'unknown' ? undefined : state.request.language), 'unknown');

  // One spelling per link: a token is base64url, so a `%` in its raw path segment (`/c/%64…`, which
  // Express would decode to the same token) is an unknown link, answered before any lookup.
  router.use((req, res, next) => {
    const rawPath = req.originalUrl.split('?')[0] ?? '';
    const token = rawPath.slice(req.baseUrl.length).split('/')[1] ?? '';
    if (token.includes('%')) return gone(res, pickLang(req), 'unknown');
    next();
  });

  const roleChangedPage = (res: Response, request: ConsentRequestRecord, lang: Language, status = 200) =>
    html(res, status, 'role-changed', { lang, ...linkSwitch(lang), title: '', subjectFirstName: request.subject.firstName, ...orgModel(res, request) });

  const selfUrl = (req: Request, request: ConsentRequestRecord, lang: Language, path = '') => `${req.baseUrl}/${req.params.token as string}${path}${lang === request.language ? '' : `?lang=${lang}`}`;
  const purposeModel = (form: ConsentForm, lang: Language) => (p: ConsentForm['purposes'][number]) => ({ id: p.id, label: p.label[lang], whenNo: p.whenNo?.[lang] ?? null });

  // A drawn signature is not shown again after a step back or a language switch (the pad starts empty).
  type SignExtra = { errors?: { field: string; message: string }[]; answers?: Record<string, string | undefined>; signerName?: string; declarationConfirmed?: boolean; signatureData?: string; family?: FamilyFields; explicitConfirmed?: string[]; extraHidden?: { name: string; value: string }[] };
  const signModel = (req: Request, res: Response, request: ConsentRequestRecord, form: ConsentForm, lang: Language, extra: SignExtra) => ({
    lang,
    // Enter in the name field (or "Go" on a phone keyboard) signs, as the sign button would; never the language switch.
    ...formSwitch(req, lang, 'sign-form', 'lang', '', 'sign'),
    ...orgModel(res, request),
    title: form.title[lang],
    intro: form.intro[lang],
    sections: form.sections.map((s) => ({ heading: s.heading[lang], body: s.body[lang] })),
    purposes: form.purposes.map((p) => ({ ...purposeModel(form, lang)(p), description: p.description[lang], specialCategory: p.specialCategory, value: extra.answers?.[p.id] })),
    declaration: declarationFor(form, request.signerRole, lang, request.subject.firstName),
    subjectFirstName: request.subject.firstName,
    // Typed by the signer, never filled in from the request: the record says whether it matched.
    signerName: extra.signerName ?? '',
    expiresAt: request.expiresAt,
    formAction: selfUrl(req, request, lang),
    csrfToken: issueCsrf(req, res, deps.secureCookies),
    errors: extra.errors,
    declarationConfirmed: extra.declarationConfirmed ?? false,
    ...familySignModel(request, extra.family),
    // Issue 12 (verify): explicit statements and the child summary (partials verify-*.hbs).
    ...verifySignModel(form, request, lang, extra),
  });

  /** The second step of declining: what Nee means for each purpose, and how to undo it; the answers so far ride along for "back". */
  const declineModel = (req: Request, res: Response, request: ConsentRequestRecord, form: ConsentForm, lang: Language, extra: SignExtra) => ({
    lang,
    ...formSwitch(req, lang, 'decline-form', 'review-decline'),
    ...orgModel(res, request),
    title: form.title[lang],
    purposes: form.purposes.map(purposeModel(form, lang)),
    // The answers, the ticked explicit statements and the family's fields (extraHidden).
    kept: keptFields(form, extra, false),
    formAction: selfUrl(req, request, lang),
    csrfToken: issueCsrf(req, res, deps.secureCookies),
  });

  /** Purposes withdrawn through this link so far (from the `withdrawn` events), set by load(). */
  const withdrawnOf = (res: Response): string[] => (res.locals.withdrawnPurposes as string[] | undefined) ?? [];

  /** Issue 12: the family as the done page shows it (set by load()), and the state of the second parent's invite form. */
  const familyOfPage = (res: Response): FamilyView | null => (res.locals.family as FamilyView | null | undefined) ?? null;
  type InviteState = { fields?: FamilyFields; problems?: FamilyProblem[]; failed?: boolean };
  const familyDone = (req: Request, res: Response, request: ConsentRequestRecord, form: ConsentForm, lang: Language, invite: InviteState = {}) =>
    familyDoneModel(request, form, lang, familyOfPage(res), {
      action: selfUrl(req, request, lang, '/second-guardian'),
      csrfToken: issueCsrf(req, res, deps.secureCookies),
      ...invite,
      problems: invite.problems?.map((p) => ({ field: p.field, message: views.translate(lang, p.key, { organisation: orgOf(res)?.name ?? '', ...p.params }, request.signerRole) })),
    });

  const doneModel = (req: Request, res: Response, request: ConsentRequestRecord, form: ConsentForm, lang: Language, errors?: { field: string; message: string }[], invite?: InviteState) => ({
    lang,
    ...linkSwitch(lang),
    ...orgModel(res, request),
    title: form.title[lang],
    outcome: request.status,
    subjectFirstName: request.subject.firstName,
    // A confirmation goes by the channel the link came by (delivery/confirmation); paper gets none.
    confirmationBy: request.recipient.channel === 'sms' || request.recipient.channel === 'email' ? request.recipient.channel : null,
    decisions: request.decisions.map((d) => ({ label: form.purposes.find((p) => p.id === d.purposeId)?.label[lang] ?? d.purposeId, granted: d.granted, withdrawn: withdrawnOf(res).includes(d.purposeId) })),
    partlyWithdrawn: request.status === 'signed' && withdrawnOf(res).length > 0,
    someRefused: request.status === 'signed' && (request.decisions.some((d) => !d.granted) || withdrawnOf(res).length > 0),
    nothingGranted: !request.decisions.some((d) => d.granted && !withdrawnOf(res).includes(d.purposeId)),
    signerName: request.signerName,
    decidedAt: request.decidedAt,
    documentUrl: `${req.baseUrl}/${req.params.token as string}/document`,
    receiptUrl: withdrawnOf(res).length > 0 ? `${req.baseUrl}/${req.params.token as string}/receipt` : null,
    errors,
    // Withdrawing is offered while something is still granted, on the same link, as easy as giving it.
    withdraw:
      request.status === 'signed' && request.decisions.some((d) => d.granted)
        ? {
            action: selfUrl(req, request, lang, '/withdraw'),
            csrfToken: issueCsrf(req, res, deps.secureCookies),
            purposes: request.decisions.filter((d) => d.granted).map((d) => ({ id: d.purposeId, label: form.purposes.find((p) => p.id === d.purposeId)?.label[lang] ?? d.purposeId })),
          }
        : null,
    family: familyDone(req, res, request, form, lang, invite ?? { failed: req.query.invite === 'failed' }),
  });

  /** The second step of "withdraw all": what is still granted becomes Nee, what that means, and how to undo it. */
  const withdrawAllModel = (req: Request, res: Response, request: ConsentRequestRecord, form: ConsentForm, lang: Language) => ({
    lang,
    ...formSwitch(req, lang, 'withdraw-all-form', 'review-all', '/withdraw'),
    ...orgModel(res, request),
    title: form.title[lang],
    purposes: form.purposes.filter((p) => request.decisions.some((d) => d.purposeId === p.id && d.granted)).map(purposeModel(form, lang)),
    action: selfUrl(req, request, lang, '/withdraw'),
    backUrl: selfUrl(req, request, lang),
    csrfToken: issueCsrf(req, res, deps.secureCookies),
  });

  // Issue 12 (verify): the one-time code step (verify-step.ts).
  const codeStep = verifyStep({ deps, html, orgModel, selfUrl });

  const load = async (req: Request, res: Response) => {
    const state = await resolveLink(deps, req.params.token as string);
    if (state.kind !== 'unknown') res.locals.organisation = await loadOrganisationView(deps.store, state.request.organisationId);
    if (state.kind === 'done' && (state.request.status === 'signed' || state.request.status === 'withdrawn')) {
      const events = await deps.store.listEvents(state.request.organisationId, state.request.id);
      res.locals.withdrawnPurposes = events.filter((e) => e.type === 'withdrawn').flatMap((e) => (Array.isArray(e.detail.purposes) ? (e.detail.purposes as string[]) : []));
    }
    if (state.kind === 'done') res.locals.family = await loadFamilyView(deps, state.request);
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
    const family = readFamilyFields(body);
    const kept: SignExtra = { answers, signerName: str(body.signerName), declarationConfirmed: body.declaration === 'yes', signatureData: str(body.signatureData), family, explicitConfirmed: readExplicit(state.form, body), extraHidden: familyKept(family) };
    const rerender = (status: number, problems: FieldProblem[]) =>
      html(res, status, 'sign', signModel(req, res, state.request, state.form, lang, { ...kept, errors: problems.map((p) => ({ field: p.field, message: views.translate(lang, p.key, {}, state.request.signerRole) })) }));
    if (res.locals.formTooLarge) return rerender(422, [{ field: 'signature', key: 'errors.signatureTooLarge' }]);
    if (!checkCsrf(req, body._csrf)) return rerender(403, [{ field: 'form', key: 'errors.csrf' }]);
    // Steps that record nothing: another language or "back" show the form again as it was filled
    // in, without errors; "decline" first asks to confirm (the confirmation posts action=decline).
    if (body.action === 'lang' || body.action === 'back') return rerender(200, []);
    if (body.action === 'review-decline') return html(res, 200, 'decline-confirm', declineModel(req, res, state.request, state.form, lang, kept));
    // Issue 12: the second parent's contact is checked before anything is recorded; they are invited after signing.
    const secondGuardianFor = (action: 'sign' | 'decline') => (action === 'sign' ? checkSecondGuardian(state.request, kept.family!, lang) : { input: null, problems: [] });
    const decideAs = (action: 'sign' | 'decline', extra: { verifiedCodeId?: string | null } = {}) =>
      decide(deps, state.request, state.form, {
        authority: declaredAuthority(state.request, kept.family?.authority),
        pageProblems: secondGuardianFor(action).problems,
        action,
        answers,
        declarationConfirmed: kept.declarationConfirmed ?? false,
        signerName: kept.signerName ?? '',
        signatureDataUrl: kept.signatureData ?? '',
        userAgent: req.get('user-agent'),
        language: lang,
        explicitConfirmed: kept.explicitConfirmed ?? [],
        ...extra,
      });
    const answer = async (result: Awaited<ReturnType<typeof decide>>, action: 'sign' | 'decline' = 'sign') => {
      if (!result.ok && result.roleChanged) return roleChangedPage(res, state.request, lang, 422);
      if (!result.ok) return rerender(422, result.problems);
      const secondGuardian = secondGuardianFor(action);
      const invited = secondGuardian.input ? await inviteFromSigningPage(deps, result.request, secondGuardian.input) : 'invited';
      const query = [...(lang === state.request.language ? [] : [`lang=${lang}`]), ...(invited === 'invited' ? [] : ['invite=failed'])];
      res.redirect(303, `${req.baseUrl}/${req.params.token}${query.length > 0 ? `?${query.join('&')}` : ''}`);
    };
    // Issue 12 (verify): posts from the one-time code step.
    if (isCodeAction(body.action)) return codeStep.handle(req, res, state.request, state.form, lang, kept, body.action, body, (extra) => decideAs('sign', extra), answer);
    const action = body.action === 'decline' ? 'decline' : body.action === 'sign' ? 'sign' : null;
    if (action === null) return rerender(422, [{ field: 'form', key: 'errors.actionMissing' }]);
    const result = await decideAs(action);
    // Issue 12 (verify): every check passed but a one-time code is needed first.
    if (!result.ok && result.codeNeeded) return codeStep.start(req, res, state.request, state.form, lang, kept);
    await answer(result, action);
  });

  router.post('/:token/withdraw', urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }), async (req, res) => {
    const state = await load(req, res);
    if (state.kind === 'unknown' || state.kind === 'gone') return goneFor(req, res, state);
    const lang = pickLang(req, state.request.language);
    const back = `${req.baseUrl}/${req.params.token}${lang === state.request.language ? '' : `?lang=${lang}`}`;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const fail = (status: number, keys: string[]) =>
      html(res, status, 'done', doneModel(req, res, state.request, state.form, lang, keys.map((key) => ({ field: 'withdraw', message: views.translate(lang, key, {}, state.request.signerRole) }))));
    if (!checkCsrf(req, body._csrf)) return fail(403, ['errors.csrf']);
    if (state.kind !== 'done') return res.redirect(303, back);
    // "Withdraw all" first asks to confirm; the confirmation posts action=all.
    if (body.action === 'review-all') {
      if (state.request.status !== 'signed' || !state.request.decisions.some((d) => d.granted)) return res.redirect(303, back);
      return html(res, 200, 'withdraw-confirm', withdrawAllModel(req, res, state.request, state.form, lang));
    }
    const chosen = ([] as unknown[]).concat(body.purpose ?? []).filter((v): v is string => typeof v === 'string');
    const result = await withdrawConsent(deps, state.request, state.form, { purposes: body.action === 'all' ? 'all' : chosen, userAgent: req.get('user-agent'), language: lang });
    if (!result.ok) return fail(result.conflict ? 409 : 422, result.problems.map((p) => p.key));
    res.redirect(303, back);
  });

  // Issue 12: a first guardian with joint authority sends the other parent their own link from the done page (once from this page).
  router.post('/:token/second-guardian', urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }), async (req, res) => {
    const state = await load(req, res);
    if (state.kind === 'unknown' || state.kind === 'gone') return goneFor(req, res, state);
    const lang = pickLang(req, state.request.language);
    const back = `${req.baseUrl}/${req.params.token}${lang === state.request.language ? '' : `?lang=${lang}`}`;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const fields = { ...readFamilyFields(body), authority: 'joint' };
    const again = (status: number, problems: FamilyProblem[]) => html(res, status, 'done', doneModel(req, res, state.request, state.form, lang, undefined, { fields, problems }));
    if (state.kind !== 'done') return res.redirect(303, back);
    if (!checkCsrf(req, body._csrf)) return again(403, [{ field: 'second_guardian', key: 'errors.csrf' }]);
    const family = familyDone(req, res, state.request, state.form, lang);
    if (!family?.invite) return again(409, [{ field: 'second_guardian', key: 'family.errors.notPossible' }]);
    const checked = checkSecondGuardian(state.request, fields, lang);
    if (checked.problems.length > 0 || !checked.input) return again(422, checked.problems.length > 0 ? checked.problems : [{ field: 'second_name', key: 'family.errors.nameMissing' }]);
    const outcome = await inviteFromSigningPage(deps, state.request, checked.input);
    if (outcome === 'refused') return again(409, [{ field: 'second_guardian', key: 'family.errors.alreadyInvited' }]);
    if (outcome === 'failed') return res.redirect(303, `${back}${back.includes('?') ? '&' : '?'}invite=failed`);
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
