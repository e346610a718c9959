import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

/**
 * The certificate and private key that seal evidence PDFs, read once from a PKCS#12 file.
 * Parsing a PKCS#12 and importing its key costs far more than one signature, so the parsed key
 * and certificates live here and every seal reuses them.
 */
export interface SigningIdentity {
  p12: Buffer;
  password: string;
  /** The signer's certificate (not the chain). */
  certificatePem: string;
  /** e.g. `CN=Akkoord development seal (Demo), O=Demo`. */
  subject: string;
  selfSigned: boolean;
  /** SHA-256 over the certificate's DER, as `AB:CD:…` (the form certificate viewers show). */
  fingerprintSha256: string;
  notAfter: Date;
  /** The private key as a native key object: signing with it is an OpenSSL call, not JavaScript. */
  privateKey: KeyObject;
  certificateDer: Buffer;
  /** Every certificate the PKCS#12 holds, the signer's first: these go into the CMS. */
  certificates: forge.pki.Certificate[];
}

export type SigningIdentityProblem = 'unreadable' | 'wrong_password' | 'no_private_key' | 'no_certificate' | 'unsupported_key' | 'dev_files_incomplete';

export class SigningIdentityError extends Error {
  readonly problem: SigningIdentityProblem;
  constructor(problem: SigningIdentityProblem, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SigningIdentityError';
    this.problem = problem;
  }
}

