import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Browser and PDF-tool tests may skip on a developer machine without the tool, never in CI:
 * under CI=true a missing tool fails the run loudly instead.
 */
export const CHROMIUM = '/usr/bin/chromium';

export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function requireTool(available: boolean, name: string): boolean {
  if (!available && process.env.CI === 'true') throw new Error(`${name} is required under CI=true (install it in .ci/run)`);
  return available;
}

export const hasChromium = (): boolean => requireTool(existsSync(CHROMIUM), 'chromium');
export const hasPoppler = (): boolean => requireTool(hasCommand('pdftotext'), 'poppler-utils (pdftotext)');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
