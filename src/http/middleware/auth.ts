import type { RequestHandler } from 'express';

import { AppError } from '../../errors';
import { authenticateApiKey } from '../../organisations/api-keys';
import type { Store } from '../../storage/store';
import { minuteWindow, sendRateLimited } from './rate-limit';

export interface ApiAuth {
  organisationId: string;
  keyId: string;
  /** The name the organisation gave the key; printed on paper records as who recorded them. */
  keyName: string;
  /** The key may only read consent status (issue 13): see statusReadOnly below. */
  statusOnly: boolean;
}

const CACHE_TTL_MS = 10_000;
const CACHE_MAX = 1_000;

/**
 * Bearer API key → the organisation it belongs to; everything after sees only that organisation.
 * A valid key is remembered for 10 s (by its secret, in memory only), so the status lookups that
 * registration systems make in bursts do not hash and query for every request. A remembered key
 * is used only while the store's key generation is the one seen when it was looked up: a revoke
 * (in any process sharing the store) bumps it, so the key stops working at once. The generation is
 * one prepared single-row SELECT (about 2 µs), read at most once per event-loop turn: requests that
 * arrive together in one turn share the read, and every request handled in a later turn than the
 * revoke's commit reads it anew.
 * Failed attempts are counted per client address: past `failuresPerMinute` in a minute, that
 * address gets 429 for every key not already remembered, without hashing or querying. Only
 * failures count, so a valid key costs nothing extra.
 */
export function requireApiKey(store: Store, now: () => number = Date.now, failuresPerMinute = Number.POSITIVE_INFINITY): RequestHandler {
  const cache = new Map<string, { auth: ApiAuth; until: number; generation: number }>();
  let turnGeneration: number | null = null;
  const forgetGeneration = () => {
    turnGeneration = null;
  };
  const generation = (): number => {
    if (turnGeneration === null) {
      turnGeneration = store.apiKeyGeneration();
      setImmediate(forgetGeneration);
    }
    return turnGeneration;
  };
  const failures = minuteWindow(failuresPerMinute, now);
  const lookUp = async (secret: string, req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1], next: Parameters<RequestHandler>[2]): Promise<void> => {
    const address = req.ip ?? 'unknown';
    const blocked = failures.over(address);
    if (blocked !== null) return sendRateLimited(res, blocked);
    // Read before the key: a revoke committed in between leaves this entry already out of date.
    const seen = generation();
    const key = secret ? await authenticateApiKey(store, secret) : null;
    if (!key) {
      failures.hit(address);
      res.setHeader('WWW-Authenticate', 'Bearer');
      next(new AppError('unauthorized', 'Send a valid API key as "Authorization: Bearer <key>".'));
      return;
    }
    const auth: ApiAuth = { organisationId: key.organisationId, keyId: key.id, keyName: key.name, statusOnly: key.scope === 'status-read' };
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(secret, { auth, until: now() + CACHE_TTL_MS, generation: seen });
    res.locals.auth = auth;
    next();
  };
  // Synchronous when the key is cached: no promise per request on the hot path.
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const secret = header.startsWith('Bearer ') ? header.slice(7).trim() : (/^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? '');
    const cached = cache.get(secret);
    if (cached && cached.until > now() && cached.generation === generation()) {
      res.locals.auth = cached.auth;
      next();
      return;
    }
    return lookUp(secret, req, res, next);
  };
}

export function authOf(locals: Record<string, unknown>): ApiAuth {
  return locals.auth as ApiAuth;
}

/**
 * A key with scope 'status-read' reads consent status and nothing else: the single lookup (mounted
 * on the app ahead of the API router, which never reaches this guard) and the batch lookup. Every
 * other API route answers 403, before its handler reads a body or a row.
 */
export const statusReadOnly: RequestHandler = (req, res, next) => {
  const auth = authOf(res.locals);
  if (!auth.statusOnly || (req.method === 'POST' && req.path === '/subjects/consent-status') || (req.method === 'GET' && /^\/subjects\/[^/]+\/consent$/.test(req.path))) return next();
  next(new AppError('forbidden', 'This API key may only read consent status (GET /subjects/{reference}/consent and POST /subjects/consent-status).'));
};
