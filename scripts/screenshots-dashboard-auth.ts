/**
 * Screenshots of the dashboard's sign-in, set-up, account and administration pages (issue 11, D1)
 * at 1280 and 390 px (full page) in docs/screenshots/dashboard-<page>-<width>.png, made the way
 * the browser tests reach them (test/helpers/dashboard-browser.ts): a temp app, synthetic people,
 * a made-up organisation and a fixed clock. Run:
 *   node -r ./test/helpers/ts-register.js scripts/screenshots-dashboard-auth.ts
 * The TOTP set-up page shows a fresh random secret (and QR code) each run.
 */
import type { Page } from 'playwright-core';

import { updateOrganisation } from '../src/organisations/organisation-settings';
import type { BrowserApp } from '../test/helpers/browser';
import { inviteLink, openDesktop, setUpInBrowser, signInInBrowser } from '../test/helpers/dashboard-browser';
import { STAFF_PASSWORD } from '../test/helpers/staff';
import { runScreenshots } from './screenshot-kit';

const WIDTHS = [1280, 390] as const;
type Visit = (page: Page, target: BrowserApp) => Promise<void>;

let n = 0;
const email = (name: string) => `${name}${(n += 1)}@jongerenwerk-voorbeeldstad.example`;

runScreenshots(async ({ browser, target, save }) => {
  const url = (path: string) => `${target.server.url}${path}`;
  await updateOrganisation(target.app.container, target.app.organisationId, { name: 'Jongerenwerk Voorbeeldstad', contactPhone: '020 123 4567', website: 'https://jongerenwerk-voorbeeldstad.example' });
  // The administrator whose pages are shown, and two colleagues on the list.
  const admin = email('fatima.elamrani');
  const { context, page } = await openDesktop(browser);
  const { secret } = await setUpInBrowser(page, target, await inviteLink(target, admin, 'admin'));
  await setUpInBrowser(page, target, await inviteLink(target, email('sanne.jansen')));
  await inviteLink(target, email('daan.devries'));
  await context.close();

  const signedIn = async (p: Page) => signInInBrowser(p, target, admin, secret!);
  const pages: [string, Visit][] = [
    ['sign-in', async (p) => void (await p.goto(url('/app/sign-in')))],
    ['sign-in-code', async (p) => {
      await p.goto(url('/app/sign-in'));
      await p.getByLabel('E-mailadres').fill(admin);
      await p.getByLabel('Wachtwoord').fill(STAFF_PASSWORD);
      await Promise.all([p.waitForURL(/\/app\/sign-in\/code$/), p.getByRole('button', { name: 'Verder' }).click()]);
    }],
    // Set-up pages in the other organisation, so that the colleagues page shows only the three above.
    ['setup-password', async (p, t) => void (await setUpInBrowser(p, t, await inviteLink(t, email('nieuw'), 'youth-worker', t.app.other.organisationId), 'password'))],
    ['setup-totp', async (p, t) => void (await setUpInBrowser(p, t, await inviteLink(t, email('nieuw'), 'youth-worker', t.app.other.organisationId), 'enrol'))],
    ['setup-recovery-codes', async (p, t) => void (await setUpInBrowser(p, t, await inviteLink(t, email('nieuw'), 'youth-worker', t.app.other.organisationId)))],
    ['setup-link-gone', async (p) => void (await p.goto(url(`/app/setup/${'x'.repeat(43)}`)))],
    ['account', async (p) => {
      await signedIn(p);
      await p.goto(url('/app/account'));
    }],
    ['admin', async (p) => {
      await signedIn(p);
      await p.goto(url('/app/admin'));
    }],
    ['admin-colleagues', async (p) => {
      await signedIn(p);
      await p.goto(url('/app/admin/colleagues'));
      // The same address at both widths: inviting it again replaces the link, not the account.
      await p.getByLabel('E-mailadres van je collega').fill('mila.bakker@jongerenwerk-voorbeeldstad.example');
      await Promise.all([p.waitForLoadState('load'), p.getByRole('button', { name: 'Uitnodigen' }).click()]);
    }],
    ['admin-colleague-remove', async (p) => {
      await signedIn(p);
      await p.goto(url('/app/admin/colleagues'));
      await Promise.all([p.waitForURL(/\/remove$/), p.getByRole('link', { name: /^daan\.devries/ }).click()]);
    }],
    ['admin-api-keys', async (p) => {
      await signedIn(p);
      await p.goto(url('/app/admin/api-keys'));
      await p.getByLabel('Naam van de sleutel').fill('Registratiesysteem');
      await Promise.all([p.waitForLoadState('load'), p.getByRole('button', { name: 'Sleutel maken' }).click()]);
    }],
    ['admin-settings', async (p) => {
      await signedIn(p);
      await p.goto(url('/app/admin/settings'));
    }],
  ];
  for (const [name, visit] of pages) {
    for (const width of WIDTHS) {
      const { context: c, page: p } = await openDesktop(browser, width);
      try {
        await visit(p, target);
        await save(p, `dashboard-${name}-${width}.png`);
      } finally {
        await c.close();
      }
    }
  }
});
