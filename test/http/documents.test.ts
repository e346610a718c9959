import { createHash } from 'node:crypto';

import { startFakeTsa, type FakeTsa } from '../evidence/fake-tsa';
import { binary } from '../helpers/http';
import { adultRequest, auth, createTestApp, type TestApp } from '../helpers/test-app';
import { createAndSign } from '../helpers/signing';

interface Listed {
  id: string;
  kind: string;
  version: number;
  supersedes: string | null;
  timestamped: boolean;
  contentType: string;
  sha256: string;
  createdAt: string;
}

describe('every stored document of a request', () => {
  let tsa: FakeTsa;
  let app: TestApp;
  beforeAll(async () => {
    tsa = await startFakeTsa();
  });
  afterAll(async () => {
    await tsa.close();
  });
  afterEach(async () => {
    await app.close();
  });

  /** Signs a 16+ request granting all three purposes; returns its id and the link with a session. */
  async function signedAll(reference = 'REG-2001') {
    const { id, link, cookie } = await createAndSign(app, adultRequest({ subject: { reference, firstName: 'Noor', lastName: 'Bakker', dateOfBirth: '2008-01-15' } }), { purpose_registratie: 'yes', purpose_contact: 'yes', 'purpose_gegevens-delen': 'yes', declaration: 'yes', signerName: 'Noor Bakker' });
    return { id, link, cookie };
  }

  async function withdraw(link: string, cookie: string, purpose: string) {
    const done = await app.http.get(link).set('Cookie', cookie);
    const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(done.text)![1]!;
    const res = await app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose, action: 'selected' });
    expect(res.status).toBe(303);
  }

  const list = async (id: string) => (await app.http.get(`/api/v1/consent-requests/${id}/documents`).set(auth(app.apiKey))).body.data as Listed[];
  const fetchDoc = (id: string, documentId: string, key = app.apiKey) => app.http.get(`/api/v1/consent-requests/${id}/documents/${documentId}`).set(auth(key)).buffer(true).parse(binary);

  test('when a record is time-stamped later and two purposes are withdrawn one by one, then the list shows each version and every one can be fetched with its own SHA-256', async () => {
    app = await createTestApp({ TSA_URL: tsa.url, TSA_TIMEOUT_MS: '2000' });
    tsa.failAlways(true);
    const { id, link, cookie } = await signedAll();
    tsa.failAlways(false);
    app.clock.advance(10 * 60_000);
    await app.container.worker.runOnce();
    app.clock.advance(60_000);
    await withdraw(link, cookie, 'contact');
    app.clock.advance(60_000);
    await withdraw(link, cookie, 'gegevens-delen');

    const docs = await list(id);
    expect(docs.map((d) => [d.kind, d.version, d.timestamped])).toEqual([
      ['consent-pdf', 1, false],
      ['consent-pdf', 2, true],
      ['withdrawal-receipt', 1, true],
      ['withdrawal-receipt', 2, true],
    ]);
    expect(docs.map((d) => d.supersedes)).toEqual([null, docs[0]!.id, null, null]);
    expect(docs.map((d) => d.createdAt)).toEqual([...docs.map((d) => d.createdAt)].sort());

    for (const d of docs) {
      const res = await fetchDoc(id, d.id);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      const body = res.body as Buffer;
      expect(createHash('sha256').update(body).digest('hex')).toBe(d.sha256);
      expect(res.headers.digest).toBe(`sha-256=${createHash('sha256').update(body).digest('base64')}`);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="akkoord-${id}-${d.kind}-v${d.version}.pdf"`);
      expect(res.headers['cache-control']).toBe('no-store');
    }
    // The newest record is what …/document answers; the earlier one is still there, byte for byte.
    const current = await app.http.get(`/api/v1/consent-requests/${id}/document`).set(auth(app.apiKey)).buffer(true).parse(binary);
    expect(createHash('sha256').update(current.body as Buffer).digest('hex')).toBe(docs[1]!.sha256);
  });

  test('when the current record is fetched from …/document, then it is a download named akkoord-{id}.pdf with its SHA-256 in Digest and no-store', async () => {
    app = await createTestApp();
    const { id } = await signedAll();
    const res = await app.http.get(`/api/v1/consent-requests/${id}/document`).set(auth(app.apiKey)).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers.digest).toBe(`sha-256=${createHash('sha256').update(res.body as Buffer).digest('base64')}`);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="akkoord-${id}.pdf"`);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test('when a document id belongs to another request, another organisation or nothing, then the answer is 404; an over-long id is a 422 naming it', async () => {
    app = await createTestApp();
    const first = await signedAll('REG-3001');
    const second = await signedAll('REG-3002');
    const [doc] = await list(first.id);
    expect((await fetchDoc(first.id, doc!.id)).status).toBe(200);

    const otherRequest = await fetchDoc(second.id, doc!.id);
    expect(otherRequest.status).toBe(404);
    expect(otherRequest.headers['content-type']).toMatch(/problem\+json/);
    expect((await fetchDoc(first.id, doc!.id, app.other.apiKey)).status).toBe(404);
    expect((await app.http.get(`/api/v1/consent-requests/${first.id}/documents`).set(auth(app.other.apiKey))).status).toBe(404);
    expect((await fetchDoc(first.id, 'doc_unknown')).status).toBe(404);
    expect((await fetchDoc(first.id, "doc_'; DROP TABLE documents;--")).status).toBe(404);
    const long = await fetchDoc(first.id, 'd'.repeat(65));
    expect(long.status).toBe(422);
    expect(JSON.parse((long.body as Buffer).toString('utf8')).errors[0].path).toBe('params.documentId');
  });

  test('when openapi.json is fetched, then it describes the list and the fetch of one document', async () => {
    app = await createTestApp();
    const res = await app.http.get('/api/v1/openapi.json');
    expect(res.body.paths['/api/v1/consent-requests/{id}/documents/{documentId}'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['id', 'documentId']);
    expect(res.body.paths['/api/v1/consent-requests/{id}/documents'].get.responses['200']).toBeDefined();
    expect(Object.keys(res.body.components.schemas.ConsentDocument.properties)).toEqual(['id', 'kind', 'version', 'supersedes', 'timestamped', 'contentType', 'sha256', 'createdAt', 'sealState']);
  });
});
