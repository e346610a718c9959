import { auth, deliverAndGetLink, openSigningPage, type TestApp } from './test-app';

/**
 * The whole link flow as a parent or participant goes through it: creates the consent request,
 * lets the worker deliver its link, opens the signing page as a browser would and signs with
 * `answers` (the purpose_*, declaration, signerName… fields; `_csrf` and `action: 'sign'` are added).
 * `headers` go with the sign post (e.g. a User-Agent). Returns the request id, the link path, the
 * signing session (csrf, cookie) and the answer to the sign post, unchecked.
 */
export async function createAndSign(app: TestApp, request: Record<string, unknown>, answers: Record<string, string>, headers: Record<string, string> = {}) {
  const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(request);
  const id = created.body.id as string;
  const link = await deliverAndGetLink(app, id);
  const { csrf, cookie } = await openSigningPage(app, link);
  // A guardian declares parental authority (issue 12): sole unless `answers` says otherwise; a participant's is ignored.
  const signed = await app.http.post(link).set('Cookie', cookie).set(headers).type('form').send({ _csrf: csrf, authority: 'sole', ...answers, action: 'sign' });
  return { id, link, csrf, cookie, signed };
}
