import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { maskCredentials, maskedPath } from '../../src/privacy/log-masking';
import { captureLogs } from '../helpers/log-capture';
import { auth, childRequest, createTestApp, deliverAndGetLink, type TestApp } from '../helpers/test-app';

/** A GET with the path exactly as written: no client normalises `//`, `..` or escapes on the way. */
function rawGet(server: Server, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

function substrings(secret: string, length: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + length <= secret.length; i += 1) out.push(secret.slice(i, i + length));
  return out;
}

/** `%XX` for every character: the same token, spelled so that no plain run of it is left. */
const percentEncoded = (text: string): string => [...text].map((ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');

describe('link tokens in logs, however the path is spelled', () => {
  let app: TestApp;
  let server: Server;
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.close();
  });

  test('when a link is requested as /C/, //c/, /%63/, with .., percent-encoded or in the query string, then no log line holds the token or any 20 characters of it, and only the exact /c/ spelling reaches the store', async () => {
    const { logger, lines, flush } = captureLogs();
    app = await createTestApp({}, undefined, logger);
    server = app.container.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest());
    const token = (await deliverAndGetLink(app, created.body.id)).split('/').pop()!;
    const lookups = jest.spyOn(app.container.store, 'findConsentRequestByTokenHash');

    const browser = { Accept: 'text/html' };
    const refused = [`/C/${token}`, `//c/${token}`, `/%63/${token}`, `/%2563/${token}`, `/c/${token}/../c/${token}`, `/c/${token}/`, `/C/${token}/document`, `/c/${percentEncoded(token)}`];
    for (const path of refused) {
      expect({ path, status: (await rawGet(server, path, browser)).status }).toEqual({ path, status: 404 });
    }
    expect(lookups).not.toHaveBeenCalled();

    // The exact spelling works (a percent-encoded token is refused above); a query string does not leak either.
    for (const path of [`/c/${token}?x=${token}`, `/c/${token}?lang=en&ref=${encodeURIComponent(token)}`]) {
      expect({ path, status: (await rawGet(server, path, browser)).status }).toEqual({ path, status: 200 });
    }
    expect(lookups).toHaveBeenCalledTimes(2);
    await rawGet(server, `/nope/${token}`, browser);
    await rawGet(server, `/api/v1/consent-requests/${token}`, { Authorization: `Bearer ${app.apiKey}` });

    flush();
    const access = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
    expect(access.map((l) => l.path)).toEqual(expect.arrayContaining(['/C/:token', '/c/:token', '/c/:token/../c/:token', '/nope/:token', '/api/v1/consent-requests/:token']));
    const all = lines.join('\n');
    for (const part of [token, ...substrings(token, 20)]) expect(all).not.toContain(part);
  });
});

describe('error logs', () => {
  test('when a public route fails with an error whose text quotes the link, then the error is logged with the token masked', async () => {
    const { logger, lines } = captureLogs();
    const app = await createTestApp({}, undefined, logger);
    try {
      const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest());
      const link = await deliverAndGetLink(app, created.body.id);
      const token = link.split('/').pop()!;
      jest.spyOn(app.container.store, 'findConsentRequestByTokenHash').mockRejectedValue(new Error(`cannot read ${link} (${encodeURIComponent(token)})`));
      expect((await app.http.get(link)).status).toBe(500);
      const errors = lines.map((l) => JSON.parse(l) as { msg: string; err?: { message: string } }).filter((l) => l.msg === 'unhandled error');
      expect(errors).toHaveLength(1);
      expect(errors[0]!.err!.message).toBe('cannot read /c/:token (:token)');
      for (const part of [token, ...substrings(token, 20)]) expect(lines.join('\n')).not.toContain(part);
    } finally {
      await app.close();
    }
  });
});

describe('maskedPath and maskCredentials', () => {
  const token = 'Ab3_-Zz9'.repeat(5) + 'Qq12Ww';

  test('when a path holds a token in any spelling, then it is masked and the query string is dropped', () => {
    expect(maskedPath(`/c/${token}`)).toBe('/c/:token');
    expect(maskedPath(`//c//${token}`)).toBe('/c/:token');
    expect(maskedPath(`/%2563/${token}?t=${token}`)).toBe('/c/:token');
    expect(maskedPath(`/C/short`)).toBe('/C/:token');
    expect(maskedPath(`/x/${percentEncoded(token)}/y`)).toBe('/x/:token/y');
    expect(maskedPath('/api/v1/subjects/REG-1042/consent')).toBe('/api/v1/subjects/REG-1042/consent');
    expect(maskedPath('/api/v1/consent-requests/cr_00mfx8z9kAbCdEfGhIjKlMn')).toBe('/api/v1/consent-requests/cr_00mfx8z9kAbCdEfGhIjKlMn');
  });

  test('when an error text holds a token, then it is masked', () => {
    expect(maskCredentials(`Failed to decode param '${token}%E0'`)).toBe(`Failed to decode param ':token%E0'`);
  });
});
