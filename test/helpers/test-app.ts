import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';

import { loadConfig } from '../../src/config';
import { openContainer, type Container, type ContainerOverrides } from '../../src/container';
import { createSelfSignedP12, loadSigningIdentity, type SigningIdentity } from '../../src/evidence/signing-identity';
import { createApiKey } from '../../src/organisations/api-keys';
import { bootstrapDemo } from '../../src/organisations/bootstrap-demo';
import { FixedClock } from '../../src/shared/clock';
import { newId } from '../../src/shared/ids';

export interface TestApp {
  container: Container;
  clock: FixedClock;
  dataDir: string;
  apiKey: string;
  organisationId: string;
  http: ReturnType<typeof request>;
  /** A second organisation with its own key, to prove isolation. */
  other: { apiKey: string; organisationId: string };
  close(): Promise<void>;
}

let sharedIdentity: SigningIdentity | null = null;
/** One self-signed seal per test process: making an RSA key per test app would cost a second each. */
export function testSigningIdentity(): SigningIdentity {
  sharedIdentity ??= loadSigningIdentity(createSelfSignedP12('Akkoord test seal', 'Demo', 'test'), 'test');
  return sharedIdentity;
}

/** A real service on SQLite in a temp folder, with a fixed clock and no background worker. */
export async function createTestApp(env: Record<string, string> = {}, start = '2026-11-22T10:00:00Z', logger: pino.Logger = pino({ level: 'silent' }), overrides: Pick<ContainerOverrides, 'wrapSealer' | 'scanWork'> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'akkoord-test-'));
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent', WORKER_ENABLED: 'false', PUBLIC_BASE_URL: 'http://127.0.0.1:3000', STAFF_PASSWORD_SCRYPT_LOG2N: '14', ...env });
  const clock = new FixedClock(start);
  const container = await openContainer(config, { clock, logger, signingIdentity: testSigningIdentity(), ...overrides });
  const demo = (await bootstrapDemo(container))!;
  const otherOrg = newId('org', clock.now());
  await container.store.createOrganisation({ id: otherOrg, name: 'Buurtwerk Oost', createdAt: clock.now() });
  const otherKey = await createApiKey(container, otherOrg, 'other');
  return {
    container,
    clock,
    dataDir,
    apiKey: demo.secret,
    organisationId: demo.organisationId,
    http: request(container.app),
    other: { apiKey: otherKey.secret, organisationId: otherOrg },
    close: async () => {
      await container.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

/** Synthetic people only (privacy principle: no real data in tests). */
export function childRequest(overrides: Record<string, unknown> = {}) {
  return {
    formId: 'activiteit-onder-16',
    subject: { reference: 'REG-1042', firstName: 'Sam', lastName: 'de Vries', dateOfBirth: '2014-04-02' },
    recipient: { name: 'Ans de Vries', channel: 'sms', phone: '06 12345678', language: 'nl' },
    ...overrides,
  };
}

export function adultRequest(overrides: Record<string, unknown> = {}) {
  return {
    formId: 'inloop-16-plus',
    subject: { reference: 'REG-2001', firstName: 'Noor', lastName: 'Bakker', dateOfBirth: '2008-01-15' },
    recipient: { channel: 'email', email: 'noor.bakker@example.nl', language: 'nl' },
    ...overrides,
  };
}

/** Runs the worker once and returns the link the dev outbox received for the request. */
export async function deliverAndGetLink(app: TestApp, requestId: string): Promise<string> {
  await app.container.worker.runOnce();
  const entries = await app.container.store.listDevOutbox(100);
  const entry = entries.find((e) => e.requestId === requestId);
  if (!entry) throw new Error(`no dev outbox message for ${requestId}`);
  return new URL(entry.link).pathname;
}

/** A free loopback port, for a service whose PUBLIC_BASE_URL must be known before it listens. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Decisions on a paper form, as the JSON text the multipart field carries. Registration granted, the rest refused. */
export const ADULT_DECISIONS = JSON.stringify([{ purposeId: 'registratie', granted: true }, { purposeId: 'contact', granted: false }, { purposeId: 'gegevens-delen', granted: false }]);
export const CHILD_DECISIONS = JSON.stringify([
  { purposeId: 'registratie', granted: true },
  { purposeId: 'contact-ouder', granted: false },
  { purposeId: 'gegevens-delen', granted: false },
  { purposeId: 'medische-gegevens', granted: false },
]);
/** As CHILD_DECISIONS, with medical details granted as well. */
export const CHILD_DECISIONS_MEDICAL = JSON.stringify([
  { purposeId: 'registratie', granted: true },
  { purposeId: 'contact-ouder', granted: false },
  { purposeId: 'gegevens-delen', granted: false },
  { purposeId: 'medische-gegevens', granted: true },
]);

/** What is written on a paper form (the fields of a paper upload other than the scan). */
export interface PaperFields {
  signedBy: string;
  signedOn: string;
  decisions: string;
}
/** A paper form for a subject without a request also names the form and the person. */
export interface SubjectPaperFields extends PaperFields {
  formId: string;
  firstName: string;
  lastName?: string;
  dateOfBirth: string;
}
/** The scan's file name, or its name and content type. */
export type ScanName = string | { filename: string; contentType: string };

/** The 16+ drop-in form, signed by Noor herself on 2026-11-01. */
export const ADULT_PAPER: SubjectPaperFields = { formId: 'inloop-16-plus', firstName: 'Noor', dateOfBirth: '2008-01-15', signedBy: 'Noor Bakker', signedOn: '2026-11-01', decisions: ADULT_DECISIONS };
/** The under-16 form for Sam (born 2014-04-02), signed by the parent Ans de Vries on 2026-11-20. */
export const CHILD_PAPER: SubjectPaperFields = { formId: 'activiteit-onder-16', firstName: 'Sam', dateOfBirth: '2014-04-02', signedBy: 'Ans de Vries', signedOn: '2026-11-20', decisions: CHILD_DECISIONS };

/** `POST /subjects/{reference}/paper-consents` with these fields and the scan; the caller may add headers before awaiting it. */
export function uploadPaperConsent(app: TestApp, reference: string, fields: SubjectPaperFields, scan: Buffer, name: ScanName = 'scan.png') {
  const req = app.http.post(`/api/v1/subjects/${reference}/paper-consents`).set(auth(app.apiKey)).field('formId', fields.formId).field('firstName', fields.firstName);
  if (fields.lastName !== undefined) req.field('lastName', fields.lastName);
  return req.field('dateOfBirth', fields.dateOfBirth).field('signedBy', fields.signedBy).field('signedOn', fields.signedOn).field('decisions', fields.decisions).attach('file', scan, name);
}

/** `POST /consent-requests/{id}/paper`: only signedBy, signedOn and decisions of `fields` are sent, then the scan; the caller may add headers before awaiting it. */
export function uploadRequestPaper(app: TestApp, id: string, fields: PaperFields, scan: Buffer, name: ScanName = 'scan.png') {
  return app.http.post(`/api/v1/consent-requests/${id}/paper`).set(auth(app.apiKey)).field('signedBy', fields.signedBy).field('signedOn', fields.signedOn).field('decisions', fields.decisions).attach('file', scan, name);
}

/**
 * `POST /subjects/{reference}/paper-consents` for the 16+ drop-in form with a scan and every
 * purpose decided (registration granted); the caller may add headers before awaiting it.
 */
export function uploadAdultPaperConsent(app: TestApp, reference: string, scan: Buffer, name: ScanName = 'scan.png') {
  return uploadPaperConsent(app, reference, ADULT_PAPER, scan, name);
}

/** Opens a signing page as a browser would: its HTML, the CSRF field value and the cookie to send back. */
export async function openSigningPage(app: TestApp, path: string) {
  const page = await app.http.get(path);
  const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(page.text)![1]!;
  const cookie = (page.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
  return { page, csrf, cookie };
}
