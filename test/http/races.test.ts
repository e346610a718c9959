import { execFileSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import pino from 'pino';

import { buildContainer } from '../../src/container';
import { startServer, type RunningServer } from '../../src/http/server';
import { newId } from '../../src/shared/ids';
import { startFakeTsa, type FakeTsa } from '../evidence/fake-tsa';
import { greyPng } from '../helpers/png';
import { SealGate } from '../helpers/seal-gate';
import { binary } from '../helpers/http';
import { adultRequest, auth, childRequest, createTestApp, deliverAndGetLink, openSigningPage, type TestApp, testSigningIdentity, uploadAdultPaperConsent, CHILD_PAPER, uploadRequestPaper } from '../helpers/test-app';
import { createAndSign } from '../helpers/signing';
import { hasPoppler } from '../helpers/tools';

const poppler = hasPoppler();
const MINUTE = 60_000;

/**
 * Races forced deterministically: a seal held open (SealGate) while the other party runs to its
 * end, then released. No timing, no hoping.
 */
describe('races and lost updates', () => {
  let app: TestApp;
  let gate: SealGate;
  beforeEach(async () => {
    gate = new SealGate();
    app = await createTestApp({}, undefined, undefined, { wrapSealer: gate.wrap });
  });
  afterEach(async () => {
    gate.releaseAll();
    await app.close();
  });

  const list = async (reference: string) => (await app.http.get(`/api/v1/consent-requests?subjectReference=${reference}`).set(auth(app.apiKey))).body.data as { id: string; status: string }[];

  test('when the expiry sweep runs while paper consent for a subject without a request is being sealed, then the upload succeeds and exactly one signed request exists', async () => {
    const hold = gate.holdNext();
    const upload = uploadAdultPaperConsent(app, 'REG-RACE-1', greyPng()).then((r) => r);
    await hold.reached;
    // The worker's pass: expires every open request whose expiry has passed.
    await app.container.worker.runOnce();
    expect(await list('REG-RACE-1')).toEqual([]);
    hold.release();
    const res = await upload;
    expect(res.status).toBe(201);
    const requests = await list('REG-RACE-1');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ id: res.body.id, status: 'signed' });
    const events = await app.http.get(`/api/v1/consent-requests/${res.body.id}/events`).set(auth(app.apiKey));
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(['created', 'signed']);
    expect((await app.http.get('/api/v1/subjects/REG-RACE-1/consent').set(auth(app.apiKey))).body.mayRegister).toBe(true);
  });

  test('when a signature lands while paper consent for the same open request is being sealed, then the paper upload is a 409 and stores nothing', async () => {
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(adultRequest());
    const id = created.body.id as string;
    const link = await deliverAndGetLink(app, id);
    const { csrf, cookie } = await openSigningPage(app, link);
    const hold = gate.holdNext();
    const refusals = JSON.stringify([{ purposeId: 'registratie', granted: false }, { purposeId: 'contact', granted: false }, { purposeId: 'gegevens-delen', granted: false }]);
    const paper = uploadRequestPaper(app, id, { signedBy: 'Noor Bakker', signedOn: '2026-11-20', decisions: refusals }, greyPng()).then((r) => r);
    await hold.reached;
    const signed = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose_registratie: 'yes', purpose_contact: 'yes', 'purpose_gegevens-delen': 'yes', declaration: 'yes', signerName: 'Noor Bakker', action: 'sign' });
    expect(signed.status).toBe(303);
    hold.release();
    expect((await paper).status).toBe(409);
    const docs = (await app.http.get(`/api/v1/consent-requests/${id}/documents`).set(auth(app.apiKey))).body.data as { kind: string }[];
    expect(docs.map((d) => d.kind)).toEqual(['consent-pdf']);
    expect((await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body).toMatchObject({ status: 'signed', decisions: [{ purposeId: 'registratie', granted: true }, { purposeId: 'contact', granted: true }, { purposeId: 'gegevens-delen', granted: true }] });
  });

  test('when two withdrawals from the same link overlap (the first one\'s seal is slow), then both count in the request and in the status API, with two receipts', async () => {
    const { id, link } = await createAndSign(app, adultRequest(), { purpose_registratie: 'yes', purpose_contact: 'yes', 'purpose_gegevens-delen': 'yes', declaration: 'yes', signerName: 'Noor Bakker' });
    // Two tabs on the done page.
    const { csrf, cookie } = await openSigningPage(app, link);
    const withdraw = (purpose: string) => app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose, action: 'selected' });

    const hold = gate.holdNext();
    const first = withdraw('contact').then((r) => r);
    await hold.reached; // the first has read the request and waits for its receipt's seal
    expect((await withdraw('gegevens-delen')).status).toBe(303); // the second reads, seals and stores
    hold.release();
    expect((await first).status).toBe(303);

    const expected = [{ purposeId: 'registratie', granted: true }, { purposeId: 'contact', granted: false }, { purposeId: 'gegevens-delen', granted: false }];
    const got = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey));
    expect(got.body).toMatchObject({ status: 'signed', decisions: expected });
    const status = await app.http.get('/api/v1/subjects/REG-2001/consent').set(auth(app.apiKey));
    expect(status.body.purposes.map((p: { purposeId: string; granted: boolean }) => ({ purposeId: p.purposeId, granted: p.granted }))).toEqual(expected);
    expect(status.body.mayRegister).toBe(true);

    const docs = (await app.http.get(`/api/v1/consent-requests/${id}/documents`).set(auth(app.apiKey))).body.data as { kind: string }[];
    expect(docs.map((d) => d.kind)).toEqual(['consent-pdf', 'withdrawal-receipt', 'withdrawal-receipt']);
    const events = (await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey))).body.data as { type: string; detail: Record<string, unknown> }[];
    expect(events.filter((e) => e.type === 'withdrawn').map((e) => [e.detail.purposes, e.detail.remainingGranted])).toEqual([
      [['gegevens-delen'], ['registratie', 'contact']],
      [['contact'], ['registratie']],
    ]);
    if (poppler) {
      // The receipt stored last was made again from the fresh state: both purposes no longer granted.
      const receipt = await app.http.get(`${link}/receipt`).buffer(true).parse(binary);
      const file = join(app.dataDir, 'receipt.pdf');
      writeFileSync(file, receipt.body as Buffer);
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      expect(text).toMatch(/Berichten over activiteiten\s+Ingetrokken/);
      expect(text).toMatch(/Gegevens delen met partners, alleen als het nodig is\s+Ingetrokken/);
      expect(text).toMatch(/Persoonlijke registratie\s+Ja/);
    }
  });

  test('when the request changes under a withdrawal five times in a row, then the page answers 409 in Dutch and nothing is stored', async () => {
    const { id, link } = await createAndSign(app, adultRequest(), { purpose_registratie: 'yes', purpose_contact: 'yes', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker' });
    const { csrf, cookie } = await openSigningPage(app, link);
    const store = app.container.store;
    const record = (await store.getDocument(app.organisationId, id, 'consent-pdf'))!;
    let hold = gate.holdNext();
    const withdrawal = app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose: 'contact', action: 'selected' }).then((r) => r);
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await hold.reached;
      // Another writer changes the request between this attempt's read and its write (here: a
      // time-stamp added to the record by the worker).
      await store.completeTimestamp({ organisationId: app.organisationId, requestId: id, document: { ...record, id: newId('doc', app.clock.now()) }, event: { id: newId('evt', app.clock.now()), requestId: id, organisationId: app.organisationId, type: 'timestamp_added', at: app.clock.now(), actor: 'system', detail: {} } });
      const current = hold;
      if (attempt < 5) hold = gate.holdNext();
      current.release();
    }
    const res = await withdrawal;
    expect(res.status).toBe(409);
    // A participant's link: the page says "je".
    expect(res.text).toContain('Er veranderde tegelijk iets anders. Je keuze is nog niet bewaard.');
    const docs = (await app.http.get(`/api/v1/consent-requests/${id}/documents`).set(auth(app.apiKey))).body.data as { kind: string }[];
    expect(docs.filter((d) => d.kind === 'withdrawal-receipt')).toEqual([]);
    expect((await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body.decisions).toContainEqual({ purposeId: 'contact', granted: true });
  });

  test('when the same purpose is withdrawn twice at once (a double tap), then one receipt is made and both taps end on the done page', async () => {
    const { id, link } = await createAndSign(app, adultRequest(), { purpose_registratie: 'yes', purpose_contact: 'yes', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker' });
    const { csrf, cookie } = await openSigningPage(app, link);
    const withdraw = () => app.http.post(`${link}/withdraw`).set('Cookie', cookie).type('form').send({ _csrf: csrf, purpose: 'contact', action: 'selected' });
    const hold = gate.holdNext();
    const first = withdraw().then((r) => r);
    await hold.reached;
    expect((await withdraw()).status).toBe(303);
    hold.release();
    expect((await first).status).toBe(303);
    const docs = (await app.http.get(`/api/v1/consent-requests/${id}/documents`).set(auth(app.apiKey))).body.data as { kind: string }[];
    expect(docs.filter((d) => d.kind === 'withdrawal-receipt')).toHaveLength(1);
  });
});

