import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { auth, childRequest, createTestApp, type TestApp } from '../helpers/test-app';

describe('requestedBy: the youth worker who asked', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  const create = (body: object) => app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(body);

  test('when requestedBy is given, then it is cleaned, returned on create and on GET, and not readable in the database files', async () => {
    const created = await create(childRequest({ requestedBy: { name: '  Jesse\u200B   Smit-Oudeman ', role: ' straat\u00ADcoach Zuidas ' } }));
    expect(created.status).toBe(201);
    expect(created.body.requestedBy).toEqual({ name: 'Jesse Smit-Oudeman', role: 'straatcoach Zuidas' });
    const read = await app.http.get(`/api/v1/consent-requests/${created.body.id}`).set(auth(app.apiKey));
    expect(read.body.requestedBy).toEqual({ name: 'Jesse Smit-Oudeman', role: 'straatcoach Zuidas' });
    const files = readdirSync(app.dataDir).filter((f) => f.startsWith('akkoord.db'));
    const raw = Buffer.concat(files.map((f) => readFileSync(join(app.dataDir, f))));
    expect(raw.includes(Buffer.from('Oudeman'))).toBe(false);
    expect(raw.includes(Buffer.from('straatcoach'))).toBe(false);
  });

  test('when requestedBy has no role, then the role is null; when it is not given, then requestedBy is null', async () => {
    const bare = await create(childRequest({ requestedBy: { name: 'Jesse Smit' } }));
    expect(bare.body.requestedBy).toEqual({ name: 'Jesse Smit', role: null });
    const none = await create(childRequest({ subject: { reference: 'REG-2', firstName: 'Sam', dateOfBirth: '2014-04-02' } }));
    expect(none.status).toBe(201);
    const read = await app.http.get(`/api/v1/consent-requests/${none.body.id}`).set(auth(app.apiKey));
    expect(read.body.requestedBy).toBeNull();
  });

  test.each([
    ['a name over 100 characters', { name: 'a'.repeat(101) }, 'requestedBy.name'],
    ['an empty name', { name: '\u200B' }, 'requestedBy.name'],
    ['a name with a bidi override', { name: '\u202Eabc' }, 'requestedBy.name'],
    ['a role over 60 characters', { name: 'Jesse', role: 'r'.repeat(61) }, 'requestedBy.role'],
    ['a role with a line break', { name: 'Jesse', role: 'jongeren\nwerker' }, 'requestedBy.role'],
    ['no name', { role: 'jongerenwerker' }, 'requestedBy.name'],
    ['an unknown key', { name: 'Jesse', phone: '0612345678' }, 'requestedBy.phone'],
  ])('when requestedBy has %s, then 422 names the field', async (_what, requestedBy, field) => {
    const res = await create(childRequest({ requestedBy }));
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
  });

  test('when a request ended 90 days ago, then the hourly sweep erases requestedBy and the address; one that ended later keeps them', async () => {
    const first = await create(childRequest({ requestedBy: { name: 'Jesse Smit' } }));
    const second = await create(childRequest({ subject: { reference: 'REG-2', firstName: 'Lot', dateOfBirth: '2014-04-02' }, requestedBy: { name: 'Jesse Smit' } }));
    expect((await app.http.post(`/api/v1/consent-requests/${first.body.id}/cancel`).set(auth(app.apiKey))).status).toBe(200);
    app.clock.advance(60_000);
    expect((await app.http.post(`/api/v1/consent-requests/${second.body.id}/cancel`).set(auth(app.apiKey))).status).toBe(200);
    // 90 days and 30 s after the first ended; 30 s before the second's 90 days are up.
    app.clock.advance(90 * 86_400_000 - 30_000);
    await app.container.worker.runOnce();
    const read = async (id: string) => ({
      api: (await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body,
      stored: await app.container.store.getConsentRequest(app.organisationId, id),
    });
    const erased = await read(first.body.id);
    expect(erased.api).toMatchObject({ status: 'cancelled', requestedBy: null, recipient: { maskedAddress: '+316••••5678' } });
    expect(erased.stored).toMatchObject({ requestedBy: null, recipient: { address: null, name: 'Ans de Vries' }, subject: { firstName: 'Sam' } });
    const kept = await read(second.body.id);
    expect(kept.api.requestedBy).toEqual({ name: 'Jesse Smit', role: null });
    expect(kept.stored?.recipient.address).toBe('+31612345678');
    // Once its 90 days are up too, the next hourly pass erases it.
    app.clock.advance(3_600_000);
    await app.container.worker.runOnce();
    expect((await read(second.body.id)).stored).toMatchObject({ requestedBy: null, recipient: { address: null } });
  });

  test('when a role is exactly 60 characters and a name exactly 100, then both are accepted', async () => {
    const res = await create(childRequest({ requestedBy: { name: 'n'.repeat(100), role: 'r'.repeat(60) } }));
    expect(res.status).toBe(201);
    expect(res.body.requestedBy).toEqual({ name: 'n'.repeat(100), role: 'r'.repeat(60) });
  });
});
