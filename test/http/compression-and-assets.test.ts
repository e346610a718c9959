import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

import express from 'express';

import { createStaticAssets } from '../../src/http/static-assets';
import { projectPath } from '../../src/shared/paths';
import { createAndSign } from '../helpers/signing';
import { adultRequest, auth, childRequest, createTestApp, deliverAndGetLink, type TestApp } from '../helpers/test-app';

/** A raw GET: the bytes as they came over the wire, not decoded as supertest would. */
function rawGet(server: Server, path: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const decode = (encoding: string | undefined, body: Buffer): string =>
  (encoding === 'br' ? brotliDecompressSync(body) : encoding === 'gzip' ? gunzipSync(body) : body).toString('utf8');

describe('compressed answers and hashed static files', () => {
  let app: TestApp;
  let server: Server;
  beforeAll(async () => {
    app = await createTestApp();
    server = app.container.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await app.close();
  });

  test.each([
    ['br', 'br'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['identity', undefined],
  ])('when the JSON API is asked with Accept-Encoding %s, then it answers with Content-Encoding %s and the same JSON', async (accept, expected) => {
    const plain = await app.http.get('/api/v1/forms').set(auth(app.apiKey));
    const res = await rawGet(server, '/api/v1/forms', { Authorization: `Bearer ${app.apiKey}`, 'Accept-Encoding': accept });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe(expected);
    expect(res.headers.vary).toMatch(/Accept-Encoding/i);
    expect(JSON.parse(decode(expected, res.body))).toEqual(plain.body);
    if (expected) expect(res.body.length).toBeLessThan(Buffer.byteLength(JSON.stringify(plain.body)));
  });

  test('when the signing page is asked with br or gzip, then it comes compressed and decodes to the page with its form', async () => {
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest());
    const link = await deliverAndGetLink(app, created.body.id);
    for (const encoding of ['br', 'gzip']) {
      const res = await rawGet(server, link, { 'Accept-Encoding': encoding });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.headers['cache-control']).toBe('no-store');
      const html = decode(encoding, res.body);
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).toMatch(/<input type="hidden" name="_csrf" value="[A-Za-z0-9_-]{43}">/);
    }
  });

  test('when a signed record (PDF) is downloaded with Accept-Encoding br and gzip, then it is sent as it is', async () => {
    const { id } = await createAndSign(app, adultRequest({ subject: { reference: 'REG-GZ', firstName: 'Noor', dateOfBirth: '2008-01-15' } }), { purpose_registratie: 'yes', purpose_contact: 'yes', 'purpose_gegevens-delen': 'yes', declaration: 'yes', signerName: 'Noor Bakker' });
    const res = await rawGet(server, `/api/v1/consent-requests/${id}/document`, { Authorization: `Bearer ${app.apiKey}`, 'Accept-Encoding': 'br, gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
  });

  test('when a page links the style sheet and script, then they are hashed addresses, cached for a year as immutable, and compressed', async () => {
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest({ subject: { reference: 'REG-CSS', firstName: 'Sam', dateOfBirth: '2014-04-02' } }));
    const page = (await app.http.get(await deliverAndGetLink(app, created.body.id))).text;
    const css = /<link rel="stylesheet" href="(\/static\/app\.[0-9a-f]{12}\.css)">/.exec(page)?.[1];
    const js = /<script src="(\/static\/signature-pad\.[0-9a-f]{12}\.js)" defer><\/script>/.exec(page)?.[1];
    expect(css).toBeDefined();
    expect(js).toBeDefined();
    for (const [url, file, type] of [[css!, 'app.css', /^text\/css/], [js!, 'signature-pad.js', /javascript/]] as const) {
      const res = await rawGet(server, url, { 'Accept-Encoding': 'br' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(type);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers['content-encoding']).toBe('br');
      expect(decode('br', res.body)).toBe(readFileSync(projectPath('public', file), 'utf8'));
    }
  });

  test('when the plain address of a static file is asked, then it still works with a 5-minute cache; an unknown or escaping name is a 404', async () => {
    const plain = await app.http.get('/static/app.css');
    expect(plain.status).toBe(200);
    expect(plain.headers['cache-control']).toBe('public, max-age=300');
    expect(plain.text).toBe(readFileSync(projectPath('public', 'app.css'), 'utf8'));
    for (const path of ['/static/nope.css', '/static/..%2Fpackage.json', '/static/../package.json', '/static/%2e%2e/package.json', '/static/']) {
      expect({ path, status: (await app.http.get(path)).status }).toEqual({ path, status: 404 });
    }
  });
});

describe('static file hashes', () => {
  test('when a file changes, then it gets another address; the old address serves the current file with the short cache only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akkoord-public-'));
    try {
      writeFileSync(join(dir, 'app.css'), 'body { color: black; }\n');
      const before = createStaticAssets(dir);
      const oldUrl = before.url('app.css');
      expect(oldUrl).toMatch(/^\/static\/app\.[0-9a-f]{12}\.css$/);
      expect(createStaticAssets(dir).url('app.css')).toBe(oldUrl);

      writeFileSync(join(dir, 'app.css'), 'body { color: navy; }\n');
      const after = createStaticAssets(dir);
      expect(after.url('app.css')).not.toBe(oldUrl);
      expect(() => after.url('missing.css')).toThrow(/no file "missing.css"/);

      const server = express().use('/static', after.handler).listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      try {
        const fresh = await rawGet(server, after.url('app.css'), {});
        expect(fresh.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        const stale = await rawGet(server, oldUrl, {});
        expect(stale.status).toBe(200);
        expect(stale.body.toString()).toBe('body { color: navy; }\n');
        expect(stale.headers['cache-control']).toBe('public, max-age=300');
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
