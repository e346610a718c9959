import type { Request, Response } from 'express';

import type { ConsentForm, Language } from '../../consent/form-types';
import type { DecisionInput, DecisionResult, SignDeps } from '../../consent/sign-consent';
import { checkSignerCode, sendSignerCode, SIGNER_CODE_RULES, type CheckCodeResult } from '../../consent/signer-code';
import type { ConsentRequestRecord } from '../../storage/store';
import type { Views } from '../views';
import { issueCsrf } from './csrf';

/**
 * Issue 12 (verify): the one-time code step of the signing page, without JavaScript. After a sign
 * that passed every check but needs a code, a code is sent and this page asks for it; what was
 * filled in rides along in hidden fields (the drawn signature too). Actions posted from it:
 * `verify-code`, `new-code`, `code-lang` (the language switch) and `back` (the form again).
 */
export const CODE_ACTIONS = ['verify-code', 'new-code', 'code-lang'] as const;
export const isCodeAction = (action: unknown): action is (typeof CODE_ACTIONS)[number] => CODE_ACTIONS.includes(action as (typeof CODE_ACTIONS)[number]);

/** What the sign form carried, as the signing page keeps it between steps. */
export interface KeptFields {
  answers?: Record<string, string | undefined>;
  signerName?: string;
  declarationConfirmed?: boolean;
  signatureData?: string;
  explicitConfirmed?: string[];
  /** Other fields of the sign form that must ride along through the step (the family's, issue 12). */
  extraHidden?: { name: string; value: string }[];
}

/** The special-category purposes whose explicit statement box (`explicit_<purposeId>`) was ticked. */
export function readExplicit(form: ConsentForm, body: Record<string, unknown>): string[] {
  return form.purposes.filter((p) => p.specialCategory && body[`explicit_${p.id}`] === 'yes').map((p) => p.id);
}

/** The hidden fields that carry a filled-in form through a step. */
export function keptFields(form: ConsentForm, kept: KeptFields, withSignature: boolean): { name: string; value: string }[] {
  return [
    ...form.purposes.flatMap((p) => (kept.answers?.[p.id] ? [{ name: `purpose_${p.id}`, value: kept.answers[p.id]! }] : [])),
    ...(kept.explicitConfirmed ?? []).map((id) => ({ name: `explicit_${id}`, value: 'yes' })),
    ...(kept.declarationConfirmed ? [{ name: 'declaration', value: 'yes' }] : []),
    ...(kept.signerName ? [{ name: 'signerName', value: kept.signerName }] : []),
    ...(withSignature && kept.signatureData ? [{ name: 'signatureData', value: kept.signatureData }] : []),
    ...(kept.extraHidden ?? []),
  ];
}

/** The sign form's model additions: each purpose's explicit statement, and the child summary for a guardian. */
export function verifySignModel(form: ConsentForm, request: ConsentRequestRecord, lang: Language, kept: KeptFields) {
  return {
    explicitFor: Object.fromEntries(
      form.purposes.filter((p) => p.specialCategory && p.explicitStatement).map((p) => [p.id, { text: p.explicitStatement![lang], checked: (kept.explicitConfirmed ?? []).includes(p.id) }]),
    ),
    childSummary: request.signerRole === 'guardian' && form.childSummary ? { text: form.childSummary[lang], child: request.subject.firstName } : null,
  };
}

export interface VerifyStepContext {
  deps: SignDeps & { views: Views; secureCookies: boolean };
  html: (res: Response, status: number, page: string, model: object) => void;
  orgModel: (res: Response, request?: ConsentRequestRecord) => { organisationName: string };
  selfUrl: (req: Request, request: ConsentRequestRecord, lang: Language, path?: string) => string;
}

type Notice = 'sent' | 'resent' | null;

export function verifyStep(ctx: VerifyStepContext) {
  const { deps, html } = ctx;
  const t = (lang: Language, request: ConsentRequestRecord, key: string, params: Record<string, unknown> = {}) => deps.views.translate(lang, key, params, request.signerRole);

  const page = (req: Request, res: Response, request: ConsentRequestRecord, form: ConsentForm, lang: Language, kept: KeptFields, status: number, notice: Notice, error: string | null) =>
    html(res, status, 'verify-code', {
      lang,
      otherLang: lang === 'nl' ? 'en' : 'nl',
      langSwitchForm: { form: 'code-lang-form', action: `${req.baseUrl}/${req.params.token as string}?lang=${lang === 'nl' ? 'en' : 'nl'}`, value: 'code-lang' },
      ...ctx.orgModel(res, request),
      title: form.title[lang],
      channel: request.recipient.channel,
      maskedAddress: request.recipient.maskedAddress,
      notice,
      validMinutes: SIGNER_CODE_RULES.validMs / 60_000,
      kept: keptFields(form, kept, true),
      formAction: ctx.selfUrl(req, request, lang),
      csrfToken: issueCsrf(req, res, deps.secureCookies),
      errors: error ? [{ field: 'code', message: error }] : undefined,
    });

  /** Sends a code (within the limits) and shows the step; a refusal is said on the page. */
  const send = async (req: Request, res: Response, request: ConsentRequestRecord, form: ConsentForm, lang: Language, kept: KeptFields, notice: Exclude<Notice, null>) => {
    const sent = await sendSignerCode(deps, request);
    if (sent.ok) return page(req, res, request, form, lang, kept, 200, notice, null);
    const key = sent.reason === 'limit' ? 'verify.errors.limit' : 'verify.errors.unavailable';
    return page(req, res, request, form, lang, kept, sent.reason === 'limit' ? 429 : 422, null, t(lang, request, key, { organisation: ctx.orgModel(res, request).organisationName }));
  };

  const checkError = (lang: Language, request: ConsentRequestRecord, check: Exclude<CheckCodeResult, { ok: true }>): string =>
    check.reason === 'wrong' ? t(lang, request, 'verify.errors.wrong', { left: String(check.attemptsLeft) }) : t(lang, request, `verify.errors.${check.reason}`);

  return {
    /** decide() said a code is needed: send one and ask for it. */
    start: (req: Request, res: Response, request: ConsentRequestRecord, form: ConsentForm, lang: Language, kept: KeptFields) => send(req, res, request, form, lang, kept, 'sent'),

    /**
     * A post from the code page. `decideWith` records the decision with the verified code and
     * answers like the sign post does (redirect, or the form again with its problems).
     */
    async handle(
      req: Request,
      res: Response,
      request: ConsentRequestRecord,
      form: ConsentForm,
      lang: Language,
      kept: KeptFields,
      action: (typeof CODE_ACTIONS)[number],
      body: Record<string, unknown>,
      decideWith: (extra: Pick<DecisionInput, 'verifiedCodeId'>) => Promise<DecisionResult>,
      answer: (result: DecisionResult) => void | Promise<void>,
    ): Promise<void> {
      if (action === 'code-lang') return page(req, res, request, form, lang, kept, 200, null, null);
      if (action === 'new-code') return send(req, res, request, form, lang, kept, 'resent');
      const check = await checkSignerCode(deps, request, typeof body.code === 'string' ? body.code : '');
      if (!check.ok) return page(req, res, request, form, lang, kept, 422, null, checkError(lang, request, check));
      const result = await decideWith({ verifiedCodeId: check.code.id });
      // Still asking for a code after a verified one (it ran out meanwhile): the step again.
      if (!result.ok && result.codeNeeded) return page(req, res, request, form, lang, kept, 422, null, t(lang, request, 'verify.errors.expired'));
      await answer(result);
    },
  };
}
