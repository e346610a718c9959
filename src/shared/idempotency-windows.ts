/**
 * How long an `Idempotency-Key` holds. Shared by the HTTP middleware that applies them and the
 * worker job that prunes old keys.
 *
 * A reservation without a stored response older than 10 minutes belongs to a request that died
 * (a crash, an aborted upload): a retry takes it over and runs. The longest request is a paper
 * upload: Node stops receiving a request after 300 s (`server.requestTimeout`), and sealing then
 * takes at most 3 time-stamp attempts of `TSA_TIMEOUT_MS` (3 × 5 s by default) plus rendering, so
 * 10 minutes is well past it unless `TSA_TIMEOUT_MS` is raised above about 90 s.
 */
export const IDEMPOTENCY_RESERVATION_STALE_MS = 10 * 60_000;

/** A stored response is replayed for 24 hours after the key was first used; then the key is free again. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;
