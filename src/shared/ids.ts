import { randomBytes } from 'node:crypto';

/**
 * Opaque ids with a type prefix (API.md): time-ordered so that lists and cursors sort by creation,
 * with 80 random bits so they cannot be guessed.
 */
export type IdPrefix = 'cr' | 'evt' | 'org' | 'key' | 'msg' | 'doc' | 'whe' | 'whd' | 'dob' | 'usr' | 'sc';

export function newId(prefix: IdPrefix, at: Date = new Date()): string {
  const time = at.getTime().toString(36).padStart(9, '0');
  return `${prefix}_${time}${randomBytes(10).toString('base64url')}`;
}
