import type { Browser, BrowserContext, Page } from 'playwright-core';

import { runCli } from '../../src/cli';
import { totpCode } from '../../src/dashboard/totp';
import { describeBrowser, horizontalOverflow, launchBrowser, runAxe, startBrowserApp, type BrowserApp } from '../helpers/browser';
import { DASH_WIDTHS, inviteLink, openDesktop, setUpInBrowser, signInInBrowser } from '../helpers/dashboard-browser';
import { STAFF_PASSWORD } from '../helpers/staff';

/**
 * The dashboard's sign-in, set-up and administration pages in Chromium (issue 11, D1): the whole
 * way from `org create` to a colleague who set up their account, the refusals, and axe-core
 * (WCAG 2.2 AA) at 390 and 1280 px on every page, which must also fit 360 px without sideways scrolling.
 */
describeBrowser('dashboard sign-in and administration in Chromium', () => {
  let browser: Browser;
  let target: BrowserApp;
  beforeAll(async () => {
    browser = await launchBrowser();
    target = await startBrowserApp();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await target?.close();
  });

  const contexts: BrowserContext[] = [];
  const desktop = async (width = 1280) => {
    const { context, page } = await openDesktop(browser, width);
    contexts.push(context);
    return page;
  };
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
  });

  test('when an organisation is created, then its admin sets up (password, TOTP from the shown secret, recovery codes), signs out and in again, and invites a colleague who sets up too', async () => {
    const out: string[] = [];
    const code = await runCli(['org', 'create', '--name', 'Jongerenwerk Voorbeeldstad', '--admin-email', 'coordinator@voorbeeldstad.example'], {
      env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: target.app.dataDir, PUBLIC_BASE_URL: target.server.url, STAFF_PASSWORD_SCRYPT_LOG2N: '14' },
      out: (t) => void out.push(t),
      err: (t) => void out.push(t),
    });
    expect(code).toBe(0);
    const lines = out.join('').trim().split('\n');
    const link = lines[lines.length - 3]!;
    expect(link).toMatch(/\/app\/setup\//);

    const page = await desktop();
    const { secret, codes } = await setUpInBrowser(page, target, link);
    expect(codes).toHaveLength(10);
    // The QR code is the service's own inline SVG.
    await page.getByRole('link', { name: /Ik heb de codes bewaard/ }).waitFor();

    await page.goto(`${target.server.url}/app/account`);
    await expect(page.getByText('coordinator@voorbeeldstad.example').first().isVisible()).resolves.toBe(true);
    await Promise.all([page.waitForURL(/\/app\/sign-in\?notice=signedOut$/), page.getByRole('button', { name: 'Uitloggen', exact: true }).click()]);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Je bent uitgelogd.');

    // A wrong code is refused; the right one signs in.
    await page.getByLabel('E-mailadres').fill('coordinator@voorbeeldstad.example');
    await page.getByLabel('Wachtwoord').fill(STAFF_PASSWORD);
    await Promise.all([page.waitForURL(/\/app\/sign-in\/code$/), page.getByRole('button', { name: 'Verder' }).click()]);
    target.app.clock.advance(30_000);
    await page.getByLabel(/^Code$/).fill(totpCode(secret!, new Date(target.app.clock.now().getTime() + 5 * 60_000)));
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Inloggen' }).click()]);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Deze code klopt niet');
    target.app.clock.advance(10_000);
    await page.getByLabel(/^Code$/).fill(totpCode(secret!, target.app.clock.now()));
    await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/app/sign-in')), page.getByRole('button', { name: 'Inloggen' }).click()]);

    // Invite a colleague; the colleague sets up in a browser of their own.
    await page.goto(`${target.server.url}/app/admin/colleagues`);
    await page.getByLabel('E-mailadres van je collega').fill('sanne@voorbeeldstad.example');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Uitnodigen' }).click()]);
    const colleagueLink = (await page.locator('#setup-link').textContent())!;
    const colleague = await desktop(390);
    const set = await setUpInBrowser(colleague, target, colleagueLink);
    expect(set.codes).toHaveLength(10);
    await colleague.goto(`${target.server.url}/app/account`);
    await expect(colleague.getByText('Jongerenwerker').first().isVisible()).resolves.toBe(true);
    // A youth worker on an admin page: 403.
    const refused = await colleague.goto(`${target.server.url}/app/admin/colleagues`);
    expect(refused?.status()).toBe(403);
    await page.reload();
    await expect(page.getByText('sanne@voorbeeldstad.example').first().isVisible()).resolves.toBe(true);
  });

  test('when a recovery code is used twice, then the second time is refused', async () => {
    const email = `herstel-${Date.now()}@example.nl`;
    const page = await desktop();
    const { codes } = await setUpInBrowser(page, target, await inviteLink(target, email));
    for (const expected of ['signed-in', 'refused'] as const) {
      await page.context().clearCookies();
      await page.goto(`${target.server.url}/app/sign-in`);
      await page.getByLabel('E-mailadres').fill(email);
      await page.getByLabel('Wachtwoord').fill(STAFF_PASSWORD);
      await Promise.all([page.waitForURL(/\/app\/sign-in\/code$/), page.getByRole('button', { name: 'Verder' }).click()]);
      await page.getByLabel(/^Code$/).fill(codes[0]!);
      const [response] = await Promise.all([page.waitForEvent('response', (r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Inloggen' }).click()]);
      expect({ expected, status: response.status() }).toEqual({ expected, status: expected === 'signed-in' ? 303 : 401 });
      await page.waitForLoadState('load');
    }
  });

  test('when a session has been idle for 30 minutes, then the next page asks to sign in again', async () => {
    const email = `idle-${Date.now()}@example.nl`;
    const page = await desktop();
    await setUpInBrowser(page, target, await inviteLink(target, email));
    await page.goto(`${target.server.url}/app/account`);
    expect(new URL(page.url()).pathname).toBe('/app/account');
    target.app.clock.advance(30 * 60_000);
    await page.goto(`${target.server.url}/app/account`);
    expect(new URL(page.url()).pathname).toBe('/app/sign-in');
  });

  test('when a form is posted without its CSRF value, then it is refused with 403', async () => {
    const page = await desktop();
    await setUpInBrowser(page, target, await inviteLink(target, `csrf-${Date.now()}@example.nl`, 'admin'));
    await page.goto(`${target.server.url}/app/admin/api-keys`);
    await page.evaluate(() => document.querySelectorAll('input[name="_csrf"]').forEach((i) => i.remove()));
    await page.getByLabel('Naam van de sleutel').fill('Zonder token');
    const [response] = await Promise.all([page.waitForEvent('response', (r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Sleutel maken' }).click()]);
    expect(response.status()).toBe(403);
  });

  describe('axe-core WCAG 2.2 AA at 390 and 1280 px, and 360 px without sideways scrolling', () => {
    type Visit = (page: Page) => Promise<void>;
    let adminEmail: string;
    let adminSecret: string;
    const signedIn: Visit = async (page) => {
      await setUpInBrowser(page, target, await inviteLink(target, `axe-${Date.now()}-${Math.random().toString(36).slice(2)}@example.nl`, 'admin'));
    };
    const url = (path: string) => `${target.server.url}${path}`;
    const STATES: [string, Visit][] = [
      ['sign-in', async (page) => void (await page.goto(url('/app/sign-in')))],
      ['sign-in (English)', async (page) => void (await page.goto(url('/app/sign-in?lang=en')))],
      ['sign-in with an error', async (page) => {
        await page.goto(url('/app/sign-in'));
        await page.getByLabel('E-mailadres').fill('niemand@example.nl');
        await page.getByLabel('Wachtwoord').fill('verkeerd wachtwoord');
        await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Verder' }).click()]);
        await page.getByRole('alert').waitFor();
      }],
      ['sign-in code', async (page) => {
        await page.goto(url('/app/sign-in'));
        await page.getByLabel('E-mailadres').fill(adminEmail);
        await page.getByLabel('Wachtwoord').fill(STAFF_PASSWORD);
        await Promise.all([page.waitForURL(/\/app\/sign-in\/code$/), page.getByRole('button', { name: 'Verder' }).click()]);
      }],
      ['set-up step 1', async (page) => void (await setUpInBrowser(page, target, await inviteLink(target, `stap1-${Date.now()}@example.nl`), 'password'))],
      ['set-up step 1 with an error', async (page) => {
        await setUpInBrowser(page, target, await inviteLink(target, `fout-${Date.now()}@example.nl`), 'password');
        await page.getByLabel('Nieuw wachtwoord').fill('kort');
        await page.getByLabel('Herhaal het wachtwoord').fill('kort');
        await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Wachtwoord opslaan' }).click()]);
        await page.getByRole('alert').waitFor();
      }],
      ['set-up step 2 (TOTP)', async (page) => void (await setUpInBrowser(page, target, await inviteLink(target, `stap2-${Date.now()}@example.nl`), 'enrol'))],
      ['set-up step 3 (recovery codes)', async (page) => void (await setUpInBrowser(page, target, await inviteLink(target, `stap3-${Date.now()}@example.nl`)))],
      ['link gone', async (page) => void (await page.goto(url(`/app/setup/${'x'.repeat(43)}`)))],
      ['account', async (page) => {
        await signedIn(page);
        await page.goto(url('/app/account'));
      }],
      ['admin', async (page) => {
        await signedIn(page);
        await page.goto(url('/app/admin'));
      }],
      ['colleagues with a new link', async (page) => {
        await signedIn(page);
        await page.goto(url('/app/admin/colleagues'));
        await page.getByLabel('E-mailadres van je collega').fill(`nieuw-${Date.now()}@example.nl`);
        await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Uitnodigen' }).click()]);
        await page.locator('#setup-link').waitFor();
      }],
      ['remove a colleague (second step)', async (page) => {
        await signedIn(page);
        const colleague = `weg-${Date.now()}@example.nl`;
        await inviteLink(target, colleague);
        await page.goto(url('/app/admin/colleagues'));
        await Promise.all([page.waitForURL(/\/remove$/), page.getByRole('link', { name: `${colleague} verwijderen` }).click()]);
      }],
      ['API keys with a new key', async (page) => {
        await signedIn(page);
        await page.goto(url('/app/admin/api-keys'));
        await page.getByLabel('Naam van de sleutel').fill('Registratiesysteem');
        await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sleutel maken' }).click()]);
        await page.locator('#api-key-secret').waitFor();
      }],
      ['settings with an error', async (page) => {
        await signedIn(page);
        await page.goto(url('/app/admin/settings'));
        await page.getByLabel('Website').fill('http://niet-veilig.example');
        await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Opslaan' }).click()]);
        await page.getByRole('alert').waitFor();
      }],
    ];

    beforeAll(async () => {
      adminEmail = `beheer-axe-${Date.now()}@example.nl`;
      const { context, page } = await openDesktop(browser);
      try {
        adminSecret = (await setUpInBrowser(page, target, await inviteLink(target, adminEmail, 'admin'))).secret!;
        expect(adminSecret).toMatch(/^[A-Z2-7]{32}$/);
      } finally {
        await context.close();
      }
    });

    test.each(STATES)('when the %s page is checked, then axe finds nothing at 390 and 1280 px and it fits 360 px', async (_name, visit) => {
      const page = await desktop(1280);
      await visit(page);
      const found: string[] = [];
      for (const width of DASH_WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        const { violations, summary } = await runAxe(page);
        if (violations.length > 0) found.push(`${width} px:\n${summary}`);
      }
      await page.setViewportSize({ width: 360, height: 800 });
      const overflow = await horizontalOverflow(page);
      expect({ axe: found.join('\n'), overflow }).toEqual({ axe: '', overflow: 0 });
    });
  });

  test('when the sign-in page is used with the keyboard only, then a person can sign in', async () => {
    const email = `toetsenbord-${Date.now()}@example.nl`;
    const setup = await desktop();
    const { secret } = await setUpInBrowser(setup, target, await inviteLink(target, email));
    const page = await desktop();
    await page.goto(`${target.server.url}/app/sign-in`);
    const focusOn = async (id: string) => {
      for (let i = 0; i < 20 && (await page.evaluate(() => document.activeElement?.id)) !== id; i += 1) await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe(id);
    };
    await focusOn('email');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(STAFF_PASSWORD);
    await Promise.all([page.waitForURL(/\/app\/sign-in\/code$/), page.keyboard.press('Enter')]);
    target.app.clock.advance(30_000);
    await focusOn('code');
    await page.keyboard.type(totpCode(secret!, target.app.clock.now()));
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/app/sign-in')), page.keyboard.press('Enter')]);
  });
});
