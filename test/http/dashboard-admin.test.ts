import request from 'supertest';

import { completeSetup, signInStaff, type StaffSession } from '../helpers/staff';
import { greyPng } from '../helpers/png';
import { auth, createTestApp, type TestApp } from '../helpers/test-app';

let app: TestApp;
let admin: StaffSession;
beforeEach(async () => {
  app = await createTestApp();
  admin = await signInStaff(app, { role: 'admin' });
});
afterEach(async () => {
  await app.close();
});

const post = (s: StaffSession, path: string, fields: Record<string, string> = {}) => s.agent.post(path).set('Accept', 'text/html').type('form').send({ _csrf: s.csrf, ...fields });

describe('dashboard administration: who may', () => {
  test('when a youth worker opens or posts to an admin page, then it is refused with 403', async () => {
    const worker = await signInStaff(app, { role: 'youth-worker' });
    for (const path of ['/app/admin', '/app/admin/colleagues', '/app/admin/api-keys', '/app/admin/settings']) {
      expect({ path, status: (await worker.agent.get(path).set('Accept', 'text/html')).status }).toEqual({ path, status: 403 });
    }
    expect((await post(worker, '/app/admin/colleagues', { email: 'x@example.nl', role: 'admin' })).status).toBe(403);
    expect((await post(worker, '/app/admin/api-keys', { name: 'stiekem' })).status).toBe(403);
    expect(await app.container.store.findStaffUserByEmailHash(app.container.staffAuth.lookup.email('x@example.nl'))).toBeNull();
  });

  test('when an admin page is opened by an admin, then it shows the three areas', async () => {
    const page = await admin.agent.get('/app/admin').expect(200);
    for (const href of ['/app/admin/colleagues', '/app/admin/api-keys', '/app/admin/settings']) expect(page.text).toContain(`href="${href}"`);
  });
});

