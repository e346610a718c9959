import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import sharp from 'sharp';

import { captureLogs } from '../helpers/log-capture';
import { auth, createTestApp, type TestApp, CHILD_DECISIONS_MEDICAL, CHILD_PAPER, uploadRequestPaper } from '../helpers/test-app';

/**
 * Upload limits are exact (10 MiB = 10,485,760 bytes for paper scans, 20 MiB = 20,971,520 bytes
 * for /verify), and a public upload is refused before its body is read.
 */

/** A valid JPEG of exactly `size` bytes: a 1×1 image padded with comment (COM) segments. */
async function jpegOfSize(size: number): Promise<Buffer> {
  const base = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).jpeg().toBuffer();
  const head = base.subarray(0, 2); // SOI
  const rest = base.subarray(2);
  const segments: Buffer[] = [];
  let missing = size - base.length;
  while (missing > 0) {
    // A COM segment is FF FE, a 2-byte length (counting itself), then up to 65,533 bytes.
    const total = Math.min(missing, 65_537);
    if (total < 4) throw new Error('cannot pad by fewer than 4 bytes; pick another size');
    const payload = total === missing || missing - total >= 4 ? total - 4 : total - 8;
    const segment = Buffer.alloc(payload + 4, 0x20);
    segment.set([0xff, 0xfe], 0);
    segment.writeUInt16BE(payload + 2, 2);
    segments.push(segment);
    missing -= segment.length;
  }
  const out = Buffer.concat([head, ...segments, rest]);
  if (out.length !== size) throw new Error(`padded to ${out.length}, wanted ${size}`);
  return out;
}

describe('exact upload limits', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(async () => {
    await app.close();
  });

  const create = async () =>
    (
      await app.http
        .post('/api/v1/consent-requests')
        .set(auth(app.apiKey))
        .send({ formId: 'activiteit-onder-16', subject: { reference: 'REG-1042', firstName: 'Sam', dateOfBirth: '2014-04-02' }, recipient: { name: 'Ans de Vries', channel: 'sms', phone: '06 12345678', language: 'nl' } })
    ).body.id as string;
  const paper = (id: string, file: Buffer) => uploadRequestPaper(app, id, { ...CHILD_PAPER, decisions: CHILD_DECISIONS_MEDICAL }, file, { filename: 'scan.jpg', contentType: 'image/jpeg' });

  test('when a paper scan is exactly 10 MiB (10,485,760 bytes), then it is accepted; one byte more is a 422 that states the exact limit', async () => {
    const id = await create();
    const over = await paper(id, await jpegOfSize(10 * 1024 * 1024 + 1));
    expect(over.status).toBe(422);
    expect(over.body.errors).toEqual([{ path: 'file', message: 'The file is larger than 10 MiB (10,485,760 bytes).' }]);
    const exact = await paper(id, await jpegOfSize(10 * 1024 * 1024));
    expect(exact.status).toBe(200);
    expect(exact.body.status).toBe('signed');
  });

  test('when a /verify upload is exactly 20 MiB (20,971,520 bytes), then it is read; one byte more is refused as too large', async () => {
    const page = await app.http.get('/verify');
    const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(page.text)![1]!;
    const cookie = (page.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
    const pdfOfSize = (size: number) => Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(size - 9 - 6, 0x20), Buffer.from('%%EOF\n')]);
    const exact = await app.http.post('/verify').set('Cookie', cookie).field('_csrf', csrf).attach('file', pdfOfSize(20 * 1024 * 1024), 'x.pdf');
    expect(exact.status).toBe(200);
    expect(exact.text).toContain('Dit bestand kunnen wij niet bevestigen.');
    const over = await app.http.post('/verify').set('Cookie', cookie).field('_csrf', csrf).attach('file', pdfOfSize(20 * 1024 * 1024 + 1), 'x.pdf');
    expect(over.status).toBe(422);
    expect(over.text).toContain('te groot');
  });
});

