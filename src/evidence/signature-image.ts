import sharp from 'sharp';

import { readPngHeader, walkPngChunks } from './png-header';

/**
 * A drawn signature is a small PNG from the signing page's canvas (at most 2,000 × 1,000 pixels,
 * the pad's own cap). Its header is read first, so a "decompression bomb" (a few hundred bytes
 * declaring 30,000 × 30,000 pixels) is refused before anything inflates it; then every chunk's CRC
 * is checked and the image is decoded in full, so a damaged PNG never reaches the PDF renderer.
 */
export const SIGNATURE_MAX_WIDTH = 2000;
export const SIGNATURE_MAX_HEIGHT = 1000;
/** 512 KiB = 524,288 bytes of PNG: a signature drawn at the largest size is far smaller. */
export const SIGNATURE_MAX_BYTES = 512 * 1024;

export type SignatureImageCheck = { ok: true; png: Buffer } | { ok: false; reason: 'too_large' | 'unreadable' };

export async function checkSignaturePng(png: Buffer): Promise<SignatureImageCheck> {
  if (png.length > SIGNATURE_MAX_BYTES) return { ok: false, reason: 'too_large' };
  const header = readPngHeader(png);
  if (!header) return { ok: false, reason: 'unreadable' };
  if (header.width > SIGNATURE_MAX_WIDTH || header.height > SIGNATURE_MAX_HEIGHT) return { ok: false, reason: 'too_large' };
  if (!walkPngChunks(png)) return { ok: false, reason: 'unreadable' };
  try {
    // libvips decodes off the event loop; the pixel cap repeats the header check inside the decoder.
    await sharp(png, { limitInputPixels: SIGNATURE_MAX_WIDTH * SIGNATURE_MAX_HEIGHT, failOn: 'error' }).raw().toBuffer();
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
  return { ok: true, png };
}
