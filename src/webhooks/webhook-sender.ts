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
}

/**
 * POSTs one webhook to the checked address (never a fresh DNS answer), with a deadline over the
 * whole attempt. Redirects are not followed (a 3xx is a failure). The answer's body is not read:
 * the status line decides, and the socket is closed at once, so a receiver that streams forever
 * or never answers costs at most `timeoutMs`.
 */
export function postWebhook(target: CheckedTarget, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostOutcome> {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(outcome);
    };
    const req = client.request(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        agent: false,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Akkoord-Webhooks/1', connection: 'close' },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        res.destroy();
        req.destroy();
        if (status >= 200 && status < 300) finish({ ok: true, statusCode: status, error: null });
        else if (status >= 300 && status < 400) finish({ ok: false, statusCode: status, error: `redirect (HTTP ${status}) not followed` });
        else finish({ ok: false, statusCode: status, error: `HTTP ${status}` });
      },
    );
    const deadline = setTimeout(() => {
      finish({ ok: false, statusCode: null, error: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, statusCode: null, error: `connection failed (${error.code ?? 'error'})` }));
    req.end(body);
  });
}
