import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

import { prepareScanImage, readJpegSize } from '../../src/evidence/scan-image';
import { bombPng, rgbaPng } from '../helpers/png';
import { WorkLimit } from '../../src/shared/work-limit';
import { binary } from '../helpers/http';
import { auth, createTestApp, type TestApp, uploadAdultPaperConsent } from '../helpers/test-app';
import { hasPoppler } from '../helpers/tools';

const poppler = hasPoppler();

const photo = () => sharp({ create: { width: 320, height: 400, channels: 3, background: { r: 210, g: 60, b: 40 } } });
const cmykJpeg = () => photo().toColourspace('cmyk').jpeg().toBuffer();
const iccJpeg = () => photo().jpeg().withIccProfile('p3').toBuffer();
const alphaPng = () => rgbaPng(120, 160, (x) => (x < 60 ? [30, 60, 200, 128] : null));
const plainJpeg = () => photo().jpeg().toBuffer();

/** The first half of a JPEG with an end-of-image marker glued on: only decoding finds the cut. */
async function truncatedJpeg(withEnd: boolean): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#777' } }).composite([{ input: await sharp({ create: { width: 100, height: 100, channels: 3, background: '#123' } }).png().toBuffer(), left: 150, top: 150 }]).jpeg().toBuffer();
  const half = jpeg.subarray(0, Math.floor(jpeg.length / 2));
  return withEnd ? Buffer.concat([half, Buffer.from([0xff, 0xd9])]) : half;
}

/** SOI, then bytes that are no JPEG segment at all, then EOI: right at both ends. */
function garbageAfterSoi(): Buffer {
  const garbage = Buffer.alloc(4000);
  let x = 12345;
  for (let i = 0; i < garbage.length; i += 1) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    garbage[i] = x & 0xff;
  }
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), garbage, Buffer.from([0xff, 0xd9])]);
}

describe('scan images made ready for the record', () => {
  test('when a scan is CMYK, carries an ICC profile or has alpha, then it comes out as plain 3-channel sRGB without a profile', async () => {
    expect((await sharp(await cmykJpeg()).metadata()).space).toBe('cmyk');
    for (const [bytes, type] of [[await cmykJpeg(), 'image/jpeg'], [await iccJpeg(), 'image/jpeg'], [alphaPng(), 'image/png']] as const) {
      const prepared = await prepareScanImage(bytes, type);
      if (!prepared.ok) throw new Error(prepared.reason);
      const meta = await sharp(prepared.image.bytes).metadata();
      expect(meta).toMatchObject({ space: 'srgb', channels: 3, hasAlpha: false, hasProfile: false, format: type === 'image/png' ? 'png' : 'jpeg' });
    }
  });

  test('when the header declares more than 50,000,000 pixels, then it is refused before decoding with the numbers', async () => {
    const result = await prepareScanImage(bombPng(40_000, 40_000), 'image/png');
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('40,000 × 40,000 = 1,600,000,000 pixels; at most 50,000,000') });
  });

  test('when a JPEG is cut off, or has garbage after its start marker, then it is refused as damaged', async () => {
    expect(readJpegSize(await plainJpeg())).toEqual({ width: 320, height: 400 });
    expect(readJpegSize(garbageAfterSoi())).toBeNull();
    for (const bytes of [await truncatedJpeg(true), await truncatedJpeg(false), garbageAfterSoi()]) {
      expect(await prepareScanImage(bytes, 'image/jpeg')).toEqual({ ok: false, reason: expect.stringMatching(/damaged or cut off/) });
    }
  });
});

