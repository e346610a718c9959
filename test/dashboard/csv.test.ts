import { CsvError, decodeCsvBytes, isoDateOf, MAX_CSV_BYTES, MAX_CSV_ROWS, parseCsv, safeCsvCell, writeCsv } from '../../src/dashboard/csv';
import { mapHeader, rowsOfTable } from '../../src/dashboard/bulk-requests';

const problemOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof CsvError) return error.problem;
    throw error;
  }
  return null;
};

describe('reading a list (CSV)', () => {
  test('when Dutch Excel writes it (BOM, ; separators, CRLF), then the cells come out without the BOM', () => {
    const table = parseCsv('\uFEFFvoornaam;achternaam;geboortedatum\r\nSam;de Vries;02-04-2014\r\n');
    expect(table.separator).toBe(';');
    expect(table.header).toEqual(['voornaam', 'achternaam', 'geboortedatum']);
    expect(table.rows).toEqual([{ line: 2, cells: ['Sam', 'de Vries', '02-04-2014'] }]);
  });

  test('when the list uses commas and quotes, then quoted separators, doubled quotes and line breaks stay inside their cell', () => {
    const table = parseCsv('first name,last name,note\n"Sam","de Vries, jr.","zegt ""hoi""\nen dag"\nNoor,Bakker,x\n');
    expect(table.separator).toBe(',');
    expect(table.rows).toEqual([
      { line: 2, cells: ['Sam', 'de Vries, jr.', 'zegt "hoi"\nen dag'] },
      { line: 4, cells: ['Noor', 'Bakker', 'x'] },
    ]);
  });

  test('when a header has semicolons and commas, then the separator is the one that occurs most outside quotes', () => {
    expect(parseCsv('"a,b";c;d\n1;2;3').separator).toBe(';');
    expect(parseCsv('a;b,c,d\n1').separator).toBe(',');
    expect(parseCsv('a\tb\tc\n1\t2\t3').rows[0]!.cells).toEqual(['1', '2', '3']);
  });

  test('when there are empty lines, lines of only separators, and old Mac CR line ends, then those lines are skipped and line numbers still count them', () => {
    const table = parseCsv('voornaam;referentie\r\r\nSam;R-1\r;\r\n\rNoor;R-2');
    expect(table.rows).toEqual([
      { line: 3, cells: ['Sam', 'R-1'] },
      { line: 6, cells: ['Noor', 'R-2'] },
    ]);
  });

  test('when a quote is never closed, then the list is refused naming the line it opened on', () => {
    expect(problemOf(() => parseCsv('a;b\n1;2\n3;"4\n5;6'))).toEqual({ kind: 'unclosed_quote', line: 3 });
  });

  test('when a quote appears inside an unquoted cell, then it is text', () => {
    expect(parseCsv('a;b\nO"Neil;2').rows[0]!.cells).toEqual(['O"Neil', '2']);
  });

  test(`when a list has ${MAX_CSV_ROWS} people, then it is read; with ${MAX_CSV_ROWS + 1}, it is refused`, () => {
    const list = (n: number) => ['voornaam;referentie', ...Array.from({ length: n }, (_, i) => `P${i};R-${i}`)].join('\n');
    expect(parseCsv(list(MAX_CSV_ROWS)).rows).toHaveLength(MAX_CSV_ROWS);
    expect(problemOf(() => parseCsv(list(MAX_CSV_ROWS + 1)))).toEqual({ kind: 'too_many_rows', rows: MAX_CSV_ROWS + 1 });
  });

  test('when a list is larger than 1 MiB (1,048,576 bytes), then it is refused; exactly 1 MiB is read', () => {
    const exact = `a\n${'x'.repeat(MAX_CSV_BYTES - 2)}`;
    expect(parseCsv(exact).rows).toHaveLength(1);
    expect(problemOf(() => parseCsv(`${exact}x`))).toEqual({ kind: 'too_large' });
    expect(problemOf(() => decodeCsvBytes(Buffer.alloc(MAX_CSV_BYTES + 1, 0x61)))).toEqual({ kind: 'too_large' });
  });

  test('when the list is empty or only blank lines, then it is refused as empty', () => {
    expect(problemOf(() => parseCsv(''))).toEqual({ kind: 'empty' });
    expect(problemOf(() => parseCsv('\uFEFF\r\n;;\r\n'))).toEqual({ kind: 'empty' });
  });

  test('when a file is UTF-8 with a BOM, or Windows-1252 from older Excel, then names with accents read right', () => {
    expect(decodeCsvBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('voornaam\nZoë', 'utf8')]))).toBe('voornaam\nZoë');
    expect(decodeCsvBytes(Buffer.from([0x5a, 0x6f, 0xeb]))).toBe('Zoë');
  });

  test('when dates are YYYY-MM-DD or DD-MM-YYYY (with - / or .), then they become YYYY-MM-DD; anything else is null', () => {
    expect(isoDateOf('2014-04-02')).toBe('2014-04-02');
    expect(isoDateOf('02-04-2014')).toBe('2014-04-02');
    expect(isoDateOf('2-4-2014')).toBe('2014-04-02');
    expect(isoDateOf('02/04/2014')).toBe('2014-04-02');
    expect(isoDateOf('02.04.2014')).toBe('2014-04-02');
    expect(isoDateOf('02-04/2014')).toBeNull();
    expect(isoDateOf('april 2014')).toBeNull();
    expect(isoDateOf('')).toBeNull();
  });
});

