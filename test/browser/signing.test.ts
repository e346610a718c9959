import type { Browser, Page } from 'playwright-core';

import { createOrganisation, updateOrganisation } from '../../src/organisations/organisation-settings';
import { closePhone, createLink, describeBrowser, launchBrowser, openPhone, purposesFor, runAxe, signButton, signerNameFor, startBrowserApp, type BrowserApp, type Lang, type Role } from '../helpers/browser';
import { auth } from '../helpers/test-app';
import { rgbaPng } from '../helpers/png';

/**
 * How a person gets through the signing page in a real browser: by keyboard alone, without
 * JavaScript, switching language halfway; and that an organisation's page shows only its own
 * details. Elements are found by role and accessible name, as assistive technology finds them.
 */
const YES: Record<Lang, string> = { nl: 'Ja', en: 'Yes' };
const NO: Record<Lang, string> = { nl: 'Nee', en: 'No' };
const OTHER: Record<Lang, Lang> = { nl: 'en', en: 'nl' };
const LANGUAGE_NAME: Record<Lang, string> = { nl: 'Nederlands', en: 'English' };

describeBrowser('signing in Chromium', () => {
  let browser: Browser;
  let main: BrowserApp;

  beforeAll(async () => {
    browser = await launchBrowser();
    main = await startBrowserApp();
  });
  afterAll(async () => {
    await browser?.close();
    await main?.close();
  });

  const status = async (id: string, apiKey = main.app.apiKey) => (await main.app.http.get(`/api/v1/consent-requests/${id}`).set(auth(apiKey))).body as { status: string; decisions: { purposeId: string; granted: boolean }[] };
  /** The Ja/Nee radio of a purpose, found through its group (the fieldset and its legend). */
  const radio = (page: Page, label: string, answer: string) => page.getByRole('group', { name: label, exact: true }).getByRole('radio', { name: answer, exact: true });
  /** Chooses an answer by its visible label, as a tap would (the radio itself is visually hidden). */
  const choose = (page: Page, label: string, answer: string) => page.getByRole('group', { name: label, exact: true }).getByText(answer, { exact: true }).click();

  test('when axe-core runs on a page with known faults, then it reports them (the runner really checks)', async () => {
    const page = await openPhone(browser);
    try {
      await page.setContent('<!doctype html><html><head><title>x</title></head><body><main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><p style="color:#bbb;background:#fff">faint</p></main></body></html>');
      const { violations, summary } = await runAxe(page);
      expect(violations.map((v) => v.id)).toEqual(expect.arrayContaining(['html-has-lang', 'image-alt', 'color-contrast']));
      expect(summary).toContain('image-alt');
    } finally {
      await closePhone(page);
    }
  });

  test.each<[Role, Lang]>([
    ['guardian', 'nl'],
    ['participant', 'en'],
  ])('when a %s in %s signs with only Tab, Space and Enter, then the request is signed and the done page shows', async (role, lang) => {
    const { id, path } = await createLink(main.app, role, lang);
    const page = await openPhone(browser, { lang });
    try {
      await page.goto(main.url(path));
      let sent = false;
      // Tab through the page: Space picks the first answer of each group (Ja) and ticks the
      // declaration, the name is typed, Enter on the sign button sends. No mouse, no clicks.
      for (let i = 0; i < 80 && !sent; i += 1) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const el = document.activeElement as HTMLInputElement | null;
          return { tag: el?.tagName ?? '', type: el?.type ?? '', checked: el?.checked ?? false, value: el?.value ?? '', text: (el?.textContent ?? '').trim() };
        });
        if (focused.tag === 'INPUT' && (focused.type === 'radio' || focused.type === 'checkbox') && !focused.checked) await page.keyboard.press('Space');
        else if (focused.tag === 'INPUT' && focused.type === 'text' && focused.value === '') await page.keyboard.type(signerNameFor(role));
        else if (focused.tag === 'BUTTON' && (lang === 'nl' ? /^Onderteken/ : /^Sign\b/).test(focused.text)) {
          await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
          sent = true;
        }
      }
      expect(sent).toBe(true);
      // A guardian's "yes" to medical details (with its explicit box ticked) asks for the one-time code (issue 12): typed, then Enter.
      if (role === 'guardian') {
        await main.app.container.worker.runOnce();
        const entry = (await main.app.container.store.listDevOutbox(100)).find((e) => e.requestId === id)!;
        const code = /\b(\d{6})\b/.exec(entry.body)![1]!;
        await page.locator('#code').focus();
        await page.keyboard.type(code);
        await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      }
      const after = await status(id);
      expect(after.status).toBe('signed');
      expect(after.decisions.every((d) => d.granted)).toBe(true);
      expect(await page.getByRole('heading', { level: 1 }).count()).toBe(1);
      expect(await signButton(page, lang).count()).toBe(0);
    } finally {
      await closePhone(page);
    }
  });

  test.each<[boolean]>([[true], [false]])('when a participant types their name and presses Enter (JavaScript %s), then the form is sent to sign in Dutch, never switched to English', async (javaScriptEnabled) => {
    const { id, path } = await createLink(main.app, 'participant', 'nl');
    const page = await openPhone(browser, { lang: 'nl', javaScriptEnabled });
    try {
      await page.goto(main.url(path));
      // Only the name: Enter must act as the sign button (the page comes back with the missing answers), not as the header's language switch.
      await page.locator('#signerName').fill(signerNameFor('participant'));
      const [incomplete] = await Promise.all([page.waitForNavigation(), page.locator('#signerName').press('Enter')]);
      expect(incomplete?.status()).toBe(422);
      expect(await page.locator('html').getAttribute('lang')).toBe('nl');
      expect(await page.getByRole('alert').textContent()).toContain('Ja of Nee');
      // Everything filled in: Enter in the name field signs.
      for (const p of purposesFor(main.app, 'participant')) await choose(page, p.label.nl, YES.nl);
      await page.locator('#declaration').check();
      await Promise.all([page.waitForNavigation(), page.locator('#signerName').press('Enter')]);
      expect((await status(id)).status).toBe('signed');
    } finally {
      await closePhone(page);
    }
  });

  test.each<[Role, Lang]>([
    ['participant', 'nl'],
    ['guardian', 'en'],
  ])('when JavaScript is off and a %s in %s types their name, then the typed name is the signature and the request is signed', async (role, lang) => {
    const { id, path } = await createLink(main.app, role, lang);
    const page = await openPhone(browser, { lang, javaScriptEnabled: false });
    try {
      await page.goto(main.url(path));
      const purposes = purposesFor(main.app, role);
      for (const [i, p] of purposes.entries()) await choose(page, p.label[lang], i === 0 ? YES[lang] : NO[lang]);
      // Issue 12: a guardian declares parental authority; the other parent's fields stay empty.
      if (role === 'guardian') await page.getByRole('radio', { name: lang === 'nl' ? /^Ik heb alleen het gezag/ : /^I have sole parental authority/ }).check();
      // The declaration by its id: a guardian's form has an explicit-consent box before it (issue 12).
      await page.locator('#declaration').check();
      await page.getByRole('textbox', { name: lang === 'nl' ? /voor- en achternaam/i : /first and last name/i }).fill(signerNameFor(role));
      await Promise.all([page.waitForNavigation(), signButton(page, lang).click()]);
      const after = await status(id);
      expect(after.status).toBe('signed');
      expect(after.decisions).toEqual(purposes.map((p, i) => ({ purposeId: p.id, granted: i === 0 })));
      expect(await main.app.container.store.getSignature(main.app.organisationId, id)).toEqual({ kind: 'typed', text: signerNameFor(role), image: null });
      expect(await signButton(page, lang).count()).toBe(0);
    } finally {
      await closePhone(page);
    }
  });

  describe('switching language', () => {
    test.each<[Role, Lang]>([
      ['guardian', 'nl'],
      ['participant', 'en'],
    ])('when a %s in %s has chosen answers and switches language, then the same answers are still chosen in the other language', async (role, lang) => {
      const { path } = await createLink(main.app, role, lang);
      const page = await openPhone(browser, { lang });
      try {
        await page.goto(main.url(path));
        const purposes = purposesFor(main.app, role);
        const answer = (i: number) => i % 2 === 0;
        for (const [i, p] of purposes.entries()) await choose(page, p.label[lang], answer(i) ? YES[lang] : NO[lang]);
        const to = OTHER[lang];
        const name = LANGUAGE_NAME[to];
        const toggle = page.getByRole('link', { name, exact: true }).or(page.getByRole('button', { name, exact: true }));
        await Promise.all([page.waitForNavigation(), toggle.first().click()]);
        expect(await page.getAttribute('html', 'lang')).toBe(to);
        const chosen = [];
        for (const [i, p] of purposes.entries()) chosen.push(await radio(page, p.label[to], answer(i) ? YES[to] : NO[to]).isChecked());
        expect(chosen).toEqual(purposes.map(() => true));
      } finally {
        await closePhone(page);
      }
    });
  });

  describe('two organisations', () => {
    const west = { name: 'Jongerenwerk West', contactEmail: 'info@jongerenwerk-west.example', contactPhone: '020 123 4567', website: 'https://jongerenwerk-west.example' };
    const noord = { name: 'Buurtwerk Noord', contactEmail: 'hallo@buurtwerk-noord.example', contactPhone: '010 765 4321', website: 'https://buurtwerk-noord.example' };
    let links: { west: string; noord: string };

    beforeAll(async () => {
      const { container } = main.app;
      // Two logos that differ (a green and a purple square), so a logo can be told apart on the page.
      const logo = (rgb: readonly [number, number, number]) => rgbaPng(64, 64, () => [...rgb, 255] as const);
      await updateOrganisation(container, main.app.organisationId, { ...west, logo: logo([20, 120, 60]) });
      const second = await createOrganisation(container, { ...noord, logo: logo([110, 40, 140]) });
      links = {
        west: (await createLink(main.app, 'guardian', 'nl')).path,
        noord: (await createLink(main.app, 'guardian', 'nl', {}, second.secret)).path,
      };
    });

    async function pageText(path: string): Promise<string> {
      const page = await openPhone(browser);
      try {
        await page.goto(main.url(path));
        return await page.locator('body').innerText();
      } finally {
        await closePhone(page);
      }
    }
    const digits = (phone: string) => phone.replace(/\D/g, '').slice(-7);

    test.each([
      ['west', 'noord'],
      ['noord', 'west'],
    ] as const)("when %s's signing page is opened, then it names that organisation and shows nothing of %s", async (own, other) => {
      const text = await pageText(links[own]);
      const orgs = { west, noord };
      expect(text).toContain(orgs[own].name);
      expect(text).not.toContain(orgs[other].name);
      expect(text).not.toContain(orgs[other].contactEmail);
      expect(text.replace(/\D/g, '')).not.toContain(digits(orgs[other].contactPhone));
      expect(text).not.toContain('Demo');
    });

    test.each([['west'], ['noord']] as const)("when %s's signing page is opened, then it shows that organisation's e-mail address and phone number", async (own) => {
      const text = await pageText(links[own]);
      const orgs = { west, noord };
      expect(text).toContain(orgs[own].contactEmail);
      expect(text.replace(/\D/g, '')).toContain(digits(orgs[own].contactPhone));
    });
  });
});
