import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Response } from 'express';
import fc from 'fast-check';
import pino from 'pino';

import { ACCESS_LOG_CAPACITY, AccessLog } from '../../src/http/access-log';
import { maskedPath } from '../../src/privacy/log-masking';
import { projectPath } from '../../src/shared/paths';
import { captureLogs } from '../helpers/log-capture';
import { auth, createTestApp, freePort, type TestApp } from '../helpers/test-app';

type Line = Record<string, unknown>;
const parse = (lines: string[]): Line[] => lines.map((l) => JSON.parse(l) as Line);

/** A logger whose destination records every write separately, as pino hands it over. */
function recordingLogger(level = 'info') {
  const writes: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level, base: { service: 'akkoord' } }, sink);
  const lines = () => writes.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
  return { logger, writes, lines };
}

/** The part of an Express response the access log reads; `finish()` is the answer going out. */
function fakeResponse(i: number, url = `/api/v1/subjects/REF-${i}/consent`) {
  const listeners: ((this: unknown) => void)[] = [];
  const res = {
    locals: { requestId: `req-${String(i).padStart(8, '0')}` } as Record<string, unknown>,
    req: { method: 'GET', originalUrl: url },
    statusCode: 200,
    on(event: string, listener: (this: unknown) => void) {
      if (event === 'finish') listeners.push(listener);
      return res;
    },
    finish() {
      for (const l of listeners) l.call(res);
    },
    listenerCount: () => listeners.length,
  };
  return res;
}
const asResponse = (r: ReturnType<typeof fakeResponse>) => r as unknown as Response;

