/**
 * Issue 4 benchmark: 1,000 consent requests created through the API and delivered to the fake
 * Twilio and SendGrid servers (answering in 50 ms) by ONE worker process, end to end.
 *
 *   npm run bench:delivery          (BENCH_REQUESTS=1000 BENCH_LATENCY_MS=50 BENCH_BATCH=50)
 *
 * Three numbers, all from this run:
 *  - baseline: the same number of sends straight through the SDKs, 50 at a time (the fakes' ceiling);
 *  - drain: requests are created with no worker running, then one worker starts and empties the
 *    outbox, timed from the first message the fakes receive (messages/s of the worker alone);
 *  - end to end: requests are created while the worker runs, from the first POST to the last
 *    message received by the fakes.
 * Memory: the worker runs with --trace-gc, and the live heap after each full (mark-compact)
 * collection is read from its output; "flat" when the last is within 10 % of the first in the
 * memory window (RSS alone moves with the collector's timing). Its RSS is sampled every 250 ms: start, peak, end (reported next to it,
 * of the start). SMS are only used when it is not quiet hours in Amsterdam (21:00–08:00); at night
 * the run is e-mail only, and says so.
 */
import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

import { inQuietHours } from '../src/delivery/quiet-hours';
import { projectPath } from '../src/shared/paths';
import { startFakeSendGrid } from '../test/fakes/fake-sendgrid';
import { startFakeTwilio } from '../test/fakes/fake-twilio';
import { freePort } from '../test/helpers/test-app';

const N = Number(process.env.BENCH_REQUESTS ?? 1000);
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 50);
const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const TARGET = 200;
const MEMORY_ROUNDS = Number(process.env.BENCH_MEMORY_ROUNDS ?? 4);

const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

