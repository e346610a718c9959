/**
 * Issue 10 benchmark: how heavy the signing page is, and how soon a phone shows it.
 *
 *   npm run bench:signing-page          (BENCH_RUNS=7)
 *
 * The service runs in this process on 127.0.0.1 (port 0, NODE_ENV=test, a temporary DATA_DIR, no
 * worker): one consent request for a child is created through the API and its link taken from
 * the dev outbox. Then:
 *  - bytes: the signing page's HTML, and the style sheet and script it links, as the service sends
 *    them with Accept-Encoding identity, gzip and br (body bytes, headers not counted);
 *  - first render: First Contentful Paint (the Performance API's `first-contentful-paint` entry) in
 *    Debian's chromium through playwright-core, as a phone: viewport 390 × 844, mobile, touch,
 *    device scale 3, network throttled through CDP like "Slow 4G" (150 ms round trip, 1.6 Mbit/s
 *    down, 750 kbit/s up) and CPU slowed 4× (Emulation.setCPUThrottlingRate). Every load is in a
 *    fresh browser context (nothing cached). Next to the bytes the browser itself counted
 *    (CDP encodedDataLength: bodies and headers as transferred).
 *  - baselines, in the same run and alternating with the signing page (the machine is shared and
 *    noisy): a minimal static page (a heading and a sentence), and the same page with one small
 *    linked style sheet (the least a styled page needs: two round trips).
 * Medians of BENCH_RUNS loads each, after one warm-up load of each that is not counted.
 * The table goes to stdout and to bench/results/signing-page-latest.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

import pino from 'pino';
import { chromium, type Browser } from 'playwright-core';

import { loadConfig } from '../src/config';
import { openContainer } from '../src/container';
import { bootstrapDemo } from '../src/organisations/bootstrap-demo';
import { projectPath } from '../src/shared/paths';
import { freePort } from '../test/helpers/test-app';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Targets: the page with its CSS and JS, brotli-compressed, and its first render against the styled baseline. */
const TARGET_BYTES = 30 * 1024;
const TARGET_FCP_RATIO = 2;

const SLOW_4G = { offline: false, latency: 150, downloadThroughput: (1.6 * 1_000_000) / 8, uploadThroughput: (750 * 1000) / 8 };

