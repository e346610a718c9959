import type { Browser, BrowserContext, Page } from 'playwright-core';

import { inviteStaff } from '../../src/dashboard/accounts';
import type { StaffRole } from '../../src/dashboard/staff';
import { totpCode } from '../../src/dashboard/totp';
import type { BrowserApp } from './browser';
import { STAFF_PASSWORD } from './staff';

/**
 * Browser helpers for the dashboard's sign-in and set-up pages (D1): a desktop or phone context,
 * and the set-up and sign-in done the way a person does them, reading the TOTP secret the page
 * shows and computing the code from it at the app's clock.
 */
export const DASH_WIDTHS = [390, 1280] as const;

export async function openDesktop(browser: Browser, width = 1280): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'nl-NL' });
  context.setDefaultTimeout(10_000);
  return { context, page: await context.newPage() };
}

export async function inviteLink(target: BrowserApp, email: string, role: StaffRole = 'youth-worker', organisationId = target.app.organisationId): Promise<string> {
  const app = target.app;
  const invite = await inviteStaff({ store: app.container.store, clock: app.clock, staffAuth: app.container.staffAuth, publicBaseUrl: target.server.url }, { organisationId, email, role });
  return invite.link;
}

export type SetupStop = 'password' | 'enrol' | 'recovery';

/** Opens a set-up link and goes as far as `stop`: the password page, the TOTP page, or the recovery codes. */
export async function setUpInBrowser(page: Page, target: BrowserApp, link: string, stop: SetupStop = 'recovery', password = STAFF_PASSWORD): Promise<{ secret: string | null; codes: string[] }> {
  // The link's path on the running server (the app's PUBLIC_BASE_URL is not where the test server listens).
  await page.goto(`${target.server.url}${new URL(link).pathname}`);
  if (stop === 'password') return { secret: null, codes: [] };
  await page.getByLabel(/^Nieuw wachtwoord|^New password/).fill(password);
  await page.getByLabel(/^Herhaal het wachtwoord|^Repeat the password/).fill(password);
  await Promise.all([page.waitForURL(/\/app\/enrol$/), page.getByRole('button', { name: /Wachtwoord opslaan|Save password/ }).click()]);
  const secret = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s+/g, '');
  if (stop === 'enrol') return { secret, codes: [] };
  await page.getByLabel(/^Code uit de app|^Code from the app/).fill(totpCode(secret, target.app.clock.now()));
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: /Code controleren|Check code/ }).click()]);
  await page.getByRole('heading', { name: /Je herstelcodes|Your recovery codes/ }).waitFor();
  const codes = await page.locator('.dash-auth__codes code').allTextContents();
  return { secret, codes };
}

/** Signs in with e-mail, password and the TOTP code of the app's clock (moved on 30 s first, so the step is a new one). */
export async function signInInBrowser(page: Page, target: BrowserApp, email: string, secret: string, password = STAFF_PASSWORD): Promise<void> {
  await page.goto(`${target.server.url}/app/sign-in`);
  await page.getByLabel(/^E-mailadres|^E-mail address/).fill(email);
  await page.getByLabel(/^Wachtwoord|^Password/).fill(password);
  await Promise.all([page.waitForURL(/\/app\/sign-in\/code$/), page.getByRole('button', { name: /^Verder|^Continue/ }).click()]);
  target.app.clock.advance(30_000);
  await page.getByLabel(/^Code$/).fill(totpCode(secret, target.app.clock.now()));
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/app/sign-in')), page.getByRole('button', { name: /^Inloggen|^Sign in/ }).click()]);
}
