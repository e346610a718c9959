import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Personal links: `<base>/c/<token>`. The token is 144 random bits followed by a 128-bit HMAC
 * over them, base64url. A forged or truncated token fails the HMAC check before any store lookup;
 * only the SHA-256 of the token is stored, so a leaked database holds no working links.
 */
const RANDOM_BYTES = 18;
const MAC_BYTES = 16;
const TOKEN_LENGTH = Math.ceil(((RANDOM_BYTES + MAC_BYTES) * 8) / 6);

export class LinkTokens {
  constructor(private readonly key: Buffer) {}

  issue(): { token: string; hash: string } {
    const random = randomBytes(RANDOM_BYTES);
    const token = Buffer.concat([random, this.mac(random)]).toString('base64url');
    return { token, hash: hashToken(token) };
  }

  /** The token's hash when the token is authentic, otherwise null. */
  verify(token: string): string | null {
    if (token.length !== TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
    const raw = Buffer.from(token, 'base64url');
    if (raw.length !== RANDOM_BYTES + MAC_BYTES) return null;
    const expected = this.mac(raw.subarray(0, RANDOM_BYTES));
    if (!timingSafeEqual(expected, raw.subarray(RANDOM_BYTES))) return null;
    return hashToken(token);
  }

  /**
   * A key of its own for another purpose, derived from the link signing key with HKDF-SHA-256
   * (`info` names the purpose), so no new secret has to be configured and the link key itself is
   * never used for anything but links (issue 12: one-time codes).
   */
  deriveKey(info: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), info, 32));
  }

  private mac(random: Buffer): Buffer {
    return createHmac('sha256', this.key).update('akkoord-link-v1').update(random).digest().subarray(0, MAC_BYTES);
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
