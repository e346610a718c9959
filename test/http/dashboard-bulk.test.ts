import request from 'supertest';

import { createTestApp, openSigningPage, type TestApp } from '../helpers/test-app';
import { signInStaff, type StaffSession } from '../helpers/staff';
import { parseCsv } from '../../src/dashboard/csv';
import { requestConsent } from '../../src/consent/request-consent';

/** Many at once (issue 11): paste or upload a list, check it, send it with progress, see the answers. */

const HEADER = 'Voornaam;Achternaam;Geboortedatum;Referentie;Kanaal;Telefoon of e-mail;Naam ouder;Taal';
/** Synthetic children under 16 (born 2014), each with a parent's e-mail or phone. */
function childList(n: number, prefix = 'B'): string {
  const rows = Array.from({ length: n }, (_, i) =>
    i % 2 === 0 ? `Kind${i};Test;02-04-2014;${prefix}-${i};e-mail;ouder${i}@example.nl;Ouder ${i};nl` : `Kind${i};Test;2014-04-02;${prefix}-${i};sms;06 12345${String(600 + i).padStart(3, '0')};Ouder ${i};`,
  );
  return `\uFEFF${HEADER}\r\n${rows.join('\r\n')}\r\n`;
}

let app: TestApp;
let staff: StaffSession;

beforeAll(async () => {
  app = await createTestApp();
  staff = await signInStaff(app);
}, 60_000);
afterAll(async () => {
  await app.close();
});

function uploadList(session: StaffSession, list: string, options: { formId?: string; activity?: string; asFile?: boolean; csrf?: string | null } = {}) {
  let req = session.agent.post('/app/bulk');
  if (options.csrf !== null) req = req.field('_csrf', options.csrf ?? session.csrf);
  req = req.field('formId', options.formId ?? 'activiteit-onder-16').field('activity', options.activity ?? 'Zomerkamp 2027');
  return options.asFile ? req.attach('file', Buffer.from(list, 'utf8'), { filename: 'lijst.csv', contentType: 'text/csv' }) : req.field('list', list);
}

async function previewOf(session: StaffSession, list: string, options: Parameters<typeof uploadList>[2] = {}): Promise<string> {
  const res = await uploadList(session, list, options).expect(303);
  const id = /^\/app\/bulk\/(bat_[A-Za-z0-9_-]+)$/.exec(res.headers.location as string)?.[1];
  if (!id) throw new Error(`preview went to ${res.headers.location}`);
  return id;
}

async function batchRequests(app: TestApp, organisationId: string, prefix: string) {
  const rows = await app.container.store.listConsentRequests(organisationId, {}, 100, null);
  return rows.items.filter((r) => r.subject.reference.startsWith(`${prefix}-`));
}

describe('many at once: the list page', () => {
  test('when nobody is signed in, then /app/bulk redirects to the sign-in page', async () => {
    const res = await request(app.container.app).get('/app/bulk');
    expect([302, 303]).toContain(res.status);
    expect(res.headers.location).toMatch(/^\/app\/sign-in/);
  });

  test('when a youth worker opens it, then the organisation\'s forms are offered and the template explains the columns in Dutch and English', async () => {
    const page = await staff.agent.get('/app/bulk').expect(200);
    expect(page.text).toContain('<option value="activiteit-onder-16"');
    expect(page.text).toContain('Meerdere tegelijk');
    const template = await staff.agent.get('/app/bulk/template.csv').expect(200);
    expect(template.headers['content-type']).toMatch(/^text\/csv/);
    const text = Buffer.from(template.text, 'utf8').toString();
    expect(text.startsWith('\uFEFFVoornaam / First name;Achternaam / Last name;Geboortedatum / Date of birth')).toBe(true);
    expect(text).toContain("Naam ouder / Parent's name");
  });

  test('when the upload has no _csrf before its file, then it is refused with 403 and nothing is stored', async () => {
    const before = await app.container.store.listBulkBatches(app.organisationId, 100);
    await uploadList(staff, childList(2, 'CSRF'), { csrf: null, asFile: true }).expect(403);
    await uploadList(staff, childList(2, 'CSRF'), { csrf: 'x'.repeat(staff.csrf.length), asFile: true }).expect(403);
    await uploadList(staff, childList(2, 'CSRF'), { csrf: null }).expect(403);
    expect(await app.container.store.listBulkBatches(app.organisationId, 100)).toHaveLength(before.length);
  });

  test('when the list lacks columns, has an open quote or 2,001 people, then the page names the problem and nothing is stored', async () => {
    const before = (await app.container.store.listBulkBatches(app.organisationId, 100)).length;
    const missing = await uploadList(staff, 'voornaam;achternaam\nSam;de Vries').expect(422);
    expect(missing.text).toContain('Deze kolommen ontbreken: geboortedatum, referentie, telefoon of e-mail.');
    const quote = await uploadList(staff, `${HEADER}\nSam;"de Vries;2014-04-02;R-1;sms;0612345678;Ans;nl`).expect(422);
    expect(quote.text).toContain('Regel 2: een aanhalingsteken');
    const many = await uploadList(staff, childList(2001), { asFile: true }).expect(422);
    expect(many.text).toContain('Hoogstens 2.000 per keer');
    const noForm = await uploadList(staff, childList(1), { formId: 'bestaat-niet' }).expect(422);
    expect(noForm.text).toContain('Kies een formulier.');
    const empty = await uploadList(staff, '').expect(422);
    expect(empty.text).toContain('Plak een lijst of kies een bestand.');
    expect(await app.container.store.listBulkBatches(app.organisationId, 100)).toHaveLength(before);
  });

  test('when a list larger than 1 MiB is pasted or uploaded, then it is refused', async () => {
    const big = `${HEADER}\n${'x'.repeat(1024 * 1024)}`;
    expect((await uploadList(staff, big, { asFile: true }).expect(422)).text).toContain('Hoogstens 1 MiB');
    expect((await uploadList(staff, big).expect(422)).text).toContain('Hoogstens 1 MiB');
  });
});

