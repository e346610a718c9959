// Renders the pages of an uploaded PDF scan to JPEG images, inside a worker thread.
//
// This file is plain JavaScript on purpose: pdfjs-dist is an ES module that jest cannot load in
// its own module system, and a worker thread loads it natively both under jest and from dist/.
// The parent (src/evidence/render-pdf-pages.ts) limits this thread's heap and terminates it after
// a deadline, so a hostile PDF can at worst cost one failed upload.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const { pdf, maxPages, dpi, maxSide, jpegQuality, maxImagePixels } = workerData;
// Fonts, colour maps and decoders come from the installed pdfjs-dist package, never from a URL.
const pdfjsRoot = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const folder = (name) => join(pdfjsRoot, name) + '/';

async function render() {
  const task = getDocument({
    data: new Uint8Array(pdf),
    // Nothing the document carries may run or reach out: no eval for fonts, no XFA, no scripting,
    // no fetching of fonts or colour maps from anywhere.
    isEvalSupported: false,
    enableXfa: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: true,
    standardFontDataUrl: folder('standard_fonts'),
    cMapUrl: folder('cmaps'),
    cMapPacked: true,
    iccUrl: folder('iccs'),
    wasmUrl: folder('wasm'),
    verbosity: 0,
    // The worker's heap limit does not count image buffers and canvases: an image larger than the
    // scan budget is not decoded at all (the inspection refuses image XObjects over it already; this
    // also covers inline images), and images over 64 MiB of RGBA are scaled down where pdfjs can
    // (in Node: JPEG 2000, decoded at a lower resolution).
    maxImageSize: maxImagePixels,
    canvasMaxAreaInBytes: 64 * 1024 * 1024,
  });
  const doc = await task.promise;
  try {
    if (doc.numPages > maxPages) throw new Error(`the PDF has ${doc.numPages} pages; at most ${maxPages} are rendered`);
    const pages = [];
    for (let number = 1; number <= doc.numPages; number += 1) {
      const page = await doc.getPage(number);
      const natural = page.getViewport({ scale: 1 });
      // 150 dpi, but never more than maxSide pixels on the long side: the pixel budget per page.
      const scale = Math.min(dpi / 72, maxSide / Math.max(natural.width, natural.height));
      const viewport = page.getViewport({ scale });
      const width = Math.max(1, Math.round(viewport.width));
      const height = Math.max(1, Math.round(viewport.height));
      // pdfjs draws with its own copy of @napi-rs/canvas; a canvas from another copy would not
      // accept its paths, so the page canvas comes from pdfjs's factory too.
      const { canvas, context } = doc.canvasFactory.create(width, height);
      // JPEG has no alpha: the page is drawn on white, as on paper.
      context.fillStyle = '#ffffff';
      context.fillRect(0, 0, width, height);
      await page.render({ canvas, canvasContext: context, viewport, background: '#ffffff' }).promise;
      const jpeg = await canvas.encode('jpeg', jpegQuality);
      pages.push({ jpeg, width, height });
      page.cleanup();
      doc.canvasFactory.destroy({ canvas, context });
    }
    return pages;
  } finally {
    await doc.destroy();
  }
}

render().then(
  (pages) => parentPort.postMessage({ ok: true, pages }),
  (error) => parentPort.postMessage({ ok: false, error: String(error?.message ?? error) }),
);
