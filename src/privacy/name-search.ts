import { createHmac } from 'node:crypto';

/**
 * Searching encrypted names (issue 11). Names are stored encrypted with a random IV, so equal names
 * give different ciphertexts and SQL cannot compare them. Instead the store keeps, per request, keyed
 * hashes (HMAC-SHA-256) of the normalised name terms, written with the request and looked up with
 * the hash of the normalised search text. Without the key a hash reveals nothing and cannot be
 * tested against a list of names; the organisation id is part of the hashed text, so equal names
 * in two organisations give different hashes.
 */

/** Lower case, accents stripped (é → e, ï → i), every run of white space one space, trimmed. */
export function normaliseName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim();
}

/**
 * The terms a request can be found by: first name, last name, "first last", and every single word
 * of the names, so that "Vries" finds "de Vries" and "Willem" finds "Jan-Willem". At most 200
 * characters each; empty terms are skipped.
 */
export function nameSearchTerms(firstName: string, lastName: string | null): string[] {
  const first = normaliseName(firstName);
  const last = normaliseName(lastName ?? '');
  const terms = new Set<string>([first, last, normaliseName(`${first} ${last}`)]);
  for (const word of `${first} ${last}`.split(/[\s-]+/u)) terms.add(word);
  return [...terms].filter((t) => t.length > 0 && t.length <= 200);
}

/** The key that makes the hashes: derived (HKDF-SHA-256) from a service key, never stored. */
export class NameSearchKey {
  private constructor(private readonly key: Buffer) {}

  /** The purpose the key is derived for from the audit chain key (AuditChainKey.deriveKey). */
  static readonly PURPOSE = 'akkoord name search v1';

  static from(key: Buffer): NameSearchKey {
    if (key.length < 32) throw new Error('the name search key must be at least 32 bytes');
    return new NameSearchKey(Buffer.from(key));
  }

  /** 16 bytes of HMAC in hex: enough to tell names apart, short in an index. */
  hash(organisationId: string, normalisedTerm: string): string {
    return createHmac('sha256', this.key).update(organisationId).update('\n').update(normalisedTerm).digest().subarray(0, 16).toString('hex');
  }

  /** The hashes of every term of a name. */
  hashesOf(organisationId: string, firstName: string, lastName: string | null): string[] {
    return nameSearchTerms(firstName, lastName).map((term) => this.hash(organisationId, term));
  }

  /** The hash to look a search text up with; null when nothing of it is left after normalising. */
  queryHash(organisationId: string, text: string): string | null {
    const term = normaliseName(text);
    return term.length > 0 && term.length <= 200 ? this.hash(organisationId, term) : null;
  }
}
