import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import type { ConsentForm } from '../../src/consent/form-types';
import { computeConsentTextSha256, renderConsentPdf } from '../../src/evidence/render-consent-pdf';
import { type SealOptions, sealPdf, verifySealedPdf } from '../../src/evidence/seal-pdf';
import { createSelfSignedP12, DEV_P12_FILE, DEV_PASSWORD_FILE, loadOrCreateDevSigningIdentity, loadSigningIdentity, type SigningIdentity, SigningIdentityError } from '../../src/evidence/signing-identity';
import { X509Certificate } from 'node:crypto';
import { readTimestampToken } from '../../src/evidence/timestamp-authority';
import { qpdfCheck, qpdfTest } from '../helpers/pdf-tools';
import { verifyTimestampToken } from '../../src/evidence/verify-timestamp-token';
import { hasCommand } from '../helpers/tools';
import { type FakeTsa, otherCaCertificatePem, startFakeTsa, type TsaMisbehaviour } from './fake-tsa';

// Locally the checks with poppler's pdfsig/pdfinfo skip without poppler-utils; under CI=true they
// run, so a missing tool fails there.
const hasPoppler = hasCommand('pdfsig') && hasCommand('pdfinfo');
const popplerTest = hasPoppler || process.env.CI === 'true' ? test : test.skip;
const opensslTest = hasCommand('openssl') || process.env.CI === 'true' ? test : test.skip;

const form: ConsentForm = {
  id: 'zomerkamp',
  version: '3f9a1c07be52d864',
  audience: 'under16',
  languages: ['nl', 'en'],
  title: { nl: 'Toestemming voor het zomerkamp', en: 'Consent for the summer camp' },
  intro: { nl: 'Wij vragen u als ouder of voogd om toestemming.', en: 'We ask you, as parent or guardian, for consent.' },
  sections: [
    { heading: { nl: 'Wat wij vastleggen', en: 'What we record' }, body: { nl: 'De voornaam en de geboortedatum.', en: 'The first name and the date of birth.' } },
    { heading: { nl: 'Hoe lang', en: 'How long' }, body: { nl: 'Tot 3 jaar na het laatste contact.', en: 'Until 3 years after the last contact.' } },
  ],
  purposes: [
    { id: 'registratie', required: true, specialCategory: false, label: { nl: 'Inschrijving', en: 'Registration' }, description: { nl: 'Nodig om mee te gaan.', en: 'Needed to come along.' } },
    { id: 'foto-website', required: false, specialCategory: false, label: { nl: "Foto's op de website", en: 'Photos on the website' }, description: { nl: 'Groepsfoto’s zonder achternamen.', en: 'Group photos without last names.' } },
  ],
  declarations: { guardian: { nl: 'Ik heb het ouderlijk gezag over {childFirstName}.', en: 'I have parental authority over {childFirstName}.' }, participant: { nl: 'Ik heb dit gelezen.', en: 'I have read this.' } },
  validForMonths: 12,
  sourceFile: 'zomerkamp.yaml',
};

const ORGANISATION = 'Jongerenwerk Café De Ruïne';
const SIGNED_AT = new Date('2026-11-22T13:05:00Z');
const SEALED_AT = new Date('2026-11-22T13:05:02Z');
const sealOptions: SealOptions = { reason: 'Bewijs van toestemming, vastgelegd door Akkoord', name: ORGANISATION, location: 'Nederland', signedAt: SEALED_AT };

