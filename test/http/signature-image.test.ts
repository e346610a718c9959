import { deflateSync } from 'node:zlib';

import { checkSignaturePng } from '../../src/evidence/signature-image';
import { bombPng, pngChunk, rgbaPng, signaturePng } from '../helpers/png';
import { createAndSign } from '../helpers/signing';
import { auth, childRequest, createTestApp, type TestApp } from '../helpers/test-app';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The signature with one byte of its image data flipped: the IDAT CRC no longer matches. */
function badCrcPng(): Buffer {
  const png = Buffer.from(signaturePng());
  const at = 8 + 25 + 8 + 10; // inside the IDAT data (signature, IHDR chunk, IDAT length+type)
  png.writeUInt8(png.readUInt8(at) ^ 0xff, at);
  return png;
}

const dataUrl = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;

describe('drawn signature images', () => {
  test('when the header declares more than 2000 × 1000 pixels, then it is refused as too large before decoding; exactly 2000 × 1000 is accepted', async () => {
    expect(bombPng(30_000, 30_000).length).toBeLessThan(1000);
    expect(await checkSignaturePng(bombPng(30_000, 30_000))).toEqual({ ok: false, reason: 'too_large' });
    expect(await checkSignaturePng(rgbaPng(2001, 4, () => [0, 0, 0, 255]))).toEqual({ ok: false, reason: 'too_large' });
    expect(await checkSignaturePng(rgbaPng(4, 1001, () => [0, 0, 0, 255]))).toEqual({ ok: false, reason: 'too_large' });
    expect((await checkSignaturePng(rgbaPng(2000, 1000, () => null))).ok).toBe(true);
  });

  test('when the PNG is truncated, has a bad CRC or a short image stream, then it is unreadable', async () => {
    const png = signaturePng();
    expect(await checkSignaturePng(png.subarray(0, Math.floor(png.length / 2)))).toEqual({ ok: false, reason: 'unreadable' });
    expect(await checkSignaturePng(badCrcPng())).toEqual({ ok: false, reason: 'unreadable' });
    // Every CRC right, but the compressed rows stop halfway: only decoding finds out.
    const header = Buffer.alloc(13);
    header.writeUInt32BE(200, 0);
    header.writeUInt32BE(100, 4);
    header.set([8, 6, 0, 0, 0], 8);
    const short = Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(Buffer.alloc((1 + 200 * 4) * 50))), pngChunk('IEND', Buffer.alloc(0))]);
    expect(await checkSignaturePng(short)).toEqual({ ok: false, reason: 'unreadable' });
    expect(await checkSignaturePng(png)).toEqual({ ok: true, png });
  });
});

describe('signing with a hostile signature image', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  const allYes = { purpose_registratie: 'yes', 'purpose_contact-ouder': 'yes', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'no' };

  test('when the posted form is over 1 MiB (a hand-made giant signature), then the signing page comes back as 422 with the signature error, not a bare 413', async () => {
    const { id, signed: res } = await createAndSign(app, childRequest(), { ...allYes, declaration: 'yes', signerName: 'Ans de Vries', signatureData: `data:image/png;base64,${'A'.repeat(1024 * 1024)}` });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/html/);
    expect(res.text).toContain('Uw handtekening is te groot om op te slaan.');
    expect((await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey))).body.status).toBe('opened');
  });

  test.each([
    ['a PNG declaring 30000 × 30000 pixels (a decompression bomb)', () => bombPng(30_000, 30_000), 'Uw handtekening is te groot om op te slaan.'],
    ['a truncated PNG', () => signaturePng().subarray(0, 400), 'Wij konden uw handtekening niet lezen.'],
    ['a PNG with a bad CRC', badCrcPng, 'Wij konden uw handtekening niet lezen.'],
  ])('when the drawn signature is %s, then the page comes back as 422 with the error on the signature, the answers kept, and nothing is stored', async (_name, make, message) => {
    const { id, link, csrf, cookie, signed: res } = await createAndSign(app, childRequest(), { ...allYes, declaration: 'yes', signerName: 'Ans de Vries', signatureData: dataUrl(make()) });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/html/);
    expect(res.text).toContain('id="error-signature"');
    expect(res.text).toContain(message);
    expect(res.text).toMatch(/name="purpose_registratie" value="yes"[^>]*checked/);
    expect(res.text).toContain('value="Ans de Vries"');
    const got = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey));
    expect(got.body.status).toBe('opened');
    const events = await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey));
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(['created', 'sent', 'opened']);
    // The same link still signs with a sound drawing.
    const ok = await app.http
      .post(link)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, ...allYes, declaration: 'yes', authority: 'sole', signerName: 'Ans de Vries', signatureData: dataUrl(signaturePng()), action: 'sign' });
    expect(ok.status).toBe(303);
    const after = await app.http.get(`/api/v1/consent-requests/${id}/events`).set(auth(app.apiKey));
    expect(after.body.data.at(-1)).toMatchObject({ type: 'signed', detail: { signature: 'drawn' } });
  });
});
