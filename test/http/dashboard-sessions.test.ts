import request from 'supertest';

import { inviteStaff } from '../../src/dashboard/accounts';
import { totpCode } from '../../src/dashboard/totp';
import type { SqliteStore } from '../../src/storage/sqlite/sqlite-store';
import { completeSetup, hiddenField, signInStaff, STAFF_PASSWORD, type StaffSession } from '../helpers/staff';
import { createTestApp, type TestApp } from '../helpers/test-app';

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

const MINUTE = 60_000;
const deps = () => ({ store: app.container.store, clock: app.clock, staffAuth: app.container.staffAuth, publicBaseUrl: app.container.config.publicBaseUrl });
const db = () => (app.container.store as SqliteStore).db;
const cookieOf = (res: request.Response): string => {
  const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const found = set.find((c) => c.startsWith('akkoord_session='));
  if (!found) throw new Error('no session cookie set');
  return found;
};

/** Sign-in step 1 on a fresh agent; returns the agent and the answer. */
async function passwordStep(email: string, password = STAFF_PASSWORD, agent = request.agent(app.container.app)) {
  const page = await agent.get('/app/sign-in').expect(200);
  const res = await agent.post('/app/sign-in').set('Accept', 'text/html').type('form').send({ _csrf: hiddenField(page.text, '_csrf'), email, password });
  return { agent, res };
}

async function codeStep(agent: request.Agent, code: string) {
  const page = await agent.get('/app/sign-in/code').expect(200);
  return agent.post('/app/sign-in/code').set('Accept', 'text/html').type('form').send({ _csrf: hiddenField(page.text, '_csrf'), code });
}

describe('dashboard sessions', () => {
  beforeEach(async () => {
    app = await createTestApp();
  });

  test('when 30 minutes pass without a request, then the session has ended; a request within 30 minutes keeps it', async () => {
    const staff = await signInStaff(app);
    app.clock.advance(29 * MINUTE);
    await staff.agent.get('/app/account').expect(200);
    app.clock.advance(29 * MINUTE);
    await staff.agent.get('/app/account').expect(200);
    app.clock.advance(30 * MINUTE);
    const res = await staff.agent.get('/app/account');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/app/sign-in');
  });

  test('when 12 hours pass after sign-in, then the session has ended however active it was', async () => {
    const staff = await signInStaff(app);
    for (let minutes = 0; minutes < 12 * 60 - 20; minutes += 20) {
      app.clock.advance(20 * MINUTE);
      await staff.agent.get('/app/account').expect(200);
    }
    app.clock.advance(20 * MINUTE);
    expect((await staff.agent.get('/app/account')).status).toBe(303);
  });

  test('when a person signs in, then the cookie is httpOnly, SameSite=Lax, path /app, the id changes after the code, and only its hash is stored', async () => {
    const staff = await signInStaff(app);
    const { agent, res } = await passwordStep(staff.email);
    const before = cookieOf(res);
    expect(before).toMatch(/; Path=\/app(;|$)/);
    expect(before).toMatch(/; HttpOnly/);
    expect(before).toMatch(/; SameSite=Lax/);
    expect(before).not.toMatch(/; Secure/);
    const after = await codeStep(agent, staff.recoveryCodes[0]!);
    expect(after.status).toBe(303);
    const id = cookieOf(after).split(';')[0]!.split('=')[1]!;
    expect(id).not.toBe(before.split(';')[0]!.split('=')[1]);
    // The first id no longer opens anything.
    const old = await request(app.container.app).get('/app/sign-in/code').set('Cookie', before.split(';')[0]!);
    expect(old.headers.location).toBe('/app/sign-in');
    const stored = db().prepare('SELECT id_hash FROM staff_sessions').pluck().all() as string[];
    expect(stored.length).toBeGreaterThan(0);
    expect(stored).not.toContain(id);
    expect(stored.join()).not.toContain(id);
  });

  test('when someone signs out everywhere, then every session of theirs ends, and another account keeps its session', async () => {
    const staff = await signInStaff(app);
    const other = await signInStaff(app);
    const second = await passwordStep(staff.email);
    expect((await codeStep(second.agent, staff.recoveryCodes[0]!)).status).toBe(303);
    await second.agent.get('/app/account').expect(200);
    await staff.agent.post('/app/account/sign-out-everywhere').type('form').send({ _csrf: staff.csrf }).expect(303);
    expect((await staff.agent.get('/app/account')).status).toBe(303);
    expect((await second.agent.get('/app/account')).status).toBe(303);
    await other.agent.get('/app/account').expect(200);
  });

  test('when a person signs out, then the session is deleted and the cookie cleared', async () => {
    const staff = await signInStaff(app);
    const res = await staff.agent.post('/app/sign-out').type('form').send({ _csrf: staff.csrf }).expect(303);
    expect(res.headers.location).toBe('/app/sign-in?notice=signedOut');
    expect(cookieOf(res)).toMatch(/akkoord_session=;/);
    expect((await staff.agent.get('/app/account')).status).toBe(303);
  });

  test('when the language is switched with ?lang=en, then it is kept with the session for the next pages', async () => {
    const staff = await signInStaff(app);
    expect((await staff.agent.get('/app/account').expect(200)).text).toContain('Je account');
    expect((await staff.agent.get('/app/account?lang=en').expect(200)).text).toContain('Your account');
    const next = await staff.agent.get('/app/account').expect(200);
    expect(next.text).toContain('Your account');
    expect(next.text).toContain('<html lang="en">');
  });
});

