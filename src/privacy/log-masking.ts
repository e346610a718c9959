/**
 * What the logs may say about a URL or an error text. A personal link's token (46 base64url
 * characters, consent/link-token.ts) and an API key are credentials: they are masked however the
 * path was spelled (`/C/…`, `//c/…`, `/%63/…`, double percent-encoding, `..`, a query string), by
 * their shape anywhere in the text, and everything after `/c/` in any spelling of that prefix.
 */

/** 32 or more characters of the token alphabet: tokens (46) and API keys, not our ids (26). */
const CREDENTIAL_SHAPE = /[A-Za-z0-9_-]{32,}/g;
const MASK = ':token';

/** Undoes percent-encoding of ASCII characters (repeatedly, for double encoding); bad escapes stay. */
function decodeAscii(text: string): string {
  let current = text;
  for (let round = 0; round < 4 && current.includes('%'); round += 1) {
    const next = current.replace(/%([0-7][0-9A-Fa-f])/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === current) break;
    current = next;
  }
  return current;
}

/** Masks credential-shaped runs in any text (error messages, stacks). */
export function maskCredentials(text: string): string {
  return decodeAscii(text).replace(CREDENTIAL_SHAPE, MASK);
}

/**
 * A path with none of these is written as it is (maskedPath would not change it): no escape, query,
 * fragment, backslash or repeated slash, no `c/` segment and no credential-shaped run.
 */
const NEEDS_MASKING = /[%?#\\]|\/\/|(?:^|\/)[cC]\/|[A-Za-z0-9_-]{32}/;

/**
 * The path as the access log writes it: decoded, repeated slashes collapsed, without the query
 * string, the `/c/<anything>` segment masked (any case) and credential-shaped runs masked.
 */
export function maskedPath(originalUrl: string): string {
  if (!NEEDS_MASKING.test(originalUrl)) return originalUrl;
  const decoded = decodeAscii(originalUrl).split(/[?#]/)[0]!.replace(/[\\/]+/g, '/');
  return decoded.replace(/(^|\/)([cC])\/[^/]+/g, `$1$2/${MASK}`).replace(CREDENTIAL_SHAPE, MASK);
}

/** An error as the log may hold it: its type, and message and stack with credentials masked. */
export function maskedError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: maskCredentials(String(error)) };
  const out: Record<string, unknown> = { type: error.name, message: maskCredentials(error.message) };
  if (error.stack) out.stack = maskCredentials(error.stack);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  return out;
}
