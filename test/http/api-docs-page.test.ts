import type { OpenApiDocument } from '../../src/http/openapi';
import { documentedRoutes } from '../helpers/openapi-match';
import { createTestApp, type TestApp } from '../helpers/test-app';

/** Issue 13: `/docs`, the readable API reference, rendered by the service from its own OpenAPI document. */
describe('the API reference at /docs', () => {
  let app: TestApp;
  let html: string;
  let doc: OpenApiDocument;
  let csp: string;
  beforeAll(async () => {
    app = await createTestApp();
    const res = await app.http.get('/docs').expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    html = res.text;
    csp = String(res.headers['content-security-policy']);
    doc = (await app.http.get('/api/v1/openapi.json').expect(200)).body as OpenApiDocument;
  });
  afterAll(async () => app.close());

  const unescape = (text: string) => text.replace(/&#x3D;/g, '=').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const article = (id: string): string => {
    const start = html.indexOf(`<article class="card api-op" id="${id}"`);
    if (start < 0) throw new Error(`no article for ${id}`);
    return unescape(html.slice(start, html.indexOf('</article>', start)));
  };

  test('when /docs is opened without an API key, then every documented operation has its section with method, path and summary', () => {
    const operations = documentedRoutes(doc);
    expect(operations.length).toBeGreaterThan(15);
    for (const route of operations) {
      const [method, path] = route.split(' ') as [string, string];
      const operation = doc.paths[path]![method.toLowerCase() as 'get']!;
      const section = article(operation.operationId);
      expect(section).toContain(`<span class="api-method api-method--${method}">${method}</span> <code class="api-op__path">${path}</code>`);
      expect(section).toContain(operation.summary.replace(/`/g, '').slice(0, 20));
      expect(html).toContain(`href="#${operation.operationId}"`);
    }
  });

  test('when the create section is read, then it shows the body fields with their types and limits, the auth, the responses and a curl line', () => {
    const create = article('createConsentRequest');
    expect(create).toContain('Auth: API key (not a read-only key)');
    expect(create).toMatch(/<code class="api-field__name">subject\.reference<\/code> <span class="api-field__type">string<\/span> <span class="api-field__required">required<\/span><\/dt>\s*<dd class="api-field__limits">length 1–100; pattern <code>\^\[A-Za-z0-9\]/);
    expect(create).toMatch(/recipient\.channel<\/code> <span class="api-field__type">"sms" \| "email"<\/span>/);
    expect(create).toMatch(/<code class="api-field__name">Idempotency-Key \(header\)<\/code>/);
    expect(create).toMatch(/<span class="api-status api-status--ok">201<\/span> Created; the message is queued\..*<a href="#schema-ConsentRequest">ConsentRequest<\/a>/);
    expect(create).toContain('<span class="api-status api-status--problem">422</span>');
    expect(create).toContain(`curl -X POST 'http://127.0.0.1:3000/api/v1/consent-requests' \\\n  -H "Authorization: Bearer $AKKOORD_API_KEY"`);
    expect(create).toContain(`-d '{"formId":"activiteit-onder-16","subject":{"reference":"REG-1042"`);
    expect(article('getSubjectConsent')).toContain('Auth: API key; a read-only (status) key is enough');
    expect(article('getOpenApi')).toContain('Auth: None (public)');
    expect(article('listConsentRequests')).toMatch(/limit \(query\)<\/code> <span class="api-field__type">integer<\/span><\/dt>\s*<dd class="api-field__limits">1–100; default 25<\/dd>/);
  });

  test('when the page is checked, then every in-page link has its target, it loads nothing from elsewhere and has no script, under the page CSP', () => {
    const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    const targets = [...html.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
    expect(targets.length).toBeGreaterThan(50);
    expect(targets.filter((t) => !ids.has(t))).toEqual([]);
    for (const name of Object.keys(doc.components.schemas)) expect(ids.has(`schema-${name}`)).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect([...html.matchAll(/(?:src|href)="([^"#][^"]*)"/g)].map((m) => m[1]).filter((url) => !url!.startsWith('/'))).toEqual([]);
    expect(csp).toContain("script-src 'self'");
  });
});
