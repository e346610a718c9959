import sharp from 'sharp';

import { readPngHeader, walkPngChunks } from './png-header';

/**
 * A photo or image scan of a paper form, made ready for the PDF/A-3b record: its declared size
 * is read from the header before anything decodes it, then it is decoded in full and converted
 * to plain sRGB (CMYK and ICC-profiled images converted, alpha flattened onto white, EXIF
 * orientation applied, metadata dropped), in the same format it came in. An image that is too
 * large or does not decode is refused with a reason for the `file` field.
 */
export type ScanImageType = 'image/jpeg' | 'image/png';

/** 50,000,000 pixels: A4 at 600 dpi is 4,961 × 7,016 = 34,806,376 pixels, a 48-megapixel photo fits too. */
export const SCAN_MAX_PIXELS = 50_000_000;

export interface PreparedScanImage {
  /** The converted image, to draw on the record's scan page. */
  bytes: Buffer;
  contentType: ScanImageType;
  width: number;
  height: number;
}

export type ScanImageResult = { ok: true; image: PreparedScanImage } | { ok: false; reason: string };

const number = (n: number) => n.toLocaleString('en-US');

export async function prepareScanImage(scan: Buffer, type: ScanImageType): Promise<ScanImageResult> {
  const kind = type === 'image/png' ? 'PNG' : 'JPEG';
  const damaged: ScanImageResult = { ok: false, reason: `The ${kind} is damaged or cut off and cannot be read as an image. Scan it again.` };
  const size = type === 'image/png' ? pngSize(scan) : readJpegSize(scan);
  if (!size) return damaged;
  if (size.width * size.height > SCAN_MAX_PIXELS) {
    return {
      ok: false,
      reason: `The image declares ${number(size.width)} × ${number(size.height)} = ${number(size.width * size.height)} pixels; at most ${number(SCAN_MAX_PIXELS)} pixels are accepted (A4 at 600 dpi is about 35 million). Scan at a lower resolution.`,
    };
  }
  try {
    // Decoding every pixel is what finds a damaged or cut-off image; libvips does it off the event loop.
    // libjpeg reports corrupt entropy data only as a warning (and fills grey), so JPEG fails on
    // warnings; PNG on errors (its CRCs are checked above, and libpng warns on harmless chunks).
    const pipeline = sharp(scan, { limitInputPixels: SCAN_MAX_PIXELS, failOn: type === 'image/jpeg' ? 'warning' : 'error' }).rotate().flatten({ background: '#ffffff' }).toColourspace('srgb');
    const { data, info } = await (type === 'image/png' ? pipeline.png() : pipeline.jpeg({ quality: 90 })).toBuffer({ resolveWithObject: true });
    return { ok: true, image: { bytes: data, contentType: type, width: info.width, height: info.height } };
  } catch {
    return damaged;
  }
}

function pngSize(png: Buffer): { width: number; height: number } | null {
  const header = readPngHeader(png);
  return header && walkPngChunks(png) ? { width: header.width, height: header.height } : null;
}

/**
 * The frame size from a JPEG's SOF segment, walking the marker segments from SOI: anything but a
 * well-formed segment before the frame header (garbage after SOI, a length running past the end,
 * image data before a frame) is null.
 */
export function readJpegSize(jpeg: Buffer): { width: number; height: number } | null {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return null;
  let offset = 2;
  while (offset < jpeg.length) {
    if (jpeg[offset] !== 0xff) return null;
    while (jpeg[offset] === 0xff) offset += 1; // fill bytes
    const marker = jpeg[offset];
    offset += 1;
    if (marker === undefined || marker === 0x00 || marker === 0xd8 || marker === 0xd9 || marker === 0xda) return null;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // markers without a length
    if (offset + 2 > jpeg.length) return null;
    const length = jpeg.readUInt16BE(offset);
    if (length < 2 || offset + length > jpeg.length) return null;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (length < 8) return null;
      const height = jpeg.readUInt16BE(offset + 3);
      const width = jpeg.readUInt16BE(offset + 5);
      return width > 0 && height > 0 ? { width, height } : null;
    }
    offset += length;
  }
  return null;
}