async function main(): Promise<void> {
  const sendgrid = await startFakeSendGrid();
  const twilio = await startFakeTwilio();
  sendgrid.setLatency(LATENCY);
  twilio.setLatency(LATENCY);
  const useSms = !inQuietHours(new Date());
  const dataDir = mkdtempSync(join(os.tmpdir(), 'akkoord-bench-delivery-'));
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    WORKER_POLL_MS: '50',
    WORKER_BATCH_SIZE: String(BATCH),
    RATE_LIMIT_API_PER_MINUTE: '1000000',
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM: 'Akkoord',
    TWILIO_API_BASE_URL: twilio.url,
    SENDGRID_API_KEY: sendgrid.apiKey,
    SENDGRID_FROM: 'Akkoord <noreply@akkoord.example.nl>',
    SENDGRID_API_BASE_URL: sendgrid.url,
  };
  const children: ChildProcess[] = [];
  const fullGcLiveMb = new Map<ChildProcess, number[]>();
  const start = (entry: string, extra: Record<string, string> = {}) => {
    const child = spawn(process.execPath, ['--trace-gc', '-r', projectPath('test', 'helpers', 'ts-register.js'), projectPath('src', entry)], { cwd: projectPath(), env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'inherit'] });
    // Live heap after every full collection: "Mark-Compact 52.1 (60.3) -> 41.7 (59.8) MB".
    const liveMb: number[] = [];
    fullGcLiveMb.set(child, liveMb);
    let pending = '';
    child.stdout!.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = /Mark-Compact[^>]*-> ([\d.]+) \(/.exec(line);
        if (m) liveMb.push(Number(m[1]));
      }
    });
    children.push(child);
    return child;
  };
  const delivered = () => sendgrid.mails.length + twilio.messages.length;

  try {
    // Baseline: the SDK alone, BATCH at a time, against the same fake.
    const client = new Client();
    client.setApiKey(sendgrid.apiKey);
    client.setDefaultRequest('baseUrl', sendgrid.url);
    const mail = new MailService();
    mail.setClient(client);
    const b0 = performance.now();
    for (let i = 0; i < N; i += BATCH) {
      await Promise.all(Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => mail.send({ to: `b${i + j}@example.nl`, from: 'noreply@akkoord.example.nl', subject: 'x', text: 'x', html: '<p>x</p>' })));
    }
    const baselineRate = N / ((performance.now() - b0) / 1000);
    sendgrid.reset();
    sendgrid.setLatency(LATENCY);

    const web = start('main.ts', { WORKER_ENABLED: 'false' });
    let out = '';
    web.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 100 && !/ak_live_/.test(out); i += 1) await new Promise((r) => setTimeout(r, 100));
    const key = /ak_live_[A-Za-z0-9_-]+/.exec(out)![0];
    const create = async (i: number) => {
      const sms = useSms && i % 2 === 0;
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/consent-requests`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          formId: 'inloop-16-plus',
          subject: { reference: `BENCH-${i}`, firstName: 'Test', dateOfBirth: '2000-01-01' },
          recipient: sms ? { channel: 'sms', phone: `06 ${String(12000000 + i).slice(0, 4)} ${String(12000000 + i).slice(4)}` } : { channel: 'email', email: `deelnemer${i}@example.nl` },
        }),
      });
      if (res.status !== 201) throw new Error(`create ${i}: ${res.status} ${await res.text()}`);
    };
    const createAll = async (offset: number) => {
      for (let i = 0; i < N; i += 20) await Promise.all(Array.from({ length: Math.min(20, N - i) }, (_, j) => create(offset + i + j)));
    };

    const waitFor = async (count: number) => {
      while (delivered() < count) await new Promise((r) => setTimeout(r, 10));
    };
    // Warm-up: a first worker sends a first round, so the fakes and the web process are warm.
    const warm = start('worker-main.ts');
    await createAll(0);
    await waitFor(N);
    warm.kill('SIGTERM');
    await new Promise((r) => warm.once('exit', r));

    // Drain: a round is created with no worker running; then one worker empties the outbox, timed
    // from the first message the fakes receive (so the process start-up is not counted).
    const c0 = performance.now();
    await createAll(N);
    const createRate = N / ((performance.now() - c0) / 1000);
    const worker = start('worker-main.ts');
    await waitFor(N + 1);
    const d0 = performance.now();
    await waitFor(2 * N);
    const drainRate = (N - 1) / ((performance.now() - d0) / 1000);

    // End to end: a round created while the worker runs, from the first POST to the last message.
    const samples: number[] = [rssMb(worker.pid!)];
    const gcFrom = fullGcLiveMb.get(worker)!.length;
    const sampler = setInterval(() => samples.push(rssMb(worker.pid!)), 250);
    const e0 = performance.now();
    await createAll(2 * N);
    await waitFor(3 * N);
    const endToEndRate = N / ((performance.now() - e0) / 1000);

    // More rounds, for the memory trend.
    for (let round = 3; round < 3 + MEMORY_ROUNDS; round += 1) {
      await createAll(round * N);
      await waitFor((round + 1) * N);
    }
    clearInterval(sampler);
    samples.push(rssMb(worker.pid!));

    const startRss = samples[0]!;
    const endRss = samples[samples.length - 1]!;
    const peakRss = Math.max(...samples);
    // RSS at each quarter of the memory window shows whether it levels off.
    const quarters = [0.25, 0.5, 0.75].map((q) => samples[Math.floor(q * (samples.length - 1))]!.toFixed(0)).join(' → ');
    const live = fullGcLiveMb.get(worker)!.slice(gcFrom);
    const flat = live.length >= 2 ? live[live.length - 1]! <= live[0]! * 1.1 : endRss <= startRss * 1.15;
    const liveRow = live.length >= 2
      ? `${live[0]!.toFixed(1)} → ${live[live.length - 1]!.toFixed(1)} MB over ${live.length} full collections (min ${Math.min(...live).toFixed(1)}, max ${Math.max(...live).toFixed(1)})`
      : `${live.length} full collections: judged on RSS`;
    const rows = [
      `| Delivery bench (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}) | value |`,
      '|---|---|',
      `| messages per run | ${N} (${useSms ? 'half SMS, half e-mail' : 'e-mail only: quiet hours in Amsterdam'}), fake latency ${LATENCY} ms, batch ${BATCH} |`,
      `| baseline: SDK sends, ${BATCH} at a time | ${baselineRate.toFixed(0)} msg/s |`,
      `| consent requests created through the API (20 at a time) | ${createRate.toFixed(0)} req/s |`,
      `| one worker draining the outbox | **${drainRate.toFixed(0)} msg/s** (${(drainRate / baselineRate * 100).toFixed(0)} % of baseline) — target ≥ ${TARGET}: ${drainRate >= TARGET ? 'PASS' : 'FAIL'} |`,
      `| end to end (create while delivering) | **${endToEndRate.toFixed(0)} msg/s** — target ≥ ${TARGET}: ${endToEndRate >= TARGET ? 'PASS' : 'FAIL'} |`,
      `| worker live heap after full GCs, over ${(1 + MEMORY_ROUNDS) * N} messages after its first ${N} | ${liveRow} — ${flat ? 'flat' : 'GROWING'} |`,
      `| worker RSS in that window: start / peak / end | ${startRss.toFixed(1)} / ${peakRss.toFixed(1)} / ${endRss.toFixed(1)} MB (quarters ${quarters}) |`,
      `| duplicates seen by the fakes | ${delivered() - (3 + MEMORY_ROUNDS) * N} |`,
    ];
    const table = rows.join('\n');
    process.stdout.write(`${table}\n`);
    mkdirSync(projectPath('bench', 'results'), { recursive: true });
    writeFileSync(projectPath('bench', 'results', 'delivery-latest.md'), `${table}\n`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await sendgrid.close();
    await twilio.close();
    setTimeout(() => rmSync(dataDir, { recursive: true, force: true }), 500);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