/** Reads the private key and its certificate (plus any chain certificates) from a PKCS#12 file. */
export function loadSigningIdentity(p12: Buffer, password: string): SigningIdentity {
  const pfx = openPkcs12(p12, password);
  const keyBag = [...bags(pfx, BAG.shroudedKey), ...bags(pfx, BAG.key)][0];
  if (!keyBag) throw new SigningIdentityError('no_private_key', 'The PKCS#12 file holds no private key (was it exported without the key?)');
  // forge reads only RSA keys; it leaves other key types as bare ASN.1 (key === null).
  if (!keyBag.key) throw new SigningIdentityError('unsupported_key', 'The PKCS#12 private key is not an RSA key; only RSA seals are supported');
  const privateKey = createPrivateKey(forge.pki.privateKeyToPem(keyBag.key));

  const certificates = bags(pfx, BAG.cert).flatMap((bag) => (bag.cert ? [bag.cert] : []));
  const ders = certificates.map((cert) => Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary'));
  const signerIndex = ders.findIndex((der) => new X509Certificate(der).checkPrivateKey(privateKey));
  if (signerIndex < 0) throw new SigningIdentityError('no_certificate', 'The PKCS#12 file holds no certificate for its private key');
  const signerCert = certificates[signerIndex]!;
  const certificateDer = ders[signerIndex]!;
  const x509 = new X509Certificate(certificateDer);

  return {
    p12,
    password,
    certificatePem: x509.toString(),
    subject: distinguishedName(x509.subject),
    // Not checkIssued(): OpenSSL refuses an issuer without keyCertSign, which a seal rightly lacks.
    selfSigned: x509.issuer === x509.subject && x509.verify(x509.publicKey),
    fingerprintSha256: x509.fingerprint256,
    notAfter: new Date(x509.validTo),
    privateKey,
    certificateDer,
    certificates: [signerCert, ...certificates.filter((_, i) => i !== signerIndex)],
  };
}

const BAG = { key: '1.2.840.113549.1.12.10.1.1', shroudedKey: '1.2.840.113549.1.12.10.1.2', cert: '1.2.840.113549.1.12.10.1.3' } as const;

function bags(pfx: forge.pkcs12.Pkcs12Pfx, bagType: string): forge.pkcs12.Bag[] {
  return pfx.getBags({ bagType })[bagType] ?? [];
}

function openPkcs12(p12: Buffer, password: string): forge.pkcs12.Pkcs12Pfx {
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(p12.toString('binary'));
  } catch (error) {
    throw new SigningIdentityError('unreadable', 'The signing file is not a PKCS#12 (.p12/.pfx) file', { cause: error });
  }
  try {
    return forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (error) {
    // forge reports a failed MAC check or key decryption only in its message; this is the one
    // place its wording is read, to tell a wrong password from a damaged file.
    const message = error instanceof Error ? error.message : String(error);
    if (/MAC could not be verified|wrong password|Invalid password/i.test(message)) {
      throw new SigningIdentityError('wrong_password', 'The password of the PKCS#12 signing file is wrong', { cause: error });
    }
    throw new SigningIdentityError('unreadable', `The PKCS#12 signing file cannot be read: ${message}`, { cause: error });
  }
}

/** Node prints one `KEY=value` per line, in certificate order; one line reads better. */
function distinguishedName(lines: string): string {
  return lines.split('\n').filter(Boolean).join(', ');
}

/** Microsoft's "Document Signing" extended key usage. */
export const EKU_DOCUMENT_SIGNING = '1.3.6.1.4.1.311.10.3.12';
const VALIDITY_YEARS = 5;
const KEY_BITS = 3072;
// X.520 upper bound for CN and O.
const NAME_MAX = 64;

/**
 * A self-signed seal certificate in a PKCS#12 file: RSA 3072, SHA-256, valid 5 years.
 *
 * RSA 3072 rather than 2048 because a 2048-bit key is only considered adequate until 2030
 * (NIST SP 800-131A, BSI TR-02102) and this certificate is valid for 5 years.
 * Extended key usage carries both emailProtection and Microsoft Document Signing: NSS (poppler's
 * pdfsig, Firefox, Thunderbird) checks PDF and S/MIME signers as "email signer" and rejects a
 * certificate whose extKeyUsage lacks emailProtection; Adobe accepts either; Document Signing
 * says what the key is for.
 */
export function createSelfSignedP12(commonName: string, organisation: string, password: string, options: { now?: Date } = {}): Buffer {
  const now = options.now ?? new Date();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: KEY_BITS, publicExponent: 0x10001 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = positiveSerial();
  // A few minutes of slack for verifiers whose clock runs behind.
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now);
  cert.validity.notAfter.setUTCFullYear(now.getUTCFullYear() + VALIDITY_YEARS);
  const name = [
    { shortName: 'CN', value: commonName.slice(0, NAME_MAX) },
    { shortName: 'O', value: organisation.slice(0, NAME_MAX) },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    { name: 'extKeyUsage', emailProtection: true, [EKU_DOCUMENT_SIGNING]: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, [cert], password, { algorithm: 'aes256', friendlyName: commonName.slice(0, NAME_MAX), generateLocalKeyId: true });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

function positiveSerial(): string {
  const bytes = randomBytes(16);
  // High bit clear keeps the INTEGER positive; a set second bit keeps its DER minimal.
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

export const DEV_P12_FILE = 'dev-signing.p12';
export const DEV_PASSWORD_FILE = 'dev-signing.json';
const DEV_WAIT_MS = 5_000;

interface DevPasswordFile {
  password: string;
  createdAt: string;
  note: string;
}

/**
 * In development the seal is a self-signed certificate made once in `<dataDir>/dev-signing.p12`,
 * its random password beside it in `dev-signing.json` (both 0600); later starts reuse them, so
 * PDFs sealed earlier still verify as ours.
 */
export function loadOrCreateDevSigningIdentity(dataDir: string, organisationName: string, options: { now?: Date } = {}): { identity: SigningIdentity; created: boolean; file: string } {
  const file = join(dataDir, DEV_P12_FILE);
  const passwordFile = join(dataDir, DEV_PASSWORD_FILE);
  if (existsSync(passwordFile)) return { identity: loadDevFiles(file, passwordFile), created: false, file };
  if (existsSync(file)) {
    throw new SigningIdentityError('dev_files_incomplete', `${file} exists without ${DEV_PASSWORD_FILE}; delete it to create a new development seal`);
  }

  mkdirSync(dataDir, { recursive: true });
  const password = randomBytes(32).toString('base64url');
  const p12 = createSelfSignedP12(`Akkoord development seal (${organisationName})`, organisationName, password, options);
  const suffix = `.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const passwordContent: DevPasswordFile = { password, createdAt: (options.now ?? new Date()).toISOString(), note: 'Development seal only: self-signed, not for production' };
  writeFileSync(file + suffix, p12, { mode: 0o600, flag: 'wx' });
  writeFileSync(passwordFile + suffix, `${JSON.stringify(passwordContent, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    // The password file is the lock: link() fails when another process (the worker starting
    // beside the server) got there first, and then its pair is the one to use.
    linkSync(passwordFile + suffix, passwordFile);
  } catch (error) {
    unlinkSync(file + suffix);
    unlinkSync(passwordFile + suffix);
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { identity: loadDevFiles(file, passwordFile), created: false, file };
  }
  renameSync(file + suffix, file);
  unlinkSync(passwordFile + suffix);
  return { identity: loadSigningIdentity(p12, password), created: true, file };
}

function loadDevFiles(file: string, passwordFile: string): SigningIdentity {
  // Between the other process's link() and rename() the P12 is briefly missing.
  const deadline = Date.now() + DEV_WAIT_MS;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new SigningIdentityError('dev_files_incomplete', `${passwordFile} exists without ${DEV_P12_FILE}; delete it to create a new development seal`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  const { password } = JSON.parse(readFileSync(passwordFile, 'utf8')) as DevPasswordFile;
  return loadSigningIdentity(readFileSync(file), password);
}
