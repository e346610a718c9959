import type { Browser, Page } from 'playwright-core';

import { closePhone, describeBrowser, horizontalOverflow, launchBrowser, openPhone, runAxe, signButton, startBrowserApp, type BrowserApp } from '../helpers/browser';
import { auth, childRequest, deliverAndGetLink } from '../helpers/test-app';

/**
 * Both parents in a real browser (issue 12): the guardian declares joint parental authority and
 * gives the other parent's e-mail on the signing page, signs; the other parent signs from the
 * link in the dev outbox in a browser of their own; the status API counts photo consent only
 * once both said yes, and the request resource lists both signers.
 */
const REFERENCE = 'REG-FAMILY-1';
const SECOND_EMAIL = 'bas.devries@example.nl';

describeBrowser('both parents in Chromium', () => {
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

  const choose = (page: Page, group: string, answer: string) => page.getByRole('group', { name: group, exact: true }).getByText(answer, { exact: true }).click();
  const photoStatus = async () => {
    const res = await main.app.http.get(`/api/v1/subjects/${REFERENCE}/consent`).set(auth(main.app.apiKey));
    return (res.body.purposes as { purposeId: string; granted: boolean; waitingFor?: string[] }[]).find((p) => p.purposeId === 'website');
  };
  const expectClean = async (page: Page, what: string) => {
    for (const width of [320, 390]) {
      await page.setViewportSize({ width, height: 844 });
      const { summary } = await runAxe(page);
      expect(`${what} at ${width} px: ${summary}`).toBe(`${what} at ${width} px: `);
      expect(await horizontalOverflow(page)).toBe(0);
    }
  };

  test('when a guardian declares joint authority and invites the other parent by e-mail, and the other parent signs from the dev outbox link, then photo consent counts only after both and the request lists both signers', async () => {
    const created = await main.app.http
      .post('/api/v1/consent-requests')
      .set(auth(main.app.apiKey))
      .send(childRequest({ formId: 'beeldmateriaal', subject: { reference: REFERENCE, firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2014-04-02' } }));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const path = await deliverAndGetLink(main.app, id);

    const guardian = await openPhone(browser, { lang: 'nl' });
    try {
      await guardian.goto(main.url(path));
      // With JavaScript the other parent's fields appear only once "joint" is chosen.
      const inviteName = guardian.getByRole('textbox', { name: 'Naam van de andere ouder', exact: true });
      expect(await inviteName.isVisible()).toBe(false);
      for (const group of await guardian.locator('fieldset.purpose legend').allInnerTexts()) await choose(guardian, group, 'Ja');
      await guardian.getByText('Ik heb samen met iemand anders het gezag over Sam (bijvoorbeeld de andere ouder)', { exact: true }).click();
      await inviteName.fill('Bas de Vries');
      await choose(guardian, 'Hoe sturen wij de link?', 'Per e-mail');
      expect(await guardian.getByRole('textbox', { name: 'Mobiel nummer van de andere ouder', exact: true }).isVisible()).toBe(false);
      await guardian.getByRole('textbox', { name: 'E-mailadres van de andere ouder', exact: true }).fill(SECOND_EMAIL);
      await expectClean(guardian, 'signing page with the invite fields');
      await guardian.locator('#declaration').check();
      await guardian.getByRole('textbox', { name: 'Uw voor- en achternaam', exact: true }).fill('Ans de Vries');
      await Promise.all([guardian.waitForNavigation(), signButton(guardian, 'nl').click()]);
      const done = await guardian.locator('main').innerText();
      expect(done).toContain('De andere ouder: uitgenodigd, nog geen antwoord');
      await expectClean(guardian, 'done page of the first parent');
    } finally {
      await closePhone(guardian);
    }
    expect(await photoStatus()).toMatchObject({ granted: false, waitingFor: ['second-guardian'] });

    await main.app.container.worker.runOnce();
    const other = await openPhone(browser, { lang: 'nl' });
    try {
      await other.goto(main.url('/dev/outbox'));
      const item = other.locator('article.outbox-item', { hasText: SECOND_EMAIL });
      const href = await item.locator('a.outbox-item__link').getAttribute('href');
      expect(href).toMatch(/\/c\/[A-Za-z0-9_-]{46}$/);
      await other.goto(main.url(new URL(href!).pathname));
      const text = await other.locator('main').innerText();
      expect(text).toContain('Waarom krijgt u dit formulier?');
      expect(text).not.toContain('Ans de Vries');
      await expectClean(other, 'signing page of the second parent');
      for (const group of await other.locator('fieldset.purpose legend').allInnerTexts()) await choose(other, group, 'Ja');
      await other.getByRole('checkbox', { name: 'Ik heb samen met de andere ouder het gezag over Sam', exact: true }).check();
      await other.locator('#declaration').check();
      await other.getByRole('textbox', { name: 'Uw voor- en achternaam', exact: true }).fill('Bas de Vries');
      await Promise.all([other.waitForNavigation(), signButton(other, 'nl').click()]);
      expect(await other.locator('main').innerText()).toContain('De andere ouder: heeft geantwoord');
      await expectClean(other, 'done page of the second parent');
    } finally {
      await closePhone(other);
    }

    expect(await photoStatus()).toMatchObject({ granted: true, waitingFor: [] });
    const resource = await main.app.http.get(`/api/v1/consent-requests/${id}`).set(auth(main.app.apiKey));
    expect(resource.body.signers).toEqual([
      expect.objectContaining({ requestId: id, role: 'guardian', authority: 'joint', status: 'signed' }),
      expect.objectContaining({ role: 'second-guardian', authority: 'joint', status: 'signed' }),
    ]);
  });
});
