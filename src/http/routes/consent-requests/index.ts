import { Router, type Response } from 'express';

import { cancelConsent } from '../../../consent/cancel-consent';
import { getConsentDocument, listConsentDocuments, type ConsentDocument } from '../../../consent/consent-documents';
import { presentConsentRequest, presentDocumentSealState } from '../../../consent/present-consent-request';
import { MAX_SCAN_BYTES, recordPaperConsent, type PaperDeps } from '../../../consent/record-paper-consent';
import { remindConsent } from '../../../consent/remind-consent';
import { readMultipart } from '../../middleware/multipart';
import { requestConsent, type RequestConsentDeps } from '../../../consent/request-consent';
import { AppError } from '../../../errors';
import type { DocumentRecord } from '../../../storage/store';
import { authOf } from '../../middleware/auth';
import { idempotency } from '../../middleware/idempotency';
import { validate } from '../../middleware/validate';
import { createConsentRequestBody, documentParams, idParams, listQuery, type CreateConsentRequestBody } from './schema';
import type { z } from 'zod';

const decodeCursor = (cursor: string | undefined): string | null => {
  if (cursor === undefined) return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^cr_[A-Za-z0-9_-]+$/.test(id)) throw AppError.validation('query.cursor', 'This cursor is not valid; use nextCursor from a previous page.');
  return id;
};
const presentConsentDocument = (d: ConsentDocument) => ({ id: d.id, kind: d.kind, version: d.version, supersedes: d.supersedes, timestamped: d.timestamped, contentType: d.contentType, sha256: d.sha256, createdAt: d.createdAt.toISOString(), sealState: presentDocumentSealState(d.sealState) });
// Ids and kinds are ours, but a header value is no place to trust that: anything else becomes `_`.
const documentFileName = (d: ConsentDocument, requestId: string) =>
  `akkoord-${requestId}-${d.kind}-v${d.version}${d.contentType === 'application/pdf' ? '.pdf' : ''}`.replace(/[^A-Za-z0-9._-]/g, '_');
const encodeCursor = (id: string | null): string | null => (id === null ? null : Buffer.from(id, 'utf8').toString('base64url'));
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

  router.post('/', idempotency(store, deps.clock), validate('body', createConsentRequestBody), async (_req, res) => {
    const body = res.locals.body as CreateConsentRequestBody;
    const created = await requestConsent(deps, authOf(res.locals).organisationId, actor(res.locals), body);
    res.status(201).location(`/api/v1/consent-requests/${created.id}`).json(presentConsentRequest(created));
  });

  router.get('/', validate('query', listQuery), async (_req, res) => {
    const q = res.locals.query as z.infer<typeof listQuery>;
    const page = await store.listConsentRequests(authOf(res.locals).organisationId, q, q.limit, decodeCursor(q.cursor));
    res.json({ data: page.items.map(presentConsentRequest), nextCursor: encodeCursor(page.nextCursor) });
  });

  router.get('/:id', validate('params', idParams), async (req, res) => {
    res.json(presentConsentRequest(await find(authOf(res.locals).organisationId, req.params.id as string)));
  });

  router.get('/:id/events', validate('params', idParams), async (req, res) => {
    const { organisationId } = authOf(res.locals);
    const request = await find(organisationId, req.params.id as string);
    const events = await store.listEvents(organisationId, request.id);
    res.json({ data: events.map((e) => ({ id: e.id, type: e.type, at: e.at.toISOString(), actor: e.actor, detail: e.detail, hash: e.hash })) });
  });

  router.post('/:id/cancel', validate('params', idParams), async (req, res) => {
    const cancelled = await cancelConsent(deps, authOf(res.locals).organisationId, req.params.id as string, actor(res.locals));
    res.json(presentConsentRequest(cancelled));
  });

  router.get('/:id/document', validate('params', idParams), async (req, res) => {
    const { organisationId } = authOf(res.locals);
    const request = await find(organisationId, req.params.id as string);
    const doc = (await store.getDocument(organisationId, request.id, 'consent-pdf')) ?? (await store.getDocument(organisationId, request.id, 'paper-record'));
    if (!doc) throw new AppError('conflict', `There is no document yet: the request is ${request.status}.`);
    sendDocument(res, doc, `akkoord-${request.id}.pdf`);
  });

  router.post('/:id/remind', validate('params', idParams), async (req, res) => {
    const request = await remindConsent(deps, authOf(res.locals).organisationId, req.params.id as string, actor(res.locals));
    res.status(202).json(presentConsentRequest(request));
  });

  router.post('/:id/paper', validate('params', idParams), idempotency(store, deps.clock), async (req, res) => {
    const { organisationId } = authOf(res.locals);
    await find(organisationId, req.params.id as string);
    const body = await readMultipart(req, { maxFileBytes: MAX_SCAN_BYTES, fileField: 'file' });
    const recorded = await recordPaperConsent(deps, organisationId, actor(res.locals), { requestId: req.params.id as string }, { ...body.fields, file: body.file }, authOf(res.locals).keyName);
    res.json(presentConsentRequest(recorded));
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
