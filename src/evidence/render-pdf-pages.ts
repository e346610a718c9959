import { projectPath } from '../shared/paths';
import { MAX_SCAN_PAGES } from './inspect-pdf-scan';
import { runSandboxWorker } from './sandbox-worker';
import { SCAN_MAX_PIXELS } from './scan-image';

/**
 * The pages of an uploaded PDF scan as images, so that a record shows the scan itself and not only
 * an attachment. pdfjs-dist draws them with @napi-rs/canvas in a worker thread
 * (`sandbox/render-pdf-pages.mjs`, plain JavaScript outside src/ so that jest and the built
 * service both load it as it is), with a heap limit and a deadline: a hostile PDF can at worst
 * fail its own upload, never stall or exhaust the service.
 */
export interface PdfRenderLimits {
  maxPages: number;
  dpi: number;
  maxSide: number;
  jpegQuality: number;
  timeoutMs: number;
  heapMb: number;
}

export const PDF_RENDER_LIMITS: PdfRenderLimits = {
  maxPages: MAX_SCAN_PAGES,
  /** 150 dpi is sharp enough to read handwriting and a signature. */
  dpi: 150,
  /** The pixel budget per page: never more than this on the long side (A4 at 150 dpi is 1754). */
  maxSide: 2500,
  jpegQuality: 85,
  /** All pages together. */
  timeoutMs: 30_000,
  heapMb: 256,
};

export interface RenderedPage {
  /** Baseline JPEG, 8-bit RGB (sRGB), no alpha. */
  jpeg: Buffer;
  width: number;
  height: number;
}

/** The scan could not be shown as pages; the message says why, in words for the uploader. */
export class ScanRenderError extends Error {}

const WORKER_FILE = projectPath('sandbox', 'render-pdf-pages.mjs');

type WorkerReply = { ok: true; pages: { jpeg: Uint8Array; width: number; height: number }[] } | { ok: false; error: string };

export async function renderPdfPages(pdf: Buffer, limits: PdfRenderLimits = PDF_RENDER_LIMITS): Promise<RenderedPage[]> {
  const outcome = await runSandboxWorker<WorkerReply>(
    WORKER_FILE,
    { pdf: new Uint8Array(pdf), maxPages: limits.maxPages, dpi: limits.dpi, maxSide: limits.maxSide, jpegQuality: limits.jpegQuality, maxImagePixels: SCAN_MAX_PIXELS },
    limits,
  );
  switch (outcome.kind) {
    case 'timeout':
      throw new ScanRenderError(`The PDF could not be shown as pages within ${limits.timeoutMs / 1000} seconds: it may be damaged or too complex. Scan it again, or upload the pages as JPEG or PNG.`);
    case 'error':
      throw new ScanRenderError('The PDF cannot be shown as pages: it needs too much memory or is damaged. Scan it again.', { cause: outcome.error });
    case 'exit':
      throw new ScanRenderError('The PDF cannot be shown as pages: it may be damaged. Scan it again.', { cause: new Error(`render worker exited with ${outcome.code}`) });
    case 'message': {
      const reply = outcome.reply;
      if (!reply.ok) throw new ScanRenderError('The PDF cannot be shown as pages: it may be damaged. Scan it again.', { cause: new Error(reply.error) });
      return reply.pages.map((p) => ({ jpeg: Buffer.from(p.jpeg.buffer, p.jpeg.byteOffset, p.jpeg.byteLength), width: p.width, height: p.height }));
    }
  }
}
