import { spawnSync } from 'node:child_process';

import type { Response } from 'supertest';

import { createApiKey } from '../../src/organisations/api-keys';
import { dispatchWebhookEvents } from '../../src/webhooks/deliver-webhooks';
import type { OpenApiDocument } from '../../src/http/openapi';
import { binary } from '../helpers/http';
import { documentedRoutes, expressRoutes, openApiMatcher } from '../helpers/openapi-match';
import { greyPng } from '../helpers/png';
import { createAndSign } from '../helpers/signing';
import { ADULT_PAPER, adultRequest, auth, CHILD_DECISIONS, childRequest, createTestApp, type TestApp, uploadPaperConsent, uploadRequestPaper } from '../helpers/test-app';

/**
 * Issue 13 (API reference): the document served at /api/v1/openapi.json is generated from the
 * route table and the zod schemas; these tests hold it to the router, to the OpenAPI 3.1 schema
 * and to what the service really answers.
 */
describe('the OpenAPI document', () => {
  let app: TestApp;
  let doc: OpenApiDocument;
  beforeAll(async () => {
    app = await createTestApp();
    doc = (await app.http.get('/api/v1/openapi.json').expect(200)).body as OpenApiDocument;
  });
  afterAll(async () => app.close());

  test('when the router and the document are compared, then every route under /api/v1 is documented with its method and path, and every documented route exists', () => {
    expect(documentedRoutes(doc)).toEqual(expressRoutes(app.container.app as never));
  });

  test('when the document is checked against the OpenAPI 3.1 schema, then it is valid', () => {
    // The validator is an ES module; jest runs CommonJS, so it runs in a child process of its own (waited for).
    const script = `import { Validator } from '@seriousme/openapi-schema-validator';
      let input = ''; for await (const chunk of process.stdin) input += chunk;
      const validator = new Validator();
      const result = await validator.validate(JSON.parse(input));
      process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? null }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), input: JSON.stringify(doc), encoding: 'utf8', timeout: 20_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ valid: true, version: '3.1', errors: null });
  });

  test('when the create body and the batch limit are read, then they are the zod schemas the routes validate with', () => {
    const create = doc.paths['/api/v1/consent-requests']!.post!.requestBody!.content['application/json']!;
    expect(create.schema).toEqual({ $ref: '#/components/schemas/CreateConsentRequest' });
    const body = doc.components.schemas.CreateConsentRequest as { required: string[]; additionalProperties: boolean; properties: { recipient: { properties: { channel: { enum: string[] } } } } };
    expect(body.required).toEqual(['formId', 'subject', 'recipient']);
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.recipient.properties.channel.enum).toEqual(['sms', 'email']);
    expect((doc.components.schemas.SubjectsConsentQuery as { properties: { references: object } }).properties.references).toMatchObject({ type: 'array', minItems: 1, maxItems: 500 });
    const limit = doc.paths['/api/v1/consent-requests']!.get!.parameters!.find((p) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 25 } });
  });

  test('when openapi.json is fetched without an API key, then it is served (public), and every other operation needs a key', () => {
    expect(doc.paths['/api/v1/openapi.json']!.get!.security).toEqual([]);
    const open = documentedRoutes(doc).filter((r) => {
      const [method, path] = r.split(' ') as [string, string];
      return doc.paths[path]![method.toLowerCase() as 'get']!.security?.length === 0;
    });
    expect(open).toEqual(['GET /api/v1/openapi.json']);
  });
});

describe('real answers against the OpenAPI document', () => {
  let app: TestApp;
  let match: ReturnType<typeof openApiMatcher>;
  beforeAll(async () => {
    app = await createTestApp();
    const res = await app.http.get('/api/v1/openapi.json');
    match = openApiMatcher(res.body as OpenApiDocument);
    match.check(res, 'get', '/api/v1/openapi.json');
  });
  afterAll(async () => app.close());

  const key = () => auth(app.apiKey);
  /** Checks the answer against the document and its status against what the test expects. */
  const expectAnswer = (res: Response, method: 'get' | 'post' | 'put' | 'delete', path: string, status: number) => {
    match.check(res, method, path);
    if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    expect(res.status).toBe(status);
    return res;
  };

  test('when every documented route is called, then each success and problem answer has the documented status, content type and body schema', async () => {
    const forms = '/api/v1/forms';
    expectAnswer(await app.http.get(forms).set(key()), 'get', forms, 200);
    expectAnswer(await app.http.get(`${forms}/activiteit-onder-16`).set(key()), 'get', `${forms}/{formId}`, 200);
    expectAnswer(await app.http.get(`${forms}/no-such-form`).set(key()), 'get', `${forms}/{formId}`, 404);

    const list = '/api/v1/consent-requests';
    const first = expectAnswer(await app.http.post(list).set(key()).send(childRequest()), 'post', list, 201);
    const id = first.body.id as string;
    expect(first.headers.location).toBe(`${list}/${id}`);
    expectAnswer(await app.http.post(list).set(key()).send({ ...childRequest(), surprise: true }), 'post', list, 422);
    expectAnswer(await app.http.post(list).set(key()).set('Content-Type', 'application/json').send('{"formId":'), 'post', list, 400);
    expectAnswer(await app.http.post(list).send(childRequest()), 'post', list, 401);
    expectAnswer(await app.http.post(list).set(key()).send({ ...childRequest(), padding: 'x'.repeat(102_400) }), 'post', list, 413);
    expectAnswer(await app.http.get(list).set(key()), 'get', list, 200);
    expectAnswer(await app.http.get(`${list}?limit=0`).set(key()), 'get', list, 422);

    const one = `${list}/{id}`;
    expectAnswer(await app.http.get(`${list}/${id}`).set(key()), 'get', one, 200);
    expectAnswer(await app.http.get(`${list}/cr_unknown`).set(key()), 'get', one, 404);
    expectAnswer(await app.http.get(`${list}/${id}`).set(auth(app.other.apiKey)), 'get', one, 404);
    expectAnswer(await app.http.get(`${list}/${id}/events`).set(key()), 'get', `${one}/events`, 200);
    expectAnswer(await app.http.get(`${list}/${id}/document`).set(key()), 'get', `${one}/document`, 409);

    await app.container.worker.runOnce();
    expectAnswer(await app.http.post(`${list}/${id}/remind`).set(key()), 'post', `${one}/remind`, 202);
    const second = expectAnswer(await app.http.post(`${list}/${id}/second-guardian`).set(key()).send({ recipient: { name: 'Karim de Vries', channel: 'email', email: 'karim@example.nl' } }), 'post', `${one}/second-guardian`, 201);
    expectAnswer(await app.http.post(`${list}/${id}/second-guardian`).set(key()).send({ recipient: { channel: 'fax' } }), 'post', `${one}/second-guardian`, 422);
    expectAnswer(await app.http.post(`${list}/${second.body.id as string}/cancel`).set(key()), 'post', `${one}/cancel`, 200);
    expectAnswer(await app.http.post(`${list}/${second.body.id as string}/cancel`).set(key()), 'post', `${one}/cancel`, 409);

    // Paper consent for the first request: signed, with a sealed record and its documents.
    const paper = expectAnswer(await uploadRequestPaper(app, id, { signedBy: 'Ans de Vries', signedOn: '2026-11-20', decisions: CHILD_DECISIONS }, greyPng()), 'post', `${one}/paper`, 200);
    expect(paper.body.status).toBe('signed');
    const record = expectAnswer(await app.http.get(`${list}/${id}/document`).set(key()).buffer(true).parse(binary), 'get', `${one}/document`, 200);
    const documents = expectAnswer(await app.http.get(`${list}/${id}/documents`).set(key()), 'get', `${one}/documents`, 200);
    const documentId = documents.body.data[0].id as string;
    expectAnswer(await app.http.get(`${list}/${id}/documents/${documentId}`).set(key()).buffer(true).parse(binary), 'get', `${one}/documents/{documentId}`, 200);
    expectAnswer(await app.http.get(`${list}/${id}/documents/doc_unknown`).set(key()), 'get', `${one}/documents/{documentId}`, 404);

    const verify = expectAnswer(await app.http.post('/api/v1/verify').set(key()).set('Content-Type', 'application/pdf').send(record.body as Buffer), 'post', '/api/v1/verify', 200);
    expect(verify.body.authentic).toBe(true);
    expectAnswer(await app.http.post('/api/v1/verify').set(key()).set('Content-Type', 'application/pdf').send(Buffer.from('not a pdf')), 'post', '/api/v1/verify', 422);

    const subjects = '/api/v1/subjects';
    expectAnswer(await uploadPaperConsent(app, 'REG-PAPER-1', ADULT_PAPER, greyPng()), 'post', `${subjects}/{reference}/paper-consents`, 201);
    expectAnswer(await uploadPaperConsent(app, 'REG-PAPER-2', { ...ADULT_PAPER, signedOn: 'yesterday' }, greyPng()), 'post', `${subjects}/{reference}/paper-consents`, 422);
    expectAnswer(await app.http.get(`${subjects}/REG-1042/consent`).set(key()), 'get', `${subjects}/{reference}/consent`, 200);
    expectAnswer(await app.http.get(`${subjects}/-bad/consent`).set(key()), 'get', `${subjects}/{reference}/consent`, 422);
    expectAnswer(await app.http.post(`${subjects}/consent-status`).set(key()).send({ references: ['REG-1042', 'REG-PAPER-1', 'REG-UNKNOWN'] }), 'post', `${subjects}/consent-status`, 200);
    expectAnswer(await app.http.post(`${subjects}/consent-status`).set(key()).send({ references: [] }), 'post', `${subjects}/consent-status`, 422);
    expectAnswer(await app.http.put(`${subjects}/REG-1042/contact`).set(key()).send({ channel: 'sms', phone: '06 23456789' }), 'put', `${subjects}/{reference}/contact`, 200);
    expectAnswer(await app.http.put(`${subjects}/REG-1042/contact`).set(key()).send({ channel: 'sms' }), 'put', `${subjects}/{reference}/contact`, 422);
    expectAnswer(await app.http.delete(`${subjects}/REG-1042/contact`).set(key()), 'delete', `${subjects}/{reference}/contact`, 204);

    // A read-only key: status lookups answer, everything else is 403.
    const readOnly = await createApiKey(app.container, app.organisationId, 'status only', 'status-read');
    expectAnswer(await app.http.get(`${subjects}/REG-1042/consent`).set(auth(readOnly.secret)), 'get', `${subjects}/{reference}/consent`, 200);
    expectAnswer(await app.http.post(list).set(auth(readOnly.secret)).send(adultRequest()), 'post', list, 403);

    // The webhook endpoints have their own app and test below.
    expect(match.successesNotSeen().filter((r) => !r.includes('/webhook-endpoints'))).toEqual([]);
  });

  test('when consent is signed through the link and one purpose is withdrawn, then the request, its events, documents and the status still match their schemas', async () => {
    const { id, link, csrf, cookie } = await createAndSign(app, adultRequest({ subject: { reference: 'REG-LINK-1', firstName: 'Noor', lastName: 'Bakker', dateOfBirth: '2008-01-15' } }), { purpose_registratie: 'yes', purpose_contact: 'yes', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker' });
    expect((await app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose: 'contact', action: 'selected' })).status).toBe(303);
    const one = '/api/v1/consent-requests/{id}';
    const request = expectAnswer(await app.http.get(`/api/v1/consent-requests/${id}`).set(key()), 'get', one, 200);
    expect(request.body).toMatchObject({ status: 'signed', signers: [{ requestId: id, role: 'participant' }] });
    expect(request.body.validUntil).not.toBeNull();
    const events = expectAnswer(await app.http.get(`/api/v1/consent-requests/${id}/events`).set(key()), 'get', `${one}/events`, 200);
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(['created', 'sent', 'opened', 'signed', 'withdrawn']);
    const documents = expectAnswer(await app.http.get(`/api/v1/consent-requests/${id}/documents`).set(key()), 'get', `${one}/documents`, 200);
    expect(documents.body.data.map((d: { kind: string }) => d.kind)).toEqual(['consent-pdf', 'withdrawal-receipt']);
    const status = expectAnswer(await app.http.get('/api/v1/subjects/REG-LINK-1/consent').set(key()), 'get', '/api/v1/subjects/{reference}/consent', 200);
    expect(status.body).toMatchObject({ mayRegister: true });
    expect(status.body.purposes.find((p: { purposeId: string }) => p.purposeId === 'contact')).toMatchObject({ granted: false });
    expectAnswer(await app.http.get('/api/v1/consent-requests?subjectReference=REG-LINK-1&limit=1').set(key()), 'get', '/api/v1/consent-requests', 200);
  });

  test('when an answer carries a field its schema does not list, then the check fails (drift is caught)', async () => {
    const res = await app.http.get('/api/v1/forms').set(key());
    const tampered = { ...res, text: JSON.stringify({ ...res.body, extra: 1 }) } as Response;
    expect(() => match.check(tampered, 'get', '/api/v1/forms')).toThrow(/must NOT have additional properties/);
  });
});

describe('webhook endpoint answers against the OpenAPI document', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => app.close());

  test('when endpoints are created, read, rotated, enabled, listed with deliveries, retried and deleted, then every answer matches the document', async () => {
    const match = openApiMatcher((await app.http.get('/api/v1/openapi.json')).body as OpenApiDocument);
    const check = (res: Response, method: 'get' | 'post' | 'delete', path: string, status: number) => {
      match.check(res, method, path);
      if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
      return res;
    };
    const key = auth(app.apiKey);
    const list = '/api/v1/webhook-endpoints';
    const one = `${list}/{id}`;
    // A public address literal: accepted without a DNS look-up. The worker never runs here, so nothing is sent to it.
    const created = check(await app.http.post(list).set(key).send({ url: 'https://93.184.216.34/hooks', events: ['consent_request.cancelled'], description: 'Registratie' }), 'post', list, 201);
    const id = created.body.id as string;
    check(await app.http.post(list).set(key).send({ url: 'https://93.184.216.34/hooks', events: ['consent_request.exploded'] }), 'post', list, 422);
    check(await app.http.get(list).set(key), 'get', list, 200);
    check(await app.http.get(`${list}/${id}`).set(key), 'get', one, 200);
    check(await app.http.get(`${list}/whe_unknown`).set(key), 'get', one, 404);
    check(await app.http.post(`${list}/${id}/rotate-secret`).set(key).send({ overlapHours: 2 }), 'post', `${one}/rotate-secret`, 200);
    check(await app.http.post(`${list}/${id}/rotate-secret`).set(key).send({ overlapHours: 1000 }), 'post', `${one}/rotate-secret`, 422);
    check(await app.http.post(`${list}/${id}/enable`).set(key), 'post', `${one}/enable`, 200);

    const request = (await app.http.post('/api/v1/consent-requests').set(key).send(adultRequest())).body.id as string;
    expect((await app.http.post(`/api/v1/consent-requests/${request}/cancel`).set(key)).status).toBe(200);
    await dispatchWebhookEvents({ store: app.container.store, clock: app.clock });
    const deliveries = check(await app.http.get(`${list}/${id}/deliveries`).set(key), 'get', `${one}/deliveries`, 200);
    expect(deliveries.body.data).toHaveLength(1);
    check(await app.http.get(`${list}/${id}/deliveries?limit=500`).set(key), 'get', `${one}/deliveries`, 422);
    const retry = `${one}/deliveries/{deliveryId}/retry`;
    check(await app.http.post(`${list}/${id}/deliveries/${deliveries.body.data[0].id as string}/retry`).set(key), 'post', retry, 202);
    check(await app.http.post(`${list}/${id}/deliveries/whd_unknown/retry`).set(key), 'post', retry, 404);
    const history = check(await app.http.get(`${list}/${id}/events?limit=1`).set(key), 'get', `${one}/events`, 200);
    expect(history.body.data[0]).toMatchObject({ type: 'secret_rotated' });
    check(await app.http.get(`${list}/${id}/events?cursor=${history.body.nextCursor as string}`).set(key), 'get', `${one}/events`, 200);
    check(await app.http.get(`${list}/${id}/events?limit=0`).set(key), 'get', `${one}/events`, 422);
    check(await app.http.get(`${list}/whe_unknown/events`).set(key), 'get', `${one}/events`, 404);
    check(await app.http.delete(`${list}/${id}`).set(key), 'delete', one, 204);
    check(await app.http.delete(`${list}/${id}`).set(key), 'delete', one, 404);

    const webhookRoutes = match.successesNotSeen().filter((r) => r.includes('/webhook-endpoints'));
    expect(webhookRoutes).toEqual([]);
  });
});
