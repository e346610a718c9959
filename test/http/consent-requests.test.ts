import { auth, childRequest, adultRequest, createTestApp, deliverAndGetLink, type TestApp } from '../helpers/test-app';

describe('consent requests API', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  const create = (body: unknown, key = app.apiKey, headers: Record<string, string> = {}) =>
    app.http.post('/api/v1/consent-requests').set(auth(key)).set(headers).send(body as object);

  describe('auth', () => {
    test('when no API key is sent, then 401 problem+json', async () => {
      const res = await app.http.get('/api/v1/consent-requests');
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 401, code: 'unauthorized' });
    });

    test('when a wrong API key is sent, then 401', async () => {
      const res = await app.http.get('/api/v1/forms').set(auth('ak_live_wrongwrongwrongwrongwrongwrong'));
      expect(res.status).toBe(401);
    });
  });

  describe('create', () => {
    test('when a valid request for a child is posted, then 201 with Location, pending, guardian and a masked address only', async () => {
      const res = await create(childRequest());
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`/api/v1/consent-requests/${res.body.id}`);
      expect(res.body).toMatchObject({
        formId: 'activiteit-onder-16',
        status: 'pending',
        signerRole: 'guardian',
        subject: { reference: 'REG-1042' },
        recipient: { channel: 'sms', maskedAddress: '+316••••5678' },
        decisions: [],
        signedAt: null,
        reminderCount: 0,
      });
      expect(res.body.id).toMatch(/^cr_/);
      expect(res.body.formVersion).toMatch(/^[0-9a-f]{16}$/);
      expect(JSON.stringify(res.body)).not.toMatch(/Sam|Vries|Ans|12345678/);
      // Default expiry: 14 days.
      expect(new Date(res.body.expiresAt).getTime() - new Date(res.body.createdAt).getTime()).toBe(14 * 86_400_000);
    });

    test('when a 16+ participant is posted without recipient name, then the participant signs and the name defaults', async () => {
      const res = await create(adultRequest());
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ signerRole: 'participant', recipient: { channel: 'email', maskedAddress: 'n••••@example.nl' } });
    });

    test('when the person turns 16 today, then they sign themselves', async () => {
      const res = await create(adultRequest({ subject: { reference: 'R-16', firstName: 'Mo', dateOfBirth: '2010-11-22' } }));
      expect(res.status).toBe(201);
      expect(res.body.signerRole).toBe('participant');
    });

    const invalid: [string, unknown, string][] = [
      ['an unknown form', childRequest({ formId: 'bestaat-niet' }), 'formId'],
      ['a date of birth in the future', childRequest({ subject: { reference: 'R1', firstName: 'Sam', dateOfBirth: '2027-01-01' } }), 'subject.dateOfBirth'],
      ['a date of birth more than 120 years ago', childRequest({ subject: { reference: 'R1', firstName: 'Sam', dateOfBirth: '1901-01-01' } }), 'subject.dateOfBirth'],
      ['an impossible date of birth', childRequest({ subject: { reference: 'R1', firstName: 'Sam', dateOfBirth: '2014-02-30' } }), 'subject.dateOfBirth'],
      ['sms without a phone number', childRequest({ recipient: { name: 'Ans', channel: 'sms' } }), 'recipient.phone'],
      ['email without an address', childRequest({ recipient: { name: 'Ans', channel: 'email' } }), 'recipient.email'],
      ['an impossible phone number', childRequest({ recipient: { name: 'Ans', channel: 'sms', phone: '06 123' } }), 'recipient.phone'],
      ['a landline that cannot receive SMS', childRequest({ recipient: { name: 'Ans', channel: 'sms', phone: '020 555 1234' } }), 'recipient.phone'],
      ['a malformed e-mail address', adultRequest({ recipient: { channel: 'email', email: 'noor@' } }), 'recipient.email'],
      ['a 16+ person on an under-16 form', childRequest({ subject: { reference: 'R1', firstName: 'Noor', dateOfBirth: '2008-01-01' } }), 'formId'],
      ['a child on the 16+ form', adultRequest({ subject: { reference: 'R1', firstName: 'Sam', dateOfBirth: '2014-01-01' } }), 'formId'],
      ['a child without the parent name', childRequest({ recipient: { channel: 'sms', phone: '0612345678' } }), 'recipient.name'],
      ['an unknown field', { ...childRequest(), extra: 1 }, 'extra'],
      ['a wrong channel', childRequest({ recipient: { name: 'Ans', channel: 'fax', phone: '0612345678' } }), 'recipient.channel'],
      ['an expiry in the past', childRequest({ expiresAt: '2026-11-01T00:00:00Z' }), 'expiresAt'],
      ['a reference with spaces', childRequest({ subject: { reference: 'REG 1', firstName: 'Sam', dateOfBirth: '2014-01-01' } }), 'subject.reference'],
    ];
    test.each(invalid)('when the request has %s, then 422 names the field', async (_label, body, field) => {
      const res = await create(body);
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
      const count = await app.http.get('/api/v1/consent-requests').set(auth(app.apiKey));
      expect(count.body.data).toHaveLength(0);
    });

    test('when the body is not JSON, then 400 problem+json', async () => {
      const res = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).set('Content-Type', 'application/json').send('{"formId":');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('malformed_json');
    });

    test('when the same Idempotency-Key and body are sent twice, then the first response is replayed and one request exists', async () => {
      const first = await create(childRequest(), app.apiKey, { 'Idempotency-Key': 'abc-1' });
      const second = await create(childRequest(), app.apiKey, { 'Idempotency-Key': 'abc-1' });
      expect(second.status).toBe(201);
      expect(second.body).toEqual(first.body);
      expect(second.headers.location).toBe(first.headers.location);
      expect(second.headers['idempotent-replayed']).toBe('true');
      const list = await app.http.get('/api/v1/consent-requests').set(auth(app.apiKey));
      expect(list.body.data).toHaveLength(1);
    });

    test('when an Idempotency-Key is reused with another body, then 422', async () => {
      await create(childRequest(), app.apiKey, { 'Idempotency-Key': 'abc-2' });
      const res = await create(childRequest({ formId: 'beeldmateriaal' }), app.apiKey, { 'Idempotency-Key': 'abc-2' });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('idempotency_mismatch');
    });

    test('when another organisation uses the same Idempotency-Key, then it gets its own request', async () => {
      const a = await create(childRequest(), app.apiKey, { 'Idempotency-Key': 'shared' });
      const b = await create(childRequest(), app.other.apiKey, { 'Idempotency-Key': 'shared' });
      expect(b.status).toBe(201);
      expect(b.body.id).not.toBe(a.body.id);
    });
  });

  describe('read, list, events', () => {
    test('when another organisation asks for the request, then 404', async () => {
      const created = await create(childRequest());
      expect((await app.http.get(`/api/v1/consent-requests/${created.body.id}`).set(auth(app.apiKey))).status).toBe(200);
      for (const path of ['', '/events', '/document']) {
        const res = await app.http.get(`/api/v1/consent-requests/${created.body.id}${path}`).set(auth(app.other.apiKey));
        expect(res.status).toBe(404);
      }
      expect((await app.http.post(`/api/v1/consent-requests/${created.body.id}/cancel`).set(auth(app.other.apiKey))).status).toBe(404);
    });

    test('when an unknown id is asked for, then 404', async () => {
      const res = await app.http.get('/api/v1/consent-requests/cr_doesnotexist').set(auth(app.apiKey));
      expect(res.status).toBe(404);
    });

    test('when listing with a limit, then pages follow nextCursor newest first without overlap', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        app.clock.advance(1000);
        ids.push((await create(childRequest({ subject: { reference: `REG-${i}`, firstName: 'Sam', dateOfBirth: '2014-04-02' } }))).body.id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
        const res = await app.http.get(`/api/v1/consent-requests${query}`).set(auth(app.apiKey));
        expect(res.status).toBe(200);
        expect(res.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.data.map((r: { id: string }) => r.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
    });

    test('when filtering by subject, status and form, then only matching requests come back', async () => {
      await create(childRequest());
      await create(childRequest({ subject: { reference: 'REG-9', firstName: 'Lina', dateOfBirth: '2015-01-01' } }));
      await create(childRequest({ formId: 'beeldmateriaal' }));
      const bySubject = await app.http.get('/api/v1/consent-requests?subjectReference=REG-9').set(auth(app.apiKey));
      expect(bySubject.body.data).toHaveLength(1);
      const byForm = await app.http.get('/api/v1/consent-requests?formId=beeldmateriaal').set(auth(app.apiKey));
      expect(byForm.body.data).toHaveLength(1);
      const byStatus = await app.http.get('/api/v1/consent-requests?status=signed').set(auth(app.apiKey));
      expect(byStatus.body.data).toHaveLength(0);
      const other = await app.http.get('/api/v1/consent-requests').set(auth(app.other.apiKey));
      expect(other.body.data).toHaveLength(0);
    });

    test('when the list query is invalid, then 422 names the parameter', async () => {
      for (const [q, field] of [['limit=0', 'query.limit'], ['limit=101', 'query.limit'], ['status=nope', 'query.status'], ['cursor=%%%', 'query.cursor']] as const) {
        const res = await app.http.get(`/api/v1/consent-requests?${q}`).set(auth(app.apiKey));
        expect(res.status).toBe(422);
        expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
      }
    });

    test('when the worker delivers the invite, then the status is sent and events show created and sent with a hash chain', async () => {
      const created = await create(childRequest());
      await deliverAndGetLink(app, created.body.id);
      const got = await app.http.get(`/api/v1/consent-requests/${created.body.id}`).set(auth(app.apiKey));
      expect(got.body.status).toBe('sent');
      const events = await app.http.get(`/api/v1/consent-requests/${created.body.id}/events`).set(auth(app.apiKey));
      expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(['created', 'sent']);
      expect(events.body.data[1].detail).toMatchObject({ channel: 'sms', maskedAddress: '+316••••5678', provider: 'dev-outbox' });
      expect(events.body.data[0].actor).toMatch(/^api:key_/);
      expect(JSON.stringify(events.body)).not.toMatch(/Ans|Sam|12345678/);
    });
  });

  describe('cancel, remind, document, paper', () => {
    test('when a request is cancelled, then it is cancelled, a second cancel is 409, and the link shows 410', async () => {
      const created = await create(childRequest());
      const link = await deliverAndGetLink(app, created.body.id);
      const res = await app.http.post(`/api/v1/consent-requests/${created.body.id}/cancel`).set(auth(app.apiKey));
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('cancelled');
      expect((await app.http.post(`/api/v1/consent-requests/${created.body.id}/cancel`).set(auth(app.apiKey))).status).toBe(409);
      expect((await app.http.get(link)).status).toBe(410);
    });

    test('when a request is cancelled before delivery, then no message is ever sent', async () => {
      const created = await create(childRequest());
      await app.http.post(`/api/v1/consent-requests/${created.body.id}/cancel`).set(auth(app.apiKey));
      await app.container.worker.runOnce();
      expect(await app.container.store.listDevOutbox(10)).toHaveLength(0);
    });

    test('when the document is asked for before signing, then 409', async () => {
      const created = await create(childRequest());
      const res = await app.http.get(`/api/v1/consent-requests/${created.body.id}/document`).set(auth(app.apiKey));
      expect(res.status).toBe(409);
    });

    test('when paper is called without a multipart body, then 422 (415-like problem naming the body); an unknown id is 404', async () => {
      const created = await create(childRequest());
      const res = await app.http.post(`/api/v1/consent-requests/${created.body.id}/paper`).set(auth(app.apiKey)).send({ signedBy: 'X' });
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect((await app.http.post('/api/v1/consent-requests/cr_nope/paper').set(auth(app.apiKey))).status).toBe(404);
    });

    test('when a reminder is asked for, then it is queued and sent; before sending and after the maximum it is 409', async () => {
      const created = await create(childRequest({ reminders: { max: 1, automatic: 0 } }));
      const remind = () => app.http.post(`/api/v1/consent-requests/${created.body.id}/remind`).set(auth(app.apiKey));
      expect((await remind()).status).toBe(409); // still pending: nothing was sent yet
      await deliverAndGetLink(app, created.body.id);
      const res = await remind();
      expect(res.status).toBe(202);
      await app.container.worker.runOnce();
      const got = await app.http.get(`/api/v1/consent-requests/${created.body.id}`).set(auth(app.apiKey));
      expect(got.body).toMatchObject({ reminderCount: 1, reminders: { max: 1, automatic: 0 } });
      const outbox = await app.container.store.listDevOutbox(10);
      expect(outbox.filter((m) => m.requestId === created.body.id)).toHaveLength(2);
      expect(outbox[0]!.link).toBe(outbox[1]!.link);
      const again = await remind();
      expect(again.status).toBe(409);
      expect(again.body.detail).toMatch(/maximum of 1/);
      expect((await app.http.post('/api/v1/consent-requests/cr_nope/remind').set(auth(app.apiKey))).status).toBe(404);
    });

    test('when the expiry passes, then the worker marks the request expired and the link shows 410', async () => {
      const created = await create(childRequest());
      const link = await deliverAndGetLink(app, created.body.id);
      app.clock.advance(15 * 86_400_000);
      await app.container.worker.runOnce();
      const got = await app.http.get(`/api/v1/consent-requests/${created.body.id}`).set(auth(app.apiKey));
      expect(got.body.status).toBe('expired');
      expect((await app.http.get(link)).status).toBe(410);
    });
  });
});
