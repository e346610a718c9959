import { createTestApp, type TestApp } from '../helpers/test-app';

/** What a browser sends. */
const BROWSER = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const ENGLISH = { ...BROWSER, 'Accept-Language': 'en-GB,en;q=0.9' };

function expectPage(res: { status: number; headers: Record<string, string>; text: string }, status: number, lang: 'nl' | 'en', text: string): void {
  expect({ status: res.status, type: res.headers['content-type'] }).toEqual({ status, type: 'text/html; charset=utf-8' });
  expect(res.text).toContain(`<html lang="${lang}">`);
  expect(res.text).toContain(text);
  expect(res.text).not.toContain('"code"');
}

describe('public pages answer a browser with HTML in its language', () => {
  let app: TestApp;
  afterEach(async () => {
    await app.close();
  });

  test('when / is opened, then it says in Dutch (or English) what Akkoord is and to use the link received, without organisation data', async () => {
    app = await createTestApp();
    const nl = await app.http.get('/').set(BROWSER);
    expectPage(nl, 200, 'nl', 'Toestemming geven met Akkoord');
    expect(nl.text).toContain('Open dan die link.');
    expect(nl.text).not.toContain('Buurtwerk');
    expectPage(await app.http.get('/').set(ENGLISH), 200, 'en', 'Giving consent with Akkoord');
    expectPage(await app.http.get('/?lang=en').set(BROWSER), 200, 'en', 'Then open that link.');
  });

  test('when an unknown page or a made-up link is opened, then a 404 page in Dutch, or English for an English browser', async () => {
    app = await createTestApp();
    expectPage(await app.http.get('/nope').set(BROWSER), 404, 'nl', 'Deze pagina bestaat niet');
    expectPage(await app.http.get('/nope').set(ENGLISH), 404, 'en', 'This page does not exist');
    expectPage(await app.http.get('/nope?lang=en').set(BROWSER), 404, 'en', 'This page does not exist');
    expectPage(await app.http.get('/c/garbage').set(BROWSER), 404, 'nl', 'Deze link werkt niet (meer)');
    expectPage(await app.http.get('/C/garbage').set(BROWSER), 404, 'nl', 'Deze pagina bestaat niet');
  });

  test('when the signing pages are rate limited, then a browser gets a 429 page that says how many seconds to wait, with Retry-After', async () => {
    app = await createTestApp({ RATE_LIMIT_PUBLIC_PER_MINUTE: '1' });
    // The limiter counts per clock minute: a minute may turn between two requests, not twice in three.
    const untilLimited = async (path: string, headers: Record<string, string>) => {
      let res = await app.http.get(path).set(headers);
      for (let i = 0; i < 2 && res.status !== 429; i += 1) res = await app.http.get(path).set(headers);
      return res;
    };
    const limited = await untilLimited('/c/aaaa', BROWSER);
    const seconds = limited.headers['retry-after']!;
    expect(seconds).toMatch(/^\d+$/);
    expectPage(limited, 429, 'nl', seconds === '1' ? 'Probeer het over 1 seconde opnieuw.' : `Probeer het over ${seconds} seconden opnieuw.`);
    expectPage(await untilLimited('/verify', ENGLISH), 429, 'en', 'There were too many requests at once.');
    // A client that does not ask for HTML keeps problem+json.
    const api = await app.http.get('/c/cccc').set('Accept', 'application/json');
    expect({ status: api.status, type: api.headers['content-type'], code: api.body.code }).toEqual({ status: 429, type: 'application/problem+json; charset=utf-8', code: 'rate_limited' });
  });

  test('when a public page fails on our side, then a 500 page in Dutch with the request id to quote', async () => {
    app = await createTestApp();
    jest.spyOn(app.container.store, 'findConsentRequestByTokenHash').mockRejectedValue(new Error('disk on fire'));
    const res = await app.http.get(`/c/${app.container.tokens.issue().token}`).set(BROWSER);
    expectPage(res, 500, 'nl', 'Er ging iets mis');
    expect(res.text).toContain(`Noem dan deze code: ${res.headers['x-request-id']}`);
    expect(res.text).not.toContain('disk on fire');
    expectPage(await app.http.get(`/c/${app.container.tokens.issue().token}`).set(ENGLISH), 500, 'en', 'Please mention this code');
  });

  test('when a withdrawal form is posted too large, then a browser gets the generic page with the code 413', async () => {
    app = await createTestApp();
    const res = await app.http.post(`/c/${app.container.tokens.issue().token}/withdraw`).set(BROWSER).type('form').send(`purpose=${'x'.repeat(17 * 1024)}`);
    expectPage(res, 413, 'nl', 'Foutcode 413');
  });

  test('when a signing form for an unknown link is posted too large, then a browser gets the 404 page, not JSON', async () => {
    app = await createTestApp();
    const res = await app.http.post(`/c/${app.container.tokens.issue().token}`).set(BROWSER).type('form').send(`signerName=${'x'.repeat(1024 * 1024 + 10)}`);
    expectPage(res, 404, 'nl', '<html');
  });

  test('when the API, the provider callbacks or a client without HTML in Accept get an error, then it stays problem+json', async () => {
    app = await createTestApp();
    for (const [path, status] of [['/api/v1/consent-requests', 401], ['/api/v1/nope', 401], ['/hooks/nope', 404]] as const) {
      const res = await app.http.get(path).set(BROWSER);
      expect({ path, status: res.status, type: res.headers['content-type'] }).toEqual({ path, status, type: 'application/problem+json; charset=utf-8' });
    }
    for (const accept of ['application/json', '*/*']) {
      const res = await app.http.get('/nope').set('Accept', accept);
      expect({ accept, status: res.status, type: res.headers['content-type'] }).toEqual({ accept, status: 404, type: 'application/problem+json; charset=utf-8' });
    }
  });
});
