import fc from 'fast-check';

import type { SqliteStore } from '../../src/storage/sqlite/sqlite-store';
import { auth, childRequest, createTestApp, deliverAndGetLink, openSigningPage, type TestApp } from '../helpers/test-app';
import { signaturePng } from '../helpers/png';

/**
 * Hostile and random input against the two busiest entry points: the JSON API's create endpoint
 * and the signing POST. Every answer must be a 2xx/3xx or a 4xx problem, never a 500, and an
 * answer that refused the input must leave nothing behind in the store.
 *
 * The runs are seeded from FUZZ_SEED when it is set (to replay a failure fast-check reports) and
 * are otherwise random; each failure prints its seed and the shrunk counterexample.
 */
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const runs = (n: number) => ({ numRuns: Number(process.env.FUZZ_RUNS ?? n), ...(seed === undefined ? {} : { seed }) });

/** Strings an attacker would try: control characters, lone surrogates, bidi overrides, markup, SQL, huge ones. */
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\uD800',
    '\uDFFF',
    'Ans\u202Eseirv ed',
    '\u200B\u200B',
    '\u2066Sam\u2069',
    '<script>alert(1)</script>',
    "'; DROP TABLE consent_requests; --",
    '../../etc/passwd',
    '__proto__',
    'constructor',
    '%00',
    '{{name}}',
    '2014-02-30',
    '2014-04-02T00:00:00Z',
    '9999-12-31',
    '0000-01-01',
    '+31612345678',
    '06 12345678',
    '0201234567',
    'a@b',
    'noor@example.nl',
    'x'.repeat(5000),
  ),
);

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
);

/** A valid body with some fields replaced, removed or added: most runs get past JSON parsing and the first checks. */
const mutatedCreateBody = fc
  .record({
    paths: fc.array(
      fc.constantFrom('formId', 'subject', 'subject.reference', 'subject.firstName', 'subject.lastName', 'subject.dateOfBirth', 'recipient', 'recipient.name', 'recipient.channel', 'recipient.phone', 'recipient.email', 'recipient.language', 'expiresAt', 'reminders', 'reminders.max', 'extra', '__proto__'),
      { minLength: 1, maxLength: 4 },
    ),
    values: fc.array(fc.option(anyValue, { nil: undefined }), { minLength: 4, maxLength: 4 }),
  })
  .map(({ paths, values }) => {
    const body = JSON.parse(JSON.stringify(childRequest())) as Record<string, unknown>;
    paths.forEach((path, i) => {
      const parts = path.split('.');
      let target = body;
      for (const part of parts.slice(0, -1)) {
        if (typeof target[part] !== 'object' || target[part] === null) target[part] = {};
        target = target[part] as Record<string, unknown>;
      }
      const last = parts.at(-1)!;
      // JSON.parse below turns a "__proto__" key into an own property, as a client's JSON would.
      if (values[i] === undefined) delete target[last];
      else Object.defineProperty(target, last, { value: values[i], enumerable: true, writable: true, configurable: true });
    });
    return JSON.stringify(body);
  });

const createBody = fc.oneof(mutatedCreateBody, fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 200 }));

const COUNTED_TABLES = ['consent_requests', 'events', 'outbox', 'decisions', 'documents', 'form_versions'] as const;

/** Rows per table (the table names are the fixed list above, not input). */
function rowCounts(app: TestApp): Record<(typeof COUNTED_TABLES)[number], number> {
  const db = (app.container.store as SqliteStore).db;
  const count = (table: (typeof COUNTED_TABLES)[number]) => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
  return {
    consent_requests: count('consent_requests'),
    events: count('events'),
    outbox: count('outbox'),
    decisions: count('decisions'),
    documents: count('documents'),
    form_versions: count('form_versions'),
  };
}

function expectProblem(res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }): void {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.status).toBe(res.status);
  expect(typeof res.body.title).toBe('string');
}

