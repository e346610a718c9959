import request from 'supertest';

import { inviteStaff } from '../../src/dashboard/accounts';
import type { StaffRole } from '../../src/dashboard/staff';
import { totpCode } from '../../src/dashboard/totp';
import type { TestApp } from './test-app';

/**
 * A signed-in dashboard user for HTTP tests (issue 11). Made the way a person does it: invited
 * (the use case the CLI and the admin page call), then through the HTTP routes: set-up link →
 * password → TOTP enrolment (the code computed from the secret the page shows) → recovery codes →
 * sign-out → sign-in with e-mail, password and a recovery code (so the test clock need not move:
 * a TOTP step works only once). The agent carries the real session cookie.
 */
export interface StaffSession {
  agent: import('supertest').Agent;
  /** The session's CSRF token: post it as `_csrf` with every form. */
  csrf: string;
  userId: string;
  email: string;
  organisationId: string;
  password: string;
  /** Base32, as the enrolment page showed it (for computing codes with totpCode). */
  totpSecret: string;
  /** The 9 recovery codes not used by the sign-in. */
  recoveryCodes: string[];
}

export const STAFF_PASSWORD = 'paars fietspad onder de brug';

let counter = 0;

/** The value of a hidden input or the text of an element with an id, from a page's HTML. */
export function hiddenField(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no field ${name} on the page`);
  return m[1]!;
}

export function shownTotpSecret(html: string): string {
  const m = /<code id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(html);
  if (!m) throw new Error('no TOTP secret on the page');
  return m[1]!.replace(/\s+/g, '');
}

export function shownRecoveryCodes(html: string): string[] {
  return [...html.matchAll(/<li><code>([a-z0-9-]{19})<\/code><\/li>/g)].map((m) => m[1]!);
}

/** Set-up link → password → TOTP → recovery codes, on `agent`; returns the secret and the codes. */
export async function completeSetup(app: TestApp, agent: import('supertest').Agent, link: string, password = STAFF_PASSWORD): Promise<{ totpSecret: string; recoveryCodes: string[] }> {
  const path = new URL(link).pathname;
  const setup = await agent.get(path).set('Accept', 'text/html').expect(200);
  const posted = await agent.post(path).type('form').send({ _csrf: hiddenField(setup.text, '_csrf'), password, repeat: password }).expect(303);
  if (posted.headers.location !== '/app/enrol') throw new Error(`set-up went to ${posted.headers.location}`);
  const enrol = await agent.get('/app/enrol').expect(200);
  const totpSecret = shownTotpSecret(enrol.text);
  const done = await agent.post('/app/enrol').type('form').send({ _csrf: hiddenField(enrol.text, '_csrf'), code: totpCode(totpSecret, app.clock.now()) }).expect(200);
  const recoveryCodes = shownRecoveryCodes(done.text);
  if (recoveryCodes.length !== 10) throw new Error('the recovery codes page did not show 10 codes');
  return { totpSecret, recoveryCodes };
}

export async function signInStaff(app: TestApp, opts: { role?: StaffRole; organisationId?: string; email?: string } = {}): Promise<StaffSession> {
  const organisationId = opts.organisationId ?? app.organisationId;
  const email = opts.email ?? `medewerker${++counter}-${process.pid}@example.nl`;
  const deps = { store: app.container.store, clock: app.clock, staffAuth: app.container.staffAuth, publicBaseUrl: app.container.config.publicBaseUrl };
  const invite = await inviteStaff(deps, { organisationId, email, role: opts.role ?? 'youth-worker' });
  const agent = request.agent(app.container.app);
  const { totpSecret, recoveryCodes } = await completeSetup(app, agent, invite.link);

  // Sign out, then sign in as a returning person does.
  const account = await agent.get('/app/account').expect(200);
  await agent.post('/app/sign-out').type('form').send({ _csrf: hiddenField(account.text, '_csrf') }).expect(303);
  const signIn = await agent.get('/app/sign-in').expect(200);
  const step1 = await agent.post('/app/sign-in').type('form').send({ _csrf: hiddenField(signIn.text, '_csrf'), email, password: STAFF_PASSWORD }).expect(303);
  if (step1.headers.location !== '/app/sign-in/code') throw new Error(`sign-in went to ${step1.headers.location}`);
  const codePage = await agent.get('/app/sign-in/code').expect(200);
  const [recovery, ...rest] = recoveryCodes;
  const step2 = await agent.post('/app/sign-in/code').type('form').send({ _csrf: hiddenField(codePage.text, '_csrf'), code: recovery }).expect(303);
  if (step2.headers.location !== '/app') throw new Error(`sign-in code went to ${step2.headers.location}`);
  const signedIn = await agent.get('/app/account').expect(200);
  return { agent, csrf: hiddenField(signedIn.text, '_csrf'), userId: invite.userId, email: invite.email, organisationId, password: STAFF_PASSWORD, totpSecret, recoveryCodes: rest };
}
