import { z } from 'zod';

import { MAX_BATCH_REFERENCES } from '../consent/consent-status';
import {
  consentDocumentListSchema,
  consentRequestPageSchema,
  consentRequestSchema,
  eventListSchema,
  formListSchema,
  formSchema,
  paperConsentForm,
  paperSubjectConsentForm,
  recordVerificationSchema,
  subjectConsentListSchema,
  subjectConsentSchema,
  subjectContactSchema,
  verifyForm,
  webhookDeliveryListSchema,
  webhookEndpointEventListSchema,
  webhookDeliverySchema,
  webhookEndpointListSchema,
  webhookEndpointSchema,
  webhookEndpointWithSecretSchema,
} from './api-schemas';
import { createConsentRequestBody, documentParams, idParams, listQuery, secondGuardianBody } from './routes/consent-requests/schema';
import { batchStatusBody, params as subjectParams, subjectContactBody } from './routes/subjects';
import { createWebhookEndpointBody, listWebhookDeliveriesQuery, listWebhookEndpointEventsQuery, rotateWebhookSecretBody, webhookDeliveryParams, webhookEndpointParams } from './routes/webhook-endpoints/schema';

/**
 * The API's routes as the reference describes them: one entry per route. openapi.ts builds
 * `/api/v1/openapi.json` (and so `/docs`) from this table and the zod schemas it names, the same
 * schemas the routes validate with. test/http/openapi.test.ts fails when a route in the Express
 * router has no entry here, or an entry has no route: adding a route means adding one entry.
 */
export interface ApiRoute {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI style: `/api/v1/consent-requests/{id}`. */
  path: string;
  operationId: string;
  tag: ApiTag;
  summary: string;
  description?: string;
  /** `apiKey`: `Authorization: Bearer <key>`; `statusKey`: a read-only (status) key is enough too; `none`: public. */
  auth: 'apiKey' | 'statusKey' | 'none';
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** The route honours `Idempotency-Key` (POSTs that create something). */
  idempotent?: boolean;
  /** Request body: a component name and its schema per content type (null: raw bytes). */
  body?: { id: string; content: Partial<Record<BodyType, z.ZodType | null>>; example?: unknown };
  /** Success and route-specific answers; the errors every route can give are added by openapi.ts. */
  responses: Record<number, ApiResponse>;
}
export type BodyType = 'application/json' | 'multipart/form-data' | 'application/pdf';

export interface ApiResponse {
  description: string;
  /** A JSON body (`application/json`); `problem`: an `application/problem+json` answer. */
  schema?: z.ZodType | 'problem';
  /** A body that is not JSON (for example `application/pdf`). */
  contentType?: string;
  headers?: Record<string, string>;
}

export const API_TAGS = {
  status: 'Consent status for registration',
  requests: 'Consent requests',
  documents: 'Documents and evidence',
  forms: 'Forms',
  subjects: 'Subjects',
  webhooks: 'Webhooks',
  reference: 'Reference',
} as const;
export type ApiTag = keyof typeof API_TAGS;

/** A problem+json answer with this description. */
export const problem = (description: string): ApiResponse => ({ description, schema: 'problem' });
const notFound = problem('No such consent request (or another organisation’s id).');
const invalid = problem('Invalid fields; `errors` names each one.');
const created = (description: string): ApiResponse => ({ description, schema: consentRequestSchema, headers: { Location: 'The new consent request: /api/v1/consent-requests/{id}' } });
const pdf = (description: string): ApiResponse => ({
  description,
  contentType: 'application/pdf',
  headers: { Digest: '`sha-256=<base64>`: the SHA-256 of the file (the same value as `sha256` in the document list, hex there).', 'Content-Disposition': 'attachment; filename="…"' },
});
const tooLarge = problem('The upload is larger than allowed.');

const noEndpoint = problem('No such webhook endpoint (or another organisation’s).');
const secretOnce = { 'Cache-Control': '`no-store`: the answer holds the secret.' };

const formParams = z.object({ formId: z.string().describe('The form id, e.g. `activiteit-onder-16`.') });

