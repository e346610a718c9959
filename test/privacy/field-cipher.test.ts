import { randomBytes } from 'node:crypto';

import { FieldCipher, parseKeyRing } from '../../src/privacy/field-cipher';

const key = () => randomBytes(32).toString('base64');

describe('field cipher', () => {
  test('when a value is sealed, then it opens with the same context and hides the plain text', () => {
    const cipher = new FieldCipher(parseKeyRing(`k1:${key()}`));
    const sealed = cipher.encrypt('Zoë de Vries', 'people.name');
    // Long enough that random ciphertext cannot contain it by chance ("Zo" could: 1 in ~50 runs).
    expect(sealed).not.toContain('Vries');
    expect(Buffer.from(sealed, 'base64url').includes(Buffer.from('Vries'))).toBe(false);
    expect(cipher.decrypt(sealed, 'people.name')).toBe('Zoë de Vries');
  });

  test('when a sealed value is moved to another column, then it does not open', () => {
    const cipher = new FieldCipher(parseKeyRing(`k1:${key()}`));
    expect(() => cipher.decrypt(cipher.encrypt('x', 'a.b'), 'a.c')).toThrow();
  });

  test('when the keys rotate, then old values still open and new values use the new key', () => {
    const k1 = key();
    const old = new FieldCipher(parseKeyRing(`k1:${k1}`)).encrypt('06 12345678', 'c');
    const rotated = new FieldCipher(parseKeyRing(`k2:${key()},k1:${k1}`));
    expect(rotated.decrypt(old, 'c')).toBe('06 12345678');
    const fresh = rotated.encrypt('y', 'c');
    expect(Buffer.from(fresh, 'base64url').subarray(3, 5).toString()).toBe('k2');
  });

  test('when a key spec is wrong, then the error says what is wrong', () => {
    expect(() => parseKeyRing('k1:short')).toThrow(/32 bytes/);
    expect(() => parseKeyRing('nokey')).toThrow(/<id>:<base64/);
    expect(() => parseKeyRing(`k1:${key()},k1:${key()}`)).toThrow(/twice/);
  });

  test('when a ciphertext is tampered with, then it does not open', () => {
    const cipher = new FieldCipher(parseKeyRing(`k1:${key()}`));
    const sealed = Buffer.from(cipher.encrypt('secret', 'c'), 'base64url');
    sealed.writeUInt8(sealed.readUInt8(sealed.length - 1) ^ 1, sealed.length - 1);
    expect(() => cipher.decrypt(sealed.toString('base64url'), 'c')).toThrow();
  });
});
