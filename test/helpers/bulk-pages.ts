import { CookieAccessInfo } from 'cookiejar';
import type { Browser, Page } from 'playwright-core';

import type { BrowserApp } from './browser';
import { openSigningPage, type TestApp } from './test-app';
import { completeCodeStep } from './signing';
import { signInStaff, type StaffSession } from './staff';

/**
 * The many-at-once pages (issue 11) in their states, for the browser tests and the screenshots:
 * a youth worker signed in through the real routes (signInStaff), a list checked with a few
 * problems, a list half sent, one sent with answers. Synthetic people only.
 */
export const BULK_HEADER = 'Voornaam;Achternaam;Geboortedatum;Referentie;Kanaal;Telefoon of e-mail;Naam ouder;Taal';

export function bulkChildList(n: number, prefix: string): string {
  const names = ['Sam', 'Noah', 'Lina', 'Mo', 'Zoë', 'Daan', 'Aya', 'Finn', 'Sara', 'Milan'];
  const rows = Array.from({ length: n }, (_, i) => `${names[i % names.length]};${['de Vries', 'Jansen', 'El Idrissi', 'Bakker', 'Yılmaz'][i % 5]};02-04-2014;${prefix}-${i + 1};e-mail;ouder${i + 1}@example.nl;Ouder ${names[i % names.length]};nl`);
  return `${BULK_HEADER}\n${rows.join('\n')}\n`;
}

/** A checked list: four right, three with a problem each. */
export const BULK_PREVIEW_LIST = [
  BULK_HEADER,
  'Sam;de Vries;02-04-2014;VW-1;sms;06 12345678;Ans de Vries;nl',
  'Lina;El Idrissi;2014-05-05;VW-2;e-mail;fatima@example.nl;Fatima El Idrissi;nl',
  'Noor;Bakker;2008-01-15;VW-3;e-mail;noor@example.nl;;',
  'Mo;Jansen;31-02-2014;VW-4;sms;06 12345679;Piet Jansen;',
  'Aya;Yılmaz;2013-09-09;VW-5;sms;12;Emre Yılmaz;',
  'Daan;Smit;2014-01-20;VW-6;e-mail;daan.ouder@example.nl;Eva Smit;en',
  'Zoë;Visser;2015-03-03;VW-7;e-mail;visser@example.nl;Kees Visser;nl',
].join('\n');

export type BulkState = 'start' | 'start-errors' | 'preview' | 'progress' | 'done' | 'overview';
export const BULK_STATES: readonly BulkState[] = ['start', 'start-errors', 'preview', 'progress', 'done', 'overview'];

async function checkList(session: StaffSession, list: string, activity: string, formId = 'activiteit-onder-16'): Promise<string> {
  const res = await session.agent.post('/app/bulk').field('_csrf', session.csrf).field('formId', formId).field('activity', activity).field('list', list).expect(303);
  return String(res.headers.location).split('/').pop()!;
}

async function confirm(session: StaffSession, id: string): Promise<void> {
  await session.agent.post(`/app/bulk/${id}/send`).type('form').send({ _csrf: session.csrf }).expect(303);
}

/** Every state's address; the worker is driven by hand (runOnce), as the HTTP tests do. */
export async function prepareBulkStates(app: TestApp): Promise<{ session: StaffSession; paths: Record<Exclude<BulkState, 'start-errors'>, string>; progressId: string }> {
  const session = await signInStaff(app);
  const previewId = await checkList(session, BULK_PREVIEW_LIST, 'Zomerkamp 2027');

  const doneId = await checkList(session, bulkChildList(6, 'KAMP'), 'Uitje naar de dierentuin');
  await confirm(session, doneId);
  await app.container.worker.runOnce();
  const store = app.container.store;
  const rows = await store.listBulkRows(app.organisationId, doneId);
  const sign = async (rowNo: number, answers: Record<string, string>, action: 'sign' | 'decline') => {
    const entry = (await store.listDevOutbox(1000)).find((e) => e.requestId === rows[rowNo - 1]!.requestId)!;
    const link = new URL(entry.link).pathname;
    const { csrf, cookie } = await openSigningPage(app, link);
    const signerName = rows[rowNo - 1]!.plan!.recipientName;
    const res = await app.http.post(link).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...answers, declaration: 'yes', authority: 'sole', signerName, action, ...(action === 'decline' ? { confirmDecline: 'yes' } : {}) });
    // A yes to medical details goes through the one-time code step (issue 12).
    if (res.status === 200 && res.text.includes('name="code"')) await completeCodeStep(app, link, { csrf, cookie }, res.text);
  };
  await sign(1, { purpose_registratie: 'yes', 'purpose_contact-ouder': 'yes', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'yes', 'explicit_medische-gegevens': 'yes' }, 'sign');
  await sign(2, { purpose_registratie: 'yes', 'purpose_contact-ouder': 'no', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'no' }, 'sign');
  await sign(3, {}, 'decline');

  // Half sent: 50 rows confirmed, one worker pass made 20 of them.
  const progressId = await checkList(session, bulkChildList(50, 'GROEP'), 'Sportdag 2027');
  await confirm(session, progressId);
  await app.container.worker.runOnce();

  return { session, progressId, paths: { start: '/app/bulk', preview: `/app/bulk/${previewId}`, progress: `/app/bulk/${progressId}`, done: `/app/bulk/${doneId}`, overview: `/app/bulk/${doneId}/overview` } };
}

/** A browser context carrying the youth worker's session cookie (copied from the signed-in agent). */
export async function openStaffPage(browser: Browser, target: BrowserApp, session: StaffSession, width: number, options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: width < 600 ? 844 : 900 }, javaScriptEnabled: options.javaScriptEnabled ?? true, locale: 'nl-NL' });
  context.setDefaultTimeout(10_000);
  const jar = (session.agent as unknown as { jar: { getCookies(info: CookieAccessInfo): { name: string; value: string }[] } }).jar;
  const cookies = jar.getCookies(CookieAccessInfo.All).map((c) => ({ name: c.name, value: c.value, url: target.url('/app/') }));
  await context.addCookies(cookies);
  return context.newPage();
}

/** The state's page, opened (start-errors: the start page after a check that refused the list). */
export async function visitBulkState(page: Page, target: BrowserApp, paths: Record<Exclude<BulkState, 'start-errors'>, string>, state: BulkState): Promise<void> {
  if (state !== 'start-errors') {
    await page.goto(target.url(paths[state]));
    return;
  }
  await page.goto(target.url('/app/bulk'));
  await page.getByLabel('Formulier', { exact: true }).selectOption('activiteit-onder-16');
  await page.getByLabel('Plak de lijst').fill('voornaam;achternaam\nSam;de Vries');
  await page.getByRole('button', { name: 'Controleren' }).click();
  await page.getByRole('alert').waitFor();
}
