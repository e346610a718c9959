import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Keyed hashes for looking staff up without storing what they are in the clear: an e-mail
 * address (sign-in) and a client address (counting failed attempts). HMAC-SHA256 with a key
 * derived (HKDF) from AUDIT_CHAIN_KEY: a key kept outside the database that is never rotated
 * (rotating it would break the audit chain), so lookups keep working; without the key, a copy of
 * the database cannot be searched for a known address.
 */
export class StaffLookupKey {
  private constructor(private readonly key: Buffer) {}

  static derive(secret: Buffer): StaffLookupKey {
    return new StaffLookupKey(Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'akkoord staff lookup v1', 32)));
  }

  private mac(domain: string, value: string): string {
    return createHmac('sha256', this.key).update(domain).update('\n').update(value).digest('hex');
  }

  /** Of a normalised (trimmed, lower-case) e-mail address. */
  email(normalised: string): string {
    return this.mac('email', normalised);
  }

  /** Of a client's IP address. */
  clientAddress(ip: string): string {
    return this.mac('ip', ip);
  }
}
