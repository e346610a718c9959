import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { projectPath } from '../../src/shared/paths';
import { startFakeSendGrid, type FakeSendGrid } from '../fakes/fake-sendgrid';
import { freePort } from '../helpers/test-app';

/**
 * The fault test: the real service as a child process, 200 requests, `kill -9` while the provider
 * answers slowly, start again on the same data. Every request must be delivered; a message can
 * only be sent twice if it was in flight at the kill (the documented at-least-once window).
 * E-mail is used because it has no quiet hours: this test runs on the real clock.
 */
const TOTAL = 200;
const BATCH = 20;

describe('crash safety of the outbox', () => {
  let sendgrid: FakeSendGrid;
  let dataDir: string;
  let child: ChildProcess | null = null;

  beforeAll(async () => {
    sendgrid = await startFakeSendGrid();
    dataDir = mkdtempSync(join(tmpdir(), 'akkoord-crash-'));
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await sendgrid.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startService(port: number, entry = 'main.ts', extraEnv: Record<string, string> = {}): Promise<{ process: ChildProcess; firstKey: string | null }> {
    const proc = spawn(process.execPath, ['-r', projectPath('test', 'helpers', 'ts-register.js'), projectPath('src', entry)], {
      cwd: projectPath(),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'development',
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        WORKER_POLL_MS: '100',
        WORKER_BATCH_SIZE: String(BATCH),
        WORKER_LEASE_MS: '5000',
        RATE_LIMIT_API_PER_MINUTE: '100000',
        SENDGRID_API_KEY: sendgrid.apiKey,
        SENDGRID_FROM: 'Akkoord <noreply@akkoord.example.nl>',
        SENDGRID_API_BASE_URL: sendgrid.url,
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 20_000;
    while (entry === 'main.ts' && Date.now() < deadline) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return { process: proc, firstKey: /ak_live_[A-Za-z0-9_-]+/.exec(output)?.[0] ?? null };
  }

  test('when the service is killed mid-delivery and restarted, then every request is delivered and duplicates stay within the window', async () => {
    const port = await freePort();
    const first = await startService(port);
    child = first.process;
    const key = first.firstKey!;
    expect(key).toMatch(/^ak_live_/);
    sendgrid.setLatency(300);

    const ids: string[] = [];
    for (let i = 0; i < TOTAL; i += 1) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/consent-requests`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ formId: 'inloop-16-plus', subject: { reference: `CRASH-${i}`, firstName: 'Test', dateOfBirth: '2000-01-01' }, recipient: { channel: 'email', email: `deelnemer${i}@example.nl` } }),
      });
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    await sendgrid.waitForMails(40, 30_000);
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const beforeRestart = sendgrid.mails.length;
    expect(beforeRestart).toBeLessThan(TOTAL);

    sendgrid.setLatency(5);
    child = (await startService(port)).process;
    const deadline = Date.now() + 60_000;
    const delivered = () => new Set(sendgrid.mails.map((m) => m.customArgs.requestId));
    while (delivered().size < TOTAL && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect([...delivered()].sort()).toEqual([...ids].sort());
    // Only messages in flight at the kill (at most one batch) may have gone out twice.
    const duplicates = sendgrid.mails.length - TOTAL;
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(BATCH);
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = null;
  }, 120_000);

  test('when three worker processes share the outbox, then each message is sent exactly once', async () => {
    sendgrid.reset();
    sendgrid.setLatency(20);
    rmSync(dataDir, { recursive: true, force: true });
    const port = await freePort();
    const web = await startService(port, 'main.ts', { WORKER_ENABLED: 'false' });
    child = web.process;
    const key = web.firstKey!;
    const ids: string[] = [];
    for (let i = 0; i < TOTAL; i += 1) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/consent-requests`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ formId: 'inloop-16-plus', subject: { reference: `MULTI-${i}`, firstName: 'Test', dateOfBirth: '2000-01-01' }, recipient: { channel: 'email', email: `bezoeker${i}@example.nl` } }),
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    expect(sendgrid.mails).toHaveLength(0);
    const workers = await Promise.all([0, 1, 2].map(async () => (await startService(port, 'worker-main.ts', { WORKER_BATCH_SIZE: '10' })).process));
    await sendgrid.waitForMails(TOTAL, 60_000);
    await new Promise((r) => setTimeout(r, 1500)); // any duplicate would arrive now
    const perRequest = new Map<string, number>();
    for (const m of sendgrid.mails) perRequest.set(m.customArgs.requestId!, (perRequest.get(m.customArgs.requestId!) ?? 0) + 1);
    expect([...perRequest.keys()].sort()).toEqual([...ids].sort());
    expect([...perRequest.values()].every((n) => n === 1)).toBe(true);
    expect(sendgrid.mails).toHaveLength(TOTAL);
    for (const w of [...workers, child]) {
      w.kill('SIGTERM');
      await new Promise((r) => w.once('exit', r));
    }
    child = null;
  }, 120_000);
});
