import request from 'supertest';

import { inviteStaff } from '../../src/dashboard/accounts';
import { totpCode } from '../../src/dashboard/totp';
import { completeSetup, hiddenField, signInStaff, STAFF_PASSWORD } from '../helpers/staff';
import { createTestApp, type TestApp } from '../helpers/test-app';

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp();
});
afterEach(async () => {
  await app.close();
});

const deps = () => ({ store: app.container.store, clock: app.clock, staffAuth: app.container.staffAuth, publicBaseUrl: app.container.config.publicBaseUrl });

describe('dashboard sign-in, set-up and the guard', () => {
  test('when there is no session, then every /app page redirects to /app/sign-in', async () => {
    for (const path of ['/app', '/app/account', '/app/admin', '/app/anything/else']) {
      const res = await app.http.get(path).set('Accept', 'text/html');
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/app/sign-in');
    }
    const post = await app.http.post('/app/account/sign-out-everywhere').type('form').send({ _csrf: 'x' });
    expect(post.status).toBe(303);
    expect(post.headers.location).toBe('/app/sign-in');
  });

  test('when a person is invited, sets up and signs in, then the agent has a session the guard accepts', async () => {
    const staff = await signInStaff(app, { role: 'admin' });
    const page = await staff.agent.get('/app/account').expect(200);
    expect(page.text).toContain(staff.email);
    expect(page.headers['cache-control']).toBe('no-store');
  });

  test('when a url-encoded POST under /app has no or a wrong _csrf, then it is refused with 403', async () => {
    const staff = await signInStaff(app);
    const without = await staff.agent.post('/app/account/sign-out-everywhere').set('Accept', 'text/html').type('form').send({});
    expect(without.status).toBe(403);
    const wrong = await staff.agent.post('/app/account/sign-out-everywhere').set('Accept', 'text/html').type('form').send({ _csrf: 'A'.repeat(staff.csrf.length) });
    expect(wrong.status).toBe(403);
    const json = await staff.agent.post('/app/account/sign-out-everywhere').set('Content-Type', 'text/plain').send(`_csrf=${staff.csrf}`);
    expect(json.status).toBe(403);
    // Still signed in: nothing happened.
    await staff.agent.get('/app/account').expect(200);
  });

  test('when the set-up link is opened after it was used, then it is gone (410)', async () => {
    const invite = await inviteStaff(deps(), { organisationId: app.organisationId, email: 'eenmalig@example.nl', role: 'youth-worker' });
    const agent = request.agent(app.container.app);
    await completeSetup(app, agent, invite.link);
    const again = await request(app.container.app).get(new URL(invite.link).pathname).set('Accept', 'text/html');
    expect(again.status).toBe(410);
  });

  test('when a returning person signs in with password and a TOTP code, then a used time step is refused the second time', async () => {
    const staff = await signInStaff(app);
    const agent = request.agent(app.container.app);
    const signIn = await agent.get('/app/sign-in').expect(200);
    await agent.post('/app/sign-in').type('form').send({ _csrf: hiddenField(signIn.text, '_csrf'), email: staff.email, password: STAFF_PASSWORD }).expect(303);
    app.clock.advance(60_000);
    const codePage = await agent.get('/app/sign-in/code').expect(200);
    const code = totpCode(staff.totpSecret, app.clock.now());
    const ok = await agent.post('/app/sign-in/code').type('form').send({ _csrf: hiddenField(codePage.text, '_csrf'), code });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/app');

    const other = request.agent(app.container.app);
    const signIn2 = await other.get('/app/sign-in').expect(200);
    await other.post('/app/sign-in').type('form').send({ _csrf: hiddenField(signIn2.text, '_csrf'), email: staff.email, password: STAFF_PASSWORD }).expect(303);
    const codePage2 = await other.get('/app/sign-in/code').expect(200);
    const reused = await other.post('/app/sign-in/code').type('form').send({ _csrf: hiddenField(codePage2.text, '_csrf'), code });
    expect(reused.status).toBe(401);
    await other.get('/app/account').expect(303);
  });
});