describe('paper uploads with hostile or unusual images', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  const upload = (reference: string, scan: Buffer, name: string) => uploadAdultPaperConsent(app, reference, scan, name);

  test.each([
    ['a PNG declaring 40000 × 40000 pixels', () => Promise.resolve(bombPng(40_000, 40_000)), 'scan.png', /at most 50,000,000 pixels/],
    ['a JPEG cut in half', () => truncatedJpeg(false), 'scan.jpg', /damaged/],
    ['a JPEG cut in half with an end marker glued on', () => truncatedJpeg(true), 'scan.jpg', /damaged or cut off/],
    ['a JPEG with garbage after its start marker', () => Promise.resolve(garbageAfterSoi()), 'scan.jpg', /damaged or cut off/],
  ])('when the scan is %s, then 422 names the file field and no request is created', async (_name, make, name, message) => {
    const res = await upload('REG-HOSTILE', await make(), name);
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.errors).toEqual([{ path: 'file', message: expect.stringMatching(message) }]);
    const list = await app.http.get('/api/v1/consent-requests?subjectReference=REG-HOSTILE').set(auth(app.apiKey));
    expect(list.body.data).toHaveLength(0);
  });

  test.each([
    ['a CMYK JPEG', cmykJpeg, 'scan.jpg'],
    ['a JPEG with an embedded ICC profile', iccJpeg, 'scan.jpg'],
    ['a PNG with alpha', () => Promise.resolve(alphaPng()), 'scan.png'],
  ])('when the scan is %s, then the record shows it as an RGB image and the cover keeps the original SHA-256', async (_name, make, name) => {
    const scan = await make();
    const res = await upload('REG-COLOUR', scan, name);
    expect(res.status).toBe(201);
    const events = await app.http.get(`/api/v1/consent-requests/${res.body.id}/events`).set(auth(app.apiKey));
    const sha256 = createHash('sha256').update(scan).digest('hex');
    expect(events.body.data.at(-1).detail.scan.sha256).toBe(sha256);
    if (!poppler) return;
    const doc = await app.http.get(`/api/v1/consent-requests/${res.body.id}/document`).set(auth(app.apiKey)).buffer(true).parse(binary);
    const file = join(app.dataDir, 'record.pdf');
    writeFileSync(file, doc.body as Buffer);
    const rows = execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }).trim().split('\n').slice(2).map((line) => line.trim().split(/\s+/));
    // page num type width height color …: the scan is the image on page 2.
    // One plain image, no soft mask (alpha) beside it, its colour space plain RGB (not cmyk, not icc).
    const scanRows = rows.filter((r) => r[0] === '2');
    expect(scanRows.map((r) => [r[2], r[5]])).toEqual([['image', 'rgb']]);
    // The image data itself carries no colour profile that would contradict the PDF's DeviceRGB.
    execFileSync('pdfimages', ['-f', '2', '-l', '2', '-all', file, join(app.dataDir, 'scan')]);
    const extracted = readdirSync(app.dataDir).filter((f) => f.startsWith('scan-'));
    expect(extracted).toHaveLength(1);
    expect(await sharp(join(app.dataDir, extracted[0]!)).metadata()).toMatchObject({ space: 'srgb', hasProfile: false });
    expect(execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' })).toContain(sha256);
  });
});

describe('paper uploads when the scan work is full', () => {
  test('when as many scans are being processed and waiting as allowed, then one more upload is a 503 with Retry-After, nothing is stored, and it goes through once there is room', async () => {
    const scanWork = new WorkLimit(1, 0);
    const app = await createTestApp({}, undefined, undefined, { scanWork });
    try {
      let release!: () => void;
      const busy = scanWork.run(() => new Promise<void>((resolve) => (release = resolve)));
      const refused = await uploadAdultPaperConsent(app, 'REG-BUSY', await plainJpeg());
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('30');
      expect(refused.body.detail).toMatch(/Too many scans/);
      expect((await app.http.get('/api/v1/consent-requests?subjectReference=REG-BUSY').set(auth(app.apiKey))).body.data).toEqual([]);

      release();
      await busy;
      expect((await uploadAdultPaperConsent(app, 'REG-BUSY', await plainJpeg())).status).toBe(201);
    } finally {
      await app.close();
    }
  });
});