describe('dashboard administration: colleagues', () => {
  test('when an admin invites a colleague, then the page shows the set-up link once, and the colleague can set up and sign in', async () => {
    const res = await post(admin, '/app/admin/colleagues', { email: 'Nieuwe.Collega@Example.nl', role: 'youth-worker' }).expect(200);
    const link = /<code id="setup-link">([^<]+)<\/code>/.exec(res.text)![1]!;
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:3000\/app\/setup\/[A-Za-z0-9_-]{43}$/);
    expect(res.text).toContain('Je ziet deze link alleen nu.');
    const list = await admin.agent.get('/app/admin/colleagues').expect(200);
    expect(list.text).not.toContain(link);
    expect(list.text).toContain('Nieuwe.Collega@example.nl');
    expect(list.text).toContain('uitgenodigd, nog niet ingesteld');
    await completeSetup(app, request.agent(app.container.app), link);
    expect((await admin.agent.get('/app/admin/colleagues').expect(200)).text).not.toContain('uitgenodigd, nog niet ingesteld');
  });

  test('when the address is not valid or already has an account, then the invite is refused with the reason', async () => {
    expect((await post(admin, '/app/admin/colleagues', { email: 'geen-adres', role: 'youth-worker' })).text).toContain('Vul een geldig e-mailadres in');
    const taken = await post(admin, '/app/admin/colleagues', { email: admin.email.toUpperCase(), role: 'youth-worker' });
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('Dit e-mailadres heeft al een account.');
    const role = await post(admin, '/app/admin/colleagues', { email: 'rol@example.nl', role: 'baas' });
    expect(role.status).toBe(422);
  });

  test('when a role is changed, then it applies at the colleague\'s next page', async () => {
    const worker = await signInStaff(app, { role: 'youth-worker' });
    expect((await worker.agent.get('/app/admin').set('Accept', 'text/html')).status).toBe(403);
    await post(admin, `/app/admin/colleagues/${worker.userId}/role`, { role: 'admin' }).expect(303);
    await worker.agent.get('/app/admin').expect(200);
    await post(admin, `/app/admin/colleagues/${worker.userId}/role`, { role: 'youth-worker' }).expect(303);
    expect((await worker.agent.get('/app/admin').set('Accept', 'text/html')).status).toBe(403);
  });

  test('when an admin chooses to remove a colleague, then a second page asks first (no JavaScript needed); another organisation\'s colleague is not found', async () => {
    const worker = await signInStaff(app);
    const list = await admin.agent.get('/app/admin/colleagues').expect(200);
    expect(list.text).toContain(`href="/app/admin/colleagues/${worker.userId}/remove"`);
    const confirm = await admin.agent.get(`/app/admin/colleagues/${worker.userId}/remove`).expect(200);
    expect(confirm.text).toContain(`${worker.email} verwijderen?`);
    expect(confirm.text).toContain(`action="/app/admin/colleagues/${worker.userId}/remove"`);
    await worker.agent.get('/app/account').expect(200);
    const stranger = await signInStaff(app, { organisationId: app.other.organisationId });
    expect((await admin.agent.get(`/app/admin/colleagues/${stranger.userId}/remove`).set('Accept', 'text/html')).status).toBe(404);
  });

  test('when a colleague is removed, then their sessions end at once and they cannot sign in again', async () => {
    const worker = await signInStaff(app);
    const res = await post(admin, `/app/admin/colleagues/${worker.userId}/remove`).expect(303);
    expect(res.headers.location).toBe('/app/admin/colleagues?done=removed');
    expect((await worker.agent.get('/app/account')).headers.location).toBe('/app/sign-in');
    const list = await admin.agent.get('/app/admin/colleagues?done=removed').expect(200);
    expect(list.text).not.toContain(worker.email);
    expect(list.text).toContain('De collega is verwijderd en overal uitgelogd.');
    const again = request.agent(app.container.app);
    const signIn = await again.get('/app/sign-in').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(signIn.text)![1]!;
    expect((await again.post('/app/sign-in').set('Accept', 'text/html').type('form').send({ _csrf: csrf, email: worker.email, password: worker.password })).status).toBe(401);
  });

  test('when an admin signs a colleague out everywhere, then the colleague\'s sessions end', async () => {
    const worker = await signInStaff(app);
    await post(admin, `/app/admin/colleagues/${worker.userId}/sign-out`).expect(303);
    expect((await worker.agent.get('/app/account')).headers.location).toBe('/app/sign-in');
    await admin.agent.get('/app/account').expect(200);
  });

  test('when the last administrator is demoted or removed, then it is refused; with a second one it is allowed', async () => {
    const demote = await post(admin, `/app/admin/colleagues/${admin.userId}/role`, { role: 'youth-worker' });
    expect(demote.status).toBe(409);
    expect(demote.text).toContain('minstens één beheerder');
    expect((await post(admin, `/app/admin/colleagues/${admin.userId}/remove`)).status).toBe(409);
    await admin.agent.get('/app/admin').expect(200);
    // An invited admin who has not set up does not count.
    await post(admin, '/app/admin/colleagues', { email: 'tweede@example.nl', role: 'admin' }).expect(200);
    expect((await post(admin, `/app/admin/colleagues/${admin.userId}/remove`)).status).toBe(409);
    await signInStaff(app, { role: 'admin' });
    const removed = await post(admin, `/app/admin/colleagues/${admin.userId}/remove`);
    expect(removed.status).toBe(303);
    expect(removed.headers.location).toBe('/app');
    expect((await admin.agent.get('/app/account')).headers.location).toBe('/app/sign-in');
  });

  test('when an admin acts on a colleague of another organisation, then it is not found (404) and nothing changes', async () => {
    const stranger = await signInStaff(app, { role: 'youth-worker', organisationId: app.other.organisationId });
    for (const action of ['role', 'remove', 'sign-out']) {
      const res = await post(admin, `/app/admin/colleagues/${stranger.userId}/${action}`, { role: 'admin' });
      expect({ action, status: res.status }).toEqual({ action, status: 404 });
    }
    await stranger.agent.get('/app/account').expect(200);
    expect((await admin.agent.get('/app/admin/colleagues')).text).not.toContain(stranger.email);
  });
});

