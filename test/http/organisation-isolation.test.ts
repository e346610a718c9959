import { greyPng } from '../helpers/png';
import { adultRequest, auth, childRequest, createTestApp, openSigningPage, type TestApp, uploadAdultPaperConsent } from '../helpers/test-app';

const binary = (res: import('superagent').Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

const childDecisions = JSON.stringify(['registratie', 'contact-ouder', 'gegevens-delen', 'medische-gegevens'].map((purposeId) => ({ purposeId, granted: true })));

/**
 * Two organisations side by side (issue 10): organisation B drives every API route with
 * organisation A's request ids, document ids and subject references, and works with its own
 * requests for the same subject reference through the API and the personal link, while nothing
 * of A's changes.
 */
describe('organisation isolation', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  const as = (key: string) => ({
    get: (path: string) => app.http.get(path).set(auth(key)),
    post: (path: string) => app.http.post(path).set(auth(key)),
  });

  /** The link the dev outbox received for a request (the worker must have run). */
  async function linkOf(requestId: string): Promise<string> {
    const entry = (await app.container.store.listDevOutbox(100)).find((e) => e.requestId === requestId);
    if (!entry) throw new Error(`no message for ${requestId}`);
    return new URL(entry.link).pathname;
  }

  async function signAdult(link: string, registratie: 'yes' | 'no') {
    const { csrf, cookie } = await openSigningPage(app, link);
    const res = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose_registratie: registratie, purpose_contact: 'yes', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker', action: 'sign' });
    expect(res.status).toBe(303);
  }

  test('when organisation B uses A\'s ids and subject references on every route, then it finds nothing of A\'s, its own work stays its own, and nothing of A changes', async () => {
    const A = as(app.apiKey);
    const B = as(app.other.apiKey);

    // A: a signed 16+ request for REG-2001, an open request for REG-1042, paper consent for REG-3003 (a subject only A has).
    const aSigned = (await A.post('/api/v1/consent-requests').send(adultRequest())).body.id as string;
    const aOpen = (await A.post('/api/v1/consent-requests').send(childRequest())).body.id as string;
    const paper = await uploadAdultPaperConsent(app, 'REG-3003', greyPng());
    expect(paper.status).toBe(201);
    const aPaper = paper.body.id as string;
    // B: the same subject references REG-2001 and REG-1042 for its own people.
    const bOwn = (await B.post('/api/v1/consent-requests').send(adultRequest())).body.id as string;
    const bOpen = (await B.post('/api/v1/consent-requests').send(childRequest())).body.id as string;
    expect(new Set([aSigned, aOpen, aPaper, bOwn, bOpen]).size).toBe(5);
    await app.container.worker.runOnce();
    await signAdult(await linkOf(aSigned), 'yes');

    const aIds = [aSigned, aOpen, aPaper];
    const aDocuments = (await A.get(`/api/v1/consent-requests/${aSigned}/documents`)).body.data as { id: string }[];
    expect(aDocuments.length).toBeGreaterThan(0);
    const aDocumentId = aDocuments[0]!.id;
    const aPdf = (await A.get(`/api/v1/consent-requests/${aSigned}/document`).buffer(true).parse(binary)).body as Buffer;
    expect(aPdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    /** Everything of A's that B could reach, read with A's key. */
    async function everythingOfA() {
      const perRequest = [];
      for (const id of aIds) {
        perRequest.push({
          request: (await A.get(`/api/v1/consent-requests/${id}`)).body,
          events: (await A.get(`/api/v1/consent-requests/${id}/events`)).body,
          documents: (await A.get(`/api/v1/consent-requests/${id}/documents`)).body,
        });
      }
      const status: Record<string, unknown> = {};
      for (const ref of ['REG-2001', 'REG-1042', 'REG-3003']) status[ref] = (await A.get(`/api/v1/subjects/${ref}/consent`)).body;
      return { perRequest, status, list: (await A.get('/api/v1/consent-requests')).body };
    }
    const before = await everythingOfA();
    expect(before.status['REG-2001']).toMatchObject({ mayRegister: true });
    expect(before.status['REG-3003']).toMatchObject({ mayRegister: true });

    // Forms are one catalogue for all organisations.
    expect((await B.get('/api/v1/forms')).body).toEqual((await A.get('/api/v1/forms')).body);
    expect((await B.get('/api/v1/forms/inloop-16-plus')).status).toBe(200);

    // Every route keyed by a request id: 404 for A's ids.
    for (const id of aIds) {
      const base = `/api/v1/consent-requests/${id}`;
      const answers: [string, import('superagent').Response][] = [
        ['GET', await B.get(base)],
        ['GET /events', await B.get(`${base}/events`)],
        ['GET /documents', await B.get(`${base}/documents`)],
        ['GET /documents/:documentId', await B.get(`${base}/documents/${aDocumentId}`)],
        ['GET /document', await B.get(`${base}/document`)],
        ['POST /remind', await B.post(`${base}/remind`)],
        ['POST /cancel', await B.post(`${base}/cancel`)],
        ['POST /paper', await B.post(`${base}/paper`).field('signedBy', 'Ans de Vries').field('signedOn', '2026-11-20').field('decisions', childDecisions).attach('file', greyPng(), 'scan.png')],
      ];
      for (const [route, res] of answers) {
        expect({ route, status: res.status, code: (res.body as { code?: string }).code }).toEqual({ route, status: 404, code: 'not_found' });
      }
    }
    // A's document id under B's own request.
    expect((await B.get(`/api/v1/consent-requests/${bOwn}/documents/${aDocumentId}`)).status).toBe(404);

    // Lists with each filter hold only B's requests.
    const ids = async (query: string) => ((await B.get(`/api/v1/consent-requests${query}`)).body.data as { id: string }[]).map((r) => r.id).sort();
    expect(await ids('')).toEqual([bOwn, bOpen].sort());
    expect(await ids('?subjectReference=REG-2001')).toEqual([bOwn]);
    expect(await ids('?subjectReference=REG-3003')).toEqual([]);
    expect(await ids('?status=signed')).toEqual([]);
    expect(await ids('?formId=inloop-16-plus')).toEqual([bOwn]);
    expect(await ids('?formId=activiteit-onder-16&subjectReference=REG-1042')).toEqual([bOpen]);

    // The status API: A's grants do not count for B's subjects of the same reference.
    for (const ref of ['REG-2001', 'REG-1042', 'REG-3003']) {
      expect((await B.get(`/api/v1/subjects/${ref}/consent`)).body).toEqual({ subjectReference: ref, purposes: [], mayRegister: false });
    }

    // Verify with B's key: A's record is not known to B; with A's key it is.
    const verifyB = await B.post('/api/v1/verify').set('Content-Type', 'application/pdf').send(aPdf);
    expect(verifyB.status).toBe(200);
    expect(verifyB.body).toMatchObject({ authentic: false, record: null });
    expect((await A.post('/api/v1/verify').set('Content-Type', 'application/pdf').send(aPdf)).body).toMatchObject({ authentic: true, record: { requestId: aSigned } });

    // B works with its own requests: the personal link (open, sign, document, withdraw, receipt),
    // a reminder, a cancellation and paper consent for a reference A also has.
    const bLink = await linkOf(bOwn);
    await signAdult(bLink, 'no');
    expect((await app.http.get(`${bLink}/document`)).status).toBe(200);
    const { csrf, cookie } = await openSigningPage(app, bLink);
    expect((await app.http.post(`${bLink}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'all' })).status).toBe(303);
    expect((await app.http.get(`${bLink}/receipt`)).status).toBe(200);
    expect((await B.post(`/api/v1/consent-requests/${bOpen}/remind`)).status).toBe(202);
    expect((await B.post(`/api/v1/consent-requests/${bOpen}/cancel`)).body.status).toBe('cancelled');
    const bPaper = await B.post('/api/v1/subjects/REG-3003/paper-consents')
      .field('formId', 'inloop-16-plus').field('firstName', 'Daan').field('dateOfBirth', '2007-03-09').field('signedBy', 'Daan Smit').field('signedOn', '2026-11-01')
      .field('decisions', JSON.stringify([{ purposeId: 'registratie', granted: false }, { purposeId: 'contact', granted: true }, { purposeId: 'gegevens-delen', granted: false }]))
      .attach('file', greyPng(), 'scan.png');
    expect(bPaper.status).toBe(201);
    // A link path made of A's request id is no link.
    expect((await app.http.get(`/c/${aSigned}`)).status).toBe(404);

    // B sees its own decisions only; A sees exactly what it saw before.
    const bStatus = (await B.get('/api/v1/subjects/REG-3003/consent')).body as { purposes: { requestId: string }[]; mayRegister: boolean };
    expect(bStatus.mayRegister).toBe(false);
    expect(new Set(bStatus.purposes.map((p) => p.requestId))).toEqual(new Set([bPaper.body.id]));
    const bSameRef = (await B.get('/api/v1/subjects/REG-2001/consent')).body as { purposes: { requestId: string; granted: boolean }[]; mayRegister: boolean };
    expect(bSameRef.mayRegister).toBe(false);
    expect(bSameRef.purposes.every((p) => p.requestId === bOwn && !p.granted)).toBe(true);
    expect(await everythingOfA()).toEqual(before);

    // And the other way round: A's key finds none of B's requests.
    for (const id of [bOwn, bOpen, bPaper.body.id as string]) expect((await A.get(`/api/v1/consent-requests/${id}`)).status).toBe(404);
  });

  test('when both organisations use the same Idempotency-Key, then each gets its own request', async () => {
    const key = 'same-key-for-both-0001';
    const a = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).set('Idempotency-Key', key).send(adultRequest());
    const b = await app.http.post('/api/v1/consent-requests').set(auth(app.other.apiKey)).set('Idempotency-Key', key).send(adultRequest());
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.body.id).not.toBe(a.body.id);
    expect((await app.http.get(`/api/v1/consent-requests/${b.body.id}`).set(auth(app.apiKey))).status).toBe(404);
    expect((await app.http.get(`/api/v1/consent-requests/${a.body.id}`).set(auth(app.other.apiKey))).status).toBe(404);
  });
});
