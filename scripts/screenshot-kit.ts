import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, Page } from 'playwright-core';

import { projectPath } from '../src/shared/paths';
import { launchBrowser, startBrowserApp, type BrowserApp } from '../test/helpers/browser';
import { CHROMIUM } from '../test/helpers/tools';

/**
 * What every screenshot script shares: Debian's Chromium, an app in a temp folder (synthetic
 * people, fixed clock, as the browser tests), docs/screenshots/ as the place, full-page PNGs, and
 * the browser and app closed whatever happens; a failure prints its stack and exits 1.
 */
export interface ShotKit {
  browser: Browser;
  target: BrowserApp;
  /** Saves the page, whole, as docs/screenshots/<file> and prints that path. */
  save(page: Page, file: string): Promise<void>;
}

/** `env`: settings for the app (e.g. WEBHOOK_ALLOW_PRIVATE_URLS for a local webhook receiver). */
export function runScreenshots(shoot: (kit: ShotKit) => Promise<void>, env: Record<string, string> = {}): void {
  const run = async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is needed at ${CHROMIUM} (apt-get install -y chromium).`);
    const dir = projectPath('docs', 'screenshots');
    mkdirSync(dir, { recursive: true });
    const browser = await launchBrowser();
    const target = await startBrowserApp(env);
    const save = async (page: Page, file: string) => {
      await page.screenshot({ path: join(dir, file), fullPage: true, animations: 'disabled', caret: 'hide' });
      process.stdout.write(`docs/screenshots/${file}\n`);
    };
    try {
      await shoot({ browser, target, save });
    } finally {
      await browser.close();
      await target.close();
    }
  };
  run().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