describe('dashboard cookies over https', () => {
  test('when PUBLIC_BASE_URL is https, then the session cookie is Secure', async () => {
    app = await createTestApp({ PUBLIC_BASE_URL: 'https://akkoord.example.nl' });
    const invite = await inviteStaff(deps(), { organisationId: app.organisationId, email: 'veilig@example.nl', role: 'youth-worker' });
    const path = new URL(invite.link).pathname;
    const setup = await request(app.container.app).get(path).expect(200);
    // Secure cookies are not sent back over plain http by a client: hand the CSRF cookie back here.
    const csrfCookie = ([] as string[]).concat(setup.headers['set-cookie'] ?? []).find((c) => c.startsWith('akkoord_csrf='))!;
    expect(csrfCookie).toMatch(/; Secure/);
    const res = await request(app.container.app).post(path).set('Cookie', csrfCookie.split(';')[0]!).type('form').send({ _csrf: hiddenField(setup.text, '_csrf'), password: STAFF_PASSWORD, repeat: STAFF_PASSWORD }).expect(303);
    expect(cookieOf(res)).toMatch(/; Secure/);
  });
});

describe('dashboard sign-in', () => {
  let staff: StaffSession;
  beforeEach(async () => {
    app = await createTestApp();
    staff = await signInStaff(app);
  });

  test('when the password is wrong, then the answer is the same as for an address without an account', async () => {
    const wrong = await passwordStep(staff.email, 'niet het goede wachtwoord');
    const unknown = await passwordStep('niemand@example.nl', 'niet het goede wachtwoord');
    expect(wrong.res.status).toBe(401);
    expect(unknown.res.status).toBe(401);
    const message = (html: string) => /<ul class="error-summary__list">([\s\S]*?)<\/ul>/.exec(html)![1];
    expect(message(wrong.res.text)).toBe(message(unknown.res.text));
    expect(message(wrong.res.text)).toContain('Het e-mailadres of het wachtwoord klopt niet.');
  });

  test('when attempts fail, then the next one is refused for a growing time, and after 5 failures the account is locked for 15 minutes, also for the right password', async () => {
    const first = await passwordStep(staff.email, 'fout-fout-fout-1');
    expect(first.res.status).toBe(401);
    // Within the 1-second delay even the right password is not checked.
    const early = await passwordStep(staff.email);
    expect(early.res.status).toBe(429);
    expect(early.res.headers['retry-after']).toBe('1');
    expect(early.res.text).toContain('Te veel pogingen. Probeer het opnieuw na');
    const waits: string[] = [];
    for (let n = 2; n <= 5; n += 1) {
      app.clock.advance(60_000);
      const r = await passwordStep(staff.email, `fout-fout-fout-${n}`);
      expect(r.res.status).toBe(401);
      const retry = await passwordStep(staff.email);
      waits.push(String(retry.res.headers['retry-after']));
    }
    expect(waits).toEqual(['2', '4', '8', String(15 * 60)]);
    app.clock.advance(14 * MINUTE);
    expect((await passwordStep(staff.email)).res.status).toBe(429);
    app.clock.advance(MINUTE);
    const after = await passwordStep(staff.email);
    expect(after.res.status).toBe(303);
    expect(after.res.headers.location).toBe('/app/sign-in/code');
  });

  test('when an address without an account fails 5 times, then it is locked the same way (nothing tells whether it exists)', async () => {
    for (let n = 1; n <= 5; n += 1) {
      expect((await passwordStep('niemand@example.nl', `fout-fout-fout-${n}`)).res.status).toBe(401);
      app.clock.advance(60_000);
    }
    const locked = await passwordStep('niemand@example.nl', 'fout-fout-fout-6');
    expect(locked.res.status).toBe(429);
    expect(Number(locked.res.headers['retry-after'])).toBeGreaterThan(13 * 60);
  });

  test('when one client address fails 20 times over many accounts, then it is locked for 15 minutes, also for another account', async () => {
    for (let n = 1; n <= 20; n += 1) {
      expect((await passwordStep(`gok${n}@example.nl`, 'fout-fout-fout')).res.status).toBe(401);
      app.clock.advance(61_000);
    }
    const blocked = await passwordStep(staff.email);
    expect(blocked.res.status).toBe(429);
    app.clock.advance(15 * MINUTE);
    expect((await passwordStep(staff.email)).res.status).toBe(303);
  });

  test('when a TOTP code is of the previous or next 30-second step it is accepted, two steps away it is refused', async () => {
    for (const [offset, expected] of [[-60_000, 401], [60_000, 401], [-30_000, 303]] as const) {
      app.clock.advance(5 * MINUTE);
      const { agent } = await passwordStep(staff.email);
      const res = await codeStep(agent, totpCode(staff.totpSecret, new Date(app.clock.now().getTime() + offset)));
      expect({ offset, status: res.status }).toEqual({ offset, status: expected });
    }
    app.clock.advance(5 * MINUTE);
    const { agent } = await passwordStep(staff.email);
    expect((await codeStep(agent, totpCode(staff.totpSecret, new Date(app.clock.now().getTime() + 30_000)))).status).toBe(303);
  });

  test('when a recovery code is used a second time, then it is refused', async () => {
    const code = staff.recoveryCodes[0]!;
    const first = await passwordStep(staff.email);
    expect((await codeStep(first.agent, code.toUpperCase().replace(/-/g, ' '))).status).toBe(303);
    app.clock.advance(MINUTE);
    const second = await passwordStep(staff.email);
    const reused = await codeStep(second.agent, code);
    expect(reused.status).toBe(401);
    expect(reused.text).toContain('Deze code klopt niet, of is al gebruikt.');
  });

  test('when the password step is done but not the code, then no page behind the guard opens, and after 10 minutes the half sign-in ends', async () => {
    const { agent } = await passwordStep(staff.email);
    expect((await agent.get('/app/account')).headers.location).toBe('/app/sign-in/code');
    app.clock.advance(10 * MINUTE);
    expect((await agent.get('/app/sign-in/code')).headers.location).toBe('/app/sign-in');
  });
});

