import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';

import { canonicalJson } from '../../evidence/audit-chain';
import { AppError } from '../../errors';
import type { Clock } from '../../shared/clock';
import { IDEMPOTENCY_KEY_TTL_MS, IDEMPOTENCY_RESERVATION_STALE_MS } from '../../shared/idempotency-windows';
import type { IdempotencyRecord, Store } from '../../storage/store';
import { authOf } from './auth';

/** Whether an earlier use of a key no longer counts: a reservation that died, or an old answer. */
export function hasExpired(record: IdempotencyRecord, now: Date): boolean {
  const age = now.getTime() - record.createdAt.getTime();
  return record.status === null ? age >= IDEMPOTENCY_RESERVATION_STALE_MS : age >= IDEMPOTENCY_KEY_TTL_MS;
}

/**
 * `Idempotency-Key` on creating POSTs: the first response (2xx or 4xx) is stored and replayed for
 * the same key and body for 24 hours; the same key with another body is a 422; a key whose first
 * request is still running is a 409. A 5xx releases the key so the caller can retry, and so does a
 * client that goes away before its body arrived (an aborted upload). A reservation that never got
 * a response (the process died) is taken over by a retry after 10 minutes. For multipart uploads
 * (paper scans) the body is not compared: the same key replays the first answer.
 */
export function idempotency(store: Store, clock: Clock): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (key === undefined) return next();
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) return next(AppError.validation('Idempotency-Key', 'Use 1–255 visible ASCII characters.'));
    const { organisationId } = authOf(res.locals);
    // A multipart upload is read later, by its route, and a retry brings a new boundary: for those
    // the key alone names the request (method and path must still match).
    const body = req.is('multipart/form-data') ? 'multipart' : canonicalJson(req.body ?? null);
    const fingerprint = createHash('sha256').update(`${req.method} ${req.baseUrl}${req.path}\n${body}`).digest('hex');
    const now = clock.now();
    let earlier = await store.reserveIdempotencyKey(organisationId, key, fingerprint, now);
    if (earlier && hasExpired(earlier, now)) {
      const taken = await store.takeOverIdempotencyKey(organisationId, key, earlier.createdAt, fingerprint, now);
      // Another retry took it over first: answer as that one's reservation dictates.
      earlier = taken ? null : await store.reserveIdempotencyKey(organisationId, key, fingerprint, now);
    }
    if (earlier) {
      if (earlier.requestHash !== fingerprint) return next(new AppError('idempotency_mismatch', 'This Idempotency-Key was already used with a different request body.', { errors: [{ path: 'Idempotency-Key', message: 'already used with a different body' }] }));
      if (earlier.status === null) return next(new AppError('conflict', 'A request with this Idempotency-Key is still being processed; retry shortly.'));
      res.setHeader('Idempotent-Replayed', 'true');
      if (earlier.location) res.setHeader('Location', earlier.location);
      const type = earlier.status >= 400 ? 'application/problem+json' : 'application/json';
      res.status(earlier.status).type(type).send(earlier.body);
      return;
    }
    let settled = false;
    const release = () => store.releaseIdempotencyKey(organisationId, key, now).catch(() => undefined);
    // The client went away before its whole body arrived: the request cannot have been carried out.
    res.on('close', () => {
      if (!settled && !req.complete) {
        settled = true;
        void release();
      }
    });
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      if (!settled) {
        settled = true;
        const status = res.statusCode;
        const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body);
        const location = (res.getHeader('location') as string | undefined) ?? null;
        if (status >= 500 || !req.complete) void release();
        else store.completeIdempotencyKey(organisationId, key, { status, body: text, location }, now).catch(() => undefined);
      }
      return send(body);
    };
    next();
  };
}