describe('Idempotency-Key that outlives its request', () => {
  let app: TestApp;
  let gate: SealGate;
  beforeEach(async () => {
    gate = new SealGate();
    app = await createTestApp({}, undefined, undefined, { wrapSealer: gate.wrap });
  });
  afterEach(async () => {
    gate.releaseAll();
    await app.close();
  });

  const paper = (id: string, key: string) => uploadRequestPaper(app, id, CHILD_PAPER, greyPng()).set('Idempotency-Key', key);

  test('when the first request with a key never answers, then a retry is a 409 for 10 minutes and after that it runs; the late first one cannot overwrite the answer', async () => {
    const id = (await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest())).body.id as string;
    const hold = gate.holdNext();
    const stuck = paper(id, 'paper-0001').then((r) => r);
    await hold.reached; // reserved, and hanging as a crashed request would
    app.clock.advance(10 * MINUTE - 1);
    expect((await paper(id, 'paper-0001')).status).toBe(409);
    app.clock.advance(1);
    const retry = await paper(id, 'paper-0001');
    expect(retry.status).toBe(200);
    expect(retry.body.status).toBe('signed');
    // The first request finally finishes: it lost the race for the request and must not replace the stored answer.
    hold.release();
    expect((await stuck).status).toBe(409);
    const again = await paper(id, 'paper-0001');
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(retry.body);
  });

  test('when a key\'s answer is 24 hours old, then the key is free again; before that it is bound to its first body', async () => {
    const first = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).set('Idempotency-Key', 'create-0001').send(childRequest());
    expect(first.status).toBe(201);
    app.clock.advance(24 * 60 * MINUTE - 1);
    const other = childRequest({ subject: { reference: 'REG-7', firstName: 'Bo', dateOfBirth: '2015-01-01' } });
    expect((await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).set('Idempotency-Key', 'create-0001').send(other)).status).toBe(422);
    const replay = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).set('Idempotency-Key', 'create-0001').send(childRequest());
    expect(replay.body.id).toBe(first.body.id);
    app.clock.advance(1);
    const fresh = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).set('Idempotency-Key', 'create-0001').send(other);
    expect(fresh.status).toBe(201);
    expect(fresh.body.id).not.toBe(first.body.id);
  });

  test('when the worker prunes, then keys older than 24 hours are deleted and younger ones still replay', async () => {
    const old = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).set('Idempotency-Key', 'old-0001').send(childRequest());
    app.clock.advance(23 * 60 * MINUTE);
    const young = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).set('Idempotency-Key', 'young-0001').send(childRequest({ subject: { reference: 'REG-8', firstName: 'Bo', dateOfBirth: '2015-01-01' } }));
    app.clock.advance(2 * 60 * MINUTE);
    await app.container.worker.runOnce();
    expect(await app.container.store.reserveIdempotencyKey(app.organisationId, 'old-0001', 'x', app.clock.now())).toBeNull();
    const replay = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).set('Idempotency-Key', 'young-0001').send(childRequest({ subject: { reference: 'REG-8', firstName: 'Bo', dateOfBirth: '2015-01-01' } }));
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(young.body.id);
    expect(old.status).toBe(201);
  });

  test('when the client aborts a paper upload half-way, then the key is freed at once and the retry runs', async () => {
    let server: RunningServer | null = null;
    try {
      server = await startServer(app.container.app, 0);
      const store = app.container.store;
      // Signal when the middleware settles the key, whichever way it does.
      let settled!: () => void;
      const keySettled = new Promise<void>((resolve) => (settled = resolve));
      const release = store.releaseIdempotencyKey.bind(store);
      const complete = store.completeIdempotencyKey.bind(store);
      store.releaseIdempotencyKey = async (...args) => {
        await release(...args);
        settled();
      };
      store.completeIdempotencyKey = async (...args) => {
        await complete(...args);
        settled();
      };
      const boundary = 'akkoord-abort-test';
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="formId"\r\n\r\ninloop-16-plus\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan.png"\r\nContent-Type: image/png\r\n\r\n`,
      );
      await new Promise<void>((resolve) => {
        const req = httpRequest(`${server!.url}/api/v1/subjects/REG-ABORT/paper-consents`, {
          method: 'POST',
          headers: { ...auth(app.apiKey), 'Idempotency-Key': 'abort-0001', 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(head.length + 1_000_000) },
        });
        req.on('error', () => resolve());
        req.on('response', () => resolve());
        // Half the body, then the connection drops.
        req.write(head, () => req.write(Buffer.alloc(1000, 7), () => req.destroy()));
      });
      await keySettled;
      const retry = await uploadAdultPaperConsent(app, 'REG-ABORT', greyPng()).set('Idempotency-Key', 'abort-0001');
      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
    } finally {
      await server?.stop();
    }
  });
});

