/**
 * Issue 13 benchmark: webhook fan-out. `npm run bench:webhooks`
 *
 * BENCH_CHANGES status changes (default 1,000) to BENCH_ENDPOINTS endpoints (default 3): local
 * receivers on 127.0.0.1 in this process, each answering 204 after BENCH_RECEIVER_MS (default 20 ms).
 *
 *  - The service runs as in production, in processes of its own: the web process (src/main.ts,
 *    WORKER_ENABLED=false) and one outbox worker (src/worker-main.ts), on SQLite in a temp folder,
 *    dev outbox for the messages (no provider), WEBHOOK_ALLOW_PRIVATE_URLS=true.
 *  - The 3 endpoints are registered through the API (`events: ["consent_request.sent"]`).
 *  - Burst: BENCH_CHANGES consent requests are created through the API with no worker running.
 *    Then the worker starts: sending each invitation is one status change (`sent`), and each change
 *    is fanned out through the same outbox to every endpoint: BENCH_CHANGES × BENCH_ENDPOINTS deliveries.
 *  - Steady: with the worker running, BENCH_STEADY_CHANGES (default 500) more requests are created
 *    at BENCH_STEADY_RATE per second (default 25), so the changes come at that rate: the delay when
 *    the worker keeps up.
 *  - Measured: deliveries per second (all deliveries / from the first change's `timestamp` to the
 *    last arrival) and the delay per delivery from the change (the body's `timestamp`, the audit
 *    event's `at`) to its arrival at the receiver: p50, p95, p99, max. Every delivery is verified
 *    with the standardwebhooks library; duplicates (a webhook-id seen twice) are counted.
 *  - Baselines in the same run (the machine is shared and noisy):
 *      receivers' ceiling: the same number of signed POSTs straight to the receivers from a worker
 *        thread, BENCH_BATCH (the worker's batch size) at a time, one connection each as the
 *        sender makes them: what the receivers and loopback allow, with no Akkoord in between;
 *      messages: the rate of the `sent` changes themselves (the outbox sending the invitations).
 * Writes bench/results/webhook-fanout-latest.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { Worker as Thread } from 'node:worker_threads';

import { Webhook } from 'standardwebhooks';

import { projectPath } from '../src/shared/paths';
import { freePort } from '../test/helpers/test-app';
import { percentile } from './lib/percentile';

const CHANGES = Number(process.env.BENCH_CHANGES ?? 1000);
const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 3);
const RECEIVER_MS = Number(process.env.BENCH_RECEIVER_MS ?? 20);
const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const STEADY_RATE = Number(process.env.BENCH_STEADY_RATE ?? 25);
const STEADY_CHANGES = Number(process.env.BENCH_STEADY_CHANGES ?? 500);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 300) * 1000;

interface Arrival {
  endpoint: number;
  webhookId: string;
  /** The change's time (body `timestamp`), ms since 1970. */
  changedAt: number;
  arrivedAt: number;
}

/** A receiver that records each delivery and answers 204 after RECEIVER_MS, as a busy registration system might. */
class Receiver {
  readonly arrivals: Arrival[] = [];
  readonly seen = new Set<string>();
  duplicates = 0;
  invalid = 0;
  verifier: Webhook | null = null;
  private readonly server: Server;
  private waiter: { count: number; resolve: () => void } | null = null;

