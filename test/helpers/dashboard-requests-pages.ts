import type { Browser, Page } from 'playwright-core';

import { greyPng } from './png';
import { signInStaff, type StaffSession } from './staff';
import { auth, childRequest, adultRequest, deliverAndGetLink, uploadRequestPaper, ADULT_DECISIONS, CHILD_DECISIONS } from './test-app';
import type { BrowserApp } from './browser';

/**
 * D2's dashboard pages in a browser (issue 11): a signed-in admin (so the access log shows too),
 * a few synthetic requests in every state the pages show, and each page state by name. Used by
 * test/browser/dashboard-requests.test.ts (axe, reflow, keyboard) and by
 * scripts/screenshots-dashboard-requests.ts.
 */
export const DASHBOARD_REQUEST_PAGES = ['overview', 'overview-search', 'new', 'new-errors', 'detail', 'detail-signed', 'access-log', 'lapsing'] as const;
export type DashboardRequestPage = (typeof DASHBOARD_REQUEST_PAGES)[number];
export const DASHBOARD_WIDTHS = [390, 1280] as const;

export interface DashboardSetup {
  staff: StaffSession;
  cookie: { name: string; value: string }[];
  openId: string;
  signedId: string;
}

/** Cookies of a supertest agent (the session made by signInStaff), to hand to a browser context. */
export function agentCookies(staff: StaffSession): { name: string; value: string }[] {
  const jar = (staff.agent as unknown as { jar: { getCookies(info: unknown): { name: string; value: string }[] } }).jar;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CookieAccessInfo } = require('cookiejar') as { CookieAccessInfo: { All: unknown } };
  return jar.getCookies(CookieAccessInfo.All).map((c) => ({ name: c.name, value: c.value }));
}

export async function prepareDashboard(main: BrowserApp): Promise<DashboardSetup> {
  const { app } = main;
  const create = async (body: object) => {
    const res = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(body);
    if (res.status !== 201) throw new Error(`create failed: ${res.status}`);
    return res.body.id as string;
  };
  const people = [
    ['REG-1042', 'Sam', 'de Vries'], ['REG-1043', 'Zoë', 'El Amrani'], ['REG-1044', 'Daan', 'Jansen'], ['REG-1045', 'Lotte', 'Visser'],
  ] as const;
  const ids: string[] = [];
  for (const [reference, firstName, lastName] of people) ids.push(await create(childRequest({ subject: { reference, firstName, lastName, dateOfBirth: '2014-04-02' } })));
  ids.push(await create(adultRequest({ subject: { reference: 'REG-2001', firstName: 'Noor', lastName: 'Bakker', dateOfBirth: '2008-01-15' } })));
  const openId = ids[1]!;
  await deliverAndGetLink(app, openId);
  const signedId = ids[0]!;
  const paper = await uploadRequestPaper(app, signedId, { signedBy: 'Ans de Vries', signedOn: '2026-11-20', decisions: CHILD_DECISIONS }, greyPng(64));
  if (paper.status !== 200) throw new Error(`paper failed: ${paper.status}`);
  // Issue 12, for "Verloopt binnenkort": Milan turns 16 on 2026-12-10 with a parent's consent on
  // paper, and Noor's own consent on paper of 2025-12-20 lapses on 2026-12-20 (both within the lists' reach).
  const milan = await create(childRequest({ subject: { reference: 'REG-1046', firstName: 'Milan', lastName: 'Bos', dateOfBirth: '2010-12-10' } }));
  const milanPaper = await uploadRequestPaper(app, milan, { signedBy: 'Ans Bos', signedOn: '2026-11-20', decisions: CHILD_DECISIONS }, greyPng(64));
  if (milanPaper.status !== 200) throw new Error(`paper failed: ${milanPaper.status}`);
  const noor = await create(adultRequest({ subject: { reference: 'REG-2002', firstName: 'Noor', lastName: 'Smit', dateOfBirth: '2007-05-01' } }));
  const noorPaper = await uploadRequestPaper(app, noor, { signedBy: 'Noor Smit', signedOn: '2025-12-20', decisions: ADULT_DECISIONS }, greyPng(64));
  if (noorPaper.status !== 200) throw new Error(`paper failed: ${noorPaper.status}`);
  const staff = await signInStaff(app, { role: 'admin', email: 'sanne.jansen@example.nl' });
  // A few entries in the access log, as a colleague's day leaves them.
  await staff.agent.get('/app').expect(200);
  await staff.agent.get(`/app/requests/${signedId}`).expect(200);
  return { staff, cookie: agentCookies(staff), openId, signedId };
}

/** A page of the width given with the session's cookie. */
export async function openDashboard(browser: Browser, main: BrowserApp, setup: Pick<DashboardSetup, 'cookie'>, width: number, javaScriptEnabled = true): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: width < 600 ? 844 : 900 }, locale: 'nl-NL', javaScriptEnabled });
  context.setDefaultTimeout(10_000);
  await context.addCookies(setup.cookie.map((c) => ({ ...c, url: main.url('/') })));
  return context.newPage();
}

/** Goes to one page state; returns the HTTP status of the page shown. */
export async function visitDashboardPage(page: Page, main: BrowserApp, setup: DashboardSetup, state: DashboardRequestPage): Promise<number> {
  switch (state) {
    case 'overview':
      return (await page.goto(main.url('/app')))!.status();
    case 'overview-search':
      return (await page.goto(main.url('/app?q=zoe&status=sent')))!.status();
    case 'new':
      return (await page.goto(main.url('/app/requests/new')))!.status();
    case 'new-errors': {
      await page.goto(main.url('/app/requests/new'));
      await page.getByLabel('Voornaam').fill('Lotte');
      await page.getByLabel('Geboortedatum').fill('2015-02-03');
      const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Verzoek versturen' }).click()]);
      return response!.status();
    }
    case 'detail':
      return (await page.goto(main.url(`/app/requests/${setup.openId}`)))!.status();
    case 'detail-signed':
      return (await page.goto(main.url(`/app/requests/${setup.signedId}`)))!.status();
    case 'access-log':
      return (await page.goto(main.url('/app/admin/access-log')))!.status();
    case 'lapsing':
      return (await page.goto(main.url('/app/lapsing')))!.status();
  }
}