describe('access log', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  test('when an API answer and a page answer go out, then each has one line with level, time, the logger\'s bindings, requestId, method, masked path, status, ms and msg, as pino writes its own lines', async () => {
    const { logger, lines, flush } = captureLogs();
    app = await createTestApp({}, undefined, logger);
    const lookup = await app.http.get('/api/v1/subjects/REG-ACCESS-1/consent?x=1').set(auth(app.apiKey)).set('X-Request-Id', 'trace-access-0001');
    const page = await app.http.get('/c/not-a-real-token');
    flush();
    logger.info({ requestId: 'x', method: 'GET', path: '/', status: 200, ms: 1 }, 'written by pino');
    const access = parse(lines).filter((l) => l.msg === 'request');
    const pinoLine = parse(lines).find((l) => l.msg === 'written by pino')!;
    expect(access).toEqual([
      { level: 30, time: expect.any(Number), pid: process.pid, hostname: expect.any(String), requestId: 'trace-access-0001', method: 'GET', path: '/api/v1/subjects/REG-ACCESS-1/consent', status: lookup.status, ms: expect.any(Number), msg: 'request' },
      { level: 30, time: expect.any(Number), pid: process.pid, hostname: expect.any(String), requestId: page.headers['x-request-id'], method: 'GET', path: '/c/:token', status: page.status, ms: expect.any(Number), msg: 'request' },
    ]);
    // The same keys in the same order as the line pino itself writes for the same fields.
    expect(Object.keys(access[0]!)).toEqual(Object.keys(pinoLine));
    for (const line of access) {
      expect(line.ms).toBeGreaterThanOrEqual(0);
      expect(Math.abs((line.time as number) - Date.now())).toBeLessThan(60_000);
    }
  });

  test('when more answers go out in one turn than the table holds, then every line is written, in order, in one write per full table', () => {
    const { logger, writes, lines } = recordingLogger();
    const log = new AccessLog(logger);
    const total = 2 * ACCESS_LOG_CAPACITY + 452;
    const responses = Array.from({ length: total }, (_, i) => fakeResponse(i));
    for (const r of responses) log.begin(asResponse(r));
    for (const r of responses) r.finish();
    // Two full tables were written as they filled; the rest waits for the end of this turn.
    expect(writes).toHaveLength(2);
    log.flush();
    expect(writes).toHaveLength(3);
    const written = lines();
    expect(written).toHaveLength(total);
    expect(written.map((l) => l.requestId)).toEqual(responses.map((r) => r.locals.requestId));
    expect(written[total - 1]).toEqual({ level: 30, time: expect.any(Number), service: 'akkoord', requestId: `req-0000${total - 1}`, method: 'GET', path: `/api/v1/subjects/REF-${total - 1}/consent`, status: 200, ms: expect.any(Number), msg: 'request' });
  });

  test('when answers go out, then their lines are written after the current turn of the event loop without a flush call, and no timer or immediate is left behind', async () => {
    const { logger, writes, lines } = recordingLogger();
    const log = new AccessLog(logger);
    const immediates = () => process.getActiveResourcesInfo().filter((r) => r === 'Immediate').length;
    const before = immediates();
    const r = fakeResponse(1);
    log.begin(asResponse(r));
    r.finish();
    expect(writes).toHaveLength(0);
    expect(immediates()).toBe(before + 1);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(lines().map((l) => l.requestId)).toEqual(['req-00000001']);
    expect(immediates()).toBe(before);

    const r2 = fakeResponse(2);
    log.begin(asResponse(r2));
    r2.finish();
    log.flush();
    expect(immediates()).toBe(before);
    expect(lines().map((l) => l.requestId)).toEqual(['req-00000001', 'req-00000002']);
  });

  test('when a path holds a token, a credential-shaped run, a query string, quotes or other characters, then the line is valid JSON with the path masked', () => {
    const { logger, lines } = recordingLogger();
    const log = new AccessLog(logger);
    const token = 'Ab3_-Zz9'.repeat(5) + 'Qq12Ww';
    const urls = [`/c/${token}?lang=en`, `/x/${token}/y`, '/zoek/"quote"\\back/é/\u2028', `//C//${token}`];
    for (const [i, url] of urls.entries()) {
      const r = fakeResponse(i, url);
      log.begin(asResponse(r));
      r.finish();
    }
    log.flush();
    expect(lines().map((l) => l.path)).toEqual(['/c/:token', '/x/:token/y', maskedPath('/zoek/"quote"\\back/é/\u2028'), '/C/:token']);
    expect(JSON.stringify(lines())).not.toContain(token.slice(0, 20));
  });

  test('when the level is above info, then nothing is recorded and no listener is added; when it is lowered again at run time, then lines follow', () => {
    const { logger, lines } = recordingLogger('warn');
    const log = new AccessLog(logger);
    const quiet = fakeResponse(1);
    log.begin(asResponse(quiet));
    expect(quiet.listenerCount()).toBe(0);
    quiet.finish();
    logger.level = 'info';
    const loud = fakeResponse(2);
    log.begin(asResponse(loud));
    loud.finish();
    log.flush();
    expect(lines().map((l) => l.requestId)).toEqual(['req-00000002']);
  });

  test('when the app is closed with lines still held, then they are written before close returns', async () => {
    const { logger, lines } = captureLogs();
    app = await createTestApp({}, undefined, logger);
    await app.http.get('/api/v1/subjects/REG-CLOSE-1/consent').set(auth(app.apiKey)).set('X-Request-Id', 'trace-close-0001');
    const closing = app.close();
    app = undefined;
    await closing;
    expect(parse(lines).filter((l) => l.msg === 'request').map((l) => l.requestId)).toContain('trace-close-0001');
  });

  test('when the service process gets SIGTERM right after an answer, then that answer\'s access-log line is on its stdout', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'akkoord-access-'));
    const proc = spawn(process.execPath, ['-r', projectPath('test', 'helpers', 'ts-register.js'), projectPath('src', 'main.ts')], {
      cwd: projectPath(),
      env: { PATH: process.env.PATH, NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, DATA_DIR: dataDir, LOG_LEVEL: 'info', WORKER_ENABLED: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    try {
      let answered = false;
      for (let attempt = 0; attempt < 1200 && !answered && proc.exitCode === null; attempt += 1) {
        try {
          answered = (await fetch(`http://127.0.0.1:${port}/api/v1/subjects/REG-TERM-1/consent`, { headers: { 'X-Request-Id': 'trace-sigterm-01' } })).status === 401;
        } catch {
          // not listening yet
        }
        if (!answered) await new Promise((r) => setTimeout(r, 100));
      }
      expect({ answered, stderr }).toEqual({ answered: true, stderr: '' });
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      const access = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line).filter((l) => l.msg === 'request');
      expect(access).toEqual([expect.objectContaining({ requestId: 'trace-sigterm-01', method: 'GET', path: '/api/v1/subjects/REG-TERM-1/consent', status: 401, service: 'akkoord' })]);
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the log output does not keep up', () => {
  /**
   * A child process writes a burst of access-log lines through buildLogger (stdout, 16 MiB buffer)
   * while this test does not read its stdout, so the pipe fills; then it reads everything.
   */
  const CHILD = `
    const { buildLogger } = require('./src/container');
    const { AccessLog } = require('./src/http/access-log');
    const logger = buildLogger('info');
    const log = new AccessLog(logger);
    const total = Number(process.env.LINES);
    for (let i = 0; i < total; i += 1) {
      let listener = null;
      const res = { locals: { requestId: 'burst-' + String(i).padStart(8, '0') }, req: { method: 'GET', originalUrl: '/api/v1/subjects/REF-' + i + '/consent' }, statusCode: 200, on(e, l) { listener = l; } };
      log.begin(res);
      listener.call(res);
    }
    log.flush();
    process.stderr.write('written\\n');
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));
  `;

  test('when more than 16 MiB of lines wait for stdout, then new lines are dropped, never blocking, and one warn line counts them exactly once the output caught up', async () => {
    const total = 150_000; // about 27 MB of lines
    const proc = spawn(process.execPath, ['-r', projectPath('test', 'helpers', 'ts-register.js'), '-e', CHILD], { cwd: projectPath(), env: { PATH: process.env.PATH, LINES: String(total) }, stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    try {
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        proc.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (stderr.includes('written')) resolve();
        });
        proc.once('exit', () => reject(new Error(`the child exited early: ${stderr}`)));
      });
      // Only now is stdout read; the child exits when its stdin ends.
      let pending = '';
      let accessLines = 0;
      const notices: Line[] = [];
      await new Promise<void>((resolve) => {
        proc.stdout.on('data', (d: Buffer) => {
          pending += d.toString();
          const parts = pending.split('\n');
          pending = parts.pop()!;
          for (const part of parts) {
            const line = JSON.parse(part) as Line;
            if (line.msg === 'request') accessLines += 1;
            else if (line.msg === 'log lines dropped: the log output did not keep up') notices.push(line);
            // The notice is the last line (written once the rest is out); without drops, the last access line is.
            if (notices.length > 0 || accessLines === total) proc.stdin.end();
          }
        });
        proc.stdout.once('end', () => resolve());
      });
      expect(await exited).toBe(0);
      expect(notices).toEqual([expect.objectContaining({ level: 40, service: 'akkoord', droppedLines: expect.any(Number) })]);
      const dropped = notices[0]!.droppedLines as number;
      expect(dropped).toBeGreaterThan(0);
      expect(accessLines).toBeGreaterThan(0);
      expect(accessLines + dropped).toBe(total);
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    }
  }, 120_000);
});

describe('maskedPath: a path with nothing to mask is returned as it is', () => {
  /** maskedPath as it was before the early return, for comparison. */
  function fullMasking(originalUrl: string): string {
    let decoded = originalUrl;
    for (let round = 0; round < 4 && decoded.includes('%'); round += 1) {
      const next = decoded.replace(/%([0-7][0-9A-Fa-f])/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      if (next === decoded) break;
      decoded = next;
    }
    decoded = decoded.split(/[?#]/)[0]!.replace(/[\\/]+/g, '/');
    return decoded.replace(/(^|\/)([cC])\/[^/]+/g, '$1$2/:token').replace(/[A-Za-z0-9_-]{32,}/g, ':token');
  }

  test('when any path is masked, then the answer equals the full masking', () => {
    const piece = fc.constantFrom('/', '//', 'c', 'C', '/c/', '%', '%63', '%2563', '?', '#', '\\', 'a', 'REF-1', 'x'.repeat(31), 'Ab3_-Zz9'.repeat(5), '-', '_', '.', 'é');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const url = parts.join('');
        expect(maskedPath(url)).toBe(fullMasking(url));
      }),
      { numRuns: 20000 },
    );
  });
});
