/**
 * The GSM 03.38 7-bit alphabet (3GPP TS 23.038). A text made only of these characters is sent
 * as GSM-7: one SMS segment holds 160 septets. One character outside it makes the whole message
 * UCS-2, where a segment holds only 70 characters, so a 150-character invite becomes three
 * billed parts. Names come from people ("Zoë", "Łukasz", "O’Brien", emoji), so they are mapped
 * with `toGsm7` before they go into an SMS.
 */

/** The basic character set, one septet each; the escape code 0x1B itself is left out. */
export const GSM7_BASIC_CHARS =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** The extension table: each costs two septets (escape + code). Form feed is its page break. */
export const GSM7_EXTENSION_CHARS = '\f^{}\\[~]|€';

/** Septets in one single-part SMS. */
export const SMS_SEGMENT_SEPTETS = 160;

const BASIC = new Set(GSM7_BASIC_CHARS);
const EXTENSION = new Set(GSM7_EXTENSION_CHARS);

/**
 * Characters that NFD does not turn into GSM-7: letters without a decomposition, typographic
 * punctuation and the invisible or odd spaces that pasted names bring along.
 */
const REPLACEMENTS: ReadonlyMap<string, string> = new Map([
  ['ł', 'l'],
  ['Ł', 'L'],
  ['ı', 'i'],
  ['đ', 'd'],
  ['Đ', 'D'],
  ['œ', 'oe'],
  ['Œ', 'OE'],
  ['’', "'"],
  ['‘', "'"],
  ['‚', "'"],
  ['‛', "'"],
  ['`', "'"],
  ['´', "'"],
  ['“', '"'],
  ['”', '"'],
  ['„', '"'],
  ['«', '"'],
  ['»', '"'],
  ['–', '-'],
  ['—', '-'],
  ['‐', '-'],
  ['‑', '-'],
  ['−', '-'],
  ['…', '...'],
  ['\u00a0', ' '],
  ['\u202f', ' '],
  ['\u2007', ' '],
  ['\u2009', ' '],
  ['\t', ' '],
]);

/** Left out rather than shown as "?": they carry nothing a reader would miss in a name. */
const INVISIBLE = /[\u00ad\u200b-\u200f\u2060\ufe00-\ufe0f\ufeff]|\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|[\u{e0020}-\u{e007f}]/u;
const COMBINING_MARK = /\p{M}/gu;

export const isGsm7Char = (char: string): boolean => BASIC.has(char) || EXTENSION.has(char);

/** True when every character of `text` is in the basic or the extension table. */
export function isGsm7(text: string): boolean {
  for (const char of text) if (!isGsm7Char(char)) return false;
  return true;
}

/** Septets `text` takes as GSM-7: 1 per basic character, 2 per extension character. Throws when `text` is not GSM-7. */
export function septetLength(text: string): number {
  let septets = 0;
  let index = 0;
  for (const char of text) {
    if (BASIC.has(char)) septets += 1;
    else if (EXTENSION.has(char)) septets += 2;
    else throw new RangeError(`not GSM-7: U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at index ${index}`);
    index += char.length;
  }
  return septets;
}

export interface ToGsm7Options {
  /** Stands in for a character that cannot be mapped (a letter from another script). Default "?". Must be GSM-7. */
  replacement?: string;
}

/**
 * A GSM-7 version of `text`: GSM-7 characters stay as they are (é, Ç, ü, ß …); others lose their
 * accents (ë → e, ł → l), typographic quotes and dashes become ' " -; emoji and invisible
 * characters are left out; anything else becomes `replacement`. Idempotent.
 */
export function toGsm7(text: string, options: ToGsm7Options = {}): string {
  const replacement = options.replacement ?? '?';
  if (!isGsm7(replacement)) throw new RangeError('toGsm7: the replacement must itself be GSM-7');
  let out = '';
  for (const char of text) out += mapChar(char, replacement);
  return out;
}

function mapChar(char: string, replacement: string): string {
  if (isGsm7Char(char)) return char;
  const replaced = REPLACEMENTS.get(char);
  if (replaced !== undefined) return replaced;
  if (INVISIBLE.test(char)) return '';
  // Decompose and drop the accents: "ë" → "e" + U+0308 → "e"; "ễ" → "e"; "ǖ" → "u". A character
  // whose remains are still not GSM-7 (a letter of another script) becomes one `replacement`.
  let mapped = '';
  for (const part of char.normalize('NFD').replace(COMBINING_MARK, '')) {
    const single = isGsm7Char(part) ? part : REPLACEMENTS.get(part);
    if (single === undefined) return replacement;
    mapped += single;
  }
  // A lone combining mark (its base letter was handled already) vanishes.
  return mapped;
}

export interface TruncateOptions {
  /** Appended when something was cut; default "...". Use "" to cut without a mark. */
  ellipsis?: string;
  /**
   * Cut before a word that would be broken ("Jongerenwerk Stic..." → "Jongerenwerk..."), as long
   * as at least half of the room is still used. Default false.
   */
  atWord?: boolean;
}

/**
 * `text` (GSM-7) cut to at most `maxSeptets`, ellipsis included. Cuts between characters, so an
 * extension character is never split from its escape; trailing spaces and punctuation before the
 * ellipsis go too ("De Brug, ..." → "De Brug..."). Returns `text` unchanged when it fits.
 */
export function truncateToSeptets(text: string, maxSeptets: number, options: TruncateOptions = {}): string {
  if (septetLength(text) <= maxSeptets) return text;
  const requested = options.ellipsis ?? '...';
  const ellipsis = septetLength(requested) <= maxSeptets ? requested : '';
  const budget = Math.max(0, maxSeptets - septetLength(ellipsis));
  let kept = '';
  let used = 0;
  let next = '';
  for (const char of text) {
    const cost = EXTENSION.has(char) ? 2 : 1;
    if (used + cost > budget) {
      next = char;
      break;
    }
    kept += char;
    used += cost;
  }
  if (options.atWord && next !== '' && !/\s/.test(next)) {
    const space = kept.search(/\s\S*$/);
    if (space >= kept.length / 2) kept = kept.slice(0, space);
  }
  const trimmed = ellipsis ? kept.replace(/[\s.,;:-]+$/, '') : kept;
  return trimmed + ellipsis;
}