describe('many at once: checking every row before anything is sent', () => {
  test('when rows break the API\'s rules, then the preview shows each row OK or its problems and who receives it, and nothing is sent', async () => {
    const list = [
      HEADER,
      'Sam;de Vries;02-04-2014;CHK-1;sms;06 12345678;Ans de Vries;nl', // OK: the parent
      'Noor;Bakker;2008-01-15;CHK-2;e-mail;noor@example.nl;;', // 16+: wrong form for her
      'Mo;;31-02-2014;CHK-3;sms;06 12345679;Fatima;', // no such day
      'Lina;;2014-05-05;CHK-4;sms;12;Karim;', // not a phone number
      'Ties;;2014-05-05;CHK-5;e-mail;ties@example.nl;;', // no parent's name under 16
      'Bo;;2014-05-05;;e-mail;bo@example.nl;Els;', // no reference
      'Sam;de Vries;02-04-2014;CHK-1;sms;06 12345678;Ans de Vries;nl', // the same reference twice
      '=HYPERLINK("x");;2014-05-05;CHK-8;fax;x@example.nl;Els;de', // channel and language wrong
    ].join('\n');
    const id = await previewOf(staff, list, { asFile: true });
    const page = await staff.agent.get(`/app/bulk/${id}`).expect(200);
    expect(page.text).toContain('1 van 8 regels zijn goed.');
    expect(page.text).toContain('Ouder: Ans de Vries');
    expect(page.text).toContain('+316••••5678');
    expect(page.text).toContain('Het formulier past niet.');
    expect(page.text).toContain('Controleer de geboortedatum.');
    expect(page.text).toContain('Controleer het telefoonnummer.');
    expect(page.text).toContain('Vul de naam van de ouder in.');
    expect(page.text).toContain('Controleer de referentie.');
    expect(page.text).toContain('The same reference is on line 2 of the list');
    expect(page.text).toContain('Het kanaal moet sms of e-mail zijn.');
    expect(page.text).toContain('De taal moet nl of en zijn.');
    // The names are shown escaped, never as markup.
    expect(page.text).toContain('&#x3D;HYPERLINK(&quot;x&quot;)');
    expect(page.text).toContain('Versturen naar 1 personen');
    expect(await batchRequests(app, app.organisationId, 'CHK')).toEqual([]);
    await app.container.worker.runOnce();
    expect(await batchRequests(app, app.organisationId, 'CHK')).toEqual([]);
    const rows = await app.container.store.listBulkRows(app.organisationId, id);
    expect(rows.map((r) => r.state)).toEqual(['ready', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid']);
  });

  test('when the checked list is stored, then names and addresses are encrypted in the database', async () => {
    await previewOf(staff, `${HEADER}\nVertrouwelijk;Geheimnaam;2014-04-02;ENC-1;e-mail;geheim@example.nl;Ouder Geheim;nl`, { activity: 'Kamp Geheimstad' });
    const db = (app.container.store as unknown as { db: import('better-sqlite3').Database }).db;
    const dump = JSON.stringify([db.prepare('SELECT * FROM bulk_batches').all(), db.prepare('SELECT * FROM bulk_batch_rows').all()]);
    for (const secret of ['Vertrouwelijk', 'Geheimnaam', 'geheim@example.nl', 'Ouder Geheim', 'Geheimstad']) expect(dump).not.toContain(secret);
  });

  test('when a list has no row that can be sent, then confirming it is refused on the preview page', async () => {
    const id = await previewOf(staff, `${HEADER}\nNoor;Bakker;2008-01-15;NONE-1;e-mail;noor@example.nl;;`);
    const res = await staff.agent.post(`/app/bulk/${id}/send`).type('form').send({ _csrf: staff.csrf }).expect(422);
    expect(res.text).toContain('Geen enkele regel kan verstuurd worden.');
    expect((await app.container.store.getBulkBatch(app.organisationId, id))?.state).toBe('preview');
  });
});

describe('many at once: sending with progress', () => {
  test('when a list of 50 is confirmed, then the worker makes the requests a few at a time, the progress page shows X of 50, and every invite goes out once', async () => {
    const id = await previewOf(staff, childList(50, 'P50'), { asFile: true });
    expect((await staff.agent.get(`/app/bulk/${id}`).expect(200)).text).toContain('50 van 50 regels zijn goed.');

    await staff.agent.post(`/app/bulk/${id}/send`).type('form').send({ _csrf: staff.csrf }).expect(303).expect('Location', `/app/bulk/${id}`);
    // A double click: nothing more happens.
    await staff.agent.post(`/app/bulk/${id}/send`).type('form').send({ _csrf: staff.csrf }).expect(303);

    const seen: string[] = [];
    const progressPage = await staff.agent.get(`/app/bulk/${id}`).expect(200);
    expect(progressPage.text).toContain('<noscript><meta http-equiv="refresh" content="2"></noscript>');
    expect(progressPage.text).toContain('Vernieuwen');
    expect(progressPage.text).toMatch(/<script src="\/static\/dashboard-bulk\.[0-9a-f]+\.js"/);
    seen.push((await staff.agent.get(`/app/bulk/${id}/progress.json`).expect(200)).body.done);
    for (let pass = 0; pass < 5; pass += 1) {
      await app.container.worker.runOnce();
      const json = (await staff.agent.get(`/app/bulk/${id}/progress.json`).expect(200)).body;
      seen.push(json.done);
      if (json.state === 'done') break;
    }
    expect(seen).toEqual([0, 20, 40, 50]);
    const done = await staff.agent.get(`/app/bulk/${id}`).expect(200);
    expect(done.text).toContain('50 van 50 verzoeken gemaakt');
    expect(done.text).not.toContain('http-equiv="refresh"');
    expect(done.text).toContain(`/app/bulk/${id}/overview`);

    const made = await batchRequests(app, app.organisationId, 'P50');
    expect(made).toHaveLength(50);
    expect(new Set(made.map((r) => r.subject.reference)).size).toBe(50);
    expect(made.every((r) => r.signerRole === 'guardian' && r.status === 'sent')).toBe(true);
    const outbox = (await app.container.store.listDevOutbox(1000)).filter((e) => made.some((r) => r.id === e.requestId));
    expect(outbox).toHaveLength(50);
    // Once a row's request is made, the list keeps no phone number or e-mail address of it.
    const rows = await app.container.store.listBulkRows(app.organisationId, id);
    expect(rows.every((r) => r.input.phone === '' && r.input.email === '' && r.request?.recipient.phone === undefined && r.request?.recipient.email === undefined)).toBe(true);
    expect(rows.every((r) => r.input.firstName.startsWith('Kind') && r.plan?.maskedAddress)).toBe(true);
    // The events name the youth worker by id, never by name.
    const events = await app.container.store.listEvents(app.organisationId, made[0]!.id);
    expect(events[0]!.actor).toBe(`staff:${staff.userId}`);
  });

  test('when a worker stopped midway (a request made, its row not marked), then the next pass goes on without making any row twice', async () => {
    const id = await previewOf(staff, childList(3, 'CRASH'));
    await staff.agent.post(`/app/bulk/${id}/send`).type('form').send({ _csrf: staff.csrf }).expect(303);
    const store = app.container.store;
    const [first] = await store.listBulkRows(app.organisationId, id);
    // What a worker did before it crashed: reserved row 1's id and made its request.
    const reserved = (await store.reserveBulkRowRequest(app.organisationId, id, 1, 'cr_000000000crashtest1'))!;
    const c = app.container;
    await requestConsent({ store, forms: c.forms, tokens: c.tokens, clock: app.clock, publicBaseUrl: c.config.publicBaseUrl, defaultExpiryDays: c.config.defaultExpiryDays, reminderDefaults: c.config.reminders }, app.organisationId, `staff:${staff.userId}`, first!.request!, { requestId: reserved });
    // Row 2 only reserved.
    const reserved2 = await store.reserveBulkRowRequest(app.organisationId, id, 2, 'cr_000000000crashtest2');

    await c.worker.runOnce();
    const rows = await store.listBulkRows(app.organisationId, id);
    expect(rows.map((r) => r.state)).toEqual(['created', 'created', 'created']);
    expect(rows[0]!.requestId).toBe(reserved);
    expect(rows[1]!.requestId).toBe(reserved2);
    const made = await batchRequests(app, app.organisationId, 'CRASH');
    expect(made.map((r) => r.subject.reference).sort()).toEqual(['CRASH-0', 'CRASH-1', 'CRASH-2']);
    expect((await store.getBulkBatch(app.organisationId, id))?.state).toBe('done');
  });

  test('when two worker passes send the same list at once, then each row still has exactly one request', async () => {
    const id = await previewOf(staff, childList(6, 'RACE'));
    await staff.agent.post(`/app/bulk/${id}/send`).type('form').send({ _csrf: staff.csrf }).expect(303);
    await Promise.all([app.container.worker.runOnce(), app.container.worker.runOnce()]);
    const made = await batchRequests(app, app.organisationId, 'RACE');
    expect(made.map((r) => r.subject.reference).sort()).toEqual(['RACE-0', 'RACE-1', 'RACE-2', 'RACE-3', 'RACE-4', 'RACE-5']);
    const rows = await app.container.store.listBulkRows(app.organisationId, id);
    expect(rows.every((r) => r.state === 'created')).toBe(true);
  });
});

describe('many at once: the activity overview', () => {
  test('when one parent signed and one declined, then the overview and its CSV show yes / no / waiting per person and purpose, and both views are in the access log', async () => {
    const list = [HEADER, 'Sam;de Vries;2014-04-02;OV-1;e-mail;ans@example.nl;Ans de Vries;nl', '=cmd;Jansen;2014-04-02;OV-2;e-mail;piet@example.nl;Piet Jansen;nl', 'Mo;El Idrissi;2014-04-02;OV-3;e-mail;fatima@example.nl;Fatima El Idrissi;nl'].join('\n');
    const id = await previewOf(staff, list);
    await staff.agent.get(`/app/bulk/${id}`).expect(200);
    await staff.agent.post(`/app/bulk/${id}/send`).type('form').send({ _csrf: staff.csrf }).expect(303);
    await app.container.worker.runOnce();
    const made = await batchRequests(app, app.organisationId, 'OV');
    const linkOf = async (reference: string) => {
      const r = made.find((m) => m.subject.reference === reference)!;
      const entry = (await app.container.store.listDevOutbox(1000)).find((e) => e.requestId === r.id)!;
      return new URL(entry.link).pathname;
    };
    const sign = async (reference: string, signerName: string, answers: Record<string, string>, action: string) => {
      const link = await linkOf(reference);
      const { csrf, cookie } = await openSigningPage(app, link);
      await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...answers, declaration: 'yes', authority: 'sole', signerName, action, ...(action === 'decline' ? { confirmDecline: 'yes' } : {}) });
    };
    await sign('OV-1', 'Ans de Vries', { purpose_registratie: 'yes', 'purpose_contact-ouder': 'no', 'purpose_gegevens-delen': 'yes', 'purpose_medische-gegevens': 'no' }, 'sign');
    await sign('OV-2', 'Piet Jansen', {}, 'decline');
    const statuses = new Map((await batchRequests(app, app.organisationId, 'OV')).map((r) => [r.subject.reference, r.status]));
    expect(statuses.get('OV-1')).toBe('signed');
    expect(statuses.get('OV-2')).toBe('declined');

    const page = await staff.agent.get(`/app/bulk/${id}/overview`).expect(200);
    expect(page.text).toContain('Sam de Vries');
    expect(page.text).toContain('Getekend');
    expect(page.text).toMatch(/bulk-answer--yes">Ja</);
    expect(page.text).toMatch(/bulk-answer--waiting">Wacht</);

    const csv = await staff.agent.get(`/app/bulk/${id}/overview.csv`).expect(200);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="akkoord-${id}.csv"`);
    const table = parseCsv(csv.text);
    expect(table.header.slice(0, 4)).toEqual(['Voornaam', 'Achternaam', 'Referentie', 'Stand']);
    const byRef = new Map(table.rows.map((r) => [r.cells[2], r.cells]));
    const sam = byRef.get('OV-1')!;
    expect(sam.slice(0, 4)).toEqual(['Sam', 'de Vries', 'OV-1', 'Getekend']);
    expect(sam.slice(4)).toEqual(['Ja', 'Nee', 'Ja', 'Nee']);
    // The name that looks like a formula is exported as text.
    expect(byRef.get('OV-2')!.slice(0, 1)).toEqual(["'=cmd"]);
    expect(byRef.get('OV-2')!.slice(3)).toEqual(['Geweigerd', 'Nee', 'Nee', 'Nee', 'Nee']);
    expect(byRef.get('OV-3')!.slice(3)).toEqual(['Verstuurd', 'Wacht', 'Wacht', 'Wacht', 'Wacht']);

    const log = await app.container.store.listAccessLog(app.organisationId, 100, null);
    const actions = log.items.filter((e) => e.userId === staff.userId && e.detail?.includes(id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['bulk.preview.view', 'bulk.overview.view', 'bulk.overview.export']));
  });
});

describe('many at once: organisations and CSRF', () => {
  test('when someone of another organisation asks for a list, its progress, overview or export, or confirms it, then the answer is 404', async () => {
    const id = await previewOf(staff, childList(1, 'ISO'));
    const other = await signInStaff(app, { organisationId: app.other.organisationId });
    for (const path of [`/app/bulk/${id}`, `/app/bulk/${id}/progress.json`, `/app/bulk/${id}/overview`, `/app/bulk/${id}/overview.csv`]) await other.agent.get(path).expect(404);
    await other.agent.post(`/app/bulk/${id}/send`).type('form').send({ _csrf: other.csrf }).expect(404);
    expect((await app.container.store.getBulkBatch(app.organisationId, id))?.state).toBe('preview');
    expect((await other.agent.get('/app/bulk').expect(200)).text).not.toContain(id);
  }, 30_000);

  test('when a confirm is posted without _csrf, then it is refused with 403 and the list stays unsent', async () => {
    const id = await previewOf(staff, childList(1, 'NOCSRF'));
    await staff.agent.post(`/app/bulk/${id}/send`).type('form').send({}).expect(403);
    expect((await app.container.store.getBulkBatch(app.organisationId, id))?.state).toBe('preview');
  });
});

describe('many at once: what a list keeps', () => {
  test('when a sent list had rows left out at the check, then their addresses are gone once the list is done', async () => {
    const id = await previewOf(staff, `${HEADER}\nSam;de Vries;2014-04-02;KEEP-1;e-mail;ans@example.nl;Ans de Vries;nl\nNoor;Bakker;2008-01-15;KEEP-2;e-mail;noor@example.nl;;`);
    expect((await app.container.store.listBulkRows(app.organisationId, id))[1]!.input.email).toBe('noor@example.nl');
    await staff.agent.post(`/app/bulk/${id}/send`).type('form').send({ _csrf: staff.csrf }).expect(303);
    while ((await app.container.store.getBulkBatch(app.organisationId, id))?.state !== 'done') await app.container.worker.runOnce();
    const rows = await app.container.store.listBulkRows(app.organisationId, id);
    expect(rows.map((r) => [r.state, r.input.email, r.input.firstName])).toEqual([['created', '', 'Sam'], ['invalid', '', 'Noor']]);
  });

  // Last in this file: it moves the clock.
  test('when a checked list is never sent, then the worker deletes it after 7 days, and not before', async () => {
    const id = await previewOf(staff, childList(1, 'STALE'));
    app.clock.advance(7 * 24 * 60 * 60 * 1000 - 1000);
    await app.container.worker.runOnce();
    expect(await app.container.store.getBulkBatch(app.organisationId, id)).not.toBeNull();
    app.clock.advance(2000);
    await app.container.worker.runOnce();
    expect(await app.container.store.getBulkBatch(app.organisationId, id)).toBeNull();
    expect(await app.container.store.listBulkRows(app.organisationId, id)).toEqual([]);
  });
});
