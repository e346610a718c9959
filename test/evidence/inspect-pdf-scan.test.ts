import { deflateSync } from 'node:zlib';

import { PDFDocument, PDFName, PDFString } from 'pdf-lib';

import { inspectPdfScan, PDF_INSPECT_LIMITS, pdfScanProblem } from '../../src/evidence/inspect-pdf-scan';
import { PDF_RENDER_LIMITS, renderPdfPages, ScanRenderError } from '../../src/evidence/render-pdf-pages';

async function pdf(change?: (doc: PDFDocument) => void, options: { useObjectStreams?: boolean } = {}): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]).drawText('Toestemming', { x: 50, y: 780, size: 20 });
  change?.(doc);
  return Buffer.from(await doc.save(options));
}

/** The same file with one piece of its (uncompressed) text replaced, as a hand-made hostile file would be. */
async function edited(from: string, to: string): Promise<Buffer> {
  const text = (await pdf(undefined, { useObjectStreams: false })).toString('latin1');
  expect(text).toContain(from);
  return Buffer.from(text.replace(from, to), 'latin1');
}

/** A PDF written by hand, as a hostile file is: one page, then the given objects as 4 0 obj, 5 0 obj, … */
function handmade(pageExtra: string, ...objects: (string | Buffer)[]): Buffer {
  const bodies: Buffer[] = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] ${pageExtra} >>`, ...objects].map((o) => (typeof o === 'string' ? Buffer.from(o, 'latin1') : o));
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n')];
  let size = parts[0]!.length;
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(size);
    const part = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    parts.push(part);
    size += part.length;
  });
  const xref = `xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}trailer\n<< /Size ${offsets.length + 1} /Root 1 0 R >>\nstartxref\n${size}\n%%EOF\n`;
  return Buffer.concat([...parts, Buffer.from(xref)]);
}

/** An object stream whose dictionary names its type as given, unpacking to 65 MiB of zeros. */
function objectStreamBomb(type: string): Buffer {
  const bomb = deflateSync(Buffer.alloc(65 * 1024 * 1024));
  return Buffer.concat([Buffer.from(`<< ${type} /N 1 /First 10 /Filter /FlateDecode /Length ${bomb.length} >>\nstream\n`), bomb, Buffer.from('\nendstream')]);
}

describe('pdfScanProblem', () => {
  test('when a plain scan is checked, written with or without object streams, then nothing is wrong with it', async () => {
    expect(await pdfScanProblem(await pdf())).toBeNull();
    expect(await pdfScanProblem(await pdf(undefined, { useObjectStreams: false }))).toBeNull();
  });

  test('when the open action only goes to a page of the same document, then it is allowed', async () => {
    const scan = await pdf((doc) => doc.catalog.set(PDFName.of('OpenAction'), doc.context.obj({ S: 'GoTo', D: [doc.getPage(0).ref, 'Fit'] })));
    expect(await pdfScanProblem(scan)).toBeNull();
  });

  test.each([
    ['a JavaScript name tree', (doc: PDFDocument) => doc.catalog.set(PDFName.of('Names'), doc.context.obj({ JavaScript: doc.context.obj({ Names: [PDFString.of('x'), doc.context.obj({ S: 'JavaScript', JS: PDFString.of('1') })] }) })), /JavaScript/],
    ['a link to a web address', (doc: PDFDocument) => doc.getPage(0).node.set(PDFName.of('Annots'), doc.context.obj([doc.context.obj({ Type: 'Annot', Subtype: 'Link', Rect: [0, 0, 9, 9], A: { S: 'URI', URI: PDFString.of('https://example.org/') } })])), /opens a web address \(URI\)/],
    ['a form that sends its data', (doc: PDFDocument) => doc.catalog.set(PDFName.of('OpenAction'), doc.context.obj({ S: 'SubmitForm', F: PDFString.of('https://example.org/') })), /sends form data somewhere \(SubmitForm\)/],
    ['additional actions on a page', (doc: PDFDocument) => doc.getPage(0).node.set(PDFName.of('AA'), doc.context.obj({ O: { S: 'GoTo', D: [doc.getPage(0).ref, 'Fit'] } })), /additional actions/],
    ['an XFA form', (doc: PDFDocument) => doc.catalog.set(PDFName.of('AcroForm'), doc.context.obj({ Fields: [], XFA: PDFString.of('<xdp/>') })), /an XFA form/],
    ['rich media', (doc: PDFDocument) => doc.getPage(0).node.set(PDFName.of('Annots'), doc.context.obj([doc.context.obj({ Type: 'Annot', Subtype: 'RichMedia', Rect: [0, 0, 9, 9] })])), /rich media/],
    ['an object that no page refers to', (doc: PDFDocument) => void doc.context.register(doc.context.obj({ S: 'Launch', F: PDFString.of('calc.exe') })), /Launch/],
  ])('when the PDF holds %s, then it is refused and the reason says so', async (_what, change, reason) => {
    expect(await pdfScanProblem(await pdf(change))).toMatch(reason);
  });

  test('when a name is written with #-escapes (/L#61unch), then it is read as the name it spells', async () => {
    const scan = await edited('/Type /Catalog', '/Type /Catalog /OpenAction << /S /L#61unch /F (cmd.exe) >>');
    expect(await pdfScanProblem(scan)).toMatch(/starts a program or opens a file \(Launch\)/);
  });

  test('when white-space follows the last %%EOF, then that is fine; when a ZIP or ELF follows, then it is named', async () => {
    const scan = await pdf();
    expect(await pdfScanProblem(Buffer.concat([scan, Buffer.from('\r\n \n\0')]))).toBeNull();
    expect(await pdfScanProblem(Buffer.concat([scan, Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2])]))).toMatch(/6 bytes, starting like a ZIP archive/);
    expect(await pdfScanProblem(Buffer.concat([scan, Buffer.from('\n\x7fELF\x02\x01', 'latin1')]))).toMatch(/starting like a Linux program \(ELF\)/);
  });

  test('when a program and a second %%EOF follow the end of a PDF, then it is refused and the reason names the program', async () => {
    const scan = Buffer.concat([await pdf(undefined, { useObjectStreams: false }), Buffer.from('\nMZ\x90\x00 a Windows program \n%%EOF\n', 'latin1')]);
    expect(await pdfScanProblem(scan)).toMatch(/data after its end \(after a %%EOF\) that is not an update of the document: \d+ bytes, starting like a Windows program \(MZ\)/);
  });

  test('when an incremental update follows the first %%EOF, then that is allowed', async () => {
    const plain = await pdf(undefined, { useObjectStreams: false });
    const text = plain.toString('latin1');
    const root = /\/Root (\d+ \d+ R)/.exec(text)![1];
    const size = Number(/\/Size (\d+)/.exec(text)![1]);
    const prev = Number(/startxref\s+(\d+)/.exec(text)![1]);
    const object = `${size} 0 obj\n(update)\nendobj\n`;
    const xrefAt = plain.length + object.length;
    const update = `${object}xref\n0 1\n0000000000 65535 f \n${size} 1\n${String(plain.length).padStart(10, '0')} 00000 n \ntrailer\n<< /Size ${size + 1} /Root ${root} /Prev ${prev} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
    expect(await pdfScanProblem(Buffer.concat([plain, Buffer.from(update, 'latin1')]))).toBeNull();
  });

  test('when a PDF is accepted, then the copy to keep is rewritten from its objects: bytes that belong to no object are not in it', async () => {
    const plain = await pdf(undefined, { useObjectStreams: false });
    const at = plain.lastIndexOf('\nxref') + 1;
    const scan = Buffer.concat([plain.subarray(0, at), Buffer.from('%MZ-HIDDEN-PAYLOAD\n'), plain.subarray(at)]);
    const inspected = await inspectPdfScan(scan);

    expect(inspected.problem).toBeNull();
    const kept = (inspected as { normalised: Buffer }).normalised;
    expect(kept.includes('MZ-HIDDEN-PAYLOAD')).toBe(false);
    expect(kept.includes('/ObjStm')).toBe(false);
    expect((await PDFDocument.load(kept)).getPageCount()).toBe(1);
  });

  test.each([
    ['/S points to the name /Launch', '<< /S 5 0 R /F (cmd.exe) >>', '/Launch', /starts a program or opens a file \(Launch\)/],
    ['/S points to the name /URI', '<< /S 5 0 R /URI (https://example.org/) >>', '/URI', /opens a web address \(URI\)/],
    ['/Type points to the name /EmbeddedFile', '<< /S /GoTo /D [3 0 R /Fit] /X << /Type 5 0 R >> >>', '/EmbeddedFile', /an embedded file/],
    ['/Subtype points to the name /RichMedia', '<< /S /GoTo /D [3 0 R /Fit] /X << /Subtype 5 0 R >> >>', '/RichMedia', /rich media/],
  ])('when an action is named through an indirect reference (%s), then it is refused', async (_what, action, name, reason) => {
    const scan = handmade('/Annots [4 0 R]', `<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] /A ${action} >>`, name);
    expect(await pdfScanProblem(scan)).toMatch(reason);
  });

  test.each([
    ['/Named', /runs when the file is opened \(OpenAction\)/],
    ['/GoTo', null],
  ])("when the open action's type is an indirect reference to %s, then it is judged by the name it points to", async (name, reason) => {
    const scan = await edited('/Type /Catalog', '/Type /Catalog /OpenAction << /S 99 0 R /D [3 0 R /Fit] >>');
    const withName = Buffer.from(scan.toString('latin1').replace('\nxref', `\n99 0 obj\n${name}\nendobj\nxref`), 'latin1');
    const problem = await pdfScanProblem(withName);
    if (reason) expect(problem).toMatch(reason);
    else expect(problem).toBeNull();
  });

  test.each([
    ['an escaped name (/Obj#53tm)', '/Type /Obj#53tm'],
    ['a comment between /Type and /ObjStm', '/Type %c\n/ObjStm'],
  ])('when an object stream is named with %s and unpacks to more than 64 MiB, then it is refused as a compression bomb', async (_what, type) => {
    expect(await pdfScanProblem(handmade('', objectStreamBomb(type)))).toMatch(/unpacks to more than 64 MiB of structure \(a compression bomb\)/);
  });

  test('when the PDF holds more than 20,000 objects, then it is refused and the reason gives the limit', async () => {
    const objects = Array.from({ length: 20_000 }, () => '<< /A [1 2 3] >>');
    expect(await pdfScanProblem(handmade('', ...objects))).toMatch(/more than 20,000 objects/);
  });

  test('when a PDF is being inspected, then the event loop keeps running: another macrotask runs before the result arrives', async () => {
    const scan = await pdf();
    let otherWorkRan = false;
    const inspection = pdfScanProblem(scan).then((problem) => ({ problem, otherWorkRan }));
    setImmediate(() => {
      otherWorkRan = true;
    });

    expect(await inspection).toEqual({ problem: null, otherWorkRan: true });
  });

  test('when the inspection does not finish within its deadline, then the worker is stopped and the reason says so', async () => {
    expect(await inspectPdfScan(await pdf(), { ...PDF_INSPECT_LIMITS, timeoutMs: 1 })).toEqual({ problem: expect.stringMatching(/^The PDF could not be checked within 0.001 seconds/) });
  });

  test.each([
    ['20000 × 20000 pixels', '/Width 20000 /Height 20000', /an image of 20,000 × 20,000 = 400,000,000 pixels; at most 50,000,000 pixels/],
    ['no size', '/Width -5 /Height (x)', /an image whose declared size \(-5 × \(x\)\) is not a size from 1 to 100,000 pixels a side/],
  ])('when an image XObject declares %s, then it is refused before it is drawn', async (_what, size, reason) => {
    const data = deflateSync(Buffer.alloc(1024));
    const content = 'q 595 0 0 842 0 0 cm /Im1 Do Q';
    const scan = handmade(
      '/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R',
      `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
      Buffer.concat([Buffer.from(`<< /Type /XObject /Subtype /Image ${size} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode /Length ${data.length} >>\nstream\n`), data, Buffer.from('\nendstream')]),
    );
    expect(await pdfScanProblem(scan)).toMatch(reason);
  });

  test('when the file claims encryption in its trailer, then it is refused as encrypted', async () => {
    const scan = await edited('trailer\n<<', 'trailer\n<<\n/Encrypt << /Filter /Standard /V 1 /R 2 >>');
    expect(await pdfScanProblem(scan)).toMatch(/encrypted or protected with a password/);
  });

  test('when an object stream unpacks to more than 64 MiB, then it is refused before the parser unpacks it', async () => {
    const bomb = deflateSync(Buffer.alloc(65 * 1024 * 1024));
    const plain = await pdf(undefined, { useObjectStreams: false });
    const at = plain.lastIndexOf('xref');
    const stream = Buffer.concat([Buffer.from(`99 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length ${bomb.length} >>\nstream\n`), bomb, Buffer.from('\nendstream\nendobj\n')]);
    const scan = Buffer.concat([plain.subarray(0, at), stream, plain.subarray(at)]);

    expect(await pdfScanProblem(scan)).toMatch(/unpacks to more than 64 MiB/);
  });

  test('when an object stream is packed with a filter a scanner does not use, then it is refused', async () => {
    const plain = await pdf(undefined, { useObjectStreams: false });
    const at = plain.lastIndexOf('xref');
    const stream = Buffer.from('99 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter [/LZWDecode] /Length 3 >>\nstream\nabc\nendstream\nendobj\n');

    expect(await pdfScanProblem(Buffer.concat([plain.subarray(0, at), stream, plain.subarray(at)]))).toMatch(/packs its structure with \/LZWDecode/);
  });

  test('when the PDF does not parse, then it is refused as damaged', async () => {
    expect(await pdfScanProblem(Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n%%EOF'))).toMatch(/cannot be read as a PDF|no pages/);
    expect(await pdfScanProblem(await edited('/Type /Page\n', '/Type /Page\n/Contents [ << >'))).toMatch(/cannot be read as a PDF/);
  });
});

describe('renderPdfPages', () => {
  test('when a page is rendered, then it is an RGB JPEG of A4 at 150 dpi', async () => {
    const [page, ...rest] = await renderPdfPages(await pdf());

    expect(rest).toEqual([]);
    expect([page!.width, page!.height]).toEqual([1240, 1754]);
    // SOF0 (baseline) with 3 components: RGB without alpha.
    const sof = page!.jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    expect(page!.jpeg[sof + 9]).toBe(3);
  });

  test('when the worker does not finish within its deadline, then it is stopped and the reason says so', async () => {
    await expect(renderPdfPages(await pdf(), { ...PDF_RENDER_LIMITS, timeoutMs: 1 })).rejects.toThrow(new ScanRenderError('The PDF could not be shown as pages within 0.001 seconds: it may be damaged or too complex. Scan it again, or upload the pages as JPEG or PNG.'));
  });

  test('when the PDF has more pages than allowed, then the worker refuses to draw them', async () => {
    const scan = await pdf((doc) => doc.addPage());
    await expect(renderPdfPages(scan, { ...PDF_RENDER_LIMITS, maxPages: 1 })).rejects.toBeInstanceOf(ScanRenderError);
  });

  test('when pdfjs cannot read the file, then the render fails as damaged', async () => {
    await expect(renderPdfPages(Buffer.from('%PDF-1.4\nnothing here\n%%EOF'))).rejects.toThrow(/damaged/);
  });
});
