import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

import type { CheckedTarget } from './url-guard';

/** What one attempt came to: a status code when the receiver answered, and our own words when it failed. */
export interface PostOutcome {
  ok: boolean;
  statusCode: number | null;
  /** Never the receiver's body (it could echo personal data); null when ok. */
  error: string | null;
  /** True when the attempt was cut off by `signal` (the worker stopping), not by the receiver. */
  aborted?: boolean;
}

/** An answer's body is read (and dropped) up to this many bytes so its connection can be reused; a longer body closes the connection. */
export const MAX_DRAINED_BODY_BYTES = 65_536;

/**
 * Kept-alive connections for webhooks: one agent per endpoint, bound to the ONE checked address
 * it was made for. The address is checked before every attempt (url-guard.ts); when the check
 * gives another address, the old agent and its sockets are closed and a new one is made, so a
 * pooled socket only ever goes to an address that was checked. `close()` destroys every socket.
 */
export class WebhookConnections {
  private readonly agents = new Map<string, { key: string; agent: http.Agent }>();

  constructor(private readonly maxSocketsPerEndpoint: number) {}

  agentFor(endpointId: string, target: CheckedTarget): http.Agent {
    const key = `${target.url.protocol}//${target.url.host}@${target.address}`;
    const current = this.agents.get(endpointId);
    if (current?.key === key) return current.agent;
    current?.agent.destroy();
    const options = { keepAlive: true, maxSockets: this.maxSocketsPerEndpoint, maxFreeSockets: this.maxSocketsPerEndpoint, timeout: 30_000, scheduling: 'lifo' as const };
    const agent = target.url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
    this.agents.set(endpointId, { key, agent });
    return agent;
  }

  /** Destroys every agent and socket (worker stop). Agents made later start afresh. */
  close(): void {
    for (const { agent } of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

export interface PostOptions {
  /** A keep-alive agent for the checked address (WebhookConnections); absent: a new connection, closed after the answer. */
  agent?: http.Agent;
  /** Aborts the attempt (worker stop). */
  signal?: AbortSignal;
}

/**
 * POSTs one webhook to the checked address (never a fresh DNS answer), with a deadline over the
 * whole attempt. Redirects are not followed (a 3xx is a failure). The status line decides; the
 * body is read and dropped (at most 64 KiB = 65,536 bytes, within the same deadline) so the
 * connection can be reused, else the socket is closed, so a receiver that streams forever or never
 * answers costs at most `timeoutMs`. A kept-alive socket that the receiver closed while idle is
 * retried once on a new connection (the documented keep-alive race).
 */
export function postWebhook(target: CheckedTarget, headers: Record<string, string>, body: string, timeoutMs: number, options: PostOptions = {}): Promise<PostOutcome> {
  const started = Date.now();
  return attempt(target, headers, body, timeoutMs, options).then((first) =>
    first.retry && !options.signal?.aborted ? attempt(target, headers, body, Math.max(1, timeoutMs - (Date.now() - started)), options).then((second) => second.outcome) : first.outcome,
  );
}

function attempt(target: CheckedTarget, headers: Record<string, string>, body: string, timeoutMs: number, options: PostOptions): Promise<{ outcome: PostOutcome; retry: boolean }> {
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const client = target.url.protocol === 'https:' ? https : http;
  const keepAlive = options.agent !== undefined;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome, retry = false): void => {
      if (settled) return;
      settled = true;
      resolve({ outcome, retry });
    };
    const req = client.request(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        agent: options.agent ?? false,
        headers: {
          ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Akkoord-Webhooks/1',
          ...(keepAlive ? {} : { connection: 'close' }),
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) finish({ ok: true, statusCode: status, error: null });
        else if (status >= 300 && status < 400) finish({ ok: false, statusCode: status, error: `redirect (HTTP ${status}) not followed` });
        else finish({ ok: false, statusCode: status, error: `HTTP ${status}` });
        if (!keepAlive) {
          res.destroy();
          req.destroy();
          cleanup();
          return;
        }
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_DRAINED_BODY_BYTES) req.destroy();
        });
        res.on('end', cleanup);
        res.on('close', cleanup);
        res.on('error', () => undefined);
      },
    );
    const deadline = setTimeout(() => {
      finish({ ok: false, statusCode: null, error: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    const onAbort = (): void => {
      finish({ ok: false, statusCode: null, error: 'the worker stopped before the answer', aborted: true });
      req.destroy();
    };
    function cleanup(): void {
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
    }
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => {
      cleanup();
      finish({ ok: false, statusCode: null, error: 'connection closed before an answer' });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
      finish({ ok: false, statusCode: null, error: `connection failed (${error.code ?? 'error'})` }, stale);
    });
    req.end(body);
  });
}
