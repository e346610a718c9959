import { readFileSync } from 'node:fs';

import { chromium, type Browser, type Page, type Response } from 'playwright-core';

import { startServer, type RunningServer } from '../../src/http/server';
import { adultRequest, auth, childRequest, createTestApp, deliverAndGetLink, openSigningPage, type TestApp } from './test-app';
import { completeCodeStep } from './signing';
import { CHROMIUM, CHROMIUM_ARGS, hasChromium } from './tools';

/**
 * The browser test harness (issue 10): Debian's Chromium through playwright-core, one browser per
 * test file and a fresh context per page, against the real app listening on 127.0.0.1:0.
 * Pages are found by what a person perceives (roles and accessible names), so the tests keep
 * holding when the markup of the signing pages changes.
 */

/** Skips a browser suite when Chromium is missing, except under CI=true, where that fails (tools.ts). */
export function describeBrowser(name: string, suite: () => void): void {
  (hasChromium() ? describe : describe.skip)(name, suite);
}

export type Role = 'guardian' | 'participant';
export type Lang = 'nl' | 'en';
export const ROLES: readonly Role[] = ['guardian', 'participant'];
export const LANGS: readonly Lang[] = ['nl', 'en'];
/** The narrowest phone (WCAG 1.4.10 reflow width) and a common one. */
export const WIDTHS = [320, 390] as const;
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** When the requests are made, and when the pages are visited: the expiring link has expired by then and the 15-year-old has turned 16. */
export const PREPARED_AT = '2026-11-22T10:00:00Z';
export const VISITED_AT = '2026-11-23T09:00:00Z';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface BrowserApp {
  app: TestApp;
  server: RunningServer;
  /** The absolute URL of a path on the running app. */
  url(path: string): string;
  close(): Promise<void>;
}

/**
 * The test app listening on 127.0.0.1:0. Public pages allow one page view per minute per address
 * by default (60); a browser suite makes hundreds from one address, so the limit is lifted unless
 * `env` sets it (the rate-limited page uses a tiny one).
 */
export async function startBrowserApp(env: Record<string, string> = {}): Promise<BrowserApp> {
  const app = await createTestApp({ RATE_LIMIT_PUBLIC_PER_MINUTE: '100000', ...env }, PREPARED_AT);
  try {
    const server = await startServer(app.container.app, 0);
    return {
      app,
      server,
      url: (path) => `${server.url}${path}`,
      close: async () => {
        await server.stop();
        await app.close();
      },
    };
  } catch (error) {
    await app.close();
    throw error;
  }
}

/** A phone-sized page in a context of its own, in the person's language (Accept-Language follows `lang`). */
export async function openPhone(browser: Browser, options: { width?: number; lang?: Lang; javaScriptEnabled?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    locale: options.lang === 'en' ? 'en-GB' : 'nl-NL',
  });
  // A step that cannot happen fails within the test's time, with the step named, instead of hanging.
  context.setDefaultTimeout(10_000);
  return context.newPage();
}

/** Closes the page's context (and with it the page). */
export async function closePhone(page: Page): Promise<void> {
  await page.context().close();
}

/** The consent request body for a guardian (child under 16, SMS) or a participant (16+, e-mail), in `lang`. */
export function requestFor(role: Role, lang: Lang, overrides: { reference?: string; dateOfBirth?: string; expiresAt?: string } = {}): Record<string, unknown> {
  const base = role === 'guardian' ? childRequest() : adultRequest();
  const subject = { ...(base.subject as Record<string, unknown>), ...(overrides.reference ? { reference: overrides.reference } : {}), ...(overrides.dateOfBirth ? { dateOfBirth: overrides.dateOfBirth } : {}) };
  // The youth worker who asked: shown under "who is asking" on every page of the link.
  return { ...base, subject, requestedBy: { name: 'Sanne Jansen', role: 'Jongerenwerker' }, recipient: { ...(base.recipient as Record<string, unknown>), language: lang }, ...(overrides.expiresAt ? { expiresAt: overrides.expiresAt } : {}) };
}

/** The name the signer types: the guardian is Ans de Vries, the participant Noor Bakker. */
export const signerNameFor = (role: Role): string => (role === 'guardian' ? 'Ans de Vries' : 'Noor Bakker');

/** The form a role signs, with its purposes' labels in both languages. */
export function purposesFor(app: TestApp, role: Role): { id: string; label: Record<Lang, string> }[] {
  const form = app.container.forms.get(role === 'guardian' ? 'activiteit-onder-16' : 'inloop-16-plus');
  if (!form) throw new Error('form missing');
  return form.purposes.map((p) => ({ id: p.id, label: { nl: p.label.nl, en: p.label.en } }));
}

