import { spawnSync } from 'node:child_process';

import { hasCommand } from './tools';

/**
 * poppler-utils for PDF checks. Locally a test that needs them skips without them; under CI=true
 * it runs, so a missing tool fails there (.ci/run installs poppler-utils).
 */
export const popplerTest: jest.It = hasCommand('pdftotext') || process.env.CI === 'true' ? test : test.skip;

/** Runs a poppler tool and returns its output; a non-zero exit throws with its stderr. */
export function runTool(tool: string, args: string[]): string {
  const result = spawnSync(tool, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr}`);
  return result.stdout;
}

export const textOf = (file: string): string => runTool('pdftotext', ['-layout', file, '-']);
/** Titles and paragraphs wrap, so phrases are looked for in the text with its whitespace collapsed. */
export const flat = (text: string): string => text.replace(/\s+/g, ' ');
export const pageCount = (file: string): number => Number(/^Pages:\s+(\d+)$/m.exec(runTool('pdfinfo', [file]))?.[1]);

/** pdffonts lists every font of the file as embedded (column "emb" is yes). */
export function expectOnlyEmbeddedFonts(file: string): void {
  const fontLines = runTool('pdffonts', [file]).trim().split('\n').slice(2);
  expect(fontLines.length).toBeGreaterThanOrEqual(2);
  // Columns: name type encoding emb sub uni object ID
  for (const line of fontLines) expect(line.split(/\s+/).slice(-5, -4)).toEqual(['yes']);
}

/** qpdf for the file structure (xref offsets, object counts): skips without it, except under CI=true. */
export const qpdfTest: jest.It = hasCommand('qpdf') || process.env.CI === 'true' ? test : test.skip;

/**
 * `qpdf --check` with its whole report: a clean file exits 0 and prints no WARNING line (exit 3
 * means "succeeded with warnings", e.g. a startxref that does not point at `xref`).
 */
export function qpdfCheck(file: string): { status: number | null; warnings: string[]; output: string } {
  const result = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
  if (result.error) throw result.error;
  const output = `${result.stdout}${result.stderr}`;
  return { status: result.status, warnings: output.split('\n').filter((line) => line.includes('WARNING')), output };
}