function rawGet(url: string, encoding: string): Promise<{ status: number; encoding: string; bytes: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'Accept-Encoding': encoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, encoding: String(res.headers['content-encoding'] ?? 'identity'), bytes: body.length, body });
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The baselines: a minimal page, with or without one small style sheet, served by a bare node:http server. */
async function startBaseline(): Promise<{ server: Server; url: string }> {
  const css = 'body{font-family:system-ui,sans-serif;margin:0 auto;max-width:40rem;padding:1rem;line-height:1.5}h1{font-size:1.5rem}';
  const page = (withCss: boolean) =>
    `<!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Toestemming</title>${withCss ? '<link rel="stylesheet" href="/base.css">' : ''}</head><body><h1>Toestemming</h1><p>Wij vragen uw toestemming voor de activiteit.</p></body></html>`;
  const server = createServer((req, res) => {
    if (req.url === '/base.css') return void res.writeHead(200, { 'Content-Type': 'text/css', 'Cache-Control': 'no-store' }).end(css);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(page(req.url === '/styled'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** One cold load as a throttled phone: FCP in ms and the bytes the browser transferred. */
async function load(browser: Browser, url: string): Promise<{ fcp: number; transferred: number; encodings: string[] }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3, locale: 'nl-NL' });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    let transferred = 0;
    const encodings: string[] = [];
    cdp.on('Network.loadingFinished', (event: { encodedDataLength: number }) => {
      transferred += event.encodedDataLength;
    });
    cdp.on('Network.responseReceived', (event: { response: { headers: Record<string, string> } }) => {
      const headers = Object.fromEntries(Object.entries(event.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      encodings.push(headers['content-encoding'] ?? 'identity');
    });
    await page.goto(url, { waitUntil: 'load' });
    const fcp = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const found = performance.getEntriesByName('first-contentful-paint')[0];
          if (found) return resolve(found.startTime);
          new PerformanceObserver((list) => {
            const entry = list.getEntriesByName('first-contentful-paint')[0];
            if (entry) resolve(entry.startTime);
          }).observe({ type: 'paint', buffered: true });
        }),
    );
    return { fcp, transferred, encodings };
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'akkoord-bench-signing-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent', WORKER_ENABLED: 'false', PUBLIC_BASE_URL: base, RATE_LIMIT_PUBLIC_PER_MINUTE: '100000' });
  const container = await openContainer(config, { logger: pino({ level: 'silent' }) });
  const server = container.app.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const baseline = await startBaseline();
  let browser: Browser | null = null;
  try {
    const demo = (await bootstrapDemo(container))!;
    const created = await fetch(`${base}/api/v1/consent-requests`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${demo.secret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        formId: 'activiteit-onder-16',
        subject: { reference: 'BENCH-1', firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2014-04-02' },
        recipient: { name: 'Ans de Vries', channel: 'email', email: 'ans.devries@example.nl', language: 'nl' },
        requestedBy: { name: 'Jesse Smit', role: 'jongerenwerker' },
      }),
    });
    if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
    const id = ((await created.json()) as { id: string }).id;
    await container.worker.runOnce();
    const entry = (await container.store.listDevOutbox(10)).find((e) => e.requestId === id);
    if (!entry) throw new Error('no link in the dev outbox');
    const link = entry.link;

    // Bytes as the service sends them.
    const html = await rawGet(link, 'identity');
    if (html.status !== 200) throw new Error(`signing page: ${html.status}`);
    const assets = [...html.body.toString('utf8').matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((m) => m[1]!);
    const sizes: { what: string; identity: number; gzip: number; br: number }[] = [];
    for (const [what, url] of [['HTML', link], ...assets.map((a) => [a.replace(/^\/static\//, ''), `${base}${a}`])] as [string, string][]) {
      const [identity, gzip, br] = await Promise.all([rawGet(url, 'identity'), rawGet(url, 'gzip'), rawGet(url, 'br')]);
      if (gzip.encoding !== 'gzip' || br.encoding !== 'br') throw new Error(`${what}: not compressed (${gzip.encoding}, ${br.encoding})`);
      sizes.push({ what, identity: identity.bytes, gzip: gzip.bytes, br: br.bytes });
    }
    const total = { what: 'total', identity: 0, gzip: 0, br: 0 };
    for (const s of sizes) (total.identity += s.identity), (total.gzip += s.gzip), (total.br += s.br);

    // First render as a throttled phone, alternating with the baselines.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const targets = { bare: `${baseline.url}/bare`, styled: `${baseline.url}/styled`, signing: link } as const;
    const results: Record<keyof typeof targets, { fcp: number; transferred: number; encodings: string[] }[]> = { bare: [], styled: [], signing: [] };
    for (let round = 0; round <= RUNS; round += 1) {
      for (const name of Object.keys(targets) as (keyof typeof targets)[]) {
        const result = await load(browser, targets[name]);
        if (round > 0) results[name].push(result);
      }
      if (round > 0) process.stderr.write(`round ${round}/${RUNS}: FCP bare ${results.bare.at(-1)!.fcp.toFixed(0)} ms, styled ${results.styled.at(-1)!.fcp.toFixed(0)} ms, signing ${results.signing.at(-1)!.fcp.toFixed(0)} ms\n`);
    }
    const fcp = (name: keyof typeof targets) => median(results[name].map((r) => r.fcp));
    const transferred = (name: keyof typeof targets) => median(results[name].map((r) => r.transferred));
    const ratioStyled = fcp('signing') / fcp('styled');
    const ratioBare = fcp('signing') / fcp('bare');
    const browserEncodings = [...new Set(results.signing.flatMap((r) => r.encodings))].join(', ');

    const fmt = (n: number) => n.toLocaleString('en-GB');
    const lines = [
      `# Signing page (issue 10) — ${new Date().toISOString()}`,
      '',
      `Chromium ${browser.version()}, ${RUNS} cold loads each (median), phone profile 390 × 844, "Slow 4G" (150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up), CPU 4× slower; ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(2)} at the end.`,
      '',
      '| part | raw bytes | gzip bytes | brotli bytes |',
      '|---|---:|---:|---:|',
      ...[...sizes, total].map((s) => `| ${s.what === 'total' ? '**HTML + CSS + JS**' : s.what} | ${fmt(s.identity)} | ${fmt(s.gzip)} | ${fmt(s.br)} |`),
      '',
      '| page | FCP median (ms) | FCP runs (ms) | bytes the browser transferred (median, with headers) |',
      '|---|---:|---|---:|',
      ...(['bare', 'styled', 'signing'] as const).map((name) => `| ${{ bare: 'baseline: minimal page', styled: 'baseline: minimal page + 1 small CSS', signing: '**signing page**' }[name]} | ${fcp(name).toFixed(0)} | ${results[name].map((r) => r.fcp.toFixed(0)).join(', ')} | ${fmt(transferred(name))} |`),
      '',
      `The browser got the page's files with Content-Encoding: ${browserEncodings}.`,
      '',
      '| target | result | verdict |',
      '|---|---|---|',
      `| HTML + CSS + JS ≤ 30 KiB (${fmt(TARGET_BYTES)} bytes) brotli | ${fmt(total.br)} bytes (gzip ${fmt(total.gzip)}) | ${total.br <= TARGET_BYTES ? 'PASS' : 'FAIL'} |`,
      `| FCP ≤ ${TARGET_FCP_RATIO} × the styled baseline's | ${ratioStyled.toFixed(2)} × (${fcp('signing').toFixed(0)} / ${fcp('styled').toFixed(0)} ms); against the bare page ${ratioBare.toFixed(2)} × | ${ratioStyled <= TARGET_FCP_RATIO ? 'PASS' : 'FAIL'} |`,
      '',
    ];
    const text = lines.join('\n');
    process.stdout.write(`${text}\n`);
    mkdirSync(projectPath('bench', 'results'), { recursive: true });
    writeFileSync(projectPath('bench', 'results', 'signing-page-latest.md'), text);
    // Sanity for the reader: what the compression of the raw HTML alone gives at the highest levels.
    process.stderr.write(`(HTML at gzip -9: ${gzipSync(html.body, { level: 9 }).length} bytes; brotli q11: ${brotliCompressSync(html.body).length} bytes)\n`);
  } finally {
    await browser?.close();
    await new Promise((resolve) => server.close(resolve));
    await new Promise((resolve) => baseline.server.close(resolve));
    await container.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
