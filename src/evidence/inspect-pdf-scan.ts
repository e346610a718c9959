import { projectPath } from '../shared/paths';
import { runSandboxWorker } from './sandbox-worker';
import { SCAN_MAX_PIXELS } from './scan-image';

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

/** A scan has a few dozen to a few hundred objects; 226,000 tiny ones take seconds to read. */
export const MAX_SCAN_OBJECTS = 20_000;

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

/**
 * The checks run in a worker thread (`sandbox/inspect-pdf-scan.mjs`, plain JavaScript like the
 * renderer) with a heap limit and a deadline, so the service keeps answering while a file is read.
 */
export interface PdfInspectLimits {
  timeoutMs: number;
  heapMb: number;
}

export const PDF_INSPECT_LIMITS: PdfInspectLimits = { timeoutMs: 20_000, heapMb: 256 };

/** A side of an image larger than this is no scan (A0 at 1200 dpi is some 56,000 pixels long). */
export const MAX_IMAGE_SIDE = 100_000;

export type PdfInspection =
  /** May be kept: `normalised` is the file rewritten from its parsed objects, without object streams. */
  | { problem: null; normalised: Buffer }
  /** Refused, and why, in words for the uploader. */
  | { problem: string };

const WORKER_FILE = projectPath('sandbox', 'inspect-pdf-scan.mjs');

type WorkerReply = { ok: true; problem: string | null; normalised?: Uint8Array } | { ok: false; error: string };

/**
 * Whether this PDF may be kept as a scan, and the copy to keep. Refused: data after a %%EOF that is
 * not an incremental update, an encrypted or unreadable file, object and cross-reference streams
 * that unpack to more than {@link MAX_UNPACKED_STRUCTURE_BYTES} or use another filter than Flate,
 * more than {@link MAX_SCAN_OBJECTS} objects, no pages or more than {@link MAX_SCAN_PAGES},
 * JavaScript, the actions in {@link REFUSED_ACTIONS}, an open action other than /GoTo, additional
 * actions (/AA), embedded files, rich media, XFA forms, and an image larger than
 * {@link SCAN_MAX_PIXELS}. Every object is looked at, also those inside object streams and those
 * no page refers to; references are followed wherever a name is compared.
 *
 * The copy to keep is rewritten from the parsed objects: bytes of the upload that belong to no
 * object (appended data, a second file hidden between objects) are not in it.
 */
export async function inspectPdfScan(bytes: Buffer, limits: PdfInspectLimits = PDF_INSPECT_LIMITS): Promise<PdfInspection> {
  const damaged = 'The file cannot be read as a PDF: it may be damaged. Scan it again.';
  const outcome = await runSandboxWorker<WorkerReply>(
    WORKER_FILE,
    {
      pdf: new Uint8Array(bytes),
      maxPages: MAX_SCAN_PAGES,
      maxStructureBytes: MAX_UNPACKED_STRUCTURE_BYTES,
      maxObjects: MAX_SCAN_OBJECTS,
      maxImagePixels: SCAN_MAX_PIXELS,
      maxImageSide: MAX_IMAGE_SIDE,
      refusedActions: REFUSED_ACTIONS,
    },
    limits,
  );
  switch (outcome.kind) {
    case 'timeout':
      return { problem: `The PDF could not be checked within ${limits.timeoutMs / 1000} seconds: it is too large or too complex for a scan. Scan it again, or upload the pages as JPEG or PNG.` };
    case 'error':
      return { problem: 'The PDF cannot be checked: it needs too much memory or is damaged. Scan it again, or upload the pages as JPEG or PNG.' };
    case 'exit':
      return { problem: damaged };
    case 'message': {
      const reply = outcome.reply;
      if (!reply.ok) return { problem: damaged };
      if (reply.problem !== null) return { problem: reply.problem };
      if (reply.normalised) return { problem: null, normalised: Buffer.from(reply.normalised.buffer, reply.normalised.byteOffset, reply.normalised.byteLength) };
      return { problem: damaged };
    }
  }
}

/** Why this PDF may not be kept as a scan, or null when it may (see {@link inspectPdfScan}). */
export async function pdfScanProblem(bytes: Buffer): Promise<string | null> {
  return (await inspectPdfScan(bytes)).problem;
}