describe('dashboard set-up', () => {
  beforeEach(async () => {
    app = await createTestApp();
  });

  const openSetup = async (email: string) => {
    const invite = await inviteStaff(deps(), { organisationId: app.organisationId, email, role: 'youth-worker' });
    const agent = request.agent(app.container.app);
    const path = new URL(invite.link).pathname;
    const page = await agent.get(path).expect(200);
    return { agent, path, csrf: hiddenField(page.text, '_csrf'), invite };
  };

  test('when the password is short, common (any case), the e-mail address, or not repeated the same, then it is refused with the reason', async () => {
    const { agent, path, csrf } = await openSetup('sanne.visser@example.nl');
    const cases: [string, string, string][] = [
      ['kort-maar', 'kort-maar', 'Kies een wachtwoord van minstens 12 tekens.'],
      ['QwertY123456', 'QwertY123456', 'Dit wachtwoord wordt veel gebruikt.'],
      ['Sanne.Visser@example.nl', 'Sanne.Visser@example.nl', 'Gebruik niet je e-mailadres als wachtwoord.'],
      ['paars fietspad onder de brug', 'paars fietspad onder de burg', 'De twee wachtwoorden zijn niet hetzelfde.'],
    ];
    for (const [password, repeat, message] of cases) {
      const res = await agent.post(path).type('form').send({ _csrf: csrf, password, repeat });
      expect({ password, status: res.status, has: res.text.includes(message) }).toEqual({ password, status: 422, has: true });
    }
    // Nothing was used up: the link still works.
    expect((await agent.post(path).type('form').send({ _csrf: csrf, password: STAFF_PASSWORD, repeat: STAFF_PASSWORD })).status).toBe(303);
  });

  test('when the set-up link is 72 hours old, then it no longer works', async () => {
    const { agent, path, csrf } = await openSetup('laat@example.nl');
    app.clock.advance(72 * 60 * MINUTE);
    expect((await agent.get(path)).status).toBe(410);
    expect((await agent.post(path).type('form').send({ _csrf: csrf, password: STAFF_PASSWORD, repeat: STAFF_PASSWORD })).status).toBe(410);
  });

  test('when the set-up form is posted without its CSRF value, then it is refused and the link is not used', async () => {
    const { agent, path } = await openSetup('csrf@example.nl');
    expect((await agent.post(path).set('Accept', 'text/html').type('form').send({ password: STAFF_PASSWORD, repeat: STAFF_PASSWORD })).status).toBe(403);
    await agent.get(path).expect(200);
  });

  test('when the password is set but the TOTP not yet confirmed, then no page behind the guard opens; a wrong code is refused; the secret and address are stored encrypted', async () => {
    const { agent, path, csrf } = await openSetup('nog.niet@example.nl');
    await agent.post(path).type('form').send({ _csrf: csrf, password: STAFF_PASSWORD, repeat: STAFF_PASSWORD }).expect(303);
    expect((await agent.get('/app/account')).headers.location).toBe('/app/enrol');
    const enrol = await agent.get('/app/enrol').expect(200);
    expect(enrol.text).toContain('<svg');
    const secret = /<code id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(enrol.text)![1]!.replace(/ /g, '');
    const wrong = await agent.post('/app/enrol').type('form').send({ _csrf: hiddenField(enrol.text, '_csrf'), code: totpCode(secret, new Date(app.clock.now().getTime() + 120_000)) });
    expect(wrong.status).toBe(422);
    // The next code within the delay is not even checked.
    const early = await agent.post('/app/enrol').type('form').send({ _csrf: hiddenField(enrol.text, '_csrf'), code: totpCode(secret, app.clock.now()) });
    expect(early.status).toBe(429);
    const row = db().prepare('SELECT * FROM staff_users WHERE enrolled_at IS NULL').get() as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(JSON.stringify(row)).not.toContain('nog.niet');
    expect(String(row.password_hash)).toMatch(/^scrypt\$14\$8\$1\$/);
  });

  test('when set-up was left after the password, then signing in with the password leads back to the TOTP step, not to any data', async () => {
    const { agent, path, csrf } = await openSetup('half@example.nl');
    await agent.post(path).type('form').send({ _csrf: csrf, password: STAFF_PASSWORD, repeat: STAFF_PASSWORD }).expect(303);
    const again = await passwordStep('half@example.nl');
    expect(again.res.headers.location).toBe('/app/enrol');
    expect((await again.agent.get('/app/account')).headers.location).toBe('/app/enrol');
    await again.agent.get('/app/enrol').expect(200);
  });

  test('when set-up completes, then 10 recovery codes are shown once and stored only as hashes', async () => {
    const invite = await inviteStaff(deps(), { organisationId: app.organisationId, email: 'codes@example.nl', role: 'admin' });
    const { recoveryCodes } = await completeSetup(app, request.agent(app.container.app), invite.link);
    expect(new Set(recoveryCodes).size).toBe(10);
    const stored = JSON.stringify(db().prepare('SELECT * FROM staff_recovery_codes').all());
    for (const code of recoveryCodes) expect(stored).not.toContain(code);
  });
});
