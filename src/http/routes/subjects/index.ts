import { Router, type RequestHandler } from 'express';

import type { Clock } from '../../../shared/clock';
import type { Store } from '../../../storage/store';

import { MAX_BATCH_REFERENCES, subjectConsent, subjectsConsent } from '../../../consent/consent-status';
import { Turning16Rules } from '../../../consent/turning-16';
import { presentConsentRequest } from '../../../consent/present-consent-request';
import { MAX_SCAN_BYTES, recordPaperConsent, type PaperDeps } from '../../../consent/record-paper-consent';
import { AppError } from '../../../errors';
import { readMultipart } from '../../middleware/multipart';
import { writeJson } from '../../middleware/api-headers';
import { idempotency } from '../../middleware/idempotency';
import { authOf } from '../../middleware/auth';
import { parsed, validate } from '../../middleware/validate';
import { removeSubjectContact, setSubjectContact } from '../../../consent/subject-contact';
import { personName, subjectReference } from '../consent-requests/schema';
import { z } from 'zod';

export const params = z.object({ reference: subjectReference });

/** `PUT /subjects/{reference}/contact`: the young person's own phone (sms) or e-mail address. */
export const subjectContactBody = z
  .object({
    channel: z.enum(['sms', 'email']),
    phone: z.string().min(1).max(50).optional(),
    email: z.string().min(1).max(254).optional(),
  })
  .strict();

const paperSubject = z
  .object({
    formId: z.string().min(1).max(64),
    firstName: personName,
    lastName: personName.optional(),
    dateOfBirth: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD'),
    language: z.enum(['nl', 'en']).optional(),
  })
  .passthrough();

/** `POST /subjects/consent-status`: the references of an activity list, checked at once. */
export const batchStatusBody = z.strictObject({
  references: z
    .array(subjectReference)
    .min(1, 'Give at least one subject reference.')
    .max(MAX_BATCH_REFERENCES, `At most ${MAX_BATCH_REFERENCES} subject references at once.`),
});

export function subjectsRouter(deps: PaperDeps): Router {
  const router = Router();
  // The same rules and answer as GET /subjects/{reference}/consent, per reference (issue 13).
  const statusDeps = { store: deps.store, clock: deps.clock, turning16Rules: new Turning16Rules(deps) };
  router.post('/consent-status', validate('body', batchStatusBody), async (_req, res) => {
    const { references } = parsed(res.locals, 'body', batchStatusBody);
    writeJson(res, 200, JSON.stringify({ data: await subjectsConsent(statusDeps, authOf(res.locals).organisationId, references) }));
  });
  /** Paper consent for a person without a prior request: multipart with the scan and the facts. */
  router.post('/:reference/paper-consents', validate('params', params), idempotency(deps.store, deps.clock), async (req, res) => {
    const { organisationId, keyId, keyName } = authOf(res.locals);
    const body = await readMultipart(req, { maxFileBytes: MAX_SCAN_BYTES, fileField: 'file' });
    const parsed = paperSubject.safeParse(body.fields);
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
    }
    const f = parsed.data;
    const recorded = await recordPaperConsent(deps, organisationId, `api:${keyId}`, { subjectReference: req.params.reference as string, formId: f.formId, firstName: f.firstName, lastName: f.lastName, dateOfBirth: f.dateOfBirth, language: f.language }, { ...body.fields, file: body.file }, keyName);
    res.status(201).location(`/api/v1/consent-requests/${recorded.id}`).json(presentConsentRequest(recorded));
  });
  /** The young person's own contact, for their own request when they turn 16 (issue 12). */
  router.put('/:reference/contact', validate('params', params), validate('body', subjectContactBody), async (req, res) => {
    const { organisationId } = authOf(res.locals);
    res.status(200).json(await setSubjectContact(deps, organisationId, req.params.reference as string, parsed(res.locals, 'body', subjectContactBody)));
  });
  router.delete('/:reference/contact', validate('params', params), async (req, res) => {
    await removeSubjectContact(deps, authOf(res.locals).organisationId, req.params.reference as string);
    res.status(204).end();
  });
  // GET /:reference/consent is mounted on the app itself (app.ts), ahead of this router.
  return router;
}

/**
 * `GET /subjects/{reference}/consent`, the registration systems' hot path. buildApp mounts it on
 * the app itself, after deferredApiHeaders and the API guards.
 */
export function subjectConsentHandler(deps: { store: Store; clock: Clock }): RequestHandler[] {
  // Built once: the organisation's turning-16 rule is read at most once a minute per organisation.
  const statusDeps = { store: deps.store, clock: deps.clock, turning16Rules: new Turning16Rules(deps) };
  return [
    validate('params', params),
    async (req, res) => {
      // res.json() re-derives the content type and charset and checks freshness on every call;
      // this answer is always fresh JSON, so it is written directly, headers and all.
      writeJson(res, 200, JSON.stringify(await subjectConsent(statusDeps, authOf(res.locals).organisationId, req.params.reference as string)));
    },
  ];
}
