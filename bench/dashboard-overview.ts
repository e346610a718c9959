/**
 * Dashboard overview with 100,000 requests (issue 11): `npm run bench:dashboard`.
 *
 * Seeds 100,000 requests in one organisation (synthetic names, statuses spread over the lifecycle)
 * through the store port, signs a youth worker in through the real routes (password + second
 * factor, as test/helpers/staff.ts does), then measures over HTTP on a listening server, one
 * request at a time with keep-alive:
 *   - GET /healthz            (baseline in the same run: the machine is shared and noisy)
 *   - GET /app                (the overview's first page, 25 rows with names; access-logged)
 *   - GET /app?q=<name>       (a common first name: ~10,000 matches, first page)
 *   - GET /app?q=<rare name>  (a name that occurs once)
 *   - GET /app?q=<reference>  (a subject reference)
 *   - GET /app?status=signed  (a filter)
 * Target: p95 < 100 ms for the first page and for a search. Writes bench/results/dashboard-overview-latest.md.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import type { AddressInfo } from 'node:net';

import { STATUSES, type ConsentStatus } from '../src/consent/lifecycle';
import { formSnapshot } from '../src/consent/form-snapshot';
import { newId } from '../src/shared/ids';
import { projectPath } from '../src/shared/paths';
import type { ConsentRequestRecord } from '../src/storage/store';
import { signInStaff } from '../test/helpers/staff';
import { createTestApp } from '../test/helpers/test-app';
import { percentile } from './lib/percentile';

const COUNT = Number(process.env.BENCH_REQUESTS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const WARMUP = 30;
const FIRST = ['Sam', 'Noor', 'Daan', 'Lotte', 'Milan', 'Fenna', 'Ayoub', 'Sara', 'Jesse', 'Zoë'];
const LAST = ['de Vries', 'Bakker', 'Jansen', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder', 'El Amrani', 'Yılmaz', 'van den Berg', 'Dekker', 'Bos'];
const RARE = { first: 'Wubbo', last: 'Zwaanswijk' };

async function main(): Promise<void> {
  const app = await createTestApp();
  const { store, forms } = app.container;
  const form = forms.get('activiteit-onder-16')!;
  const snapshot = formSnapshot(form);
  const t0 = Date.parse('2025-11-22T10:00:00Z');
  const started = Date.now();
  for (let i = 0; i < COUNT; i += 1) {
    // One year of requests, oldest first; ids are time-ordered as in production.
    const at = new Date(t0 + Math.floor((i * 365 * 86_400_000) / COUNT));
    const rare = i === Math.floor(COUNT / 3);
    const status: ConsentStatus = STATUSES[(i * 7) % STATUSES.length]!;
    const request: ConsentRequestRecord = {
      id: newId('cr', at), organisationId: app.organisationId, formId: form.id, formVersion: form.version, status, signerRole: 'guardian', language: 'nl',
      subject: { reference: `BENCH-${String(i).padStart(6, '0')}`, firstName: rare ? RARE.first : FIRST[i % FIRST.length]!, lastName: rare ? RARE.last : LAST[i % LAST.length]!, dateOfBirth: '2015-03-04' },
      recipient: { name: 'Ouder', channel: 'sms', address: `+3161${String(i % 10_000_000).padStart(7, '0')}`, maskedAddress: '+316••••0000' },
      tokenHash: randomBytes(32).toString('hex'), createdAt: at, updatedAt: at, expiresAt: new Date(at.getTime() + 14 * 86_400_000),
      sentAt: null, openedAt: null, decidedAt: null, reminderCount: 0, reminders: { afterDays: 3, automatic: 1, max: 2 }, deliveredAt: null, failureReason: null,
      decisions: [], signerName: null, signatureKind: null, sealState: null, version: 0,
    };
    await store.createConsentRequest({ request, form: snapshot, message: null, event: { id: newId('evt', at), requestId: request.id, organisationId: app.organisationId, type: 'created', at, actor: 'system', detail: {} } });
    if (i % 20_000 === 19_999) process.stderr.write(`seeded ${i + 1}\n`);
  }
  const seedSeconds = (Date.now() - started) / 1000;

  const staff = await signInStaff(app, { role: 'youth-worker' });
  const jar = (staff.agent as unknown as { jar: { getCookies(info: unknown): { name: string; value: string }[] } }).jar;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CookieAccessInfo } = require('cookiejar') as { CookieAccessInfo: { All: unknown } };
  const cookie = jar.getCookies(CookieAccessInfo.All).map((c) => `${c.name}=${c.value}`).join('; ');

  const server = app.container.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const fetchOnce = (path: string, withCookie: boolean) =>
    new Promise<{ status: number; ms: number; body: string }>((resolve, reject) => {
      const start = process.hrtime.bigint();
      get({ host: '127.0.0.1', port, path, agent, headers: { Accept: 'text/html', ...(withCookie ? { Cookie: cookie } : {}) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - start) / 1e6, body: Buffer.concat(chunks).toString('utf8') }));
      }).on('error', reject);
    });

  const cases: { name: string; path: string; cookie: boolean; expect: string | null; target: boolean }[] = [
    { name: 'baseline GET /healthz', path: '/healthz', cookie: false, expect: null, target: false },
    { name: 'overview, first page', path: '/app', cookie: true, expect: 'BENCH-0', target: true },
    { name: 'search, common first name (~10 % of rows)', path: `/app?q=${encodeURIComponent('zoe')}`, cookie: true, expect: 'Zoë', target: true },
    { name: 'search, a name that occurs once', path: `/app?q=${encodeURIComponent(RARE.last.toLowerCase())}`, cookie: true, expect: RARE.last, target: true },
    { name: 'search, subject reference', path: `/app?q=BENCH-${String(Math.floor(COUNT / 2)).padStart(6, '0')}`, cookie: true, expect: 'BENCH-', target: true },
    { name: 'filter, status signed', path: '/app?status=signed', cookie: true, expect: 'Ondertekend', target: false },
  ];
  const rows: string[] = [];
  let baselineP95 = 0;
  let pass = true;
  for (const c of cases) {
    const check = await fetchOnce(c.path, c.cookie);
    if (check.status !== 200 || (c.expect && !check.body.includes(c.expect))) throw new Error(`${c.name}: status ${check.status}, expected text ${c.expect} missing`);
    for (let i = 0; i < WARMUP; i += 1) await fetchOnce(c.path, c.cookie);
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i += 1) times.push((await fetchOnce(c.path, c.cookie)).ms);
    times.sort((a, b) => a - b);
    const [p50, p95, p99] = [percentile(times, 50), percentile(times, 95), percentile(times, 99)];
    if (c.path === '/healthz') baselineP95 = p95;
    const ok = !c.target || p95 < 100;
    if (!ok) pass = false;
    rows.push(`| ${c.name} | \`${c.path}\` | ${p50.toFixed(1)} | ${p95.toFixed(1)} | ${p99.toFixed(1)} | ${(p95 / baselineP95).toFixed(1)} × | ${c.target ? (ok ? 'PASS' : 'FAIL') : '—'} |`);
  }
  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
  const logged = (await store.listAccessLog(app.organisationId, 1, null)).items.length > 0;
  await app.close();

  const table = [
    `Dashboard overview bench, ${new Date().toISOString()}: ${COUNT.toLocaleString('en-US')} requests in one organisation (seeded in ${seedSeconds.toFixed(0)} s), ${ROUNDS} timed requests per row after ${WARMUP} warm-up, one at a time, keep-alive, signed-in session; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}.`,
    '',
    '| what | path | p50 ms | p95 ms | p99 ms | p95 / baseline p95 | p95 < 100 ms |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Access log written for the overview pages: ${logged ? 'yes' : 'NO'}. Verdict: ${pass ? 'PASS' : 'FAIL'}.`,
  ].join('\n');
  process.stdout.write(`${table}\n`);
  writeFileSync(projectPath('bench', 'results', 'dashboard-overview-latest.md'), `${table}\n`);
  if (!pass) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
  process.exit(1);
});
