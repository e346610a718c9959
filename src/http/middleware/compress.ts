import compression from 'compression';
import type { RequestHandler } from 'express';

/**
 * gzip or brotli (whichever the client prefers; brotli at quality 4, gzip at level 6) for text
 * answers of at least 1 KiB (1,024 bytes): pages, CSS, JavaScript, JSON. Not for PDFs (already
 * compressed: a second pass costs CPU and saves nothing), nor for anything the `compression`
 * package's default filter skips (images, `Cache-Control: no-transform`).
 *
 * BREACH (README "Privacy and security"): a compressed page that holds a secret and reflects text
 * an attacker chooses can leak the secret through its size. The pages that hold one (the CSRF
 * token, the link token in the signing page's address, the child's name) are compressed all the
 * same, because an attacker cannot make a victim's browser fetch them with the secret in them:
 * the signing page needs the link token, and the CSRF cookie is SameSite=Strict, so every request
 * an attacker's site sets off comes without it and gets a fresh random token of its own.
 */
export function compressResponses(): RequestHandler {
  return compression({
    threshold: 1024,
    filter: (req, res) => {
      const type = String(res.getHeader('Content-Type') ?? '');
      if (/^application\/pdf\b/i.test(type)) return false;
      return compression.filter(req, res);
    },
  });
}
