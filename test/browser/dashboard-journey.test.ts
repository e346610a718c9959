import { readFile } from 'node:fs/promises';

import type { Browser, BrowserContext } from 'playwright-core';

import { closePhone, describeBrowser, launchBrowser, openPhone, signButton, startBrowserApp, type BrowserApp } from '../helpers/browser';
import { inviteLink, openDesktop, setUpInBrowser } from '../helpers/dashboard-browser';
import { deliverAndGetLink } from '../helpers/test-app';

/**
 * The whole way through the three groups the service is for (issue 11): a youth worker who has
 * just set up their account sends a request from the dashboard, the parent signs it on a phone
 * (a second browser) from the link the outbox received, the youth worker's overview then shows it
 * signed, and the sealed record downloads from the request's page.
 */
describeBrowser('from the dashboard to a signed record in Chromium', () => {
  let browser: Browser;
  let target: BrowserApp;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
    target = await startBrowserApp();
  }, 60_000);
  afterAll(async () => {
    for (const c of contexts.splice(0)) await c.close();
    await browser?.close();
    await target?.close();
  });

  test('when a youth worker sends a request and the parent signs it on a phone, then the overview shows it signed and the record downloads', async () => {
    const { context, page } = await openDesktop(browser, 1280);
    contexts.push(context);
    await setUpInBrowser(page, target, await inviteLink(target, 'sanne.jansen@voorbeeldstad.example', 'youth-worker'));

    await page.goto(`${target.server.url}/app/requests/new`);
    await page.locator('#field-formId').selectOption('activiteit-onder-16');
    await page.locator('#field-firstName').fill('Sam');
    await page.locator('#field-lastName').fill('Reiziger');
    await page.locator('#field-dateOfBirth').fill('2015-03-01');
    await page.locator('#field-reference').fill('KAMP-7');
    await page.locator('#field-recipientName').fill('Ans de Vries');
    await page.locator('input[name="channel"][value="sms"]').check();
    await page.locator('#field-address').fill('06 12345678');
    await Promise.all([page.waitForURL(/\/app\/requests\/cr_[^?/]+\?done=created$/), page.getByRole('button', { name: 'Verzoek versturen' }).click()]);
    const requestId = /\/app\/requests\/(cr_[^?/]+)/.exec(page.url())![1]!;

    // The parent's phone: the link from the message the outbox got.
    const link = await deliverAndGetLink(target.app, requestId);
    const phone = await openPhone(browser, { lang: 'nl' });
    try {
      await phone.goto(target.url(link));
      // As a person taps: on the labels "Ja" (the inputs are drawn by CSS under them).
      // Yes to all but medical details: a yes there needs a one-time code first (issue 12, tested in accessibility and signer-verification).
      for (const yes of await phone.locator('label[for^="purpose_"][for$="-yes"]:not([for="purpose_medische-gegevens-yes"])').all()) await yes.click();
      await phone.locator('label[for="purpose_medische-gegevens-no"]').click();
      await phone.locator('label[for="authority-sole"]').click();
      await phone.locator('label[for="declaration"]').click();
      await phone.locator('#signerName').fill('Ans de Vries');
      await Promise.all([phone.waitForURL((url) => url.pathname === link), signButton(phone, 'nl').click()]);
      await phone.getByRole('heading', { level: 1 }).filter({ hasText: /Bedankt/ }).waitFor();
    } finally {
      await closePhone(phone);
    }

    await page.goto(`${target.server.url}/app`);
    const row = page.locator('tr', { hasText: 'KAMP-7' });
    await expect(row.textContent()).resolves.toContain('Ondertekend');

    await page.goto(`${target.server.url}/app/requests/${requestId}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a.dash-download').first().click()]);
    const pdf = await readFile((await download.path())!);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('/ByteRange');
  });
});
