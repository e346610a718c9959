// Checks an uploaded PDF scan inside a worker thread, and writes the normalised copy that is kept.
//
// Plain JavaScript for the same reason as render-pdf-pages.mjs: a worker thread loads it as it is,
// under jest and from dist/. The parent (src/evidence/inspect-pdf-scan.ts) passes the limits and
// the refused actions, limits this thread's heap and terminates it after a deadline, so a hostile
// PDF costs at most its own upload and never blocks the service's event loop.
import { createRequire } from 'node:module';
import { inflateSync, constants as zlib } from 'node:zlib';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { EncryptedPDFError, PDFArray, PDFContext, PDFDict, PDFDocument, PDFName, PDFNumber, PDFObjectStreamParser, PDFRef, PDFStream, PDFXRefStreamParser } = require('pdf-lib');

const { pdf, maxPages, maxStructureBytes, maxObjects, maxImagePixels, maxImageSide, refusedActions } = workerData;

const number = (value) => new Intl.NumberFormat('en-GB').format(value);
const MIB = (bytes) => `${number(bytes / 1024 / 1024)} MiB`;

/** PDF white-space (ISO 32000-1, 7.2.2). */
const PDF_WHITESPACE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);

const SIGNATURES = [
  { bytes: Buffer.from('MZ', 'latin1'), what: 'a Windows program (MZ)' },
  { bytes: Buffer.from([0x7f, 0x45, 0x4c, 0x46]), what: 'a Linux program (ELF)' },
  { bytes: Buffer.from([0x50, 0x4b, 0x03, 0x04]), what: 'a ZIP archive' },
  { bytes: Buffer.from('#!', 'latin1'), what: 'a script' },
];

/** A refusal found while pdf-lib reads the file; it throws to stop the parser, which may swallow the error. */
class Refused extends Error {}

async function inspect(bytes) {
  const trailing = trailingData(bytes);
  if (trailing) return { problem: `The PDF has data after its end (after a %%EOF) that is not an update of the document: ${trailing}. A scan has none, so the file is refused.` };
  // An encrypted file's objects cannot be read before decryption, so its trailer is looked at first;
  // the trailer (or cross-reference stream) dictionary itself is never compressed or encrypted.
  if (/\/Encrypt\b/.test(bytes.toString('latin1'))) return { problem: ENCRYPTED };
  let refusal = null;
  const refuse = (problem) => {
    refusal ??= problem;
    throw new Refused(refusal);
  };
  limitParser(refuse);
  let doc;
  try {
    doc = await PDFDocument.load(bytes, { ignoreEncryption: false, throwOnInvalidObject: true, updateMetadata: false });
  } catch (error) {
    if (refusal) return { problem: refusal };
    if (error instanceof EncryptedPDFError) return { problem: ENCRYPTED };
    return { problem: 'The file cannot be read as a PDF: it may be damaged. Scan it again.' };
  } finally {
    counting = false;
  }
  if (refusal) return { problem: refusal };
  let pages;
  try {
    pages = doc.getPageCount();
  } catch {
    // A page tree that loops or points nowhere.
    return { problem: 'The file cannot be read as a PDF: its page tree is damaged. Scan it again.' };
  }
  if (pages === 0) return { problem: 'The PDF has no pages.' };
  if (pages > maxPages) return { problem: `The PDF has ${pages} pages; a scan may have at most ${maxPages}.` };
  const found = new Set();
  const images = [];
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    collectActiveContent(object, doc, 0, found);
    const image = imageProblem(object, doc);
    if (image) images.push(image);
  }
  if (found.size > 0) return { problem: `The PDF contains ${[...found].join('; ')}. A scan may only hold pages, so the file is refused. Scan or export the paper form again as a plain PDF, JPEG or PNG.` };
  if (images.length > 0) return { problem: images[0] };
  // The copy that is kept: every object rewritten from what was parsed, nothing else of the upload.
  const normalised = await doc.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false });
  return { problem: null, normalised };
}

const ENCRYPTED = 'The PDF is encrypted or protected with a password. Upload the scan without protection.';

/**
 * Data after a %%EOF (at the start of a line) that is neither white-space up to the end of the file
 * nor an incremental update (which starts with an object `N G obj` or a cross-reference table).
 */
function trailingData(bytes) {
  for (let end = bytes.indexOf('%%EOF'); end >= 0; end = bytes.indexOf('%%EOF', end + 5)) {
    if (end > 0 && bytes[end - 1] !== 0x0a && bytes[end - 1] !== 0x0d) continue;
    let start = end + 5;
    while (start < bytes.length && PDF_WHITESPACE.has(bytes[start])) start += 1;
    if (start >= bytes.length) return null;
    const rest = bytes.subarray(start);
    if (/^(?:\d+[\0\t\n\f\r ]+\d+[\0\t\n\f\r ]+obj\b|xref\b)/.test(rest.subarray(0, 40).toString('latin1'))) continue;
    const known = SIGNATURES.find((s) => rest.subarray(0, s.bytes.length).equals(s.bytes));
    return `${number(rest.length)} bytes${known ? `, starting like ${known.what}` : ''}`;
  }
  return null;
}

let counting = true;

/**
 * pdf-lib unpacks object and cross-reference streams while it reads a file, without a limit. Each
 * stream it is about to unpack (found by pdf-lib itself, from its parsed dictionary: names with
 * #-escapes decoded, comments skipped) is first unpacked here with zlib and a running limit, and
 * every object the file holds is counted.
 */
