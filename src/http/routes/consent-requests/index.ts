import { Router, type Response } from 'express';

import { cancelConsent } from '../../../consent/cancel-consent';
import { getConsentDocument, listConsentDocuments, type ConsentDocument } from '../../../consent/consent-documents';
import { presentConsentRequest, presentDocumentSealState } from '../../../consent/present-consent-request';
import { MAX_SCAN_BYTES, recordPaperConsent, type PaperDeps } from '../../../consent/record-paper-consent';
import { remindConsent } from '../../../consent/remind-consent';
import { readMultipart } from '../../middleware/multipart';
import { requestConsent, type RequestConsentDeps } from '../../../consent/request-consent';
import { familySignersOf, inviteSecondGuardian } from '../../../consent/second-guardian';
import { AppError } from '../../../errors';
import type { ConsentRequestRecord, DocumentRecord } from '../../../storage/store';
import { authOf } from '../../middleware/auth';
import { idempotency } from '../../middleware/idempotency';
import { decodeCursor, encodeCursor } from '../../cursor';
import { validate } from '../../middleware/validate';
import { createConsentRequestBody, documentParams, idParams, listQuery, secondGuardianBody, type CreateConsentRequestBody, type SecondGuardianBody } from './schema';
import type { z } from 'zod';

/** A request id in a list cursor. */
const REQUEST_CURSOR = /^cr_[A-Za-z0-9_-]+$/;
const presentConsentDocument = (d: ConsentDocument) => ({ id: d.id, kind: d.kind, version: d.version, supersedes: d.supersedes, timestamped: d.timestamped, contentType: d.contentType, sha256: d.sha256, createdAt: d.createdAt.toISOString(), sealState: presentDocumentSealState(d.sealState) });
export type ConsentDocumentView = ReturnType<typeof presentConsentDocument>;
// Ids and kinds are ours, but a header value is no place to trust that: anything else becomes `_`.
const documentFileName = (d: ConsentDocument, requestId: string) =>
  `akkoord-${requestId}-${d.kind}-v${d.version}${d.contentType === 'application/pdf' ? '.pdf' : ''}`.replace(/[^A-Za-z0-9._-]/g, '_');
/** A stored document as a download: its SHA-256 in `Digest`, never cached. */
const sendDocument = (res: Response, doc: Pick<DocumentRecord, 'contentType' | 'sha256' | 'content'>, fileName: string): void => {
  res
    .status(200)
    .type(doc.contentType)
    .setHeader('Content-Disposition', `attachment; filename="${fileName}"`)
    .setHeader('Digest', `sha-256=${Buffer.from(doc.sha256, 'hex').toString('base64')}`)
    .setHeader('Cache-Control', 'no-store')
    .send(doc.content);
};

export function consentRequestsRouter(deps: RequestConsentDeps & PaperDeps): Router {
  const router = Router();
  const { store } = deps;
  const find = async (organisationId: string, id: string) => {
    const request = await store.getConsentRequest(organisationId, id);
    if (!request) throw new AppError('not_found', 'There is no consent request with this id.');
    return request;
  };
  const actor = (locals: Record<string, unknown>) => `api:${authOf(locals).keyId}`;
  // Issue 12: a resource lists its family's signers: one store read per response (or per page).
  const present = async (organisationId: string, request: ConsentRequestRecord) => presentConsentRequest(request, await familySignersOf(deps, organisationId, [request]));

  router.post('/', idempotency(store, deps.clock), validate('body', createConsentRequestBody), async (_req, res) => {
    const body = res.locals.body as CreateConsentRequestBody;
    const created = await requestConsent(deps, authOf(res.locals).organisationId, actor(res.locals), body);
    res.status(201).location(`/api/v1/consent-requests/${created.id}`).json(presentConsentRequest(created));
  });

  router.get('/', validate('query', listQuery), async (_req, res) => {
    const q = res.locals.query as z.infer<typeof listQuery>;
    const { organisationId } = authOf(res.locals);
    const page = await store.listConsentRequests(organisationId, q, q.limit, decodeCursor(q.cursor, REQUEST_CURSOR));
    const signers = await familySignersOf(deps, organisationId, page.items);
    res.json({ data: page.items.map((r) => presentConsentRequest(r, signers)), nextCursor: encodeCursor(page.nextCursor) });
  });

  router.get('/:id', validate('params', idParams), async (req, res) => {
    const { organisationId } = authOf(res.locals);
    res.json(await present(organisationId, await find(organisationId, req.params.id as string)));
  });

  router.get('/:id/events', validate('params', idParams), async (req, res) => {
    const { organisationId } = authOf(res.locals);
    const request = await find(organisationId, req.params.id as string);
    const events = await store.listEvents(organisationId, request.id);
    res.json({ data: events.map((e) => ({ id: e.id, type: e.type, at: e.at.toISOString(), actor: e.actor, detail: e.detail, hash: e.hash })) });
  });

  router.post('/:id/cancel', validate('params', idParams), async (req, res) => {
    const { organisationId } = authOf(res.locals);
    const cancelled = await cancelConsent(deps, organisationId, req.params.id as string, actor(res.locals));
    res.json(await present(organisationId, cancelled));
  });

  router.get('/:id/document', validate('params', idParams), async (req, res) => {
    const { organisationId } = authOf(res.locals);
    const request = await find(organisationId, req.params.id as string);
    const doc = (await store.getDocument(organisationId, request.id, 'consent-pdf')) ?? (await store.getDocument(organisationId, request.id, 'paper-record'));
    if (!doc) throw new AppError('conflict', `There is no document yet: the request is ${request.status}.`);
    sendDocument(res, doc, `akkoord-${request.id}.pdf`);
  });

  router.post('/:id/remind', validate('params', idParams), async (req, res) => {
    const { organisationId } = authOf(res.locals);
    const request = await remindConsent(deps, organisationId, req.params.id as string, actor(res.locals));
    res.status(202).json(await present(organisationId, request));
  });

  router.post('/:id/paper', validate('params', idParams), idempotency(store, deps.clock), async (req, res) => {
    const { organisationId } = authOf(res.locals);
    await find(organisationId, req.params.id as string);
    const body = await readMultipart(req, { maxFileBytes: MAX_SCAN_BYTES, fileField: 'file' });
    const recorded = await recordPaperConsent(deps, organisationId, actor(res.locals), { requestId: req.params.id as string }, { ...body.fields, file: body.file }, authOf(res.locals).keyName);
    res.json(await present(organisationId, recorded));
  });

  // Issue 12: the second guardian's own request, linked to this (first guardian's) request.
  router.post('/:id/second-guardian', validate('params', idParams), idempotency(store, deps.clock), validate('body', secondGuardianBody), async (req, res) => {
    const { organisationId } = authOf(res.locals);
    const body = res.locals.body as SecondGuardianBody;
    const created = await inviteSecondGuardian(deps, organisationId, req.params.id as string, actor(res.locals), body, { origin: 'caller' });
    res.status(201).location(`/api/v1/consent-requests/${created.id}`).json(await present(organisationId, created));
  });

  router.get('/:id/documents', validate('params', idParams), async (req, res) => {
    const docs = await listConsentDocuments(deps, authOf(res.locals).organisationId, req.params.id as string);
    res.json({ data: docs.map(presentConsentDocument) });
  });

  router.get('/:id/documents/:documentId', validate('params', documentParams), async (req, res) => {
    const { document, listed } = await getConsentDocument(deps, authOf(res.locals).organisationId, req.params.id as string, req.params.documentId as string);
    sendDocument(res, document, documentFileName(listed, document.requestId));
  });

  return router;
}