let dir: string;
let consentPdf: Buffer;
let identity: SigningIdentity;
let tsa: FakeTsa;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'akkoord-seal-'));
  consentPdf = await renderConsentPdf({
    organisationName: ORGANISATION,
    requestId: 'cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D',
    form,
    language: 'nl',
    signerRole: 'guardian',
    signerName: 'Noëlle van den Bërg',
    declaration: 'Ik heb het ouderlijk gezag over Zoë.',
    subjectFirstName: 'Zoë',
    subjectDateOfBirth: '2015-03-14',
    outcome: 'signed',
    decisions: [
      { purposeId: 'registratie', granted: true },
      { purposeId: 'foto-website', granted: false },
    ],
    signature: { kind: 'typed', text: 'N. van den Bërg' },
    signedAt: SIGNED_AT,
    signedVia: { channel: 'sms', maskedAddress: '+31 6 •••• ••12' },
    auditTrail: [{ at: SIGNED_AT, type: 'signed', actor: 'recipient', hash: '' }],
    consentTextSha256: computeConsentTextSha256(form, 'nl', 'Ik heb het ouderlijk gezag over Zoë.'),
    signatureSha256: null,
    browser: { browser: 'Chrome 126', system: 'Android' },
  });
  identity = loadSigningIdentity(createSelfSignedP12('Akkoord development seal (Demo)', 'Demo', 'test-password', { now: SIGNED_AT }), 'test-password');
  tsa = await startFakeTsa();
});

afterAll(async () => {
  await tsa?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  tsa.misbehave = 'none';
  tsa.exchanges.length = 0;
  tsa.failAlways(false);
  tsa.failNext(0);
  tsa.delayMs = 0;
  tsa.requests.length = 0;
  tsa.tokens.length = 0;
});

function run(tool: string, args: string[], cwd?: string): { status: number | null; stdout: string } {
  // pdfsig prints the signing time in the local time zone.
  const result = spawnSync(tool, args, { encoding: 'utf8', cwd, env: { ...process.env, TZ: 'UTC' } });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout + result.stderr };
}