function limitParser(refuse) {
  let unpacked = 0;
  const check = (stream) => {
    const filter = stream.dict.lookup(PDFName.of('Filter'));
    const filters = filter instanceof PDFArray ? filter.asArray().map((f) => stream.dict.context.lookup(f)) : filter === undefined ? [] : [filter];
    const names = filters.map((f) => (f instanceof PDFName ? f.asString() : String(f)));
    if (names.length === 0) unpacked += stream.contents.length;
    else if (names.length === 1 && names[0] === '/FlateDecode') {
      try {
        unpacked += inflateSync(stream.contents, { maxOutputLength: Math.max(1, maxStructureBytes - unpacked + 1), finishFlush: zlib.Z_SYNC_FLUSH }).length;
      } catch (error) {
        if (error?.code === 'ERR_BUFFER_TOO_LARGE') unpacked = Infinity;
        else refuse('The file cannot be read as a PDF: a packed part of its structure is damaged. Scan it again.');
      }
    } else refuse(`The PDF packs its structure with ${names.join(' ')}, which a scanner does not use. Scan or export the paper form again.`);
    if (unpacked > maxStructureBytes) refuse(`The PDF unpacks to more than ${MIB(maxStructureBytes)} of structure (a compression bomb). Scan or export the paper form again.`);
  };
  const objectStream = PDFObjectStreamParser.forStream;
  PDFObjectStreamParser.forStream = (stream, ...rest) => {
    check(stream);
    const declared = stream.dict.lookup(PDFName.of('N'));
    if (declared instanceof PDFNumber && declared.asNumber() > maxObjects) refuse(tooManyObjects());
    return objectStream.call(PDFObjectStreamParser, stream, ...rest);
  };
  const xrefStream = PDFXRefStreamParser.forStream;
  PDFXRefStreamParser.forStream = (stream, ...rest) => {
    check(stream);
    return xrefStream.call(PDFXRefStreamParser, stream, ...rest);
  };
  const assign = PDFContext.prototype.assign;
  let objects = 0;
  PDFContext.prototype.assign = function (ref, object) {
    if (counting && !this.indirectObjects.has(ref)) {
      objects += 1;
      if (objects > maxObjects) refuse(tooManyObjects());
    }
    return assign.call(this, ref, object);
  };
}

const tooManyObjects = () => `The PDF holds more than ${number(maxObjects)} objects; a scan has a few hundred. Scan or export the paper form again.`;

// Direct objects nest only as deep as the file writes them; a parser limit keeps a hostile file
// from making this walk the place where the stack runs out.
const MAX_DEPTH = 64;

/** Adds every active or embedded thing in this object, and in the objects written inside it, in words. */
function collectActiveContent(object, doc, depth, found) {
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

/** The value of a key with indirect references followed (a loop of references ends as undefined). */
function lookup(dict, key, doc) {
  let value = dict.get(PDFName.of(key));
  for (let hops = 0; value instanceof PDFRef && hops < 32; hops += 1) value = doc.context.lookup(value);
  return value instanceof PDFRef ? undefined : value;
}

const isName = (value, text) => value instanceof PDFName && value.decodeText() === text;

function activeDictionary(dict, doc) {
  const found = [];
  if (dict.has(PDFName.of('JS')) || dict.has(PDFName.of('JavaScript'))) found.push('JavaScript');
  const action = lookup(dict, 'S', doc);
  if (action instanceof PDFName && Object.hasOwn(refusedActions, action.decodeText())) found.push(`an action that ${refusedActions[action.decodeText()]}`);
  const open = lookup(dict, 'OpenAction', doc);
  if (open instanceof PDFDict && !isName(lookup(open, 'S', doc), 'GoTo')) found.push('an action that runs when the file is opened (OpenAction)');
  const additional = lookup(dict, 'AA', doc);
  if (additional instanceof PDFDict && additional.keys().length > 0) found.push('actions that run on events such as opening a page (AA, additional actions)');
  if (dict.has(PDFName.of('EmbeddedFiles')) || dict.has(PDFName.of('EF')) || isName(lookup(dict, 'Type', doc), 'EmbeddedFile')) found.push('an embedded file');
  if (isName(lookup(dict, 'Subtype', doc), 'RichMedia') || dict.has(PDFName.of('RichMediaContent'))) found.push('rich media (RichMedia)');
  if (dict.has(PDFName.of('XFA'))) found.push('an XFA form');
  return found;
}

/** An image XObject larger than the pixel budget, or with a size that is no size, in words. */
function imageProblem(object, doc) {
  if (!(object instanceof PDFStream) || !isName(lookup(object.dict, 'Subtype', doc), 'Image')) return null;
  const width = lookup(object.dict, 'Width', doc);
  const height = lookup(object.dict, 'Height', doc);
  const w = width instanceof PDFNumber ? width.asNumber() : NaN;
  const h = height instanceof PDFNumber ? height.asNumber() : NaN;
  const side = (n) => Number.isInteger(n) && n >= 1 && n <= maxImageSide;
  if (!side(w) || !side(h)) return `The PDF holds an image whose declared size (${width ?? 'none'} × ${height ?? 'none'}) is not a size from 1 to ${number(maxImageSide)} pixels a side. Scan or export the paper form again.`;
  if (w * h > maxImagePixels) return `The PDF holds an image of ${number(w)} × ${number(h)} = ${number(w * h)} pixels; at most ${number(maxImagePixels)} pixels are accepted per image (A4 at 600 dpi is about 35 million). Scan at a lower resolution.`;
  return null;
}

inspect(Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength)).then(
  (result) => parentPort.postMessage({ ok: true, ...result }, result.normalised ? [result.normalised.buffer] : []),
  (error) => parentPort.postMessage({ ok: false, error: String(error?.message ?? error) }),
);