describe('fuzzing the entry points with random and hostile input', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ RATE_LIMIT_API_PER_MINUTE: '1000000', RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000' });
  });
  afterAll(async () => {
    await app.close();
  });

  test('when the create endpoint gets random and hostile bodies, then every answer is a 201 or a 4xx problem and a refusal writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(createBody, async (raw) => {
        const before = rowCounts(app);
        const res = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).set('Content-Type', 'application/json').send(raw);
        expect(res.status).toBeLessThan(500);
        if (res.status === 201) {
          expect(res.body.id).toMatch(/^cr_/);
          expect(rowCounts(app).consent_requests).toBe(before.consent_requests + 1);
          return;
        }
        expect(res.status).toBeGreaterThanOrEqual(400);
        expectProblem(res);
        const after = rowCounts(app);
        // A form version is stored once per form and is shared, not a half-written request.
        expect({ ...after, form_versions: 0 }).toEqual({ ...before, form_versions: 0 });
      }),
      runs(300),
    );
  }, 120_000);

  /** Mostly a real answer, so that many runs get as far as the signature and the record. */
  const answer = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('yes', 'no') }, { weight: 1, arbitrary: hostileString });

  /** Everything a browser (or an attacker with a browser) can put in the signing form. */
  const signingForm = fc.record(
    {
      _csrf: fc.oneof({ weight: 6, arbitrary: fc.constant('VALID') }, { weight: 1, arbitrary: hostileString }),
      action: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('sign', 'decline') }, { weight: 1, arbitrary: hostileString }),
      purpose_registratie: answer,
      'purpose_contact-ouder': answer,
      'purpose_gegevens-delen': answer,
      'purpose_medische-gegevens': answer,
      declaration: fc.oneof({ weight: 8, arbitrary: fc.constant('yes') }, { weight: 1, arbitrary: hostileString }),
      signerName: fc.oneof({ weight: 2, arbitrary: fc.constantFrom('Ans de Vries', 'Zoë ’t Hart') }, { weight: 3, arbitrary: hostileString }),
      signatureData: fc.oneof(
        hostileString,
        fc.constant(`data:image/png;base64,${signaturePng(60, 20).toString('base64')}`),
        fc.uint8Array({ maxLength: 300 }).map((b) => `data:image/png;base64,${Buffer.from(b).toString('base64')}`),
        fc.uint8Array({ maxLength: 200 }).map((b) => `data:image/png;base64,${Buffer.concat([signaturePng(60, 20).subarray(0, 33), Buffer.from(b)]).toString('base64')}`),
      ),
      lang: fc.constantFrom('nl', 'en', 'xx', ''),
    },
    { requiredKeys: ['_csrf'] },
  );

  test('when the signing form gets random and hostile fields, then every answer is a redirect or a 4xx page and a refusal writes nothing', async () => {
    let current: { id: string; link: string; csrf: string; cookie: string } | null = null;
    let seq = 0;
    const openRequest = async () => {
      seq += 1;
      const created = await app.http.post('/api/v1/consent-requests').set(auth(app.apiKey)).send(childRequest({ subject: { reference: `FUZZ-${seq}`, firstName: 'Sam', dateOfBirth: '2014-04-02' } }));
      expect(created.status).toBe(201);
      const link = await deliverAndGetLink(app, created.body.id);
      const { csrf, cookie } = await openSigningPage(app, link);
      return { id: created.body.id as string, link, csrf, cookie };
    };

    await fc.assert(
      fc.asyncProperty(signingForm, async (form) => {
        current ??= await openRequest();
        const { id, link, csrf, cookie } = current;
        const before = rowCounts(app);
        const { lang, ...fields } = form;
        const body = { ...fields, _csrf: fields._csrf === 'VALID' ? csrf : fields._csrf };
        const res = await app.http.post(`${link}${lang === undefined ? '' : `?lang=${encodeURIComponent(lang)}`}`).set('Cookie', cookie).type('form').send(body);
        expect(res.status).toBeLessThan(500);
        const got = await app.http.get(`/api/v1/consent-requests/${id}`).set(auth(app.apiKey));
        if (res.status === 303) {
          // Signed or declined: the next run needs an open request again.
          expect(['signed', 'declined']).toContain(got.body.status);
          expect(rowCounts(app).documents).toBe(before.documents + 1);
          current = null;
          return;
        }
        expect([403, 422]).toContain(res.status);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(got.body.status).toBe('opened');
        expect(rowCounts(app)).toEqual(before);
      }),
      runs(150),
    );
    // 150 signing-page round trips take about 17 s on this machine alone; a busy CI machine (the
    // suite beside a build) can take twice that. The limit stops a hang, it does not time anything.
  }, 120_000);
});