export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: 'get',
    path: '/api/v1/subjects/{reference}/consent',
    operationId: 'getSubjectConsent',
    tag: 'status',
    summary: 'Consent status of a person',
    description: 'The latest decision per purpose wins; withdrawn, expired, cancelled and declined requests grant nothing; paper consent counts. `mayRegister` is true only when a required purpose is granted now.',
    auth: 'statusKey',
    params: subjectParams,
    responses: { 200: { description: 'The latest decision per purpose.', schema: subjectConsentSchema }, 422: invalid },
  },
  {
    method: 'post',
    path: '/api/v1/subjects/consent-status',
    operationId: 'getSubjectsConsent',
    tag: 'status',
    summary: `Consent status of up to ${MAX_BATCH_REFERENCES} people at once (an activity list)`,
    description: 'The same answer as GET /api/v1/subjects/{reference}/consent for each reference: one entry per distinct reference, in the order first given.',
    auth: 'statusKey',
    body: { id: 'SubjectsConsentQuery', content: { 'application/json': batchStatusBody }, example: { references: ['REG-1042', 'REG-2001'] } },
    responses: { 200: { description: 'One status per distinct reference.', schema: subjectConsentListSchema }, 422: invalid },
  },
  {
    method: 'post',
    path: '/api/v1/consent-requests',
    operationId: 'createConsentRequest',
    tag: 'requests',
    summary: 'Ask for consent',
    description: 'The signer role follows from the age on the day of the request (Europe/Amsterdam): under 16 a parent or guardian signs, 16 or older the person. The message is queued in the same transaction and sent in the background.',
    auth: 'apiKey',
    idempotent: true,
    body: {
      id: 'CreateConsentRequest',
      content: { 'application/json': createConsentRequestBody },
      example: {
        formId: 'activiteit-onder-16',
        subject: { reference: 'REG-1042', firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2014-04-02' },
        recipient: { name: 'Ans de Vries', channel: 'sms', phone: '06 12345678', language: 'nl' },
      },
    },
    responses: { 201: created('Created; the message is queued.'), 422: problem('Invalid fields, a form whose audience does not fit the age, an address that cannot receive the message, or an Idempotency-Key used with another body.') },
  },
  {
    method: 'get',
    path: '/api/v1/consent-requests',
    operationId: 'listConsentRequests',
    tag: 'requests',
    summary: 'List consent requests, newest first',
    auth: 'apiKey',
    query: listQuery,
    responses: { 200: { description: 'A page.', schema: consentRequestPageSchema }, 422: invalid },
  },
  {
    method: 'get',
    path: '/api/v1/consent-requests/{id}',
    operationId: 'getConsentRequest',
    tag: 'requests',
    summary: 'Get a consent request',
    auth: 'apiKey',
    params: idParams,
    responses: { 200: { description: 'The request.', schema: consentRequestSchema }, 404: notFound, 422: invalid },
  },
  {
    method: 'get',
    path: '/api/v1/consent-requests/{id}/events',
    operationId: 'listConsentRequestEvents',
    tag: 'requests',
    summary: 'Audit trail of a request, oldest first',
    auth: 'apiKey',
    params: idParams,
    responses: { 200: { description: 'Events, oldest first.', schema: eventListSchema }, 404: notFound, 422: invalid },
  },
  {
    method: 'post',
    path: '/api/v1/consent-requests/{id}/remind',
    operationId: 'remindConsentRequest',
    tag: 'requests',
    summary: 'Send a reminder now',
    description: 'An SMS in quiet hours waits until 08:00 (Europe/Amsterdam). Replaces a scheduled reminder.',
    auth: 'apiKey',
    params: idParams,
    responses: { 202: { description: 'Accepted; the reminder is queued.', schema: consentRequestSchema }, 404: notFound, 409: problem('Not sent, delivered or opened; the maximum number of reminders is reached; or consent given on paper.'), 422: invalid },
  },
  {
    method: 'post',
    path: '/api/v1/consent-requests/{id}/cancel',
    operationId: 'cancelConsentRequest',
    tag: 'requests',
    summary: 'Cancel; the link stops working at once',
    auth: 'apiKey',
    params: idParams,
    responses: { 200: { description: 'Cancelled.', schema: consentRequestSchema }, 404: notFound, 409: problem('Not open any more.'), 422: invalid },
  },
  {
    method: 'post',
    path: '/api/v1/consent-requests/{id}/second-guardian',
    operationId: 'inviteSecondGuardian',
    tag: 'requests',
    summary: 'Invite the second parent or guardian (joint parental authority)',
    description: 'Their own request for the same subject and form version, linked to this one.',
    auth: 'apiKey',
    params: idParams,
    idempotent: true,
    body: { id: 'SecondGuardian', content: { 'application/json': secondGuardianBody }, example: { recipient: { name: 'Karim de Vries', channel: 'email', email: 'karim@example.nl', language: 'nl' } } },
    responses: {
      201: created('Created; the message is queued. Location names the new request.'),
      404: notFound,
      409: problem('Not a first guardian’s request, cancelled/expired/failed, the child is 16 or older now, or a second guardian’s request is still open.'),
      422: invalid,
    },
  },
  {
    method: 'post',
    path: '/api/v1/consent-requests/{id}/paper',
    operationId: 'recordPaperConsent',
    tag: 'requests',
    summary: 'Record consent given on paper for this request',
    description: 'The scan is kept with the request, inside one sealed PDF with a cover page.',
    auth: 'apiKey',
    params: idParams,
    idempotent: true,
    body: { id: 'PaperConsent', content: { 'multipart/form-data': paperConsentForm } },
    responses: { 200: { description: 'Recorded.', schema: consentRequestSchema }, 404: notFound, 409: problem('The request is decided or closed.'), 413: tooLarge, 422: invalid },
  },
  {
    method: 'get',
    path: '/api/v1/consent-requests/{id}/document',
    operationId: 'getConsentRecord',
    tag: 'documents',
    summary: 'The signed evidence PDF (sealed)',
    auth: 'apiKey',
    params: idParams,
    responses: { 200: pdf('The current record.'), 404: notFound, 409: problem('Not decided yet.'), 422: invalid },
  },
  {
    method: 'get',
    path: '/api/v1/consent-requests/{id}/documents',
    operationId: 'listConsentDocuments',
    tag: 'documents',
    summary: 'Every stored document of the request, oldest first, without content',
    auth: 'apiKey',
    params: idParams,
    responses: { 200: { description: 'Documents.', schema: consentDocumentListSchema }, 404: notFound, 422: invalid },
  },
  {
    method: 'get',
    path: '/api/v1/consent-requests/{id}/documents/{documentId}',
    operationId: 'getConsentDocument',
    tag: 'documents',
    summary: 'One stored document (any version), as it was sealed',
    auth: 'apiKey',
    params: documentParams,
    responses: { 200: pdf('The document.'), 404: problem('No such request or document.'), 422: invalid },
  },
  {
    method: 'post',
    path: '/api/v1/verify',
    operationId: 'verifyRecord',
    tag: 'documents',
    summary: 'Check a PDF: is it an unmodified record of this service, and does its seal hold?',
    description: 'Send the PDF as `file` in multipart/form-data, or as the body with Content-Type application/pdf. Only records of the key’s organisation count as known.',
    auth: 'apiKey',
    body: { id: 'VerifyRecord', content: { 'multipart/form-data': verifyForm, 'application/pdf': null } },
    responses: { 200: { description: 'What the file is.', schema: recordVerificationSchema }, 413: tooLarge, 422: problem('No file, or not a PDF.') },
  },
  {
    method: 'get',
    path: '/api/v1/forms',
    operationId: 'listForms',
    tag: 'forms',
    summary: 'The forms of the key’s organisation',
    auth: 'apiKey',
    responses: { 200: { description: 'Forms.', schema: formListSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/forms/{formId}',
    operationId: 'getForm',
    tag: 'forms',
    summary: 'Get a form',
    auth: 'apiKey',
    params: formParams,
    responses: { 200: { description: 'The form.', schema: formSchema }, 404: problem('No such form for this organisation.') },
  },
  {
    method: 'post',
    path: '/api/v1/subjects/{reference}/paper-consents',
    operationId: 'recordSubjectPaperConsent',
    tag: 'subjects',
    summary: 'Record consent given on paper for a person without a prior request',
    auth: 'apiKey',
    params: subjectParams,
    idempotent: true,
    body: { id: 'SubjectPaperConsent', content: { 'multipart/form-data': paperSubjectConsentForm } },
    responses: { 201: created('Recorded as a new consent request.'), 413: tooLarge, 422: invalid },
  },
  {
    method: 'put',
    path: '/api/v1/subjects/{reference}/contact',
    operationId: 'setSubjectContact',
    tag: 'subjects',
    summary: 'The young person’s own contact, for their own request when they turn 16',
    description: 'Stored encrypted; erased once used for their own request, and at the latest 90 days after it was given. Channel sms needs `phone`, channel email needs `email`.',
    auth: 'apiKey',
    params: subjectParams,
    body: { id: 'SubjectContactInput', content: { 'application/json': subjectContactBody }, example: { channel: 'sms', phone: '06 23456789' } },
    responses: { 200: { description: 'Stored.', schema: subjectContactSchema }, 422: invalid },
  },
  {
    method: 'delete',
    path: '/api/v1/subjects/{reference}/contact',
    operationId: 'removeSubjectContact',
    tag: 'subjects',
    summary: 'Forget the young person’s own contact',
    auth: 'apiKey',
    params: subjectParams,
    responses: { 204: { description: 'Gone (also when there was none).' }, 422: invalid },
  },
  {
    method: 'post',
    path: '/api/v1/webhook-endpoints',
    operationId: 'createWebhookEndpoint',
    tag: 'webhooks',
    summary: 'Add a webhook endpoint; its secret is in this answer only',
    description: 'Deliveries are signed per the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`, `webhook-signature`). Only https URLs in production; URLs that resolve to loopback, private or link-local addresses are refused unless allowed by a setting. Not replayed by `Idempotency-Key`: a replay would have to keep the secret.',
    auth: 'apiKey',
    body: { id: 'CreateWebhookEndpoint', content: { 'application/json': createWebhookEndpointBody }, example: { url: 'https://registratie.example.nl/akkoord/webhooks', events: ['consent_request.signed', 'consent_request.withdrawn'], description: 'Registratie' } },
    responses: {
      201: { description: 'Created.', schema: webhookEndpointWithSecretSchema, headers: { Location: 'The new endpoint: /api/v1/webhook-endpoints/{id}', ...secretOnce } },
      409: problem('The organisation has the most endpoints allowed.'),
      422: problem('Invalid fields, an unknown event type (`events.<i>`), or a URL that may not receive webhooks (`url`).'),
    },
  },
  {
    method: 'get',
    path: '/api/v1/webhook-endpoints',
    operationId: 'listWebhookEndpoints',
    tag: 'webhooks',
    summary: 'The organisation’s webhook endpoints (never their secrets)',
    auth: 'apiKey',
    responses: { 200: { description: 'Every endpoint.', schema: webhookEndpointListSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/webhook-endpoints/{id}',
    operationId: 'getWebhookEndpoint',
    tag: 'webhooks',
    summary: 'Get a webhook endpoint (never its secret)',
    auth: 'apiKey',
    params: webhookEndpointParams,
    responses: { 200: { description: 'The endpoint.', schema: webhookEndpointSchema }, 404: noEndpoint, 422: invalid },
  },
  {
    method: 'delete',
    path: '/api/v1/webhook-endpoints/{id}',
    operationId: 'deleteWebhookEndpoint',
    tag: 'webhooks',
    summary: 'Delete a webhook endpoint and its deliveries (pending ones are not sent)',
    auth: 'apiKey',
    params: webhookEndpointParams,
    responses: { 204: { description: 'Deleted.' }, 404: noEndpoint, 422: invalid },
  },
  {
    method: 'post',
    path: '/api/v1/webhook-endpoints/{id}/rotate-secret',
    operationId: 'rotateWebhookSecret',
    tag: 'webhooks',
    summary: 'A new secret (in this answer only); the old one keeps signing beside it for `overlapHours`',
    auth: 'apiKey',
    params: webhookEndpointParams,
    body: { id: 'RotateWebhookSecret', content: { 'application/json': rotateWebhookSecretBody }, example: { overlapHours: 24 } },
    responses: { 200: { description: 'Rotated.', schema: webhookEndpointWithSecretSchema, headers: secretOnce }, 404: noEndpoint, 422: invalid },
  },
  {
    method: 'post',
    path: '/api/v1/webhook-endpoints/{id}/enable',
    operationId: 'enableWebhookEndpoint',
    tag: 'webhooks',
    summary: 'Enable a disabled endpoint again (its failing streak starts anew)',
    auth: 'apiKey',
    params: webhookEndpointParams,
    responses: { 200: { description: 'Enabled (also when it was).', schema: webhookEndpointSchema }, 404: noEndpoint, 422: invalid },
  },
  {
    method: 'get',
    path: '/api/v1/webhook-endpoints/{id}/deliveries',
    operationId: 'listWebhookDeliveries',
    tag: 'webhooks',
    summary: 'Recent deliveries to the endpoint, newest first, with their attempts and status codes',
    auth: 'apiKey',
    params: webhookEndpointParams,
    query: listWebhookDeliveriesQuery,
    responses: { 200: { description: 'A page.', schema: webhookDeliveryListSchema }, 404: noEndpoint, 422: invalid },
  },
  {
    method: 'get',
    path: '/api/v1/webhook-endpoints/{id}/events',
    operationId: 'listWebhookEndpointEvents',
    tag: 'webhooks',
    summary: 'The endpoint’s history, newest first: created, secret_rotated, disabled, enabled, with who did it',
    auth: 'apiKey',
    params: webhookEndpointParams,
    query: listWebhookEndpointEventsQuery,
    responses: { 200: { description: 'A page.', schema: webhookEndpointEventListSchema }, 404: noEndpoint, 422: invalid },
  },
  {
    method: 'post',
    path: '/api/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry',
    operationId: 'retryWebhookDelivery',
    tag: 'webhooks',
    summary: 'Send one delivery again now, with the same `webhook-id` and body',
    auth: 'apiKey',
    params: webhookDeliveryParams,
    responses: { 202: { description: 'Due now; the worker’s next pass sends it.', schema: webhookDeliverySchema }, 404: problem('No such endpoint or delivery.'), 409: problem('The endpoint is disabled; enable it first.'), 422: invalid },
  },
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    operationId: 'getOpenApi',
    tag: 'reference',
    summary: 'This document (OpenAPI 3.1); the readable version is /docs',
    auth: 'none',
    responses: { 200: { description: 'The OpenAPI document.', contentType: 'application/json' } },
  },
];
