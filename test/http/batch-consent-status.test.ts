import { adultRequest, auth, childRequest, createTestApp, deliverAndGetLink, openSigningPage, type TestApp } from '../helpers/test-app';

/**
 * `POST /api/v1/subjects/consent-status` (issue 13, status for registration): an activity list
 * checked at once. Each entry must be exactly what the single lookup answers for that reference.
 */
describe('batch consent status', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => app.close());

  const batch = (references: unknown, key = app.apiKey) => app.http.post('/api/v1/subjects/consent-status').set(auth(key)).send({ references });
  const single = async (reference: string, key = app.apiKey) => (await app.http.get(`/api/v1/subjects/${reference}/consent`).set(auth(key)).expect(200)).body;

  async function signAdult(reference: string, registratie: 'yes' | 'no', key = app.apiKey): Promise<void> {
    const created = await app.http.post('/api/v1/consent-requests').set(auth(key)).send(adultRequest({ subject: { reference, firstName: 'Noor', lastName: 'Bakker', dateOfBirth: '2008-01-15' } })).expect(201);
    const link = await deliverAndGetLink(app, created.body.id as string);
    const { csrf, cookie } = await openSigningPage(app, link);
    await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose_registratie: registratie, purpose_contact: 'no', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker', action: 'sign' }).expect(303);
  }

  test('when a list of references is asked, then each entry equals the single lookup, in the order given, one per distinct reference; unknown people grant nothing', async () => {
    await signAdult('REG-A', 'yes');
    await signAdult('REG-B', 'no');
    // An open request decides nothing yet.
    await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest({ subject: { reference: 'REG-C', firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2014-04-02' } })).expect(201);

    const res = await batch(['REG-B', 'REG-UNKNOWN', 'REG-A', 'REG-B', 'REG-C']).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const data = res.body.data as { subjectReference: string; mayRegister: boolean; purposes: unknown[] }[];
    expect(data.map((d) => d.subjectReference)).toEqual(['REG-B', 'REG-UNKNOWN', 'REG-A', 'REG-C']);
    for (const entry of data) expect(entry).toEqual(await single(entry.subjectReference));
    expect(data.map((d) => d.mayRegister)).toEqual([false, false, true, false]);
    expect(data[1]!.purposes).toEqual([]);
  });

  test('when the list is empty, too long, not a list, or holds a bad reference, then 422 names the field and nothing else is answered', async () => {
    const problem = async (body: unknown) => {
      const res = await app.http.post('/api/v1/subjects/consent-status').set(auth(app.apiKey)).send(body as object).expect(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      return (res.body.errors as { path: string }[]).map((e) => e.path);
    };
    expect(await problem({ references: [] })).toEqual(['references']);
    expect(await problem({ references: Array.from({ length: 501 }, (_, i) => `REG-${i}`) })).toEqual(['references']);
    expect(await problem({ references: 'REG-1' })).toEqual(['references']);
    expect(await problem({ references: ['REG-1', 'REG-2', 'REG-3', 'no spaces allowed'] })).toEqual(['references.3']);
    expect(await problem({ references: ['REG-1'], extra: true })).toEqual(['extra']);
    expect(await problem({})).toEqual(['references']);
    // 500 is allowed.
    const full = await batch(Array.from({ length: 500 }, (_, i) => `REG-${i}`)).expect(200);
    expect(full.body.data).toHaveLength(500);
  });

  test('when another organisation asks for the same references, then it sees only its own decisions; without a key the answer is 401', async () => {
    await signAdult('REG-SHARED', 'yes');
    await signAdult('REG-SHARED', 'no', app.other.apiKey);
    const mine = (await batch(['REG-SHARED']).expect(200)).body.data[0];
    const theirs = (await batch(['REG-SHARED'], app.other.apiKey).expect(200)).body.data[0];
    expect(mine.mayRegister).toBe(true);
    expect(theirs.mayRegister).toBe(false);
    expect(theirs).toEqual(await single('REG-SHARED', app.other.apiKey));
    await app.http.post('/api/v1/subjects/consent-status').send({ references: ['REG-SHARED'] }).expect(401);
  });
});

describe('batch consent status in the OpenAPI document', () => {
  test('when the document is read, then the batch route is there with its body limit of 500 references', async () => {
    const app = await createTestApp();
    try {
      const doc = (await app.http.get('/api/v1/openapi.json').expect(200)).body;
      const post = doc.paths['/api/v1/subjects/consent-status'].post;
      expect(post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/SubjectsConsentQuery' });
      expect(doc.components.schemas.SubjectsConsentQuery.properties.references).toMatchObject({ type: 'array', minItems: 1, maxItems: 500 });
      expect(post.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/SubjectConsentList' });
      expect(doc.components.schemas.SubjectConsentList.properties.data.items).toEqual({ $ref: '#/components/schemas/SubjectConsent' });
    } finally {
      await app.close();
    }
  });
});
