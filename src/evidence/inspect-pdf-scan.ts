import { inflateSync } from 'node:zlib';

import { EncryptedPDFError, PDFArray, PDFDict, PDFDocument, PDFName, type PDFObject, PDFRef, PDFStream } from 'pdf-lib';

/**
 * What an uploaded PDF scan may contain before it goes into a consent record. A scanner writes
 * pages with images (and perhaps text); everything that can act on its own when the record is
 * opened years later is refused, with the reason in words for the uploader.
 */
export const MAX_SCAN_PAGES = 20;

/**
 * pdf-lib unpacks object and cross-reference streams while it reads a file; 10 MiB of deflated
 * zeros would unpack to some 10 GiB. Together they may unpack to at most 64 MiB, far more than a
 * scan's few kilobytes of structure.
 */
export const MAX_UNPACKED_STRUCTURE_BYTES = 64 * 1024 * 1024;

/**
 * Action types that run code, start programs, send or load data, open other files or web
 * addresses, or play media. A scan needs none of them; only /GoTo (a place in the same
 * document) and harmless viewer actions such as /Named are let through.
 */
export const REFUSED_ACTIONS: Readonly<Record<string, string>> = {
  JavaScript: 'runs JavaScript',
  Launch: 'starts a program or opens a file (Launch)',
  SubmitForm: 'sends form data somewhere (SubmitForm)',
  ImportData: 'loads data from another file (ImportData)',
  ResetForm: 'changes form fields (ResetForm)',
  GoToR: 'opens another PDF file (GoToR)',
  GoToE: 'opens an embedded file (GoToE)',
  URI: 'opens a web address (URI)',
  Rendition: 'plays media (Rendition)',
  Movie: 'plays a movie (Movie)',
  Sound: 'plays a sound (Sound)',
  RichMediaExecute: 'runs rich media (RichMediaExecute)',
};

/** PDF white-space (ISO 32000-1, 7.2.2): all that may follow the last %%EOF. */
const PDF_WHITESPACE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);

const SIGNATURES: { bytes: Buffer; what: string }[] = [
  { bytes: Buffer.from('MZ', 'latin1'), what: 'a Windows program (MZ)' },
  { bytes: Buffer.from([0x7f, 0x45, 0x4c, 0x46]), what: 'a Linux program (ELF)' },
  { bytes: Buffer.from([0x50, 0x4b, 0x03, 0x04]), what: 'a ZIP archive' },
  { bytes: Buffer.from('#!', 'latin1'), what: 'a script' },
];

/**
 * Why this PDF may not be kept as a scan, or null when it may. Refused: a file with bytes other
 * than white-space after its last %%EOF, an encrypted or unreadable file, no pages or more than
 * {@link MAX_SCAN_PAGES}, JavaScript, the actions in {@link REFUSED_ACTIONS}, an open action other
 * than /GoTo, additional actions (/AA), embedded files, rich media and XFA forms. Every object is
 * looked at, also those inside object streams and those no page refers to.
 */
export async function pdfScanProblem(bytes: Buffer): Promise<string | null> {
  const trailing = trailingData(bytes);
  if (trailing) return `The PDF has data after its end (after the last %%EOF): ${trailing}. A scan has none, so the file is refused.`;
  // An encrypted file's objects cannot be read before decryption, so its trailer is looked at first;
  // the trailer (or cross-reference stream) dictionary itself is never compressed or encrypted.
  if (/\/Encrypt\b/.test(bytes.toString('latin1'))) return ENCRYPTED;
  const packed = packedStructureProblem(bytes);
  if (packed) return packed;
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { ignoreEncryption: false, throwOnInvalidObject: true, updateMetadata: false });
  } catch (error) {
    if (error instanceof EncryptedPDFError) return ENCRYPTED;
    return 'The file cannot be read as a PDF: it may be damaged. Scan it again.';
  }
  let pages: number;
  try {
    pages = doc.getPageCount();
  } catch {
    // A page tree that loops or points nowhere.
    return 'The file cannot be read as a PDF: its page tree is damaged. Scan it again.';
  }
  if (pages === 0) return 'The PDF has no pages.';
  if (pages > MAX_SCAN_PAGES) return `The PDF has ${pages} pages; a scan may have at most ${MAX_SCAN_PAGES}.`;
  const found = new Set<string>();
  for (const [, object] of doc.context.enumerateIndirectObjects()) collectActiveContent(object, doc, 0, found);
  if (found.size > 0) return `The PDF contains ${[...found].join('; ')}. A scan may only hold pages, so the file is refused. Scan or export the paper form again as a plain PDF, JPEG or PNG.`;
  return null;
}

const ENCRYPTED = 'The PDF is encrypted or protected with a password. Upload the scan without protection.';

/** What follows the last %%EOF when it is more than white-space, in words. */
function trailingData(bytes: Buffer): string | null {
  const end = bytes.lastIndexOf('%%EOF');
  if (end < 0) return null;
  const after = bytes.subarray(end + 5);
  const start = after.findIndex((byte) => !PDF_WHITESPACE.has(byte));
  if (start < 0) return null;
  const rest = after.subarray(start);
  const known = SIGNATURES.find((s) => rest.subarray(0, s.bytes.length).equals(s.bytes));
  return `${rest.length} bytes${known ? `, starting like ${known.what}` : ''}`;
}