/** Creates a request by the API (as the organisation of `apiKey`), lets the worker deliver it, and returns its id and the link's path (from the message the outbox received). */
export async function createLink(app: TestApp, role: Role, lang: Lang, overrides: Parameters<typeof requestFor>[2] = {}, apiKey = app.apiKey): Promise<{ id: string; path: string }> {
  const created = await app.http.post('/api/v1/consent-requests').set(auth(apiKey)).send(requestFor(role, lang, overrides));
  if (created.status !== 201) throw new Error(`creating a request failed: ${created.status} ${JSON.stringify(created.body)}`);
  return { id: created.body.id as string, path: await deliverAndGetLink(app, created.body.id as string) };
}

/** Signs over HTTP as the browser would: every purpose granted (special-category data with its explicit statement and the one-time code); a guardian declares sole parental authority unless `family` says otherwise (issue 12). */
async function signOverHttp(app: TestApp, role: Role, path: string, family: Record<string, string> = { authority: 'sole' }): Promise<void> {
  const { csrf, cookie } = await openSigningPage(app, path);
  const answers = Object.fromEntries(purposesFor(app, role).flatMap((p) => [[`purpose_${p.id}`, 'yes'], [`explicit_${p.id}`, 'yes']]));
  let res = await app.http.post(path).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...answers, declaration: 'yes', signerName: signerNameFor(role), action: 'sign', ...family });
  if (res.status === 200 && res.text.includes('name="code"')) res = await completeCodeStep(app, path, { csrf, cookie }, res.text);
  if (res.status !== 303) throw new Error(`signing failed: ${res.status}`);
}

async function postOverHttp(app: TestApp, path: string, target: string, fields: Record<string, string>): Promise<void> {
  const { csrf, cookie } = await openSigningPage(app, path);
  const res = await app.http.post(target).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...fields });
  if (res.status !== 303) throw new Error(`post to the link failed: ${res.status}`);
}

/** Every state of a personal link, for one role and language. `errors` is the signing page after an empty submit (see showErrors). */
export const LINK_STATES = ['signing', 'errors', 'decline-confirm', 'signed', 'withdraw-confirm', 'declined', 'withdrawn-partly', 'withdrawn-fully', 'expired', 'cancelled'] as const;
/** Issue 12, a guardian's only: the second parent's signing page, a joint first parent's done page with the invite form, with the other parent invited, and the second parent's done page. */
export const FAMILY_STATES = ['second-guardian', 'joint-invite', 'joint-invited', 'second-guardian-done'] as const;
export type LinkState = (typeof LINK_STATES)[number] | 'role-changed' | (typeof FAMILY_STATES)[number] | 'code';
/** Pages without a request behind them: one per language. */
export const PUBLIC_STATES = ['unknown', 'verify', 'verify-result', 'rate-limited'] as const;
export type PublicState = (typeof PUBLIC_STATES)[number];

/** A link that never existed (a token of the right shape). */
export const UNKNOWN_LINK = `/c/${'A'.repeat(46)}`;

/**
 * Makes a link in every state for every role and language, then moves the clock to VISITED_AT
 * (the expiring links expire, the guardian's child turns 16: `role-changed`). Returns the paths by
 * `${state}/${role}/${lang}` and a signed record's PDF (for /verify).
 */
