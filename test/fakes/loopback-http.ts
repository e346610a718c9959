import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The plumbing both provider fakes share: a node:http server on 127.0.0.1 with an ephemeral
 * port, a queue of scripted faults, artificial latency and waiting for recorded traffic.
 */

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface IncomingCall {
  method: string;
  /** Path only, without the query string. */
  path: string;
  /** Path and query string as requested. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

export async function startLoopbackServer(handle: (call: IncomingCall) => Promise<FakeResponse> | FakeResponse): Promise<LoopbackServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = req.url ?? '/';
      const call: IncomingCall = { method: req.method ?? 'GET', path: new URL(url, 'http://127.0.0.1').pathname, url, headers: req.headers, body: Buffer.concat(chunks) };
      Promise.resolve()
        .then(() => handle(call))
        .then(
          (answer) => {
            res.writeHead(answer.status, answer.headers ?? {});
            res.end(answer.body ?? '');
          },
          (error: unknown) => {
            res.writeHead(500, { 'Content-Type': 'text/plain' });
            res.end(`fake server error: ${String(error)}`);
          },
        );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    // The SDKs keep connections alive (Node 20's global agent does too): drop them, or close() waits.
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export type Fault = { kind: 'fail'; status: 500 | 503 } | { kind: 'rate-limit'; retryAfterSeconds: number };

/** Scripted failures, consumed one per API call in the order they were queued. */
export class FaultPlan {
  private queue: Fault[] = [];
  latencyMs = 0;

  failNext(count: number, status: 500 | 503 = 500): void {
    for (let i = 0; i < count; i++) this.queue.push({ kind: 'fail', status });
  }

  rateLimitNext(count: number, retryAfterSeconds: number): void {
    for (let i = 0; i < count; i++) this.queue.push({ kind: 'rate-limit', retryAfterSeconds });
  }

  take(): Fault | undefined {
    return this.queue.shift();
  }

  async delay(): Promise<void> {
    // Unref'd: an answer held back for a client that already gave up must not keep jest alive.
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs).unref());
  }

  reset(): void {
    this.queue = [];
    this.latencyMs = 0;
  }
}

/** Resolves with a copy of `items` once it holds at least `n` entries. */
export async function waitForCount<T>(items: () => readonly T[], n: number, timeoutMs: number, what: string): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  while (items().length < n) {
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${n} ${what}; got ${items().length}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return [...items()];
}

export async function postTo(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, body: await response.text() };
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): FakeResponse {
  return { status, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}