describe('dashboard administration: API keys', () => {
  test('when an admin makes a key, then it is shown once with its fingerprint and works; revoked, it stops working', async () => {
    const res = await post(admin, '/app/admin/api-keys', { name: 'Registratie' }).expect(200);
    const secret = /<code id="api-key-secret">([^<]+)<\/code>/.exec(res.text)![1]!;
    expect(secret).toMatch(/^ak_live_/);
    await app.http.get('/api/v1/forms').set(auth(secret)).expect(200);
    const list = await admin.agent.get('/app/admin/api-keys').expect(200);
    expect(list.text).not.toContain(secret);
    expect(list.text).toContain('Registratie');
    const key = (await app.container.store.listApiKeys(app.organisationId)).find((k) => k.name === 'Registratie')!;
    expect(list.text).toContain(`<code>${key.keyHash.slice(0, 8)}</code>`);
    await post(admin, `/app/admin/api-keys/${key.id}/revoke`).expect(303);
    await app.http.get('/api/v1/forms').set(auth(secret)).expect(401);
    expect((await admin.agent.get('/app/admin/api-keys?done=revoked')).text).toContain('Ingetrokken op');
  });

  test('when an admin opens the API keys page, then it links to the API reference at /docs, which the service serves', async () => {
    const page = await admin.agent.get('/app/admin/api-keys').expect(200);
    expect(page.text).toContain('<a href="/docs">API-documentatie (in het Engels)</a>');
    const docs = await app.http.get('/docs').expect(200);
    expect(docs.text).toContain('/api/v1/webhook-endpoints');
  });

  test('when an admin makes a read-only key, then it looks up consent status, is refused elsewhere (403), and the list marks it', async () => {
    const res = await post(admin, '/app/admin/api-keys', { name: 'Alleen controle', readOnly: 'yes' }).expect(200);
    const secret = /<code id="api-key-secret">([^<]+)<\/code>/.exec(res.text)![1]!;
    await app.http.get('/api/v1/subjects/REG-1/consent').set(auth(secret)).expect(200);
    await app.http.post('/api/v1/subjects/consent-status').set(auth(secret)).send({ references: ['REG-1'] }).expect(200);
    await app.http.get('/api/v1/forms').set(auth(secret)).expect(403);
    const key = (await app.container.store.listApiKeys(app.organisationId)).find((k) => k.name === 'Alleen controle')!;
    expect(key.scope).toBe('status-read');
    const list = await admin.agent.get('/app/admin/api-keys').expect(200);
    expect(list.text).toContain('Alleen controle <span class="status-badge">alleen lezen</span>');
    expect(list.text).toContain('name="readOnly" value="yes"');
  });

  test('when an admin revokes another organisation\'s key, then it is not found and the key keeps working', async () => {
    const [otherKey] = await app.container.store.listApiKeys(app.other.organisationId);
    expect((await post(admin, `/app/admin/api-keys/${otherKey!.id}/revoke`)).status).toBe(404);
    await app.http.get('/api/v1/forms').set(auth(app.other.apiKey)).expect(200);
    expect((await admin.agent.get('/app/admin/api-keys')).text).not.toContain(otherKey!.id);
  });

  test('when the key name is empty, then it is refused with the reason', async () => {
    const res = await post(admin, '/app/admin/api-keys', { name: '  ' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Geef de sleutel een naam');
  });
});

describe('dashboard administration: settings', () => {
  const upload = (s: StaffSession, fields: Record<string, string>, logo?: Buffer) => {
    const req = s.agent.post('/app/admin/settings').set('Accept', 'text/html');
    for (const [k, v] of Object.entries(fields)) req.field(k, v);
    if (logo) req.attach('logo', logo, 'logo.png');
    return req;
  };
  const all = { name: 'Jongerenwerk De Brug', contactPhone: '020 123 4567', contactEmail: '', website: 'https://debrug.example.nl', privacyStatementUrl: '', dpoContact: '', smsSenderName: 'De Brug', emailSenderName: '', emailReplyTo: '', defaultLanguage: 'nl', reminderAfterDays: '4', expiryDays: '' };

  test('when an admin saves the settings with a logo, then they are stored and shown', async () => {
    const res = await upload(admin, { _csrf: admin.csrf, ...all }, greyPng(16));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/app/admin/settings?done=saved');
    const settings = (await app.container.store.getOrganisationSettings(app.organisationId))!;
    expect(settings).toMatchObject({ contactPhone: '+31201234567', website: 'https://debrug.example.nl/', smsSenderName: 'De Brug', reminderAfterDays: 4, expiryDays: null });
    expect(settings.logoPng).not.toBeNull();
    expect((await app.container.store.getOrganisation(app.organisationId))!.name).toBe('Jongerenwerk De Brug');
    const page = await admin.agent.get('/app/admin/settings?done=saved').expect(200);
    expect(page.text).toContain('value="+31201234567"');
    expect(page.text).toMatch(/<img class="dash-admin__logo" src="\/o\/[^"]+\/logo-[0-9a-f]+\.png"/);
    await upload(admin, { _csrf: admin.csrf, ...all, removeLogo: 'yes' }).expect(303);
    expect((await app.container.store.getOrganisationSettings(app.organisationId))!.logoPng).toBeNull();
  });

  test('when a setting is not valid, then nothing is saved and the page names the field in Dutch', async () => {
    const res = await upload(admin, { _csrf: admin.csrf, ...all, website: 'http://debrug.example.nl' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('<a href="#website">Vul een volledig adres in dat begint met https://.</a>');
    expect(res.text).toContain('value="http://debrug.example.nl"');
    expect((await app.container.store.getOrganisationSettings(app.organisationId))!.website).toBeNull();
  });

  test('when the settings form comes without its CSRF value, then it is refused before the logo is read', async () => {
    const res = await upload(admin, { ...all }, greyPng(16));
    expect(res.status).toBe(403);
    const wrong = await upload(admin, { _csrf: 'x'.repeat(43), ...all }, greyPng(16));
    expect(wrong.status).toBe(403);
    expect((await app.container.store.getOrganisation(app.organisationId))!.name).toBe('Demo');
    expect((await app.container.store.getOrganisationSettings(app.organisationId))!.logoPng).toBeNull();
  });
});