/**
 * Unpacks the object and cross-reference streams with a limit before pdf-lib does so without one.
 * A scanner packs them with Flate or not at all; any other filter there is refused.
 */
function packedStructureProblem(bytes: Buffer): string | null {
  const text = bytes.toString('latin1');
  let total = 0;
  for (const match of text.matchAll(/\/Type\s*\/(?:ObjStm|XRef)\b/g)) {
    const streamAt = text.indexOf('stream', match.index);
    if (streamAt < 0) continue;
    // The stream's dictionary: from its `N G obj` to the `stream` keyword.
    const head = text.slice(Math.max(0, text.lastIndexOf(' obj', match.index)), streamAt);
    let start = streamAt + 'stream'.length;
    if (text[start] === '\r') start += 1;
    if (text[start] === '\n') start += 1;
    const end = text.indexOf('endstream', start);
    if (end < 0) continue;
    const filters = /\/Filter\s*(\[[^\]]*\]|\/[^\s/<>[\]()]+)/.exec(head)?.[1]?.match(/\/[^\s/<>[\]()]+/g) ?? [];
    if (filters.length === 0) {
      total += end - start;
    } else if (filters.length === 1 && filters[0] === '/FlateDecode') {
      try {
        total += inflateSync(bytes.subarray(start, end), { maxOutputLength: MAX_UNPACKED_STRUCTURE_BYTES - total + 1 }).length;
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') total = Infinity;
        // Anything else is for the parser to find.
      }
    } else {
      return `The PDF packs its structure with ${filters.join(' ')}, which a scanner does not use. Scan or export the paper form again.`;
    }
    if (total > MAX_UNPACKED_STRUCTURE_BYTES) return 'The PDF unpacks to more than 64 MiB of structure (a compression bomb). Scan or export the paper form again.';
  }
  return null;
}

const name = (value: string) => PDFName.of(value);
const KEYS = {
  js: name('JS'),
  javaScript: name('JavaScript'),
  s: name('S'),
  type: name('Type'),
  subtype: name('Subtype'),
  openAction: name('OpenAction'),
  aa: name('AA'),
  embeddedFiles: name('EmbeddedFiles'),
  ef: name('EF'),
  embeddedFile: name('EmbeddedFile'),
  richMedia: name('RichMedia'),
  richMediaContent: name('RichMediaContent'),
  xfa: name('XFA'),
  goTo: name('GoTo'),
};

// Direct objects nest only as deep as the file writes them; a parser limit keeps a hostile file
// from making this walk the place where the stack runs out.
const MAX_DEPTH = 64;

/** Adds every active or embedded thing in this object, and in the objects written inside it, in words. */
function collectActiveContent(object: PDFObject, doc: PDFDocument, depth: number, found: Set<string>): void {
  if (depth > MAX_DEPTH) {
    found.add('objects nested too deeply to check');
    return;
  }
  if (object instanceof PDFStream) collectActiveContent(object.dict, doc, depth + 1, found);
  else if (object instanceof PDFArray) for (const item of object.asArray()) collectActiveContent(item, doc, depth + 1, found);
  else if (object instanceof PDFDict) {
    for (const problem of activeDictionary(object, doc)) found.add(problem);
    for (const [, value] of object.entries()) collectActiveContent(value, doc, depth + 1, found);
  }
}

function activeDictionary(dict: PDFDict, doc: PDFDocument): string[] {
  const found: string[] = [];
  if (dict.has(KEYS.js) || dict.has(KEYS.javaScript)) found.push('JavaScript');
  const action = dict.get(KEYS.s);
  const refused = action instanceof PDFName && Object.hasOwn(REFUSED_ACTIONS, action.decodeText()) ? REFUSED_ACTIONS[action.decodeText()] : undefined;
  if (refused) found.push(`an action that ${refused}`);
  const open = resolve(dict.get(KEYS.openAction), doc);
  if (open instanceof PDFDict && open.get(KEYS.s) !== KEYS.goTo) found.push('an action that runs when the file is opened (OpenAction)');
  const additional = resolve(dict.get(KEYS.aa), doc);
  if (additional instanceof PDFDict && additional.keys().length > 0) found.push('actions that run on events such as opening a page (AA, additional actions)');
  if (dict.has(KEYS.embeddedFiles) || dict.has(KEYS.ef) || dict.get(KEYS.type) === KEYS.embeddedFile) found.push('an embedded file');
  if (dict.get(KEYS.subtype) === KEYS.richMedia || dict.has(KEYS.richMediaContent)) found.push('rich media (RichMedia)');
  if (dict.has(KEYS.xfa)) found.push('an XFA form');
  return found;
}

function resolve(value: PDFObject | undefined, doc: PDFDocument): PDFObject | undefined {
  return value instanceof PDFRef ? doc.context.lookup(value) : value;
}
