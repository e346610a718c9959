import { hashToken } from '../../src/consent/link-token';
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

/**
 * Issue 12 (verify): signs with a "yes" that needs a one-time code, as a browser does: the sign
 * post (with `fields`, `_csrf` and `action` added) shows the code step, the worker delivers the code
 * to the dev outbox, and the code step posts it back with the hidden fields. Returns the answer to
 * the code post, unchecked (303 when signed).
 */
export async function signWithDevOutboxCode(app: TestApp, link: string, session: { csrf: string; cookie: string }, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const step = await app.http.post(link).set('Cookie', session.cookie).set(headers).type('form').send({ _csrf: session.csrf, ...fields, action: 'sign' });
  if (step.status !== 200 || !step.text.includes('name="code"')) throw new Error(`expected the code step, got ${step.status}`);
  return completeCodeStep(app, link, session, step.text, headers);
}

/** The second half of signWithDevOutboxCode: `stepHtml` is the code page the sign post answered with. */
export async function completeCodeStep(app: TestApp, link: string, session: { csrf: string; cookie: string }, stepHtml: string, headers: Record<string, string> = {}) {
  await app.container.worker.runOnce();
  const request = (await app.container.store.findConsentRequestByTokenHash(hashToken(link.split('/').pop()!)))!;
  const entry = (await app.container.store.listDevOutbox(100)).find((e) => e.requestId === request.id)!;
  const code = /\b(\d{6})\b/.exec(entry.body)![1]!;
  const kept: Record<string, string> = {};
  for (const m of stepHtml.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) if (m[1] !== '_csrf') kept[m[1]!] = unescapeHtml(m[2]!);
  return app.http.post(link).set('Cookie', session.cookie).set(headers).type('form').send({ _csrf: session.csrf, ...kept, code, action: 'verify-code' });
}

const unescapeHtml = (value: string): string =>
  value.replace(/&(#x3D|#x27|#x60|#x2F|quot|lt|gt|amp);/g, (_, name: string) => ({ '#x3D': '=', '#x27': "'", '#x60': '`', '#x2F': '/', quot: '"', lt: '<', gt: '>', amp: '&' })[name]!);