describe('time-stamp retry by two workers at once', () => {
  let tsa: FakeTsa;
  let app: TestApp;
  let gate: SealGate;
  beforeAll(async () => {
    tsa = await startFakeTsa();
  });
  afterAll(async () => {
    await tsa.close();
  });
  afterEach(async () => {
    gate.releaseAll();
    await app.close();
  });

  test('when two workers re-seal the same record, then one time-stamped version and one event are stored', async () => {
    gate = new SealGate();
    app = await createTestApp({ TSA_URL: tsa.url, TSA_TIMEOUT_MS: '2000' }, undefined, undefined, { wrapSealer: gate.wrap });
    tsa.failAlways(true);
    const { id } = await createAndSign(app, adultRequest(), { purpose_registratie: 'yes', purpose_contact: 'yes', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker' });
    expect((await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body.sealState).toBe('timestamp_pending');
    tsa.failAlways(false);
    app.clock.advance(10 * MINUTE);

    // A second worker process on the same database (`npm run worker` beside the in-process one).
    const second = buildContainer(app.container.config, { clock: app.clock, logger: pino({ level: 'silent' }), signingIdentity: testSigningIdentity(), wrapSealer: gate.wrap });
    try {
      const hold = gate.holdNext();
      const first = app.container.worker.runOnce();
      await hold.reached;
      await second.worker.runOnce();
      hold.release();
      await first;
    } finally {
      await second.close();
    }
    const docs = (await app.http.get(`/api/v1/consent-requests/${id}/documents`).set(auth(app.apiKey))).body.data as { kind: string }[];
    expect(docs.map((d) => d.kind)).toEqual(['consent-pdf', 'consent-pdf']);
    const events = (await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey))).body.data as { type: string }[];
    expect(events.filter((e) => e.type === 'timestamp_added')).toHaveLength(1);
    expect((await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body.sealState).toBe('timestamped');
  });
});