describe('/verify refuses before it reads the upload', () => {
  let app: TestApp;
  let server: Server;
  let port: number;
  let logs: ReturnType<typeof captureLogs>;
  beforeEach(async () => {
    logs = captureLogs();
    app = await createTestApp({}, undefined, logs.logger);
    server = createServer(app.container.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.close();
  });

  const boundary = 'akkoord-test-boundary';
  const TWENTY_MB = 20_000_000;

  /**
   * Declares a 20 MB multipart body but sends only its start (`head`), then waits for the answer.
   * A server that reads the whole body before answering never answers, and the test times out.
   */
  function sendStartOnly(headers: Record<string, string>, head: Buffer): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/verify', headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(TWENTY_MB), ...headers } });
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          req.destroy();
        });
      });
      req.on('error', (error) => reject(error));
      req.write(head);
    });
  }

  const filePartStart = (fields: string) =>
    Buffer.concat([Buffer.from(`${fields}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n`), Buffer.alloc(64 * 1024, 0x20)]);

  test('when a 20 MB upload comes without a CSRF cookie, then 403 arrives while the client is still sending', async () => {
    const res = await sendStartOnly({}, filePartStart(''));
    expect(res.status).toBe(403);
    expect(res.body).toContain('De pagina was te lang open.');
  });

  test('when a 20 MB upload has the cookie but no matching CSRF field before the file part, then 403 arrives while the client is still sending', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/verify`);
    const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const wrongField = `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${'x'.repeat(43)}\r\n`;
    for (const fields of ['', wrongField]) {
      const res = await sendStartOnly({ Cookie: cookie }, filePartStart(fields));
      expect(res.status).toBe(403);
    }
  });

  test('when a chunked upload (no Content-Length) keeps streaming a part nobody reads, then 422 arrives once it passes 20 MiB + 1 MiB, long before the client is done', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/verify`);
    const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(await page.text())![1]!;
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--${boundary}\r\nContent-Disposition: form-data; name="other"; filename="other.bin"\r\n\r\n`);
    const chunk = Buffer.alloc(256 * 1024, 0x41);
    const giveUpAfter = 64 * 1024 * 1024;
    // The server answers 422 and closes the connection while the client still writes. Which the
    // client sees first depends on scheduling: the answer, or its next write failing (EPIPE or a
    // reset) because the server has closed — which it does only after the answer went out, and the
    // server records every answer in the access log when it has gone out (same process, so the line
    // is held by then; flush() writes it).
    const result = await new Promise<{ status: number; body: string } | { closedByServer: true }>((resolve, reject) => {
      let sent = 0;
      let answered = false;
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/verify', headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked', Cookie: cookie } });
      req.on('response', (res: IncomingMessage) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          req.destroy();
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (answered) return;
        answered = true;
        if (error.code === 'EPIPE' || error.code === 'ECONNRESET') resolve({ closedByServer: true });
        else reject(error);
      });
      // The body is never ended: whatever the client sees must come while it is still sending.
      const pump = () => {
        while (!answered && sent < giveUpAfter) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
      };
      req.write(head);
      pump();
    });
    logs.flush();
    const answers = logs.lines.map((l) => JSON.parse(l) as { msg?: string; method?: string; path?: string; status?: number }).filter((l) => l.msg === 'request' && l.method === 'POST' && l.path === '/verify');
    expect(answers.map((a) => a.status)).toEqual([422]);
    if (!('closedByServer' in result)) {
      expect(result.status).toBe(422);
      expect(result.body).toContain('te groot');
    }
  });

  test('when the declared Content-Length is over the limit, then the answer is 422 before any of the body is sent', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/verify`);
    const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const res = await sendStartOnly({ Cookie: cookie, 'Content-Length': String(30 * 1024 * 1024) }, Buffer.alloc(0));
    expect(res.status).toBe(422);
    expect(res.body).toContain('te groot');
  });
});