function toFile(name: string, pdf: Buffer): string {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

const pdfsig = (file: string) => run('pdfsig', [file]).stdout;

/** Changes one character of the request id in the Info dictionary: the file stays a readable PDF. */
function tampered(pdf: Buffer): Buffer {
  const copy = Buffer.from(pdf);
  const at = copy.indexOf('cr_01JD4W6X9Q3R8T2Y5Z7A1B3C4D');
  expect(at).toBeGreaterThan(0);
  copy[at + 3] = '9'.charCodeAt(0);
  return copy;
}

function decodeUtf16Hex(hex: string): string {
  return Buffer.from(hex, 'hex').swap16().toString('utf16le').replace(/^\ufeff/, '');
}

describe('sealPdf', () => {
  popplerTest('when a rendered consent PDF is sealed, then pdfsig reports a valid ETSI.CAdES.detached signature over the whole file', async () => {
    const { pdf, timestamped, timestampError } = await sealPdf(consentPdf, identity, sealOptions);
    const report = pdfsig(toFile('sealed', pdf));

    expect(report).toContain('Signature Type: ETSI.CAdES.detached');
    expect(report).toContain('Signature Validation: Signature is Valid.');
    expect(report).toContain('Total document signed');
    expect(report).toContain('Signer Certificate Common Name: Akkoord development seal (Demo)');
    // The claimed time is /M (PAdES forbids the CMS signing-time attribute); pdfsig prints it in UTC.
    expect(report).toContain('Signing Time: Nov 22 2026 13:05:02');
    expect([timestamped, timestampError]).toEqual([false, undefined]);
  });

  popplerTest('when a PDF/A document is sealed, then pdfinfo still reads it and its PDF/A identification is intact', async () => {
    const file = toFile('sealed-pdfa', (await sealPdf(consentPdf, identity, sealOptions)).pdf);
    const info = run('pdfinfo', [file]);
    const meta = run('pdfinfo', ['-meta', file]).stdout;

    expect(info.status).toBe(0);
    expect(info.stdout).toMatch(/PDF version:\s+1\.7/);
    expect(info.stdout).toMatch(/Form:\s+AcroForm/);
    expect(meta).toContain('<pdfaid:part>3</pdfaid:part>');
    expect(meta).toContain('<pdfaid:conformance>B</pdfaid:conformance>');
  });

  qpdfTest('when a consent PDF is sealed, then qpdf --check finds the file structure clean (exact startxref, no warnings)', async () => {
    const { pdf } = await sealPdf(consentPdf, identity, sealOptions);

    expect(qpdfCheck(toFile('sealed-qpdf', pdf))).toMatchObject({ status: 0, warnings: [] });
  });

  test('when the seal is written, then the texts keep their accents, an absent text is left out and the trailer keeps the document id', async () => {
    const text = (await sealPdf(consentPdf, identity, sealOptions)).pdf.toString('latin1');
    const update = text.slice(consentPdf.length);
    const originalId = /\/ID \[<([0-9a-f]+)>/.exec(consentPdf.toString('latin1'))?.[1];

    expect(decodeUtf16Hex(/\/Name <([0-9A-F]+)>/.exec(update)?.[1] ?? '')).toBe(ORGANISATION);
    expect(decodeUtf16Hex(/\/Reason <([0-9A-F]+)>/.exec(update)?.[1] ?? '')).toBe(sealOptions.reason);
    expect(update).not.toContain('/ContactInfo');
    expect(update).toContain('/M (D:20261122130502Z)');
    // The widget must print (PDF/A) and has no size, so it needs no appearance stream.
    expect(update).toMatch(/\/Subtype \/Widget\n\/FT \/Sig\n\/Rect \[0 0 0 0\][^]*\/F 4\n/);
    expect(update.slice(update.lastIndexOf('trailer'))).toContain(`/ID [<${originalId}> <`);
  });

  test('when a sealed PDF is verified with our certificate, then it is sealed, intact and by our key', async () => {
    const { pdf } = await sealPdf(consentPdf, identity, sealOptions);

    expect(verifySealedPdf(pdf, [identity.certificatePem])).toEqual({
      sealed: true,
      intact: true,
      signerSubject: 'CN=Akkoord development seal (Demo), O=Demo',
      byOurKey: true,
      signedAt: SEALED_AT,
      timestamped: false,
      timestampedAt: null,
      timestampAuthority: null,
      timestampProblem: null,
      problem: null,
    });
  });

  test('when a sealed PDF is verified against another certificate, then it is intact but not by our key', async () => {
    const other = loadSigningIdentity(createSelfSignedP12('Someone else', 'Elsewhere', 'x'), 'x');
    const result = verifySealedPdf((await sealPdf(consentPdf, identity, sealOptions)).pdf, [other.certificatePem]);

    expect(result).toMatchObject({ sealed: true, intact: true, byOurKey: false });
  });

  test('when an unsealed PDF is verified, then it is not sealed', () => {
    expect(verifySealedPdf(consentPdf, [identity.certificatePem])).toMatchObject({ sealed: false, intact: false, byOurKey: false, signerSubject: null });
  });

  test('when one byte inside the signed range changes, then verifySealedPdf says it is no longer intact', async () => {
    const result = verifySealedPdf(tampered((await sealPdf(consentPdf, identity, sealOptions)).pdf), [identity.certificatePem]);

    // Still our seal over the original bytes, but not over these.
    expect(result).toMatchObject({ sealed: true, intact: false, byOurKey: true, problem: 'content digest differs' });
  });

  popplerTest('when one byte inside the signed range changes, then pdfsig no longer reports the signature valid', async () => {
    const report = pdfsig(toFile('tampered', tampered((await sealPdf(consentPdf, identity, sealOptions)).pdf)));

    expect(report).toContain('Signature Type: ETSI.CAdES.detached');
    expect(report).not.toContain('Signature is Valid.');
    expect(report).toContain('Signature Validation: Digest Mismatch.');
  });

  test('when bytes are appended to a sealed PDF, then verifySealedPdf says it is no longer intact', async () => {
    const { pdf } = await sealPdf(consentPdf, identity, sealOptions);
    const appended = Buffer.concat([pdf, Buffer.from('\n% added later\n')]);

    expect(verifySealedPdf(appended, [identity.certificatePem])).toMatchObject({ sealed: true, intact: false, problem: 'bytes were added after sealing' });
  });

  popplerTest('when bytes are appended to a sealed PDF, then pdfsig says the signature no longer covers the whole document', async () => {
    const { pdf } = await sealPdf(consentPdf, identity, sealOptions);
    const report = pdfsig(toFile('appended', Buffer.concat([pdf, Buffer.from('\n% added later\n')])));

    // The signed ranges themselves are unchanged, so poppler still calls the signature valid.
    expect(report).toContain('Not total document signed');
  });

  test('when a byte of the signature itself changes, then the seal is neither intact nor by our key', async () => {
    const { pdf } = await sealPdf(consentPdf, identity, sealOptions);
    const copy = Buffer.from(pdf);
    // The RSA signature value sits near the end of the CMS, ahead of the zero padding.
    const hexEnd = copy.indexOf('>', copy.indexOf('/Contents <', consentPdf.length));
    const cmsHexEnd = copy.subarray(0, hexEnd).toString('latin1').replace(/0+$/, '').length;
    // Another hex digit, by value: 'a' → 'A' would be the same byte (1 run in 16 failed that way).
    const digit = parseInt(String.fromCharCode(copy[cmsHexEnd - 10]!), 16);
    copy[cmsHexEnd - 10] = ((digit + 1) % 16).toString(16).charCodeAt(0);

    expect(verifySealedPdf(copy, [identity.certificatePem])).toMatchObject({ sealed: true, intact: false, byOurKey: false });
  });
});

describe('sealPdf with a time-stamping authority', () => {
  const fixedTime = new Date('2026-11-22T13:05:03Z');
  beforeEach(() => {
    tsa.now = () => fixedTime;
  });

  popplerTest('when the TSA answers, then the seal carries its token and pdfsig still reports it valid', async () => {
    const { pdf, timestamped, timestampError } = await sealPdf(consentPdf, identity, { ...sealOptions, tsa: { url: tsa.url } });
    const file = toFile('timestamped', pdf);
    const report = pdfsig(file);
    // poppler 22.12 prints nothing about a signature time-stamp, so the token is looked for in the
    // signature as pdfsig itself extracts it.
    const dumpDir = mkdtempSync(join(dir, 'dump-'));
    run('pdfsig', ['-dump', file], dumpDir);
    const dumped = readFileSync(join(dumpDir, readdirSync(dumpDir)[0]!));

    expect([timestamped, timestampError]).toEqual([true, undefined]);
    expect(report).toContain('Signature Type: ETSI.CAdES.detached');
    expect(report).toContain('Signature Validation: Signature is Valid.');
    expect(tsa.tokens).toHaveLength(1);
    expect(dumped.indexOf(tsa.tokens[0]!)).toBeGreaterThan(0);
    expect(readTimestampToken(tsa.tokens[0]!).genTime).toEqual(fixedTime);
  });

  qpdfTest('when a sealed record is sealed again with a time-stamp, then qpdf --check is clean and pdfsig finds both seals valid', async () => {
    const first = await sealPdf(consentPdf, identity, sealOptions);
    const second = await sealPdf(first.pdf, identity, { ...sealOptions, reason: 'Time-stamp added to the consent record', tsa: { url: tsa.url } });
    const file = toFile('resealed-qpdf', second.pdf);
    const report = pdfsig(file);

    expect(second.timestamped).toBe(true);
    expect(qpdfCheck(file)).toMatchObject({ status: 0, warnings: [] });
    expect(report).toContain('Signature #2');
    expect(report.match(/Signature Validation: Signature is Valid\./g)).toHaveLength(2);
    expect(verifySealedPdf(second.pdf, [identity.certificatePem])).toMatchObject({ sealed: true, intact: true, byOurKey: true, timestamped: true });
  });

  test('when the TSA answers, then verifySealedPdf finds a valid time-stamp with the TSA time', async () => {
    const { pdf } = await sealPdf(consentPdf, identity, { ...sealOptions, tsa: { url: tsa.url } });

    expect(verifySealedPdf(pdf, [identity.certificatePem])).toMatchObject({ sealed: true, intact: true, byOurKey: true, timestamped: true, timestampedAt: fixedTime, signedAt: SEALED_AT });
  });

  test('when the TSA fails twice and then answers, then the third attempt gives the token', async () => {
    tsa.failNext(2);
    const result = await sealPdf(consentPdf, identity, { ...sealOptions, tsa: { url: tsa.url, attempts: 3, backoffMs: 5 } });

    expect(result.timestamped).toBe(true);
    expect(tsa.requests).toHaveLength(3);
  });

  test('when the TSA keeps failing, then the PDF is sealed without a time-stamp after the configured attempts, and says why', async () => {
    tsa.failAlways(true);
    const { pdf, timestamped, timestampError } = await sealPdf(consentPdf, identity, { ...sealOptions, tsa: { url: tsa.url, attempts: 4, backoffMs: 5 } });

    expect(tsa.requests).toHaveLength(4);
    expect(timestamped).toBe(false);
    expect(timestampError).toBe('No time-stamp after 4 attempts: HTTP 500; HTTP 500; HTTP 500; HTTP 500');
    expect(verifySealedPdf(pdf, [identity.certificatePem])).toMatchObject({ sealed: true, intact: true, byOurKey: true, timestamped: false });
  });

  popplerTest('when the TSA keeps failing, then pdfsig reports the seal without time-stamp valid', async () => {
    tsa.failAlways(true);
    const { pdf } = await sealPdf(consentPdf, identity, { ...sealOptions, tsa: { url: tsa.url, attempts: 2, backoffMs: 5 } });

    expect(pdfsig(toFile('no-timestamp', pdf))).toContain('Signature Validation: Signature is Valid.');
  });

  test('when the TSA rejects the request, then it is not asked again', async () => {
    tsa.rejectNext(1);
    const result = await sealPdf(consentPdf, identity, { ...sealOptions, tsa: { url: tsa.url, attempts: 3, backoffMs: 5 } });

    expect(tsa.requests).toHaveLength(1);
    expect(result).toMatchObject({ timestamped: false, timestampError: 'No time-stamp after 1 attempt: TSA answered rejection' });
  });

  test('when the TSA answers too slowly, then each attempt gives up at the timeout', async () => {
    tsa.delayMs = 400;
    const result = await sealPdf(consentPdf, identity, { ...sealOptions, tsa: { url: tsa.url, attempts: 2, timeoutMs: 50, backoffMs: 5 } });

    // Both attempts reached the TSA and each was abandoned by its own timeout (no clock is read here).
    expect(tsa.requests).toHaveLength(2);
    expect(result.timestampError).toBe('No time-stamp after 2 attempts: no answer within 50 ms; no answer within 50 ms');
  });
});

describe('time-stamp tokens as a strict RFC 3161 verifier sees them', () => {
  const fixedTime = new Date('2026-11-22T13:05:03Z');
  beforeEach(() => {
    tsa.now = () => fixedTime;
  });

  /** Writes our request, the TSA's answer to it and the root CA to files and runs `openssl ts -verify` on them. */
  function opensslVerify(name: string, request: Buffer): string {
    const response = tsa.exchanges.find((e) => e.request.equals(request))!.response;
    const base = join(dir, name);
    writeFileSync(`${base}.tsq`, request);
    writeFileSync(`${base}.tsr`, response);
    writeFileSync(`${base}-ca.pem`, tsa.caCertificatePem);
    return run('openssl', ['ts', '-verify', '-in', `${base}.tsr`, '-queryfile', `${base}.tsq`, '-CAfile', `${base}-ca.pem`]).stdout;
  }

  for (const mode of ['none', 'ess-v1'] as const) {
    opensslTest(`when the fake TSA stamps a seal (${mode === 'none' ? 'signing-certificate-v2' : 'signing-certificate v1'}), then openssl ts -verify accepts its response for our request`, async () => {
      tsa.misbehave = mode;
      const result = await sealPdf(consentPdf, identity, { ...sealOptions, tsa: { url: tsa.url, attempts: 1 } });

      expect(result).toMatchObject({ timestamped: true });
      expect(tsa.requests).toHaveLength(1);
      expect(opensslVerify(`standard-${mode}`, tsa.requests[0]!)).toContain('Verification: OK');
    });
  }

  const refusals: [TsaMisbehaviour, string, number][] = [
    ['no-ess', 'the ESS signing-certificate attribute is missing', 1],
    ['no-eku', 'the TSA certificate has no timeStamping extended key usage', 1],
    ['non-critical-eku', 'the timeStamping extended key usage of the TSA certificate is not critical', 1],
    ['wrong-imprint', 'the token is for another digest', 1],
    // Another nonce may be a stale answer, so that one is asked again.
    ['wrong-nonce', 'the token does not carry our nonce', 2],
  ];
  for (const [mode, problem, requests] of refusals) {
    test(`when the TSA answers with a token where ${mode}, then the token is refused and the PDF is sealed without a time-stamp, saying why`, async () => {
      tsa.misbehave = mode;
      const { pdf, timestamped, timestampError } = await sealPdf(consentPdf, identity, { ...sealOptions, tsa: { url: tsa.url, attempts: 2, backoffMs: 5 } });

      expect(timestamped).toBe(false);
      expect(timestampError).toContain(`token refused: ${problem}`);
      expect(tsa.requests).toHaveLength(requests);
      expect(verifySealedPdf(pdf, [identity.certificatePem])).toMatchObject({ intact: true, timestamped: false, timestampProblem: null });
    });
  }

  opensslTest('when the fake TSA misbehaves in a way we refuse, then openssl ts -verify refuses that response too', async () => {
    for (const mode of ['no-ess', 'no-eku', 'non-critical-eku', 'wrong-imprint', 'wrong-nonce'] as const) {
      tsa.misbehave = mode;
      tsa.requests.length = 0;
      tsa.exchanges.length = 0;
      await sealPdf(consentPdf, identity, { ...sealOptions, tsa: { url: tsa.url, attempts: 1 } });

      expect([mode, opensslVerify(`refused-${mode}`, tsa.requests[0]!)]).toEqual([mode, expect.stringContaining('Verification: FAILED')]);
    }
  });

  test('when trusted TSA certificates are configured, then a token chaining to them is accepted and one from another PKI is refused', async () => {
    const ours = [new X509Certificate(tsa.caCertificatePem)];
    const others = [new X509Certificate(otherCaCertificatePem())];
    const accepted = await sealPdf(consentPdf, identity, { ...sealOptions, tsa: { url: tsa.url, attempts: 1, trusted: ours } });
    const refused = await sealPdf(consentPdf, identity, { ...sealOptions, tsa: { url: tsa.url, attempts: 1, trusted: others } });

    expect(accepted).toMatchObject({ timestamped: true });
    expect(refused).toMatchObject({ timestamped: false, timestampError: 'No time-stamp after 1 attempt: token refused: the TSA certificate does not chain to a trusted TSA certificate (TSA_TRUSTED_CERTS)' });
    expect(verifySealedPdf(accepted.pdf, [identity.certificatePem], ours)).toMatchObject({ timestamped: true, timestampedAt: fixedTime, timestampProblem: null });
    expect(verifySealedPdf(accepted.pdf, [identity.certificatePem], others)).toMatchObject({
      intact: true,
      timestamped: false,
      timestampedAt: null,
      timestampAuthority: null,
      timestampProblem: 'the TSA certificate does not chain to a trusted TSA certificate (TSA_TRUSTED_CERTS)',
    });
  });

  test('when one byte of a token changes (its TSTInfo or the TSA signature), then the strict check refuses it', async () => {
    await sealPdf(consentPdf, identity, { ...sealOptions, tsa: { url: tsa.url } });
    const token = tsa.tokens[0]!;
    const imprint = { sha256: readTimestampToken(token).hashedMessage };
    const changedTime = Buffer.from(token);
    const at = changedTime.indexOf('20261122130503Z');
    changedTime[at + 13] = '4'.charCodeAt(0);
    const changedSignature = Buffer.from(token);
    changedSignature[changedSignature.length - 1] = changedSignature.at(-1)! ^ 0x01;

    expect(verifyTimestampToken(token, { imprint })).toMatchObject({ valid: true, genTime: fixedTime });
    expect(at).toBeGreaterThan(0);
    expect(verifyTimestampToken(changedTime, { imprint })).toEqual({ valid: false, code: 'refused', problem: 'the message-digest attribute does not match the TSTInfo' });
    expect(verifyTimestampToken(changedSignature, { imprint })).toEqual({ valid: false, code: 'refused', problem: 'the TSA signature does not verify' });
    expect(verifyTimestampToken(Buffer.from('not a token'), { imprint })).toMatchObject({ valid: false, code: 'unreadable', problem: expect.stringMatching(/^unreadable token/) });
  });

  test('when a time-stamped seal is verified, then the result names the TSA from its certificate and the TSA time', async () => {
    const { pdf } = await sealPdf(consentPdf, identity, { ...sealOptions, tsa: { url: tsa.url } });

    expect(verifySealedPdf(pdf, [identity.certificatePem])).toMatchObject({
      timestamped: true,
      timestampedAt: fixedTime,
      timestampAuthority: { subject: 'CN=Fake TSA for tests, O=Akkoord tests', commonName: 'Fake TSA for tests', organization: 'Akkoord tests' },
    });
  });
});

describe('signing identity', () => {
  test('when the P12 password is wrong, then loading fails with a wrong_password error', () => {
    const p12 = createSelfSignedP12('Akkoord test seal', 'Test', 'right');

    expect(() => loadSigningIdentity(p12, 'wrong')).toThrow(SigningIdentityError);
    expect(() => loadSigningIdentity(p12, 'wrong')).toThrow(expect.objectContaining({ problem: 'wrong_password', message: 'The password of the PKCS#12 signing file is wrong' }));
  });

  test('when the file is not a PKCS#12, then loading fails as unreadable', () => {
    expect(() => loadSigningIdentity(Buffer.from('not a p12'), 'x')).toThrow(expect.objectContaining({ problem: 'unreadable' }));
  });

  test('when the PKCS#12 holds only a certificate, then loading fails with no_private_key', () => {
    const cert = forge.pki.certificateFromPem(identity.certificatePem);
    const p12 = Buffer.from(forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(null, [cert], 'pw')).getBytes(), 'binary');

    expect(() => loadSigningIdentity(p12, 'pw')).toThrow(expect.objectContaining({ problem: 'no_private_key' }));
  });

  test('when a seal certificate is made, then it is a self-signed 5-year RSA 3072 document-signing certificate', () => {
    const cert = forge.pki.certificateFromPem(identity.certificatePem);
    const years = cert.validity.notAfter.getUTCFullYear() - cert.validity.notBefore.getUTCFullYear();

    expect(identity.selfSigned).toBe(true);
    expect(identity.subject).toBe('CN=Akkoord development seal (Demo), O=Demo');
    expect(identity.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect((cert.publicKey as forge.pki.rsa.PublicKey).n.bitLength()).toBe(3072);
    expect(cert.siginfo.algorithmOid).toBe(forge.pki.oids.sha256WithRSAEncryption);
    expect(years).toBe(5);
    expect(cert.getExtension('keyUsage')).toMatchObject({ digitalSignature: true, nonRepudiation: true, keyCertSign: false });
    expect(cert.getExtension('extKeyUsage')).toMatchObject({ emailProtection: true, '1.3.6.1.4.1.311.10.3.12': true });
  });

  test('when the development identity is asked for twice, then it is created once with mode 0600 and then reused', () => {
    const dataDir = join(dir, 'data');
    const first = loadOrCreateDevSigningIdentity(dataDir, 'Jongerenwerk Demo');
    const second = loadOrCreateDevSigningIdentity(dataDir, 'Jongerenwerk Demo');

    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(first.file).toBe(join(dataDir, DEV_P12_FILE));
    expect(second.identity.fingerprintSha256).toBe(first.identity.fingerprintSha256);
    expect(first.identity.subject).toBe('CN=Akkoord development seal (Jongerenwerk Demo), O=Jongerenwerk Demo');
    expect(statSync(join(dataDir, DEV_P12_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, DEV_PASSWORD_FILE)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dataDir).sort()).toEqual([DEV_P12_FILE, DEV_PASSWORD_FILE].sort());
  });

  test('when the development P12 is there without its password file, then it is not silently replaced', () => {
    const dataDir = join(dir, 'data-half');
    loadOrCreateDevSigningIdentity(dataDir, 'Demo');
    rmSync(join(dataDir, DEV_PASSWORD_FILE));

    expect(() => loadOrCreateDevSigningIdentity(dataDir, 'Demo')).toThrow(expect.objectContaining({ problem: 'dev_files_incomplete' }));
  });
});

// The cost of sealing is measured in bench/ (`npm run bench:evidence`), not here: tests read no clock.
