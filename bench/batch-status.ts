/**
 * Batch consent status (issue 13): `npm run bench:batch-status`.
 *
 * Seeds SUBJECTS subjects with a decided consent (a guardian's, through the store port as paper
 * consent is stored: decision rows, status projection, document and event), then measures over
 * HTTP on a listening server, one request at a time with keep-alive and an API key:
 *   - GET /healthz                                   (baseline in the same run: the machine is shared)
 *   - GET /api/v1/subjects/{reference}/consent       (one lookup, for scale)
 *   - POST /api/v1/subjects/consent-status, 500 refs (400 decided, 100 unknown, shuffled)
 * Target: p99 of the 500-reference batch under 50 ms. Writes bench/results/batch-status-latest.md.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';

import { formSnapshot } from '../src/consent/form-snapshot';
import { pendingRequestRecord } from '../src/consent/request-consent';
import { consentValidUntil } from '../src/consent/validity';
import { newId } from '../src/shared/ids';
import { projectPath } from '../src/shared/paths';
import { createTestApp } from '../test/helpers/test-app';
import { percentile } from './lib/percentile';

const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const WARMUP = 20;
const BATCH = 500;

async function main(): Promise<void> {
  const app = await createTestApp();
  const { store, forms } = app.container;
  const form = forms.get('activiteit-onder-16')!;
  const snapshot = formSnapshot(form);
  const started = Date.now();
  const pdf = Buffer.from('%PDF-1.7 synthetic bench record\n');
  const sha256 = createHash('sha256').update(pdf).digest('hex');
  for (let i = 0; i < SUBJECTS; i += 1) {
    const at = new Date(Date.parse('2026-11-01T10:00:00Z') + i * 1000);
    const reference = `BENCH-${String(i).padStart(6, '0')}`;
    const request = {
      ...pendingRequestRecord({
        id: newId('cr', at), organisationId: app.organisationId, form, signerRole: 'guardian', language: 'nl',
        subject: { reference, firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2014-04-02' },
        recipient: { name: 'Ouder', channel: 'sms', address: null, maskedAddress: '+316••••0000' },
        tokenHash: createHash('sha256').update(reference).digest('hex'), now: at, expiresAt: new Date(at.getTime() + 14 * 86_400_000),
        reminders: { afterDays: 3, automatic: 1, max: 2 }, requestedBy: null,
      }),
      signerSlot: 'guardian' as const,
    };
    const decisions = form.purposes.map((p, n) => ({ purposeId: p.id, granted: (i + n) % 3 !== 0 }));
    await store.createDecidedRequest({
      request,
      form: snapshot,
      event: { id: newId('evt', at), requestId: request.id, organisationId: app.organisationId, type: 'created', at, actor: 'system', detail: {} },
      decision: {
        status: 'signed', at, signerName: 'Ouder', decisions, validUntil: consentValidUntil(form, { year: 2026, month: 11, day: 1 }),
        requiredPurposes: form.purposes.filter((p) => p.required).map((p) => p.id),
        needsAllGuardians: form.purposes.filter((p) => p.needsAllGuardians === true).map((p) => p.id),
        authority: i % 2 === 0 ? 'sole' : 'joint',
        signature: null,
        document: { id: newId('doc', at), requestId: request.id, organisationId: app.organisationId, kind: 'paper-record', contentType: 'application/pdf', sha256, content: pdf, createdAt: at },
        event: { id: newId('evt', at), requestId: request.id, organisationId: app.organisationId, type: 'signed', at, actor: 'system', detail: {} },
      },
    });
  }
  const seedSeconds = (Date.now() - started) / 1000;

  const server = app.container.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const call = (method: string, path: string, body: string | null, withKey: boolean) =>
    new Promise<{ status: number; ms: number; body: string }>((resolve, reject) => {
      const start = process.hrtime.bigint();
      const headers: Record<string, string> = withKey ? { Authorization: `Bearer ${app.apiKey}` } : {};
      if (body !== null) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
      const req = httpRequest({ host: '127.0.0.1', port, path, method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - start) / 1e6, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(body ?? undefined);
    });

  // 400 decided subjects and 100 unknown ones, in a scattered order (an activity list is not sorted).
  const references = Array.from({ length: BATCH }, (_, i) => (i % 5 === 4 ? `UNKNOWN-${i}` : `BENCH-${String((i * 7919) % SUBJECTS).padStart(6, '0')}`));
  const batchBody = JSON.stringify({ references });
  const cases = [
    { name: 'baseline GET /healthz', method: 'GET', path: '/healthz', body: null, key: false, target: false },
    { name: 'one lookup, GET /subjects/{reference}/consent', method: 'GET', path: `/api/v1/subjects/${references[0]!}/consent`, body: null, key: true, target: false },
    { name: `batch of ${BATCH}, POST /subjects/consent-status`, method: 'POST', path: '/api/v1/subjects/consent-status', body: batchBody, key: true, target: true },
  ];
  const rows: string[] = [];
  let pass = true;
  for (const c of cases) {
    const check = await call(c.method, c.path, c.body, c.key);
    if (check.status !== 200) throw new Error(`${c.name}: status ${check.status} ${check.body.slice(0, 200)}`);
    if (c.target) {
      const data = (JSON.parse(check.body) as { data: { mayRegister: boolean }[] }).data;
      if (data.length !== new Set(references).size) throw new Error(`batch answered ${data.length} entries`);
    }
    for (let i = 0; i < WARMUP; i += 1) await call(c.method, c.path, c.body, c.key);
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i += 1) times.push((await call(c.method, c.path, c.body, c.key)).ms);
    times.sort((a, b) => a - b);
    const [p50, p95, p99] = [percentile(times, 50), percentile(times, 95), percentile(times, 99)];
    const ok = !c.target || p99 < 50;
    if (!ok) pass = false;
    rows.push(`| ${c.name} | ${p50.toFixed(1)} | ${p95.toFixed(1)} | ${p99.toFixed(1)} | ${c.target ? (ok ? 'PASS' : 'FAIL') : '—'} |`);
  }
  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
  await app.close();

  const table = [
    `Batch status bench, ${new Date().toISOString()}: ${SUBJECTS.toLocaleString('en-US')} subjects with a decided guardian consent (seeded in ${seedSeconds.toFixed(0)} s), ${ROUNDS} timed requests per row after ${WARMUP} warm-up, one at a time, keep-alive; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}.`,
    '',
    '| what | p50 ms | p95 ms | p99 ms | p99 < 50 ms |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `Verdict: ${pass ? 'PASS' : 'FAIL'}.`,
  ].join('\n');
  process.stdout.write(`${table}\n`);
  writeFileSync(projectPath('bench', 'results', 'batch-status-latest.md'), `${table}\n`);
  if (!pass) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
  process.exit(1);
});