  constructor(readonly index: number) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const arrivedAt = Date.now();
        const body = Buffer.concat(chunks).toString('utf8');
        const webhookId = String(req.headers['webhook-id'] ?? '');
        try {
          const event = (this.verifier ? this.verifier.verify(body, req.headers as Record<string, string>) : JSON.parse(body)) as { timestamp: string };
          if (this.seen.has(webhookId)) this.duplicates += 1;
          else {
            this.seen.add(webhookId);
            this.arrivals.push({ endpoint: index, webhookId, changedAt: Date.parse(event.timestamp), arrivedAt });
          }
        } catch {
          this.invalid += 1;
        }
        setTimeout(() => res.writeHead(204).end(), RECEIVER_MS);
        if (this.waiter && this.arrivals.length >= this.waiter.count) this.waiter.resolve();
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/${this.index}`;
  }

  /** Resolves once `count` distinct deliveries arrived; rejects after TIMEOUT_MS. */
  waitFor(count: number): Promise<void> {
    if (this.arrivals.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`receiver ${this.index}: ${this.arrivals.length} of ${count} deliveries after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      this.waiter = { count, resolve: () => (clearTimeout(timer), resolve()) };
    });
  }

  reset(): void {
    this.arrivals.length = 0;
    this.seen.clear();
    this.duplicates = 0;
    this.invalid = 0;
    this.waiter = null;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * The receivers' ceiling: `total` POSTs spread over `urls`, `concurrency` in flight, each on its own
 * connection (as the webhook sender does), from a worker thread so the poster does not share the
 * receivers' event loop. Resolves with the seconds it took.
 */
function postStraight(urls: string[], total: number, concurrency: number, body: string): Promise<number> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const http = require('node:http');
    const { urls, total, concurrency, body } = workerData;
    let next = 0;
    const post = (i) => new Promise((resolve, reject) => {
      const req = http.request(urls[i % urls.length], { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'webhook-id': 'base_' + i, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), connection: 'close' } }, (res) => { res.resume(); res.on('end', resolve); });
      req.on('error', reject);
      req.end(body);
    });
    const lane = async () => { while (next < total) await post(next++); };
    const t0 = performance.now();
    Promise.all(Array.from({ length: concurrency }, lane)).then(() => parentPort.postMessage((performance.now() - t0) / 1000), (e) => parentPort.postMessage(-1));
  `;
  return new Promise((resolve, reject) => {
    const thread = new Thread(code, { eval: true, workerData: { urls, total, concurrency, body } });
    thread.once('message', (seconds: number) => (seconds < 0 ? reject(new Error('baseline POST failed')) : resolve(seconds)));
    thread.once('error', reject);
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 0, utime field 11, stime field 12, in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Summary {
  count: number;
  rate: number;
  changeRate: number;
  changeSeconds: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  duplicates: number;
  invalid: number;
}

/** Deliveries per second (first change to last arrival), the changes' own rate, and the change-to-arrival delays. */
function summarise(receivers: Receiver[]): Summary {
  const arrivals = receivers.flatMap((r) => r.arrivals);
  const firstChange = Math.min(...arrivals.map((a) => a.changedAt));
  const lastChange = Math.max(...arrivals.map((a) => a.changedAt));
  const lastArrival = Math.max(...arrivals.map((a) => a.arrivedAt));
  const delays = arrivals.map((a) => a.arrivedAt - a.changedAt).sort((a, b) => a - b);
  const changeSeconds = (lastChange - firstChange) / 1000;
  return {
    count: arrivals.length,
    rate: arrivals.length / ((lastArrival - firstChange) / 1000),
    changeRate: arrivals.length / ENDPOINTS / Math.max(0.001, changeSeconds),
    changeSeconds,
    p50: percentile(delays, 50),
    p95: percentile(delays, 95),
    p99: percentile(delays, 99),
    max: delays[delays.length - 1]!,
    duplicates: receivers.reduce((n, r) => n + r.duplicates, 0),
    invalid: receivers.reduce((n, r) => n + r.invalid, 0),
  };
}

async function main(): Promise<void> {
  const receivers = Array.from({ length: ENDPOINTS }, (_, i) => new Receiver(i));
  const urls = await Promise.all(receivers.map((r) => r.listen()));
  const dataDir = mkdtempSync(join(os.tmpdir(), 'akkoord-bench-webhooks-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: base,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    WORKER_POLL_MS: '50',
    WORKER_BATCH_SIZE: String(BATCH),
    RATE_LIMIT_API_PER_MINUTE: '1000000',
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
  };
  const children: ChildProcess[] = [];
  const start = (entry: string, extra: Record<string, string> = {}) => {
    const child = spawn(process.execPath, ['-r', projectPath('test', 'helpers', 'ts-register.js'), projectPath('src', entry)], { cwd: projectPath(), env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    return child;
  };
  const stop = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };

  try {
    // Baseline first, while nothing else of ours runs.
    const sample = JSON.stringify({ type: 'consent_request.sent', timestamp: new Date().toISOString(), data: { id: 'cr_baseline', status: 'sent', subject: { reference: 'BENCH-0' } } });
    const baselineSeconds = await postStraight(urls, CHANGES * ENDPOINTS, BATCH, sample);
    const baselineRate = (CHANGES * ENDPOINTS) / baselineSeconds;
    for (const r of receivers) r.reset();

    const web = start('main.ts', { WORKER_ENABLED: 'false' });
    const key = await new Promise<string>((resolve, reject) => {
      let out = '';
      web.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        // The welcome text (with the development key) is printed once the server listens; the key ends at its line end.
        const m = /(ak_live_[A-Za-z0-9_-]+)\s/.exec(out);
        if (m) resolve(m[1]!);
      });
      web.once('exit', (code) => reject(new Error(`the web process exited (${code})`)));
    });
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, { method, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, unknown>>;
    };
    for (const [i, r] of receivers.entries()) {
      const endpoint = await api('POST', '/api/v1/webhook-endpoints', { url: urls[i], events: ['consent_request.sent'] });
      r.verifier = new Webhook(String(endpoint.secret));
    }
    const create = (i: number) =>
      api('POST', '/api/v1/consent-requests', { formId: 'inloop-16-plus', subject: { reference: `BENCH-${i}`, firstName: 'Test', dateOfBirth: '2000-01-01' }, recipient: { channel: 'email', email: `deelnemer${i}@example.nl` } });

    // Burst: all requests wait in the outbox, then one worker turns them into changes and deliveries.
    for (let i = 0; i < CHANGES; i += 20) await Promise.all(Array.from({ length: Math.min(20, CHANGES - i) }, (_, j) => create(i + j)));
    const worker = start('worker-main.ts');
    // CPU from the first arrival on: the worker's start-up (it compiles the TypeScript) is not counted.
    await receivers[0]!.waitFor(1);
    const cpuAtFirst = cpuSeconds(worker.pid!);
    await Promise.all(receivers.map((r) => r.waitFor(CHANGES)));
    const burst = summarise(receivers);
    const cpuAfterBurst = cpuSeconds(worker.pid!);
    const burstCpu = cpuAfterBurst - cpuAtFirst;

    // Steady: the same number of changes at STEADY_RATE per second (below the ceiling), the worker running.
    for (const r of receivers) r.reset();
    const t0 = performance.now();
    const perTick = Math.max(1, Math.round(STEADY_RATE / 10));
    const creates: Promise<unknown>[] = [];
    for (let i = 0, tick = 0; i < STEADY_CHANGES; i += perTick, tick += 1) {
      const wait = t0 + tick * 100 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      for (let j = i; j < Math.min(STEADY_CHANGES, i + perTick); j += 1) creates.push(create(CHANGES + j));
    }
    await Promise.all(creates);
    await Promise.all(receivers.map((r) => r.waitFor(STEADY_CHANGES)));
    const steady = summarise(receivers);
    const steadyCpu = cpuSeconds(worker.pid!) - cpuAfterBurst;
    await stop(worker);
    // The ceiling again: the machine is shared, its load moves during a run.
    for (const r of receivers) {
      r.reset();
      r.verifier = null; // as in the first baseline: unsigned posts, parsed only
    }
    const baselineAfter = (CHANGES * ENDPOINTS) / (await postStraight(urls, CHANGES * ENDPOINTS, BATCH, sample));

    const ceiling = (baselineRate + baselineAfter) / 2;
    const ms = (x: Summary) => `${x.p50} / ${x.p95} / **${x.p99}** / ${x.max} ms`;
    const table = [
      `Webhook fan-out bench, ${new Date().toISOString()}: node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}.`,
      `${CHANGES.toLocaleString('en-US')} status changes (\`sent\`) × ${ENDPOINTS} endpoints = ${(CHANGES * ENDPOINTS).toLocaleString('en-US')} deliveries in the burst; receivers answer after ${RECEIVER_MS} ms; one worker process, batch ${BATCH}.`,
      '',
      '| what | value |',
      '|---|---|',
      `| baseline: receivers' ceiling (${BATCH} POSTs in flight, one connection each), before / after the phases | ${baselineRate.toFixed(0)} / ${baselineAfter.toFixed(0)} deliveries/s |`,
      `| burst: status changes made by the outbox (invitations sent) | ${burst.changeRate.toFixed(0)} changes/s (${burst.changeSeconds.toFixed(2)} s for ${CHANGES}) |`,
      `| burst: **webhook deliveries**, first change to last arrival | **${burst.rate.toFixed(0)} deliveries/s** (${(burst.rate / ceiling * 100).toFixed(0)} % of the receivers' mean ceiling) |`,
      `| burst: delay from change to arrival, p50 / p95 / **p99** / max | ${ms(burst)} |`,
      `| burst: worker CPU from the first arrival on, per change with its ${ENDPOINTS} deliveries | ${(burstCpu * 1000 / CHANGES).toFixed(1)} ms (${burstCpu.toFixed(1)} s in all) |`,
      `| steady: ${STEADY_CHANGES} changes at ${STEADY_RATE}/s (${(STEADY_RATE * ENDPOINTS).toFixed(0)} deliveries/s asked): delivered | ${steady.rate.toFixed(0)} deliveries/s |`,
      `| steady: delay from change to arrival, p50 / p95 / **p99** / max | ${ms(steady)} |`,
      `| steady: worker CPU per change with its ${ENDPOINTS} deliveries | ${(steadyCpu * 1000 / STEADY_CHANGES).toFixed(1)} ms |`,
      `| deliveries verified with standardwebhooks / refused / duplicates (both phases) | ${burst.count + steady.count} / ${burst.invalid + steady.invalid} / ${burst.duplicates + steady.duplicates} |`,
    ].join('\n');
    process.stdout.write(`${table}\n`);
    mkdirSync(projectPath('bench', 'results'), { recursive: true });
    writeFileSync(projectPath('bench', 'results', 'webhook-fanout-latest.md'), `${table}\n`);
    if (burst.invalid + steady.invalid > 0 || burst.count + steady.count !== (CHANGES + STEADY_CHANGES) * ENDPOINTS) process.exitCode = 1;
  } finally {
    for (const c of children) await stop(c);
    await Promise.all(receivers.map((r) => r.close()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
  process.exit(1);
});
