import { deflateSync } from 'node:zlib';

import { PDFDocument, PDFName, PDFString } from 'pdf-lib';

import { pdfScanProblem } from '../../src/evidence/inspect-pdf-scan';
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
