import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * Staff passwords: node's scrypt (memory-hard), N = 2^log2N (17 in production: 128 MiB and a
 * few hundred milliseconds per hash), r = 8, p = 1, a 16-byte salt, a 32-byte hash. The cost is
 * stored with each hash, so raising it later still verifies older hashes.
 */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 200;
const R = 8;
const P = 1;
const KEY_BYTES = 32;

function scryptAsync(password: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** log2N;
  // scrypt needs 128 · N · r bytes; node refuses more than maxmem (32 MiB by default).
  const maxmem = 128 * N * r * 2;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { N, r, p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string, log2N: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, log2N, R, P);
  return `scrypt$${log2N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether the password matches the stored hash; a malformed hash matches nothing. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [log2N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![log2N, r, p].every(Number.isInteger) || log2N < 10 || log2N > 22) return false;
  const expected = Buffer.from(parts[5]!, 'base64url');
  const key = await scryptAsync(password, Buffer.from(parts[4]!, 'base64url'), log2N, r, p);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * Spends the time a real check takes, for an e-mail address without an account, so that the
 * answer's timing does not say whether the address has one.
 */
export async function spendPasswordTime(password: string, log2N: number): Promise<void> {
  await scryptAsync(password, Buffer.alloc(16), log2N, R, P);
}

let common: Set<string> | null = null;
function commonPasswords(): Set<string> {
  common ??= new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return common;
}

export type PasswordProblem = 'tooShort' | 'tooLong' | 'common' | 'email' | 'mismatch';

/** Why a new password is refused, or null: at least 12 characters, not a common one, not the person's e-mail address. */
export function passwordProblem(password: string, repeated: string, email: string): PasswordProblem | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return 'tooShort';
  if (length > MAX_PASSWORD_LENGTH) return 'tooLong';
  const lower = password.trim().toLowerCase();
  if (commonPasswords().has(lower)) return 'common';
  const address = email.trim().toLowerCase();
  if (lower === address || lower === address.split('@')[0]) return 'email';
  if (password !== repeated) return 'mismatch';
  return null;
}