export async function prepareStates(app: TestApp): Promise<{ paths: Map<string, string>; signedPdf: Buffer }> {
  app.clock.set(PREPARED_AT);
  const paths = new Map<string, string>();
  let n = 0;
  const ref = () => `BROWSER-${(n += 1)}`;
  for (const role of ROLES) {
    for (const lang of LANGS) {
      const key = (state: LinkState) => `${state}/${role}/${lang}`;
      const link = async (extra: Parameters<typeof requestFor>[2] = {}) => createLink(app, role, lang, { reference: ref(), ...extra });
      const signing = await link();
      paths.set(key('signing'), signing.path);
      paths.set(key('errors'), signing.path);
      paths.set(key('decline-confirm'), signing.path);
      const signed = await link();
      await signOverHttp(app, role, signed.path);
      paths.set(key('signed'), signed.path);
      paths.set(key('withdraw-confirm'), signed.path);
      const declined = await link();
      await postOverHttp(app, declined.path, declined.path, { action: 'decline', signerName: '' });
      paths.set(key('declined'), declined.path);
      const partly = await link();
      await signOverHttp(app, role, partly.path);
      await postOverHttp(app, partly.path, `${partly.path}/withdraw`, { purpose: purposesFor(app, role)[1]!.id, action: 'selected' });
      paths.set(key('withdrawn-partly'), partly.path);
      const fully = await link();
      await signOverHttp(app, role, fully.path);
      await postOverHttp(app, fully.path, `${fully.path}/withdraw`, { action: 'all' });
      paths.set(key('withdrawn-fully'), fully.path);
      const expired = await link({ expiresAt: '2026-11-22T12:00:00Z' });
      paths.set(key('expired'), expired.path);
      const cancelled = await link();
      const cancel = await app.http.post(`/api/v1/consent-requests/${cancelled.id}/cancel`).set(auth(app.apiKey));
      if (cancel.status !== 200) throw new Error(`cancel failed: ${cancel.status}`);
      paths.set(key('cancelled'), cancelled.path);
      // Issue 12 (verify): the one-time code step after a "yes" to medical details (guardian form only).
      if (role === 'guardian') paths.set(key('code'), (await link()).path);
      // Born on 2010-11-23: 15 when asked, 16 on the day the page is visited.
      if (role === 'guardian') paths.set(key('role-changed'), (await link({ dateOfBirth: '2010-11-23' })).path);
      if (role === 'guardian') await prepareFamilyStates(app, lang, async () => (await link()).path, (state, path) => paths.set(key(state), path));
    }
  }
  const pdf = await app.http.get(`${paths.get('signed/participant/nl')!}/document`).buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });
  app.clock.set(VISITED_AT);
  return { paths, signedPdf: pdf.body as Buffer };
}

/** Issue 12: the family states of a guardian's link in `lang` (see FAMILY_STATES). */
async function prepareFamilyStates(app: TestApp, lang: Lang, link: () => Promise<string>, set: (state: (typeof FAMILY_STATES)[number], path: string) => void): Promise<void> {
  const invite = (email: string) => ({ authority: 'joint', second_name: 'Bas de Vries', second_channel: 'email', second_email: email });
  const secondLink = async (first: string) => {
    const { store } = app.container;
    const primary = await store.findConsentRequestByTokenHash(app.container.tokens.verify(first.split('/').pop()!)!);
    const second = (await store.listFamilyRequests(app.organisationId, primary!.id)).find((r) => r.signerSlot === 'second-guardian')!;
    return deliverAndGetLink(app, second.id);
  };
  const jointOnly = await link();
  await signOverHttp(app, 'guardian', jointOnly, { authority: 'joint' });
  set('joint-invite', jointOnly);
  const invited = await link();
  await signOverHttp(app, 'guardian', invited, invite(`bas.${lang}.open@example.nl`));
  set('joint-invited', invited);
  set('second-guardian', await secondLink(invited));
  const both = await link();
  await signOverHttp(app, 'guardian', both, invite(`bas.${lang}.signed@example.nl`));
  const second = await secondLink(both);
  await signOverHttp(app, 'guardian', second, { authority: 'joint' });
  set('second-guardian-done', second);
}

/**
 * Submits the signing form with nothing filled in, as a person who presses the button at once.
 * Today's form carries `required` (the browser would stop the submit); the server's error summary
 * is what is tested, so the browser's own check is switched off first (a no-op once the form has
 * `novalidate`).
 */
export async function showErrors(page: Page, lang: Lang): Promise<Response | null> {
  await page.evaluate(() => document.querySelectorAll('form').forEach((f) => (f.noValidate = true)));
  const [response] = await Promise.all([page.waitForNavigation(), signButton(page, lang).click()]);
  return response;
}

/** Issue 12 (verify): fills in the guardian form with every "yes" and every box ticked, and signs: the one-time code step follows. */
async function showCodeStep(page: Page, lang: Lang): Promise<Response | null> {
  await page.evaluate(() => document.querySelectorAll<HTMLInputElement>('input[type="radio"][value="yes"], input[type="checkbox"], input[type="radio"][name="authority"][value="sole"]').forEach((input) => (input.checked = true)));
  await page.locator('#signerName').fill('Ans de Vries');
  const [response] = await Promise.all([page.waitForNavigation(), signButton(page, lang).click()]);
  return response;
}

/** The button that signs: "Ondertekenen en versturen" / "Sign and send" today; any button naming signing after a redesign. */
export const signButton = (page: Page, lang: Lang) => page.getByRole('button', { name: lang === 'nl' ? /^Onderteken/ : /^Sign\b/ });

