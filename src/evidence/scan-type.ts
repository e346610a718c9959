/**
 * The type of an uploaded scan, from its first bytes: never from the file name or the
 * Content-Type the client claims. A renamed .exe is none of these.
 */
export type ScanType = 'application/pdf' | 'image/jpeg' | 'image/png';

export function sniffScanType(bytes: Buffer): ScanType | null {
  if (bytes.length >= 5 && bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  return null;
}

/**
 * Whether the file also ends as its type must: a PDF has an `%%EOF`, a JPEG with its end-of-image
 * marker, a PNG with its IEND chunk. A cut-off upload or a file that only starts right fails.
 */
export function isCompleteScan(bytes: Buffer, type: ScanType): boolean {
  // What follows a PDF's %%EOF is judged with its own reason by inspectPdfScan (only an
  // incremental update may), so here the marker may be anywhere.
  if (type === 'application/pdf') return bytes.includes(Buffer.from('%%EOF'));
  const tail = bytes.subarray(Math.max(0, bytes.length - 1024));
  if (type === 'image/jpeg') return tail.includes(Buffer.from([0xff, 0xd9]));
  return tail.includes(Buffer.from('IEND', 'latin1'));
}
