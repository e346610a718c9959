/**
 * Names and other one-line free text that people type and that reach e-mail subjects, SMS, pages
 * and PDFs. One rule for every such field:
 *
 * - refused: text that is not well-formed Unicode (an unpaired surrogate such as U+D800);
 *   control characters (C0 U+0000–U+001F, DEL U+007F, C1 U+0080–U+009F) inside the text, since
 *   a line break or tab in a name can split an e-mail header or a page line (leading and
 *   trailing ones are whitespace and trimmed); and the bidi embeddings, overrides and isolates
 *   U+202A–U+202E and U+2066–U+2069, which make a name read in another order than it is stored
 *   ("\u202EevoR" shows as "Rove"), so what a person sees is not what was recorded;
 * - removed: invisible characters, i.e. Unicode's default-ignorable code points and format
 *   characters (zero-width space/joiners U+200B–U+200D, word joiner U+2060, BOM U+FEFF, soft
 *   hyphen U+00AD, bidi marks U+200E/U+200F/U+061C, U+180E, variation selectors, tag characters,
 *   the Hangul fillers U+115F/U+1160/U+3164/U+FFA0) and the blank braille pattern U+2800: they
 *   change nothing a reader sees, but would make two equal-looking names differ;
 * - normalised: NFC (so "e" + combining diaeresis and "ë" are one name), trimmed, and every run
 *   of whitespace (including no-break and ideographic spaces) becomes one space.
 *
 * A name that is empty after this (say, only zero-width spaces) is empty.
 */
export type TextProblem = 'surrogate' | 'control' | 'bidi' | 'empty';

export type CleanText = { ok: true; value: string } | { ok: false; problem: TextProblem };

const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/u;
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}\u2800]/gu;
const CONTROL = /\p{Cc}/u;
// With the u flag a paired surrogate is one code point; only an unpaired half is category Cs.
const LONE_SURROGATE = /\p{Cs}/u;
const WHITESPACE_RUN = /\s+/gu;

export function cleanText(raw: string): CleanText {
  if (LONE_SURROGATE.test(raw)) return { ok: false, problem: 'surrogate' };
  const normal = raw.normalize('NFC');
  if (BIDI_CONTROLS.test(normal)) return { ok: false, problem: 'bidi' };
  const visible = normal.replace(INVISIBLE, '').trim();
  if (CONTROL.test(visible)) return { ok: false, problem: 'control' };
  const value = visible.replace(WHITESPACE_RUN, ' ');
  return value === '' ? { ok: false, problem: 'empty' } : { ok: true, value };
}

/** For API callers (developers), in English; the signing page uses its own i18n keys. */
export const TEXT_PROBLEM_MESSAGES: Record<TextProblem, string> = {
  surrogate: 'Is not valid Unicode text: it holds an unpaired surrogate (such as U+D800).',
  control: 'Must not contain control characters such as line breaks or tabs (U+0000–U+001F, U+007F–U+009F).',
  bidi: 'Must not contain bidirectional embedding, override or isolate characters (U+202A–U+202E, U+2066–U+2069): they make text display in another order than it is stored.',
  empty: 'Must not be empty; invisible characters such as zero-width spaces do not count.',
};

/**
 * For text we keep but do not ask a person to fix, such as an uploaded file's name: the same
 * characters that `cleanText` refuses are dropped instead (an unpaired surrogate, control
 * characters, bidi controls), and the rest is cleaned alike. Null when nothing visible remains.
 */
export function stripToVisible(raw: string): string | null {
  const value = raw
    .replace(/\p{Cs}/gu, '')
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(/\p{Cc}+/gu, ' ')
    .trim()
    .replace(WHITESPACE_RUN, ' ');
  return value === '' ? null : value;
}