/**
 * Opens the page for a state in a fresh phone context and brings it into that state. The
 * rate-limited page needs `limited`, an app whose public limit is 1 a minute.
 */
export async function visitState(browser: Browser, target: { main: BrowserApp; limited?: BrowserApp; paths: Map<string, string>; signedPdf: Buffer }, state: LinkState | PublicState, role: Role | null, lang: Lang, width: number): Promise<Page> {
  const page = await openPhone(browser, { width, lang });
  try {
    let response: Response | null;
    if (state === 'unknown') response = await page.goto(target.main.url(UNKNOWN_LINK));
    else if (state === 'verify' || state === 'verify-result') {
      response = await page.goto(target.main.url('/verify'));
      if (state === 'verify-result') {
        await page.locator('input[type="file"]').setInputFiles({ name: 'toestemming.pdf', mimeType: 'application/pdf', buffer: target.signedPdf });
        [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: lang === 'nl' ? /^Controle/ : /^Check/ }).click()]);
      }
    } else if (state === 'rate-limited') {
      if (!target.limited) throw new Error('the rate-limited page needs an app with a tiny limit');
      // A fixed one-minute window: a window that rolls over between two views lets one more through.
      response = null;
      for (let i = 0; i < 4 && response?.status() !== 429; i += 1) response = await page.goto(target.limited.url('/verify'));
    } else {
      const path = target.paths.get(`${state}/${role}/${lang}`);
      if (!path) throw new Error(`no page for ${state}/${role}/${lang}`);
      response = await page.goto(target.main.url(path));
      if (state === 'errors') response = await showErrors(page, lang);
      // The second step of declining and of withdrawing everything: a page of its own, without JavaScript too.
      if (state === 'decline-confirm') [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: lang === 'nl' ? 'Ik geef geen toestemming' : "I don't give consent", exact: true }).click()]);
      if (state === 'code') response = await showCodeStep(page, lang);
      if (state === 'withdraw-confirm') [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: lang === 'nl' ? 'Alle toestemming intrekken' : 'Withdraw all consent', exact: true }).click()]);
    }
    // The page really is in that state: each has its own status code.
    if (response?.status() !== EXPECTED_STATUS[state]) throw new Error(`${state}: expected HTTP ${EXPECTED_STATUS[state]}, got ${response?.status()}`);
    return page;
  } catch (error) {
    await closePhone(page);
    throw error;
  }
}

const EXPECTED_STATUS: Record<LinkState | PublicState, number> = {
  signing: 200,
  errors: 422,
  'decline-confirm': 200,
  signed: 200,
  'withdraw-confirm': 200,
  declined: 200,
  'withdrawn-partly': 200,
  'withdrawn-fully': 200,
  expired: 410,
  cancelled: 410,
  'role-changed': 200,
  'second-guardian': 200,
  'joint-invite': 200,
  'joint-invited': 200,
  'second-guardian-done': 200,
  code: 200,
  unknown: 404,
  verify: 200,
  'verify-result': 200,
  'rate-limited': 429,
};

let axeSource: string | null = null;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string; html: string; summary: string }[];
}

/** Runs axe-core (WCAG 2.2 AA tags) in the page; returns the violations and a readable summary ('' when none). */
export async function runAxe(page: Page): Promise<{ violations: AxeViolation[]; summary: string }> {
  axeSource ??= readFileSync(require.resolve('axe-core'), 'utf8');
  // evaluate() runs outside the page's CSP (script-src 'self' would refuse an inline script tag).
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; html: string; failureSummary?: string }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target.map(String).join(' '), html: n.html.slice(0, 200), summary: (n.failureSummary ?? '').replace(/\s+/g, ' ') })) }));
  }, AXE_TAGS);
  const summary = violations.map((v) => `${v.id} (${v.impact ?? '?'}): ${v.help}\n${v.nodes.map((n) => `  - ${n.target}: ${n.html}\n    ${n.summary}`).join('\n')}`).join('\n');
  return { violations, summary };
}

/** Doubles the text size the page sets (WCAG 1.4.4), through the CSSOM (the page's CSP allows no inline style tag). */
export async function doubleTextSize(page: Page): Promise<void> {
  await page.evaluate(() => {
    const root = document.documentElement;
    root.style.fontSize = `${parseFloat(getComputedStyle(root).fontSize) * 2}px`;
  });
}

/** How many CSS pixels the page is wider than the viewport (0: no sideways scrolling). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const el = document.scrollingElement ?? document.documentElement;
    return Math.max(0, el.scrollWidth - el.clientWidth);
  });
}
