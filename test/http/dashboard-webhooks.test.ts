import { Webhook } from 'standardwebhooks';

import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../fakes/webhook-receiver';
import { signInStaff, type StaffSession } from '../helpers/staff';
import { auth, childRequest, createTestApp, type TestApp } from '../helpers/test-app';
import { DISABLED_FAILING } from '../../src/webhooks/webhook-endpoints';

/**
 * Dashboard: webhooks (/app/admin/webhooks, issue 13), over HTTP with a signed-in administrator:
 * add (the secret shown once), list, detail with deliveries and "Opnieuw versturen", rotate,
 * switch back on, delete; who may; CSRF; another organisation's endpoint; the notice on the overview
 * when an endpoint is switched off. Deliveries go to a real receiver on 127.0.0.1 (test/fakes).
 */
let app: TestApp;
let admin: StaffSession;
let receiver: WebhookReceiver;
beforeEach(async () => {
  app = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
  admin = await signInStaff(app, { role: 'admin' });
  receiver = await startWebhookReceiver();
});
afterEach(async () => {
  await receiver.close();
  await app.close();
});

const post = (s: StaffSession, path: string, fields: Record<string, string | string[]> = {}) => s.agent.post(path).set('Accept', 'text/html').type('form').send({ _csrf: s.csrf, ...fields });
/** The secret as a browser shows it (Handlebars writes "=" as &#x3D;). */
const shownSecret = (html: string): string | null => /<code id="webhook-secret">([^<]+)<\/code>/.exec(html)?.[1]?.replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))) ?? null;

/**
 * Whether `secret` made one of the hook's signatures, by the independent `standardwebhooks`
 * library (its sign(); its verify() would compare the test clock's timestamp with the real time).
 */
const signedWith = (secret: string, hook: ReceivedWebhook): boolean =>
  hook.signature.split(' ').includes(new Webhook(secret).sign(hook.id, new Date(Number(hook.timestamp) * 1000), hook.body));

/** Adds an endpoint through the page; returns its id (from the list's link) and the secret shown. */
async function addEndpoint(s: StaffSession, url: string, events: string | string[] = 'consent_request.cancelled'): Promise<{ id: string; secret: string; html: string }> {
  const res = await post(s, '/app/admin/webhooks', { url, events }).expect(200);
  const secret = shownSecret(res.text);
  if (!secret) throw new Error('no secret on the page');
  const [endpoint] = (await app.container.store.listWebhookEndpoints(s.organisationId)).filter((e) => e.url === url);
  return { id: endpoint!.id, secret, html: res.text };
}

