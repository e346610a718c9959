import sharp from 'sharp';

import { AppError } from '../errors';
import { readPngHeader } from '../evidence/png-header';

/**
 * An organisation's logo, from a PNG or SVG file, becomes a PNG we encoded ourselves:
 * - at most 200 KB (204,800 bytes) of input, either type;
 * - PNG: the header must be a valid PNG header of at most 4,096 × 4,096 pixels (checked before any
 *   decoding), then it is decoded and re-encoded, which drops every metadata chunk (text, EXIF, ICC);
 * - SVG: never stored or served as SVG. It is rasterised by librsvg (through sharp) to a PNG, so no
 *   script, event handler, external reference or foreignObject can survive into anything we show.
 *   A DOCTYPE or entity declaration is refused before parsing (entity expansion, external entities);
 * - the result fits in 512 × 512 pixels (scaled down, never up, aspect ratio kept).
 */
export const LOGO_MAX_BYTES = 200 * 1024;
export const LOGO_MAX_INPUT_SIDE = 4096;
export const LOGO_SIDE = 512;

export async function normaliseLogo(bytes: Buffer, field: string): Promise<Buffer> {
  if (bytes.length > LOGO_MAX_BYTES) throw AppError.validation(field, `The logo is ${bytes.length} bytes; at most ${LOGO_MAX_BYTES} bytes (200 KB) are allowed.`);
  const png = readPngHeader(bytes);
  let pipeline: sharp.Sharp;
  if (png) {
    if (png.width > LOGO_MAX_INPUT_SIDE || png.height > LOGO_MAX_INPUT_SIDE) throw AppError.validation(field, `The logo may be at most ${LOGO_MAX_INPUT_SIDE} × ${LOGO_MAX_INPUT_SIDE} pixels.`);
    pipeline = sharp(bytes, { limitInputPixels: LOGO_MAX_INPUT_SIDE * LOGO_MAX_INPUT_SIDE, failOn: 'error' });
  } else if (looksLikeSvg(bytes)) {
    const text = bytes.toString('utf8');
    if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw AppError.validation(field, 'The SVG logo must not contain a DOCTYPE or ENTITY declaration.');
    // A fixed density: the size comes from our resize below, not from what the file asks for.
    pipeline = sharp(bytes, { density: 72, limitInputPixels: LOGO_MAX_INPUT_SIDE * LOGO_MAX_INPUT_SIDE, failOn: 'error' });
  } else {
    throw AppError.validation(field, 'The logo must be a PNG or SVG file.');
  }
  try {
    return await pipeline.resize(LOGO_SIDE, LOGO_SIDE, { fit: 'inside', withoutEnlargement: true }).png().toBuffer();
  } catch (error) {
    throw new AppError('validation_failed', `${field}: The logo could not be read as an image.`, { errors: [{ path: field, message: 'The logo could not be read as an image.' }], cause: error });
  }
}

function looksLikeSvg(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 1024).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  return head.startsWith('<') && /<svg[\s>]/i.test(head);
}
