/**
 * CSV for "many at once" (issue 11): reading a list a youth worker pastes or uploads, and writing
 * an export. Written here rather than taken from a package because none is installed and the
 * format needs are small; the reader follows RFC 4180 and what spreadsheet programs really write:
 * a UTF-8 byte order mark, Windows-1252 from older Excel, `;` as separator (Dutch Excel) or `,`
 * or a tab, quoted fields with doubled quotes and line breaks inside, CRLF, LF or CR line ends.
 */

/** The largest list read, exactly: 1 MiB = 1,048,576 bytes. */
export const MAX_CSV_BYTES = 1024 * 1024;
/** The most people in one list (rows after the header, empty lines not counted). */
export const MAX_CSV_ROWS = 2000;

export type CsvProblem =
  | { kind: 'too_large' }
  | { kind: 'too_many_rows'; rows: number }
  | { kind: 'unclosed_quote'; line: number }
  | { kind: 'empty' }
  /** The header lacks columns a request needs (names as in BULK_COLUMNS). */
  | { kind: 'missing_columns'; columns: string[] }
  /** A header but nobody under it. */
  | { kind: 'no_rows' };

export class CsvError extends Error {
  constructor(readonly problem: CsvProblem) {
    super(`CSV: ${problem.kind}`);
    this.name = 'CsvError';
  }
}

export interface CsvTable {
  separator: ';' | ',' | '\t';
  header: string[];
  /** Data rows with the line each starts on (1 is the header's line); empty lines are left out. */
  rows: { line: number; cells: string[] }[];
}

/** UTF-8 when it is valid UTF-8 (byte order mark dropped), otherwise Windows-1252 (Excel's "CSV" on Windows). */
export function decodeCsvBytes(bytes: Buffer): string {
  if (bytes.length > MAX_CSV_BYTES) throw new CsvError({ kind: 'too_large' });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    text = new TextDecoder('windows-1252').decode(bytes);
  }
  return text;
}

/** The separator of the first line that is not empty, counted outside quotes; `,` when there is none. */
function detectSeparator(text: string): ';' | ',' | '\t' {
  const counts = { ';': 0, ',': 0, '\t': 0 };
  let quoted = false;
  let seen = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) {
      if (seen) break;
    } else if (!quoted && (ch === ';' || ch === ',' || ch === '\t')) counts[ch] += 1;
    else if (ch.trim() !== '') seen = true;
  }
  if (counts[';'] === 0 && counts[','] === 0 && counts['\t'] === 0) return ',';
  if (counts['\t'] >= counts[';'] && counts['\t'] >= counts[',']) return '\t';
  return counts[';'] >= counts[','] ? ';' : ',';
}

/**
 * Reads the text into rows of cells. Cells are trimmed; a row whose cells are all empty is left
 * out. Refuses (CsvError) text over MAX_CSV_BYTES, more than MAX_CSV_ROWS data rows, a quote that
 * is never closed, and a list without a header.
 */
export function parseCsv(input: string): CsvTable {
  if (Buffer.byteLength(input, 'utf8') > MAX_CSV_BYTES) throw new CsvError({ kind: 'too_large' });
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const separator = detectSeparator(text);
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;
  const endRecord = () => {
    cells.push(cell.trim());
    cell = '';
    if (cells.some((c) => c !== '')) {
      records.push({ line: recordLine, cells });
      if (records.length > MAX_CSV_ROWS + 1) throw new CsvError({ kind: 'too_many_rows', rows: records.length - 1 });
    }
    cells = [];
  };
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 1;
        } else quoted = false;
      } else {
        if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line += 1;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell.trim() === '') {
      // A quote opens a quoted field only at its start (spaces before it are allowed); elsewhere it is text.
      cell = '';
      quoted = true;
      quoteLine = line;
    } else if (ch === separator) {
      cells.push(cell.trim());
      cell = '';
    } else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      endRecord();
      line += 1;
      recordLine = line;
    } else cell += ch;
  }
  if (quoted) throw new CsvError({ kind: 'unclosed_quote', line: quoteLine });
  endRecord();
  const [header, ...rows] = records;
  if (!header) throw new CsvError({ kind: 'empty' });
  return { separator, header: header.cells, rows };
}

/**
 * A cell a spreadsheet program would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage
 * return before one) gets a leading `'`, so an exported name like `=HYPERLINK(…)` stays text (CSV
 * injection, OWASP).
 */
export function safeCsvCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function quoteCell(value: string, separator: string): string {
  return value.includes('"') || value.includes(separator) || /[\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * An export for spreadsheet programs: a byte order mark (so Excel reads UTF-8), `;` between
 * cells (Dutch Excel), CRLF line ends, every cell guarded against CSV injection and quoted when needed.
 */
export function writeCsv(rows: readonly (readonly string[])[], separator: ';' | ',' = ';'): string {
  return `\uFEFF${rows.map((row) => row.map((cell) => quoteCell(safeCsvCell(cell), separator)).join(separator)).join('\r\n')}\r\n`;
}

/**
 * A date of birth as a list has it: YYYY-MM-DD, or DD-MM-YYYY with `-`, `/` or `.` (Dutch
 * spreadsheets show 2-4-2014), to YYYY-MM-DD; null for anything else. Whether the day exists is
 * the request rules' business (consent/age.ts), not this conversion's.
 */
export function isoDateOf(raw: string): string | null {
  const value = raw.trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
  if (iso) return `${iso[1]}-${iso[2]!.padStart(2, '0')}-${iso[3]!.padStart(2, '0')}`;
  const dutch = /^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$/.exec(value);
  if (dutch) return `${dutch[4]}-${dutch[3]!.padStart(2, '0')}-${dutch[1]!.padStart(2, '0')}`;
  return null;
}
