import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Per-field encryption of personal data with AES-256-GCM. Every value carries the id of the key
 * that sealed it, so keys can be rotated: new values use the first (active) key, old values stay
 * readable while their key is still in the ring. The context (table.column) is bound as AAD, so
 * a ciphertext copied into another column does not decrypt.
 */
export interface KeyRing {
  activeKeyId: string;
  keys: Map<string, Buffer>;
}

const FORMAT = 'v1';

export function parseKeyRing(spec: string): KeyRing {
  const keys = new Map<string, Buffer>();
  let activeKeyId = '';
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const colon = part.indexOf(':');
    if (colon <= 0) throw new Error('each key must look like <id>:<base64 of 32 bytes>');
    const id = part.slice(0, colon);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error(`key id "${id}" may only hold letters, digits, _ and -`);
    const key = Buffer.from(part.slice(colon + 1), 'base64');
    if (key.length !== 32) throw new Error(`key "${id}" must be 32 bytes (base64), got ${key.length}`);
    if (keys.has(id)) throw new Error(`key id "${id}" appears twice`);
    keys.set(id, key);
    if (!activeKeyId) activeKeyId = id;
  }
  if (!activeKeyId) throw new Error('no keys given');
  return { activeKeyId, keys };
}

/**
 * What the store records to recognise a key later: an HMAC made with the key over a fixed text,
 * 16 bytes in hex. It names the key without revealing it (a plain hash of a key would be a way to
 * test guesses; this needs the key itself).
 */
export function keyFingerprint(key: Buffer): string {
  return createHmac('sha256', key).update('akkoord key fingerprint v1').digest().subarray(0, 16).toString('hex');
}

export class FieldCipher {
  constructor(private readonly ring: KeyRing) {}

  encrypt(plain: string, context: string): string {
    return this.encryptBytes(Buffer.from(plain, 'utf8'), context).toString('base64url');
  }

  decrypt(sealed: string, context: string): string {
    return this.decryptBytes(Buffer.from(sealed, 'base64url'), context).toString('utf8');
  }

  encryptOptional(plain: string | null | undefined, context: string): string | null {
    return plain === null || plain === undefined ? null : this.encrypt(plain, context);
  }

  decryptOptional(sealed: string | null | undefined, context: string): string | null {
    return sealed === null || sealed === undefined ? null : this.decrypt(sealed, context);
  }

  /** The key id a sealed value (text or binary form, or its first 64 bytes/characters) names; null when it is not ours. */
  keyIdOf(sealed: string | Buffer): string | null {
    const bytes = typeof sealed === 'string' ? Buffer.from(sealed.slice(0, 64), 'base64url') : sealed;
    if (bytes.subarray(0, 2).toString() !== FORMAT) return null;
    const kidLen = bytes[2] ?? 0;
    if (kidLen === 0 || bytes.length < 3 + kidLen) return null;
    return bytes.subarray(3, 3 + kidLen).toString('utf8');
  }

  /** Opens a value in either form: text (base64url) or binary. */
  decryptAny(sealed: string | Buffer, context: string): Buffer {
    return this.decryptBytes(typeof sealed === 'string' ? Buffer.from(sealed, 'base64url') : sealed, context);
  }

  /** Binary form, for documents and images: `v1|kidLen|kid|iv(12)|tag(16)|ciphertext`. */
  encryptBytes(plain: Buffer, context: string): Buffer {
    const kid = Buffer.from(this.ring.activeKeyId, 'utf8');
    const key = this.ring.keys.get(this.ring.activeKeyId)!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from(FORMAT), Buffer.from([kid.length]), kid, iv, cipher.getAuthTag(), body]);
  }

  decryptBytes(sealed: Buffer, context: string): Buffer {
    if (sealed.subarray(0, 2).toString() !== FORMAT) throw new Error('unknown ciphertext format');
    const kidLen = sealed[2] ?? 0;
    const kid = sealed.subarray(3, 3 + kidLen).toString('utf8');
    const key = this.ring.keys.get(kid);
    if (!key) throw new Error(`encryption key "${kid}" is not configured`);
    const offset = 3 + kidLen;
    const iv = sealed.subarray(offset, offset + 12);
    const tag = sealed.subarray(offset + 12, offset + 28);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(offset + 28)), decipher.final()]);
  }
}
