import { deflateSync } from 'node:zlib';

/**
 * Real PNG files made in code, so no binary fixtures are needed: RGBA, 8 bits per channel,
 * transparent where `paint` returns null.
 */
export function rgbaPng(width: number, height: number, paint: (x: number, y: number) => readonly [number, number, number, number] | null): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * 4); // filter byte 0, then RGBA
    for (let x = 0; x < width; x += 1) {
      const colour = paint(x, y);
      if (colour) row.set(colour, 1 + x * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A drawn signature as the signing page's canvas exports it: a dark wavy stroke on transparency. */
export function signaturePng(width = 240, height = 96): Buffer {
  return rgbaPng(width, height, (x, y) => {
    const curve = height / 2 + Math.sin(x / 14) * (height / 3) * Math.cos(x / 47);
    return Math.abs(y - curve) < 2.2 ? [20, 40, 90, 255] : null;
  });
}

/** A small grey square, e.g. a stand-in for a scanned page. */
export function greyPng(size = 8): Buffer {
  return rgbaPng(size, size, () => [0x99, 0x99, 0x99, 255]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** One PNG chunk (length, type, data, CRC), for tests that build hostile PNGs by hand. */
export { chunk as pngChunk };

/** A "decompression bomb": a few hundred bytes whose header declares width × height RGBA pixels. */
export function bombPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  // A row of zeros compresses to almost nothing; a decoder would still allocate the whole image.
  const idat = deflateSync(Buffer.alloc(1 + width * 4), { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}
