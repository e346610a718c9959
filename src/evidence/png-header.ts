import { crc32 } from 'node:zlib';

/**
 * PNG structure read without decoding a pixel: the header (IHDR) says how large the image claims
 * to be, so a few hundred bytes that would inflate to gigabytes are refused before any decoder
 * sees them. `walkPngChunks` checks every chunk's length and CRC and that IEND ends the file.
 */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlaced: boolean;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Bit depths the PNG specification allows per colour type (greyscale, RGB, palette, grey+alpha, RGBA). */
const BIT_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** The IHDR chunk, checked against the specification and its CRC; null when it is not a PNG header. */
export function readPngHeader(bytes: Buffer): PngHeader | null {
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
  if (bytes.readUInt32BE(8) !== 13 || bytes.toString('latin1', 12, 16) !== 'IHDR') return null;
  if (crc32(bytes.subarray(12, 29)) !== bytes.readUInt32BE(29)) return null;
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const [bitDepth, colourType, compression, filter, interlace] = [bytes[24]!, bytes[25]!, bytes[26]!, bytes[27]!, bytes[28]!];
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) return null;
  if (!BIT_DEPTHS[colourType]?.includes(bitDepth) || compression !== 0 || filter !== 0 || interlace > 1) return null;
  return { width, height, bitDepth, colourType, interlaced: interlace === 1 };
}

/**
 * Every chunk has a sane length and a correct CRC, at least one IDAT exists, and IEND is the last
 * chunk and the end of the file. A truncated or bit-flipped PNG fails here.
 */
export function walkPngChunks(bytes: Buffer): boolean {
  if (!readPngHeader(bytes)) return false;
  let offset = 8;
  let sawData = false;
  while (offset + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const end = offset + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) return false;
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) return false;
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== bytes.readUInt32BE(offset + 8 + length)) return false;
    if (type === 'IDAT') sawData = true;
    if (type === 'IEND') return sawData && end === bytes.length;
    offset = end;
  }
  return false;
}