/** A consent request of the organisation, cancelled: one `consent_request.cancelled` event. */
async function cancelledRequest(reference = 'REG-1042'): Promise<string> {
  const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest({ subject: { reference, firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2014-04-02' } })).expect(201);
  await app.http.post(`/api/v1/consent-requests/${created.body.id}/cancel`).set(auth(app.apiKey)).expect(200);
  return created.body.id as string;
}

describe('dashboard webhooks: adding and the list', () => {
  test('when an admin adds an endpoint, then the secret is shown once, signs the deliveries, and the list never shows it again', async () => {
    const url = `${receiver.url}/akkoord`;
    const { id, secret, html } = await addEndpoint(admin, url);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{20,}$/);
    expect(html).toContain('Je ziet deze geheime sleutel alleen nu.');
    const list = await admin.agent.get('/app/admin/webhooks').expect(200);
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toContain(secret.slice(6, 20));
    expect(list.text).toContain(`href="/app/admin/webhooks/${id}"`);
    expect(list.text).toContain('Actief');
    expect(list.text).toContain('<code>consent_request.cancelled</code>');
    expect(list.text).toContain('Nog niets verstuurd.');
    expect((await admin.agent.get(`/app/admin/webhooks/${id}`).expect(200)).text).not.toContain(secret);
    // The registration system sees the same endpoint through the API, and the secret verifies what it gets.
    const api = await app.http.get(`/api/v1/webhook-endpoints/${id}`).set(auth(app.apiKey)).expect(200);
    expect(api.body).toMatchObject({ url, events: ['consent_request.cancelled'], status: 'enabled' });
    await cancelledRequest();
    await app.container.worker.runOnce();
    const [hook] = await receiver.waitFor(1);
    expect(hook!.json.type).toBe('consent_request.cancelled');
    expect(signedWith(secret, hook!)).toBe(true);
    expect(signedWith(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, hook!)).toBe(false);
    const after = await admin.agent.get('/app/admin/webhooks').expect(200);
    expect(after.text).toContain('Gelukt op');
    expect(after.text).toContain('Antwoord: HTTP 204.');
  });

  test('when "all messages" is chosen with others, then the endpoint gets every event type ("*")', async () => {
    const { id } = await addEndpoint(admin, `${receiver.url}/alles`, ['*', 'consent_request.signed']);
    expect((await app.container.store.getWebhookEndpoint(app.organisationId, id))!.events).toEqual(['*']);
    expect((await admin.agent.get('/app/admin/webhooks').expect(200)).text).toContain('Alle meldingen <code>*</code>');
  });

  test('when the address or the events are missing, then each problem is named next to its field in Dutch (422) and the answers stay', async () => {
    const res = await post(admin, '/app/admin/webhooks', { url: '', description: 'Registratie' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('<a href="#field-url">Vul het adres in.</a>');
    expect(res.text).toContain('<a href="#field-events">Kies minstens één melding.</a>');
    expect(res.text).toContain('<p class="field-error" id="error-url">');
    expect(res.text).toContain('<p class="field-error" id="error-events">');
    expect(res.text).toContain('value="Registratie"');
    const bad = await post(admin, '/app/admin/webhooks', { url: 'geen adres', events: ['consent_request.signed', 'consent_request.withdrawn'] });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Vul een volledig adres in dat begint met https://.');
    expect(bad.text).toMatch(/value="consent_request\.withdrawn" checked/);
    const tampered = await post(admin, '/app/admin/webhooks', { url: `${receiver.url}/x`, events: 'consent_request.bestaat_niet' });
    expect(tampered.status).toBe(422);
    expect(tampered.text).toContain('Kies minstens één melding.');
    expect(await app.container.store.listWebhookEndpoints(app.organisationId)).toEqual([]);
  });

  test('when the organisation already has the most endpoints allowed, then adding one more is refused with the reason (409)', async () => {
    for (let i = 0; i < 10; i++) await app.http.post('/api/v1/webhook-endpoints').set(auth(app.apiKey)).send({ url: `${receiver.url}/${i}`, events: ['*'] }).expect(201);
    const res = await post(admin, '/app/admin/webhooks', { url: `${receiver.url}/elf`, events: '*' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('Jullie hebben al het hoogste aantal webhooks. Verwijder er eerst één.');
    expect(shownSecret(res.text)).toBeNull();
    expect(await app.container.store.listWebhookEndpoints(app.organisationId)).toHaveLength(10);
  });
});

describe('dashboard webhooks: addresses inside a network (SSRF)', () => {
  let strict: TestApp;
  let strictAdmin: StaffSession;
  beforeEach(async () => {
    strict = await createTestApp();
    strictAdmin = await signInStaff(strict, { role: 'admin' });
  });
  afterEach(async () => strict.close());

  test('when the address is loopback, private or link-local, then it is refused next to the field in Dutch, never a 500', async () => {
    for (const url of ['http://127.0.0.1:8080/hook', 'http://10.1.2.3/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/hook', 'http://192.168.1.10/']) {
      const res = await post(strictAdmin, '/app/admin/webhooks', { url, events: 'consent_request.signed' });
      expect({ url, status: res.status }).toEqual({ url, status: 422 });
      expect(res.text).toContain('<a href="#field-url">Dit adres mag niet of bestaat niet.');
    }
    expect(await strict.container.store.listWebhookEndpoints(strict.organisationId)).toEqual([]);
  });
});

describe('dashboard webhooks: who may', () => {
  test('when a youth worker opens or posts to the webhook pages, then it is refused with 403 and nothing changes', async () => {
    const { id } = await addEndpoint(admin, `${receiver.url}/a`);
    const worker = await signInStaff(app, { role: 'youth-worker' });
    for (const path of ['/app/admin/webhooks', `/app/admin/webhooks/${id}`, `/app/admin/webhooks/${id}/delete`]) {
      expect({ path, status: (await worker.agent.get(path).set('Accept', 'text/html')).status }).toEqual({ path, status: 403 });
    }
    expect((await post(worker, '/app/admin/webhooks', { url: `${receiver.url}/b`, events: 'consent_request.signed' })).status).toBe(403);
    expect((await post(worker, `/app/admin/webhooks/${id}/delete`)).status).toBe(403);
    expect((await post(worker, `/app/admin/webhooks/${id}/rotate`)).status).toBe(403);
    expect((await app.container.store.listWebhookEndpoints(app.organisationId)).map((e) => e.id)).toEqual([id]);
    expect((await app.container.store.getWebhookEndpoint(app.organisationId, id))!.previousSecret).toBeNull();
  });

  test('when a form is posted without the CSRF token, then it is refused with 403 and nothing changes', async () => {
    const { id } = await addEndpoint(admin, `${receiver.url}/a`);
    const noCsrf = (path: string, fields: Record<string, string> = {}) => admin.agent.post(path).set('Accept', 'text/html').type('form').send(fields);
    expect((await noCsrf('/app/admin/webhooks', { url: `${receiver.url}/b`, events: 'consent_request.signed' })).status).toBe(403);
    expect((await noCsrf(`/app/admin/webhooks/${id}/delete`)).status).toBe(403);
    expect((await noCsrf(`/app/admin/webhooks/${id}/rotate`)).status).toBe(403);
    expect((await noCsrf(`/app/admin/webhooks/${id}/enable`)).status).toBe(403);
    expect((await app.container.store.listWebhookEndpoints(app.organisationId)).map((e) => e.id)).toEqual([id]);
    expect((await app.container.store.getWebhookEndpoint(app.organisationId, id))!.previousSecret).toBeNull();
  });

  test('when an admin opens or acts on another organisation\'s endpoint, then it is not found (404) and it keeps working', async () => {
    const created = await app.http.post('/api/v1/webhook-endpoints').set(auth(app.other.apiKey)).send({ url: `${receiver.url}/other`, events: ['*'] }).expect(201);
    const otherId = created.body.id as string;
    for (const path of [`/app/admin/webhooks/${otherId}`, `/app/admin/webhooks/${otherId}/delete`]) {
      expect({ path, status: (await admin.agent.get(path).set('Accept', 'text/html')).status }).toEqual({ path, status: 404 });
    }
    for (const action of ['delete', 'rotate', 'enable', 'deliveries/whd_x/retry']) {
      expect({ action, status: (await post(admin, `/app/admin/webhooks/${otherId}/${action}`)).status }).toEqual({ action, status: 404 });
    }
    expect((await admin.agent.get('/app/admin/webhooks').expect(200)).text).not.toContain(otherId);
    const stored = await app.container.store.getWebhookEndpoint(app.other.organisationId, otherId);
    expect(stored).toMatchObject({ id: otherId, previousSecret: null, disabledAt: null });
  });
});

describe('dashboard webhooks: deliveries', () => {
  test('when an admin presses "Opnieuw versturen" on a failed delivery, then it is queued at once and the receiver gets it again with the same id', async () => {
    const { id } = await addEndpoint(admin, `${receiver.url}/hooks`);
    receiver.answerNext({ status: 500 });
    await cancelledRequest();
    await app.container.worker.runOnce();
    const [first] = await receiver.waitFor(1);
    const [delivery] = (await app.container.store.listWebhookDeliveries(app.organisationId, id, 10, null)).items;
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500 });
    expect(delivery!.nextAttemptAt!.getTime()).toBeGreaterThan(app.clock.now().getTime());

    const detail = await admin.agent.get(`/app/admin/webhooks/${id}`).expect(200);
    expect(detail.text).toContain('Probeert opnieuw');
    expect(detail.text).toMatch(/data-label="HTTP-code">500</);
    expect(detail.text).toContain(`action="/app/admin/webhooks/${id}/deliveries/${delivery!.id}/retry"`);
    expect(detail.text).toContain('Opnieuw versturen');

    const retried = await post(admin, `/app/admin/webhooks/${id}/deliveries/${delivery!.id}/retry`).expect(303);
    expect(retried.headers.location).toBe(`/app/admin/webhooks/${id}?done=retried`);
    expect((await app.container.store.getWebhookDelivery(app.organisationId, id, delivery!.id))!.nextAttemptAt).toEqual(app.clock.now());
    expect((await admin.agent.get(retried.headers.location!).expect(200)).text).toContain('De melding staat klaar. We versturen hem zo opnieuw.');

    // The clock has not moved: only the retry makes it due now.
    await app.container.worker.runOnce();
    const [, second] = await receiver.waitFor(2);
    expect(second!.id).toBe(first!.id);
    expect(second!.body).toBe(first!.body);
    const after = await admin.agent.get(`/app/admin/webhooks/${id}`).expect(200);
    expect(after.text).toMatch(/status-badge--signed">Gelukt</);
  });

  test('when an admin pages back to older deliveries, then "Laatste melding" still tells the newest delivery, not the newest of that page', async () => {
    const { id } = await addEndpoint(admin, `${receiver.url}/hooks`);
    for (let i = 0; i < 26; i++) await cancelledRequest(`REG-${2000 + i}`);
    await app.container.worker.runOnce();
    await receiver.waitFor(26);
    // The newest delivery, a moment later: the receiver answers 503.
    app.clock.advance(60_000);
    receiver.answerNext({ status: 503 });
    await cancelledRequest('REG-2100');
    await app.container.worker.runOnce();
    await receiver.waitFor(27);

    const first = await admin.agent.get(`/app/admin/webhooks/${id}`).expect(200);
    // Handlebars writes "=" in the link as &#x3D;.
    const after = /\?after(?:=|&#x3D;)([A-Za-z0-9_-]+)/.exec(first.text)?.[1];
    expect(after).toBeDefined();
    const older = await admin.agent.get(`/app/admin/webhooks/${id}?after=${after}`).expect(200);
    for (const page of [first, older]) {
      expect(page.text).toContain('We proberen het opnieuw.');
      expect(page.text).toContain('Antwoord: HTTP 503.');
    }
  });

  test('when the delivery id is not one of this endpoint\'s, then retry is not found (404)', async () => {
    const { id } = await addEndpoint(admin, `${receiver.url}/hooks`);
    expect((await post(admin, `/app/admin/webhooks/${id}/deliveries/whd_bestaatniet/retry`)).status).toBe(404);
    expect((await post(admin, `/app/admin/webhooks/${id}/deliveries/niet-eens-een-id/retry`)).status).toBe(404);
  });
});

describe('dashboard webhooks: switched off', () => {
  async function switchedOff(url: string): Promise<string> {
    const { id } = await addEndpoint(admin, url);
    // As the worker does after 3 days of failures (webhooks/deliver-webhooks.ts).
    await app.container.store.disableWebhookEndpoint({ organisationId: app.organisationId, id, at: app.clock.now(), reason: DISABLED_FAILING });
    return id;
  }

  test('when an endpoint is switched off, then the overview and the webhooks page say so with a link, and switching it on removes the notice', async () => {
    await addEndpoint(admin, `${receiver.url}/werkt`);
    const id = await switchedOff(`${receiver.url}/kapot`);
    const overview = await admin.agent.get('/app').expect(200);
    expect(overview.text).toContain(`Webhook uitgeschakeld: ${receiver.url}/kapot sinds 22 november 2026 om 11:00. De registratie krijgt geen meldingen.`);
    expect(overview.text).toContain(`<a href="/app/admin/webhooks/${id}">Bekijk de webhook en zet hem weer aan</a>`);
    const list = await admin.agent.get('/app/admin/webhooks').expect(200);
    expect(list.text).toContain('Webhook uitgeschakeld:');
    expect(list.text).toContain('Uitgeschakeld</span> sinds 22 november 2026 om 11:00. Het adres gaf 3 dagen lang geen goed antwoord.');
    // A youth worker sees the notice too, and is told whom to ask (the page behind the link is for admins).
    const worker = await signInStaff(app, { role: 'youth-worker' });
    const theirs = await worker.agent.get('/app').expect(200);
    expect(theirs.text).toContain('Webhook uitgeschakeld:');
    expect(theirs.text).toContain('Vraag een beheerder om dit op te lossen.');
    expect(theirs.text).not.toContain(`href="/app/admin/webhooks/${id}"`);

    const detail = await admin.agent.get(`/app/admin/webhooks/${id}`).expect(200);
    expect(detail.text).toContain(`action="/app/admin/webhooks/${id}/enable"`);
    const enabled = await post(admin, `/app/admin/webhooks/${id}/enable`).expect(303);
    expect(enabled.headers.location).toBe(`/app/admin/webhooks/${id}?done=enabled`);
    expect((await admin.agent.get(enabled.headers.location!).expect(200)).text).toContain('De webhook staat weer aan.');
    expect((await app.container.store.getWebhookEndpoint(app.organisationId, id))!.disabledAt).toBeNull();
    expect((await admin.agent.get('/app').expect(200)).text).not.toContain('Webhook uitgeschakeld');
  });

  test('when an organisation has no switched-off endpoint, then the overview has no notice; another organisation\'s does not show', async () => {
    await addEndpoint(admin, `${receiver.url}/werkt`);
    const created = await app.http.post('/api/v1/webhook-endpoints').set(auth(app.other.apiKey)).send({ url: `${receiver.url}/other`, events: ['*'] }).expect(201);
    await app.container.store.disableWebhookEndpoint({ organisationId: app.other.organisationId, id: created.body.id, at: app.clock.now(), reason: DISABLED_FAILING });
    expect((await admin.agent.get('/app').expect(200)).text).not.toContain('Webhook uitgeschakeld');
  });

  test('when a delivery of a switched-off endpoint is retried (another tab), then the page says to switch it on first (409)', async () => {
    const { id } = await addEndpoint(admin, `${receiver.url}/hooks`);
    receiver.answerNext({ status: 500 });
    await cancelledRequest();
    await app.container.worker.runOnce();
    await receiver.waitFor(1);
    const [delivery] = (await app.container.store.listWebhookDeliveries(app.organisationId, id, 10, null)).items;
    await app.container.store.disableWebhookEndpoint({ organisationId: app.organisationId, id, at: app.clock.now(), reason: DISABLED_FAILING });
    const detail = await admin.agent.get(`/app/admin/webhooks/${id}`).expect(200);
    expect(detail.text).not.toContain('/retry"');
    expect(detail.text).toContain('De webhook staat uit. Zet hem eerst weer aan');
    const res = await post(admin, `/app/admin/webhooks/${id}/deliveries/${delivery!.id}/retry`);
    expect(res.status).toBe(409);
    expect(res.text).toContain('Deze melding kan nu niet opnieuw. De webhook staat uit.');
  });
});

describe('dashboard webhooks: new secret and deleting', () => {
  test('when an admin makes a new secret, then it is shown once, the page says until when the old one works, and deliveries verify with both', async () => {
    const { id, secret: old } = await addEndpoint(admin, `${receiver.url}/hooks`);
    const detail = await admin.agent.get(`/app/admin/webhooks/${id}`).expect(200);
    expect(detail.text).toContain('De oude sleutel blijft daarna nog 24 uur werken.');
    const res = await post(admin, `/app/admin/webhooks/${id}/rotate`).expect(200);
    const fresh = shownSecret(res.text)!;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(old);
    expect(res.text).toContain('De oude sleutel werkt nog tot 23 november 2026 om 11:00.');
    // The language switch on this answer to a POST reloads the endpoint's page, not the POST's address.
    expect(res.text).toContain(`href="/app/admin/webhooks/${id}?lang&#x3D;en"`);
    expect((await admin.agent.get(`/app/admin/webhooks/${id}`).expect(200)).text).not.toContain(fresh);
    await cancelledRequest();
    await app.container.worker.runOnce();
    const [hook] = await receiver.waitFor(1);
    expect(signedWith(fresh, hook!)).toBe(true);
    expect(signedWith(old, hook!)).toBe(true);
  });

  test('when an admin deletes an endpoint, then a second page asks first, and after it the endpoint is gone', async () => {
    const url = `${receiver.url}/weg`;
    const { id } = await addEndpoint(admin, url);
    const detail = await admin.agent.get(`/app/admin/webhooks/${id}`).expect(200);
    expect(detail.text).toContain(`href="/app/admin/webhooks/${id}/delete"`);
    const confirm = await admin.agent.get(`/app/admin/webhooks/${id}/delete`).expect(200);
    expect(confirm.text).toContain(`Webhook ${url} verwijderen?`);
    expect(confirm.text).toContain(`action="/app/admin/webhooks/${id}/delete"`);
    expect(await app.container.store.getWebhookEndpoint(app.organisationId, id)).not.toBeNull();
    const res = await post(admin, `/app/admin/webhooks/${id}/delete`).expect(303);
    expect(res.headers.location).toBe('/app/admin/webhooks?done=deleted');
    const list = await admin.agent.get(res.headers.location!).expect(200);
    expect(list.text).toContain('De webhook is verwijderd.');
    expect(list.text).not.toContain(url);
    await app.http.get(`/api/v1/webhook-endpoints/${id}`).set(auth(app.apiKey)).expect(404);
    expect((await admin.agent.get(`/app/admin/webhooks/${id}`).set('Accept', 'text/html')).status).toBe(404);
  });

  test('when the admin menu is opened, then it links to the webhooks page', async () => {
    expect((await admin.agent.get('/app/admin').expect(200)).text).toContain('href="/app/admin/webhooks"');
  });
});
