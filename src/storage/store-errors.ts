/**
 * Errors that mean "the store is busy, try again" rather than "this request is wrong": SQLite's
 * lock time-outs (another process held the write lock longer than busy_timeout). The HTTP layer
 * answers them with 503 and Retry-After instead of a 500.
 */
export function isTransientStoreError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
