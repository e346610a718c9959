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
