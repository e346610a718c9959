import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

import { createMessageRenderer, formatExpiry, MESSAGE_KINDS } from '../../src/delivery/message-templates';
import { projectPath } from '../../src/shared/paths';
import { CHROMIUM, CHROMIUM_ARGS, hasChromium } from '../helpers/tools';

const SHOT_DIR = projectPath('test-output', 'screenshots');
mkdirSync(SHOT_DIR, { recursive: true });
const run = hasChromium() ? describe : describe.skip;

const messages = createMessageRenderer(projectPath('templates'));
const link = 'https://akkoord.example.nl/c/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGh';

/** Every e-mail, as a phone's mail app would show it: 360 px wide, no sideways scrolling, one visible button. */
run('e-mails in a 360 px wide viewport (Chromium)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  // The one-time code e-mail (issue 12) has no button or link: it is checked on its own below.
  const variants = MESSAGE_KINDS.filter((kind) => kind !== 'signer-code').flatMap((kind) => (['nl', 'en'] as const).map((lang) => ({ kind, lang })));
  test.each(variants)('when the $kind e-mail in $lang is shown at 360 px, then nothing overflows and the button is visible and tappable', async ({ kind, lang }) => {
    const email = messages.email(kind, lang, {
      organisationName: 'Stichting Jongerenwerk Amsterdam-Noord en Omstreken',
      recipientName: 'Annemarie van den Heuvel-Oosterhuis',
      subjectFirstName: 'Maximiliaan',
      formTitle: 'Toestemming voor inschrijving en activiteiten van uw kind',
      link,
      expiresOn: formatExpiry(new Date('2026-12-31T23:00:00Z'), lang),
      contactEmail: 'jongerenwerk.noord@example.nl',
      signerRole: 'guardian',
    });
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true });
    const page = await context.newPage();
    await page.setContent(email.html, { waitUntil: 'load' });
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    const button = page.locator(`a[href="${link}"]`).first();
    const box = (await button.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(360);
    expect(box.height).toBeGreaterThanOrEqual(40); // a comfortable tap target
    await expect(button.isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(SHOT_DIR, `email-${kind}-${lang}.png`), fullPage: true });
    await context.close();
  });

  test.each(['nl', 'en'] as const)('when the signer-code e-mail in %s is shown at 360 px, then nothing overflows and the code is visible', async (lang) => {
    const email = messages.email('signer-code', lang, {
      organisationName: 'Stichting Jongerenwerk Amsterdam-Noord en Omstreken',
      recipientName: 'Annemarie van den Heuvel-Oosterhuis',
      subjectFirstName: 'Maximiliaan',
      link,
      expiresOn: formatExpiry(new Date('2026-12-31T23:00:00Z'), lang),
      signerRole: 'guardian',
      code: '042917',
    });
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true });
    const page = await context.newPage();
    await page.setContent(email.html, { waitUntil: 'load' });
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    await expect(page.getByText('042917', { exact: true }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(SHOT_DIR, `email-signer-code-${lang}.png`), fullPage: true });
    await context.close();
  });
});
