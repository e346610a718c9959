import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

import { startServer, type RunningServer } from '../../src/http/server';
import { projectPath } from '../../src/shared/paths';
import { adultRequest, childRequest, createTestApp, type TestApp } from '../helpers/test-app';
import { CHROMIUM, CHROMIUM_ARGS, hasChromium, hasPoppler } from '../helpers/tools';

/** Screenshots go to test-output/; with UPDATE_SCREENSHOTS=1 they refresh the README images in docs/. */
const SHOT_DIR = process.env.UPDATE_SCREENSHOTS === '1' ? projectPath('docs') : projectPath('test-output', 'screenshots');
mkdirSync(SHOT_DIR, { recursive: true });
const shotPath = (name: string) => join(SHOT_DIR, name);

const run = hasChromium() && hasPoppler() ? describe : describe.skip;

run('signing on a phone (Chromium, 390×844)', () => {
  let app: TestApp;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    // A fixed daytime clock: SMS quiet hours (21:00–08:00 Amsterdam) would hold the message otherwise.
    app = await createTestApp();
    server = await startServer(app.container.app, 0);
  });
  afterEach(async () => {
    await server.stop();
    await app.close();
  });

  async function api(path: string, init: RequestInit = {}) {
    const res = await fetch(`${server.url}${path}`, { ...init, headers: { Authorization: `Bearer ${app.apiKey}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) } });
    return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer()) };
  }

  /** Creates a request by API, lets the worker deliver it and takes the link from the dev outbox. */
  async function linkFor(body: object): Promise<{ id: string; url: string }> {
    const created = await api('/api/v1/consent-requests', { method: 'POST', body: JSON.stringify(body) });
    expect(created.status).toBe(201);
    await app.container.worker.runOnce();
    const outbox = await (await fetch(`${server.url}/dev/outbox`, { headers: { Accept: 'application/json' } })).json();
    const message = outbox.data.find((m: { requestId: string }) => m.requestId === created.body.id);
    expect(message.body).toContain(message.link);
    return { id: created.body.id, url: `${server.url}${new URL(message.link).pathname}` };
  }

  async function phone(javaScriptEnabled = true): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, javaScriptEnabled, locale: 'nl-NL' });
    return context.newPage();
  }

  async function choose(page: Page, answers: Record<string, 'yes' | 'no'>) {
    for (const [purpose, answer] of Object.entries(answers)) await page.click(`label[for="purpose_${purpose}-${answer}"]`);
  }

  function pdfText(pdf: Buffer): string {
    const file = join(app.dataDir, 'document.pdf');
    writeFileSync(file, pdf);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  }

  test('when a parent draws a signature and signs, then the API shows signed and the PDF holds names, choices and version', async () => {
    const { id, url } = await linkFor(childRequest());
    const page = await phone();
    await page.goto(url);
    await expect(page.locator('h1').textContent()).resolves.toContain('kind');
    await page.screenshot({ path: shotPath('signing-page-phone.png') });
    await choose(page, { registratie: 'yes', 'contact-ouder': 'yes', 'gegevens-delen': 'no', 'medische-gegevens': 'no' });
    await page.check('#authority-sole');
    await page.check('#declaration');
    await page.fill('#signerName', 'Ans de Vries');
    const canvas = page.locator('canvas');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + 20, box.y + box.height * 0.6);
    await page.mouse.down();
    for (let i = 1; i <= 24; i += 1) await page.mouse.move(box.x + 20 + i * 10, box.y + box.height * (0.6 + 0.25 * Math.sin(i / 2)), { steps: 2 });
    await page.mouse.up();
    await page.locator('#field-purpose_registratie').scrollIntoViewIfNeeded();
    await page.screenshot({ path: shotPath('signing-page-choices.png') });
    await canvas.scrollIntoViewIfNeeded();
    await page.screenshot({ path: shotPath('signing-page-signature.png') });
    await page.click('#sign-form button[value="sign"]');
    await page.waitForURL(url);
    await expect(page.locator('body').textContent()).resolves.toMatch(/Ja/);

    const got = await api(`/api/v1/consent-requests/${id}`);
    expect(got.body.status).toBe('signed');
    expect(got.body.decisions).toEqual(expect.arrayContaining([{ purposeId: 'registratie', granted: true }, { purposeId: 'medische-gegevens', granted: false }]));
    const signature = await app.container.store.getSignature(app.organisationId, id);
    expect(signature?.kind).toBe('drawn');
    expect(signature?.image?.subarray(1, 4).toString()).toBe('PNG');

    const doc = await api(`/api/v1/consent-requests/${id}/document`);
    expect(doc.status).toBe(200);
    const text = pdfText(doc.body as Buffer);
    expect(text).toContain('Ans de Vries');
    expect(text).toContain('Sam');
    expect(text).toContain(got.body.formVersion);
    expect(text).toMatch(/Ja/);
    expect(text).toMatch(/Nee/);
    expect(text).toContain('Controlespoor');
    writeFileSync(join(projectPath('test-output'), 'signed-record.pdf'), doc.body as Buffer);

    // The same link now offers withdrawal; the parent withdraws one purpose with two taps.
    await page.screenshot({ path: shotPath('signing-page-done.png'), fullPage: true });
    await expect(page.locator('a[href$="/receipt"]').count()).resolves.toBe(0);
    await page.check('#withdraw-contact-ouder');
    await page.click('button[value="selected"]');
    await page.waitForURL(url);
    const status = await api(`/api/v1/subjects/${childRequest().subject.reference}/consent`);
    const purpose = (id: string) => (status.body.purposes as { purposeId: string; granted: boolean }[]).find((p) => p.purposeId === id);
    expect(purpose('contact-ouder')?.granted).toBe(false);
    expect(purpose('registratie')?.granted).toBe(true);
    expect(status.body.mayRegister).toBe(true);
    await expect(page.locator('a[href$="/receipt"]').count()).resolves.toBe(1);
    await expect(page.locator('.decisions').textContent()).resolves.toContain('Ingetrokken');
    await page.screenshot({ path: shotPath('signing-page-withdrawn.png'), fullPage: true });
    await page.context().close();
  });

  test('when a participant declines, then the API shows declined and nothing is granted', async () => {
    const { id, url } = await linkFor(adultRequest());
    const page = await phone();
    await page.goto(url);
    // Declining asks to confirm first: nothing is recorded until "Ja, ik weiger".
    await page.click('button[value="review-decline"]');
    await expect(page.locator('h1').textContent()).resolves.toBe('Wil je echt geen toestemming geven?');
    expect((await api(`/api/v1/consent-requests/${id}`)).body.status).toBe('opened');
    await page.click('button[value="decline"]');
    await page.waitForURL(url);
    expect((await api(`/api/v1/consent-requests/${id}`)).body.status).toBe('declined');
    const status = await api('/api/v1/subjects/REG-2001/consent');
    expect(status.body.mayRegister).toBe(false);
    await page.context().close();
  });

  test('when JavaScript is off, then the typed name is the signature and signing works', async () => {
    const { id, url } = await linkFor(adultRequest());
    const page = await phone(false);
    await page.goto(url);
    expect(await page.locator('canvas').isVisible()).toBe(false);
    await choose(page, { registratie: 'yes', contact: 'no', 'gegevens-delen': 'no' });
    await page.check('#declaration');
    await page.fill('#signerName', 'Noor Bakker');
    await page.click('#sign-form button[value="sign"]');
    await page.waitForURL(url);
    const got = await api(`/api/v1/consent-requests/${id}`);
    expect(got.body.status).toBe('signed');
    expect(await app.container.store.getSignature(app.organisationId, id)).toEqual({ kind: 'typed', text: 'Noor Bakker', image: null });
    const text = pdfText((await api(`/api/v1/consent-requests/${id}/document`)).body as Buffer);
    expect(text).toContain('Noor Bakker');
    expect((await api('/api/v1/subjects/REG-2001/consent')).body.mayRegister).toBe(true);
    await page.context().close();
  });
});
