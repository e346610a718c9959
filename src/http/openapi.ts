import { z } from 'zod';

import { createConsentRequestBody, listQuery, secondGuardianBody } from './routes/consent-requests/schema';
import { batchStatusBody, subjectContactBody } from './routes/subjects';

/**
 * The machine-readable contract, generated from the same zod schemas that validate requests, so
 * the published document cannot drift from what the service accepts.
 */
const problem = { $ref: '#/components/schemas/Problem' };
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: problem } } });
const errors = {
  '401': problemResponse('Missing or invalid API key'),
  '404': problemResponse('Not found (or another organisation’s id)'),
  '422': problemResponse('Invalid fields; `errors` names each one'),
  '429': problemResponse('Rate limited; see Retry-After'),
};
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export function buildOpenApi(serverUrl: string): object {
  const queryParams = Object.entries((z.toJSONSchema(listQuery, { io: 'input' }) as { properties: Record<string, object> }).properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
  return {
    openapi: '3.1.0',
    info: { title: 'Akkoord API', version: '1.0.0', description: 'Digital consent forms for youth and community work. See README.md for the full guide.' },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    paths: {
      '/api/v1/forms': { get: { summary: 'List forms', responses: { '200': { description: 'Forms', ...json({ type: 'object', properties: { data: { type: 'array', items: ref('Form') } } }) }, ...errors } } },
      '/api/v1/forms/{formId}': { get: { summary: 'Get a form', parameters: [{ name: 'formId', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'Form', ...json(ref('Form')) }, ...errors } } },
      '/api/v1/consent-requests': {
        post: {
          summary: 'Ask for consent',
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }],
          requestBody: { required: true, ...json(z.toJSONSchema(createConsentRequestBody, { io: 'input' })) },
          responses: { '201': { description: 'Created; the message is queued', ...json(ref('ConsentRequest')) }, ...errors },
        },
        get: { summary: 'List consent requests', parameters: queryParams, responses: { '200': { description: 'A page', ...json({ type: 'object', properties: { data: { type: 'array', items: ref('ConsentRequest') }, nextCursor: { type: ['string', 'null'] } } }) }, ...errors } },
      },
      '/api/v1/consent-requests/{id}': { get: { summary: 'Get a consent request', parameters: [idParam], responses: { '200': { description: 'The request', ...json(ref('ConsentRequest')) }, ...errors } } },
      '/api/v1/consent-requests/{id}/events': { get: { summary: 'Audit trail', parameters: [idParam], responses: { '200': { description: 'Events, oldest first', ...json({ type: 'object', properties: { data: { type: 'array', items: ref('Event') } } }) }, ...errors } } },
      '/api/v1/consent-requests/{id}/second-guardian': {
        post: {
          summary: 'Invite the second parent or guardian (joint parental authority): their own request for the same subject and form version, linked to this one',
          parameters: [idParam, { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }],
          requestBody: { required: true, ...json(z.toJSONSchema(secondGuardianBody, { io: 'input' })) },
          responses: {
            '201': { description: 'Created; the message is queued. Location names the new request', ...json(ref('ConsentRequest')) },
            '409': problemResponse('Not a first guardian’s request, cancelled/expired/failed, the child is 16 or older now, or a second guardian’s request is still open'),
            ...errors,
          },
        },
      },
      '/api/v1/consent-requests/{id}/cancel': { post: { summary: 'Cancel; the link stops at once', parameters: [idParam], responses: { '200': { description: 'Cancelled', ...json(ref('ConsentRequest')) }, '409': problemResponse('Not open any more'), ...errors } } },
      '/api/v1/consent-requests/{id}/document': { get: { summary: 'Signed evidence PDF', parameters: [idParam], responses: { '200': { description: 'PDF', content: { 'application/pdf': {} } }, '409': problemResponse('Not decided yet'), ...errors } } },
      '/api/v1/consent-requests/{id}/documents': { get: { summary: 'Every stored document of the request, oldest first, without content', parameters: [idParam], responses: { '200': { description: 'Documents', ...json({ type: 'object', properties: { data: { type: 'array', items: ref('ConsentDocument') } } }) }, ...errors } } },
      '/api/v1/consent-requests/{id}/documents/{documentId}': {
        get: {
          summary: 'One stored document (any version), as it was sealed',
          parameters: [idParam, { name: 'documentId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The document; `Digest: sha-256=…` is the SHA-256 in the list', content: { 'application/pdf': {} } }, ...errors },
        },
      },
      '/api/v1/subjects/{reference}/contact': {
        put: {
          summary: 'The young person\'s own contact, for their own request when they turn 16',
          description: 'Stored encrypted; erased once used for their own request, and at the latest 90 days after it was given. Channel sms needs `phone`, channel email needs `email`.',
          parameters: [{ name: 'reference', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, ...json(z.toJSONSchema(subjectContactBody, { io: 'input' })) },
          responses: { '200': { description: 'Stored', ...json({ type: 'object', properties: { subjectReference: { type: 'string' }, channel: { enum: ['sms', 'email'] }, maskedAddress: { type: 'string' }, eraseBy: { type: 'string', format: 'date-time' } } }) }, ...errors },
        },
        delete: { summary: 'Forget the young person\'s own contact', parameters: [{ name: 'reference', in: 'path', required: true, schema: { type: 'string' } }], responses: { '204': { description: 'Gone (also when there was none)' }, ...errors } },
      },
      '/api/v1/subjects/{reference}/consent': {
        get: { summary: 'Consent status of a person', parameters: [{ name: 'reference', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'Latest decision per purpose', ...json(ref('SubjectConsent')) }, ...errors } },
      },
      '/api/v1/subjects/consent-status': {
        post: {
          summary: 'Consent status of up to 500 people at once (an activity list)',
          description: 'The same answer as GET /subjects/{reference}/consent for each reference: one entry per distinct reference, in the order first given.',
          requestBody: { required: true, ...json(z.toJSONSchema(batchStatusBody, { io: 'input' })) },
          responses: { '200': { description: 'One status per distinct reference', ...json({ type: 'object', properties: { data: { type: 'array', items: ref('SubjectConsent') } } }) }, ...errors },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Problem: { type: 'object', properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, code: { type: 'string' }, detail: { type: 'string' }, errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } } } },
        Localized: { type: 'object', properties: { nl: { type: 'string' }, en: { type: 'string' } } },
        Form: { type: 'object', properties: { id: { type: 'string' }, version: { type: 'string' }, title: ref('Localized'), audience: { enum: ['under16', '16plus', 'any'] }, languages: { type: 'array', items: { enum: ['nl', 'en'] } }, validForMonths: { type: 'integer' }, validUntil: { type: 'string', format: 'date', description: 'Optional last day of any consent on this form.' }, purposes: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, label: ref('Localized'), description: ref('Localized'), required: { type: 'boolean' }, specialCategory: { type: 'boolean' } } } } } },
        ConsentRequest: {
          type: 'object',
          properties: {
            id: { type: 'string' }, formId: { type: 'string' }, formVersion: { type: 'string' },
            status: { enum: ['pending', 'sent', 'delivered', 'opened', 'signed', 'declined', 'expired', 'cancelled', 'failed', 'withdrawn'] },
            signerRole: { enum: ['guardian', 'participant'] }, language: { enum: ['nl', 'en'] },
            subject: { type: 'object', properties: { reference: { type: 'string' } } },
            recipient: { type: 'object', properties: { channel: { enum: ['sms', 'email'] }, maskedAddress: { type: 'string' } } },
            decisions: { type: 'array', items: { type: 'object', properties: { purposeId: { type: 'string' }, granted: { type: 'boolean' } } } },
            createdAt: { type: 'string', format: 'date-time' }, updatedAt: { type: 'string', format: 'date-time' }, expiresAt: { type: 'string', format: 'date-time' },
            sentAt: { type: ['string', 'null'] }, openedAt: { type: ['string', 'null'] }, signedAt: { type: ['string', 'null'] }, decidedAt: { type: ['string', 'null'] },
            reminderCount: { type: 'integer' },
            sealState: { enum: ['timestamped', 'no_timestamp_authority', 'timestamp_pending', null], description: 'The time-stamp of the record: null before there is a record; timestamp_pending while the TSA failed (retried every 5 minutes).' },
            validUntil: { type: ['string', 'null'], format: 'date-time', description: 'For a signed request: when its consent stops counting.' },
            requestedBy: { type: ['object', 'null'], properties: { name: { type: 'string' }, role: { type: ['string', 'null'] } }, description: 'The youth worker who asked, as given when creating (cleaned); null when not given or erased.' },
            signerSlot: { enum: ['guardian', 'second-guardian', 'participant'], description: 'The signer’s place in the family: the first guardian asked, the second guardian (joint parental authority), or the participant (16+).' },
            primaryRequestId: { type: ['string', 'null'], description: 'For a second guardian’s request: the first guardian’s request (the family id); null otherwise.' },
            signers: {
              type: 'array',
              description: 'Every request of the family, the first guardian’s first; a one-person family lists itself.',
              items: {
                type: 'object',
                properties: {
                  requestId: { type: 'string' }, role: { enum: ['guardian', 'second-guardian', 'participant'] },
                  authority: { enum: ['sole', 'joint', null], description: 'What the guardian declared when deciding; null before deciding, for a participant, or when not asked.' },
                  status: { type: 'string' }, decidedAt: { type: ['string', 'null'], format: 'date-time' },
                },
              },
            },
          },
        },
        ConsentDocument: {
          type: 'object',
          properties: {
            id: { type: 'string' }, kind: { enum: ['consent-pdf', 'withdrawal-receipt', 'paper-record'] }, version: { type: 'integer', minimum: 1 },
            supersedes: { type: ['string', 'null'] }, timestamped: { type: 'boolean' }, contentType: { type: 'string' }, sha256: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' },
          },
        },
        Event: { type: 'object', properties: { id: { type: 'string' }, type: { type: 'string' }, at: { type: 'string' }, actor: { type: 'string' }, detail: { type: 'object' }, hash: { type: 'string' } } },
        SubjectConsent: {
          type: 'object',
          properties: {
            subjectReference: { type: 'string' },
            mayRegister: { type: 'boolean', description: 'A required purpose is granted now (granted and not lapsed).' },
            reconfirmationDue: { type: 'boolean', description: 'Only for a subject the daily job flagged as turning 16 (absent otherwise): true until the young person decides on their own.' },
            purposes: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  formId: { type: 'string' }, purposeId: { type: 'string' },
                  granted: { type: 'boolean', description: 'The latest decision grants the purpose and it has not lapsed.' },
                  since: { type: 'string', format: 'date-time', description: 'When the latest decision was recorded.' },
                  requestId: { type: 'string' },
                  validUntil: { type: ['string', 'null'], format: 'date-time', description: 'When a grant stops counting (exclusive): 00:00 Europe/Amsterdam after its last day. Null for a no, a withdrawal, or a decision recorded without an end.' },
                  lapsed: { type: 'boolean', description: 'The latest decision granted the purpose but validUntil has passed; granted is then false. After the 16th birthday also when the organisation\'s turning-16 policy ended a guardian\'s grant.' },
                  waitingFor: { type: 'array', items: { enum: ['guardian', 'second-guardian'] }, description: 'Joint parental authority and a purpose that needs both guardians: who has still to answer before it can be granted; [] when nobody.' },
                  reconfirmationDue: { type: 'boolean', description: 'Only for a subject flagged as turning 16: this purpose was given by a guardian and the young person has not decided yet.' },
                },
              },
            },
          },
        },
      },
    },
  };
}