describe('the columns of a list', () => {
  test('when the header is the template\'s (Dutch / English with hints), then every column is found', () => {
    const header = ['Voornaam / First name', 'Achternaam / Last name', 'Geboortedatum / Date of birth (JJJJ-MM-DD of DD-MM-JJJJ / YYYY-MM-DD or DD-MM-YYYY)', 'Referentie / Reference', 'Kanaal / Channel (sms of e-mail / sms or e-mail)', 'Telefoon of e-mail / Phone or e-mail', "Naam ouder / Parent's name (onder 16 / under 16)", 'Taal / Language (nl of en / nl or en)'];
    expect(mapHeader(header)).toEqual({ firstName: 0, lastName: 1, dateOfBirth: 2, reference: 3, channel: 4, contact: 5, recipientName: 6, language: 7 });
  });

  test('when the header is plain English in another order, then the columns are found by name', () => {
    expect(mapHeader(['Reference', 'E-mail', 'First name', 'Date of birth'])).toEqual({ reference: 0, email: 1, firstName: 2, dateOfBirth: 3 });
  });

  test('when needed columns are missing, then the list is refused naming them', () => {
    expect(problemOf(() => rowsOfTable(parseCsv('voornaam;achternaam\nSam;de Vries')))).toEqual({ kind: 'missing_columns', columns: ['dateOfBirth', 'reference', 'contact'] });
    expect(problemOf(() => rowsOfTable(parseCsv('voornaam;geboortedatum;referentie;telefoon\n')))).toEqual({ kind: 'no_rows' });
  });

  test('when one column holds phone or e-mail, then an address with @ is the e-mail and anything else the phone', () => {
    const rows = rowsOfTable(parseCsv('voornaam;geboortedatum;referentie;telefoon of e-mail\nSam;02-04-2014;R-1;06 12345678\nNoor;2008-01-15;R-2;noor@example.nl'));
    expect(rows.map((r) => [r.input.phone, r.input.email, r.input.dateOfBirthIso])).toEqual([['06 12345678', '', '2014-04-02'], ['', 'noor@example.nl', '2008-01-15']]);
  });
});

describe('writing an export (CSV)', () => {
  test('when a cell starts with = + - or @, then it gets a leading quote so a spreadsheet shows it as text', () => {
    expect(['=HYPERLINK("http://x")', '+31 6', '-1', '@SUM(A1)', '\t=1', 'Sam'].map(safeCsvCell)).toEqual(["'=HYPERLINK(\"http://x\")", "'+31 6", "'-1", "'@SUM(A1)", "'\t=1", 'Sam']);
  });

  test('when a row is written, then it has a BOM, ; separators, CRLF, and quotes where a cell needs them; reading it back gives the guarded cells', () => {
    const text = writeCsv([['Voornaam', 'Notitie'], ['=1+1', 'a;b "c"\nd']]);
    expect(text).toBe('\uFEFFVoornaam;Notitie\r\n\'=1+1;"a;b ""c""\nd"\r\n');
    expect(parseCsv(text).rows[0]!.cells).toEqual(["'=1+1", 'a;b "c"\nd']);
  });
});
