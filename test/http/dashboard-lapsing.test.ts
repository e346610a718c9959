import { runLifecycle } from '../../src/jobs/lifecycle';
import { createAndSign } from '../helpers/signing';
import { signInStaff, type StaffSession } from '../helpers/staff';
import { adultRequest, childRequest, createTestApp, type TestApp } from '../helpers/test-app';

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp();
});
afterEach(async () => {
  await app.close();
});

const deps = () => ({ store: app.container.store, clock: app.clock, forms: app.container.forms, tokens: app.container.tokens, publicBaseUrl: app.container.config.publicBaseUrl, defaultExpiryDays: app.container.config.defaultExpiryDays, reminderDefaults: app.container.config.reminders });

describe('dashboard: lapsing soon (/app/lapsing)', () => {
  test('when consent lapses within 60 days and a child turns 16 within the window, then both are listed with names and state, the nav links the page, and the view is access-logged', async () => {
    // Noor's 16+ consent (12 months, signed 2026-11-22) and Sam's parent's consent; Sam turns 16 on 2027-10-30.
    const noor = await createAndSign(app, adultRequest(), { purpose_registratie: 'yes', purpose_contact: 'no', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker' });
    const sam = await createAndSign(app, childRequest({ subject: { reference: 'REG-SAM', firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2011-10-30' } }), { purpose_registratie: 'yes', 'purpose_contact-ouder': 'no', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'no', declaration: 'yes', signerName: 'Ans de Vries' });
    app.clock.set('2027-10-20T10:00:00Z');
    const staff: StaffSession = await signInStaff(app, { role: 'youth-worker' });

    const before = await staff.agent.get('/app/lapsing').set('Accept', 'text/html').expect(200);
    expect(before.text).toContain('href="/app/lapsing" aria-current="page">Verloopt binnenkort</a>');
    expect(before.text).toContain('<h1>Verloopt binnenkort</h1>');
    expect(before.text).toContain(`<a href="/app/requests/${noor.id}">Noor Bakker</a>`);
    expect(before.text).toContain('22 november 2027');
    // The form by its title, as on the overview, not by its id.
    expect(before.text).toContain('<td data-label="Formulier">Toestemming voor je registratie bij de inloop</td>');
    expect(before.text).toContain('Nog niet');
    expect(before.text).toContain(`<a href="/app/requests/${sam.id}">Sam de Vries</a>`);
    expect(before.text).toContain('Wordt binnen 30 dagen 16');
    expect(before.text).toContain('Nog niet jarig');
    // Sam's parent consent also lapses on 2027-11-22: both rows are there.
    expect(before.text.match(/22 november 2027/g)).toHaveLength(2);

    // Four days on, the job renews Noor's consent (now within 30 days of lapsing); a new session, as the first one timed out.
    app.clock.set('2027-10-24T10:00:00Z');
    await runLifecycle(deps());
    const again = await signInStaff(app, { role: 'youth-worker' });
    const after = await again.agent.get('/app/lapsing').set('Accept', 'text/html').expect(200);
    const renewalId = (await app.container.store.listEvents(app.organisationId, noor.id)).find((e) => e.type === 'renewal_requested')!.detail.requestId as string;
    expect(after.text).toContain(`<a href="/app/requests/${renewalId}">Verstuurd</a>`);

    const log = await app.container.store.listAccessLog(app.organisationId, 10, null);
    expect(log.items.filter((e) => e.action === 'lapsing.view')).toHaveLength(2);
    expect(log.items.filter((e) => e.action === 'lapsing.view').map((e) => [e.userId, e.detail])).toEqual([[again.userId, 'days=60 window=30'], [staff.userId, 'days=60 window=30']]);
  });

  test('when a renewal has no address, then the page says so, in English when asked', async () => {
    const noor = await createAndSign(app, adultRequest(), { purpose_registratie: 'yes', purpose_contact: 'no', 'purpose_gegevens-delen': 'no', declaration: 'yes', signerName: 'Noor Bakker' });
    (app.container.store as unknown as { db: import('better-sqlite3').Database }).db.prepare('UPDATE consent_requests SET recipient_address_enc = NULL WHERE id = ?').run(noor.id);
    app.clock.set('2027-11-01T10:00:00Z');
    await runLifecycle(deps());
    const staff = await signInStaff(app, { role: 'youth-worker' });
    const page = await staff.agent.get('/app/lapsing?lang=en').set('Accept', 'text/html').expect(200);
    expect(page.text).toContain('No address known: ask again yourself');
  });

  test('when nobody is signed in, then the page is not shown', async () => {
    const res = await app.http.get('/app/lapsing').set('Accept', 'text/html');
    expect(res.status).toBe(303);
    expect(res.headers.location).toContain('/app/sign-in');
  });
});

describe('dashboard: lifecycle settings', () => {
  test('when an admin saves turning-16 and renewal settings, then they are stored; a bad one names its field in Dutch', async () => {
    const admin = await signInStaff(app, { role: 'admin' });
    const upload = (fields: Record<string, string>) => {
      const req = admin.agent.post('/app/admin/settings').set('Accept', 'text/html');
      for (const [k, v] of Object.entries({ _csrf: admin.csrf, name: 'Demo', ...fields })) req.field(k, v);
      return req;
    };
    const page = await admin.agent.get('/app/admin/settings').expect(200);
    expect(page.text).toContain('16 worden en opnieuw vragen');
    expect(page.text).toContain('name="renewalDaysBefore"');
    await upload({ turning16Policy: 'lapses-after-days', turning16LapseDays: '14', turning16WindowDays: '45', turning16FormId: 'inloop-16-plus', renewalDaysBefore: '0' }).expect(303);
    expect(await app.container.store.getOrganisationSettings(app.organisationId)).toMatchObject({ turning16Policy: 'lapses-after-days', turning16LapseDays: 14, turning16WindowDays: 45, turning16FormId: 'inloop-16-plus', renewalDaysBefore: 0 });
    const shown = await admin.agent.get('/app/admin/settings').expect(200);
    expect(shown.text).toContain('<option value="lapses-after-days" selected>');
    expect(shown.text).toContain('value="14"');
    const bad = await upload({ turning16Policy: 'lapses-after-days', turning16LapseDays: '', renewalDaysBefore: '0' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('<a href="#turning16LapseDays">Vul een heel getal in van 0 tot en met 365. Bij ‘vervalt’ is dit verplicht.</a>');
  });
});
