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
 * False for a path that maskedPath would return as it is: no escape, query, fragment, backslash or
 * repeated slash, no `c/` segment and no run of 32 credential characters. One pass over the
 * characters (the access log asks this for every answer; a regular expression with these
 * alternatives cost about 1 µs a path).
 */
function needsMasking(path: string): boolean {
  let run = 0;
  for (let i = 0; i < path.length; i += 1) {
    const c = path.charCodeAt(i);
    // % ? # \
    if (c === 37 || c === 63 || c === 35 || c === 92) return true;
    if (c === 47) {
      // '//', or 'c/' / 'C/' at the start of the path or of a segment
      const before = i > 0 ? path.charCodeAt(i - 1) : -1;
      if (before === 47) return true;
      if ((before === 99 || before === 67) && (i === 1 || path.charCodeAt(i - 2) === 47)) return true;
    }
    // A-Z a-z 0-9 _ -
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45) {
      run += 1;
      if (run >= 32) return true;
    } else {
      run = 0;
    }
  }
  return false;
}

/**
 * The path as the access log writes it: decoded, repeated slashes collapsed, without the query
 * string, the `/c/<anything>` segment masked (any case) and credential-shaped runs masked.
 */
export function maskedPath(originalUrl: string): string {
  if (!needsMasking(originalUrl)) return originalUrl;
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
