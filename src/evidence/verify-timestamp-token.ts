import { createHash, verify as verifyWithKey, X509Certificate } from 'node:crypto';
import type * as Asn1js from 'asn1js' with { 'resolution-mode': 'import' };
import type * as Pkijs from 'pkijs' with { 'resolution-mode': 'import' };

// pkijs 4 and asn1js 4 are ES modules only; Node ≥ 20.19 loads them with require (jest through its transform).
const pkijs = require('pkijs') as typeof Pkijs;
const asn1js = require('asn1js') as typeof Asn1js;

/**
 * Checks an RFC 3161 time-stamp token the way a strict verifier (openssl ts -verify, a PAdES
 * validator) does: the structures are parsed with pkijs/asn1js, the signature and the certificate
 * chain are checked with Node's crypto (OpenSSL). Revocation (CRL/OCSP) is not checked.
 */

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  extKeyUsage: '2.5.29.37',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  subjectKeyIdentifier: '2.5.29.14',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

/** Hashes accepted for the imprint and the TSA's signature; SHA-1 only for the ESS v1 certificate hash. */
const HASHES: Record<string, string> = { [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };
// RSA PKCS#1 v1.5 and ECDSA: what TSAs sign with.
const SIGNATURE_ALGORITHMS = new Set(['1.2.840.113549.1.1.1', '1.2.840.113549.1.1.11', '1.2.840.113549.1.1.12', '1.2.840.113549.1.1.13', '1.2.840.10045.2.1', '1.2.840.10045.4.3.2', '1.2.840.10045.4.3.3', '1.2.840.10045.4.3.4']);

export interface TimestampAuthorityName {
  /** The TSA certificate's subject, e.g. `CN=Fake TSA for tests, O=Akkoord tests`. */
  subject: string;
  commonName: string | null;
  organization: string | null;
}

export type TimestampCheck =
  | { valid: true; genTime: Date; authority: TimestampAuthorityName; serialNumber: string; policy: string }
  /** `nonce`: it answers another request, `unreadable`: not a token (asking again may help); `refused`: it breaks a rule. */
  | { valid: false; code: 'nonce' | 'unreadable' | 'refused'; problem: string };

export interface TimestampExpectation {
  /** What was time-stamped: the data (hashed with the token's imprint hash) or the SHA-256 we asked for. */
  imprint: { data: Buffer } | { sha256: Buffer };
  /** The nonce of our request; a token without it or with another one is refused. */
  nonce?: bigint;
  /** TSA_TRUSTED_CERTS: when not empty, the TSA certificate must be one of these or chain to one. */
  trusted?: readonly X509Certificate[];
}

class Refused extends Error {
  constructor(
    message: string,
    readonly code: 'nonce' | 'refused',
  ) {
    super(message);
  }
}
const refuse = (problem: string, code: 'nonce' | 'refused' = 'refused'): never => {
  throw new Refused(problem, code);
};

export function verifyTimestampToken(token: Buffer, expected: TimestampExpectation): TimestampCheck {
  try {
    return check(token, expected);
  } catch (error) {
    if (error instanceof Refused) return { valid: false, code: error.code, problem: error.message };
    return { valid: false, code: 'unreadable', problem: `unreadable token (${error instanceof Error ? error.message : String(error)})` };
  }
}

function check(token: Buffer, expected: TimestampExpectation): TimestampCheck {
  const contentInfo = pkijs.ContentInfo.fromBER(new Uint8Array(token));
  if (contentInfo.contentType !== OID.signedData) refuse('not a SignedData token');
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  const eContent = signedData.encapContentInfo.eContent;
  if (signedData.encapContentInfo.eContentType !== OID.tstInfo || !eContent) refuse('the token does not hold a TSTInfo');
  if (signedData.signerInfos.length !== 1) refuse(`the token has ${signedData.signerInfos.length} signers, not 1`);
  const tstInfoDer = Buffer.from(eContent!.getValue());
  const info = pkijs.TSTInfo.fromBER(new Uint8Array(tstInfoDer));
  if (info.version !== 1) refuse(`TSTInfo version ${info.version}, not 1`);
  if (!(info.genTime instanceof Date) || Number.isNaN(info.genTime.getTime())) refuse('TSTInfo has no genTime');
  checkImprint(info, expected.imprint);
  if (expected.nonce !== undefined && (!info.nonce || integerOf(info.nonce) !== expected.nonce)) refuse('the token does not carry our nonce', 'nonce');

  const signer = signedData.signerInfos[0]!;
  const certificates = (signedData.certificates ?? []).filter((c): c is Pkijs.Certificate => c instanceof pkijs.Certificate);
  const candidates = [...certificates, ...(expected.trusted ?? []).map((t) => pkijs.Certificate.fromBER(new Uint8Array(t.raw)))];
  const certificate = candidates.find((c) => identifies(signer.sid, c)) ?? refuse('the TSA certificate is not in the token');
  const certificateDer = derOf(certificate);
  const x509 = new X509Certificate(certificateDer);
  checkSignature(signer, tstInfoDer, certificateDer, x509);
  checkTimestampingUsage(certificate);
  if (!validAt(x509, info.genTime)) refuse('the TSA certificate was not valid at the time-stamp time');
  const trusted = expected.trusted ?? [];
  if (trusted.length > 0 && !chainsToTrusted(x509, certificates.map((c) => new X509Certificate(derOf(c))), trusted, info.genTime)) refuse('the TSA certificate does not chain to a trusted TSA certificate (TSA_TRUSTED_CERTS)');
  return { valid: true, genTime: info.genTime, authority: nameOf(x509), serialNumber: Buffer.from(info.serialNumber.valueBlock.valueHexView).toString('hex'), policy: info.policy };
}

function checkImprint(info: Pkijs.TSTInfo, imprint: TimestampExpectation['imprint']): void {
  const hash = HASHES[info.messageImprint.hashAlgorithm.algorithmId];
  const hashed = Buffer.from(info.messageImprint.hashedMessage.getValue());
  const want = 'sha256' in imprint ? (hash === 'sha256' ? imprint.sha256 : null) : hash ? createHash(hash).update(imprint.data).digest() : null;
  if (!want || !hashed.equals(want)) refuse('the token is for another digest');
}

function checkSignature(signer: Pkijs.SignerInfo, tstInfoDer: Buffer, certificateDer: Buffer, x509: X509Certificate): void {
  const hash = HASHES[signer.digestAlgorithm.algorithmId];
  if (!hash || !SIGNATURE_ALGORITHMS.has(signer.signatureAlgorithm.algorithmId)) refuse('the TSA signs with an unsupported algorithm');
  const attributes = signer.signedAttrs?.attributes ?? refuse('the TSA signature has no signed attributes');
  const single = (type: string) => {
    const found = attributes.filter((a) => a.type === type);
    return found.length === 1 && found[0]!.values.length === 1 ? found[0]!.values[0] : undefined;
  };
  const contentType = single(OID.contentType);
  if (!(contentType instanceof asn1js.ObjectIdentifier) || contentType.getValue() !== OID.tstInfo) refuse('the content-type attribute is not TSTInfo');
  const digest = single(OID.messageDigest);
  if (!(digest instanceof asn1js.OctetString) || !Buffer.from(digest.getValue()).equals(createHash(hash!).update(tstInfoDer).digest())) refuse('the message-digest attribute does not match the TSTInfo');
  const essV2 = single(OID.signingCertificateV2);
  const essV1 = single(OID.signingCertificate);
  if (!essV2 && !essV1) refuse('the ESS signing-certificate attribute is missing');
  if (!essCertificateMatches(essV2 ?? essV1!, essV2 ? 2 : 1, certificateDer, x509)) refuse('the ESS signing-certificate attribute names another certificate');
  const signed = Buffer.from(signer.signedAttrs!.encodedValue);
  let verified = false;
  try {
    verified = verifyWithKey(hash!, signed, x509.publicKey, Buffer.from(signer.signature.getValue()));
  } catch {
    verified = false;
  }
  if (!verified) refuse('the TSA signature does not verify');
}

/**
 * SigningCertificate ::= SEQUENCE { certs SEQUENCE OF ESSCertID, policies OPTIONAL }
 * ESSCertID ::= SEQUENCE { certHash OCTET STRING (SHA-1), issuerSerial IssuerSerial OPTIONAL }
 * ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET STRING, issuerSerial OPTIONAL }
 * The first ESSCertID names the signer (RFC 2634 5.4, RFC 5035).
 */
function essCertificateMatches(value: unknown, version: 1 | 2, certificateDer: Buffer, x509: X509Certificate): boolean {
  const certs = childrenOf(childrenOf(value)[0]);
  const fields = childrenOf(certs[0]);
  const algorithm = version === 2 && fields[0] instanceof asn1js.Sequence ? fields.shift() : undefined;
  const hash = version === 1 ? 'sha1' : algorithm ? HASHES[String(childrenOf(algorithm)[0] instanceof asn1js.ObjectIdentifier ? (childrenOf(algorithm)[0] as Asn1js.ObjectIdentifier).getValue() : '')] : 'sha256';
  const certHash = fields[0];
  if (!hash || !(certHash instanceof asn1js.OctetString) || !Buffer.from(certHash.getValue()).equals(createHash(hash).update(certificateDer).digest())) return false;
  const issuerSerial = fields[1];
  if (!issuerSerial) return true;
  const serial = childrenOf(issuerSerial)[1];
  return serial instanceof asn1js.Integer && Buffer.from(serial.valueBlock.valueHexView).toString('hex').replace(/^(00)+/, '').toUpperCase() === x509.serialNumber.replace(/^(00)+/, '').toUpperCase();
}

function childrenOf(value: unknown): unknown[] {
  if (!(value instanceof asn1js.Sequence)) return refuse('the ESS signing-certificate attribute is malformed');
  return [...value.valueBlock.value];
}

/**
 * RFC 3161 2.3: the TSA certificate has exactly one extended key usage, id-kp-timeStamping, and
 * that extension is critical.
 */
function checkTimestampingUsage(certificate: Pkijs.Certificate): void {
  const usages = (certificate.extensions ?? []).filter((e) => e.extnID === OID.extKeyUsage);
  if (usages.length !== 1) refuse('the TSA certificate has no timeStamping extended key usage');
  const purposes = (usages[0]!.parsedValue as Pkijs.ExtKeyUsage | undefined)?.keyPurposes ?? [];
  if (purposes.length !== 1 || purposes[0] !== OID.timeStamping) refuse('the TSA certificate has no timeStamping extended key usage');
  if (!usages[0]!.critical) refuse('the timeStamping extended key usage of the TSA certificate is not critical');
}

function identifies(sid: unknown, certificate: Pkijs.Certificate): boolean {
  if (sid instanceof pkijs.IssuerAndSerialNumber) return certificate.issuer.isEqual(sid.issuer) && certificate.serialNumber.isEqual(sid.serialNumber);
  // subjectKeyIdentifier [0] IMPLICIT OCTET STRING
  const keyId = (sid as { valueBlock?: { valueHexView?: Uint8Array } } | null)?.valueBlock?.valueHexView;
  const ski = certificate.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier)?.parsedValue as Asn1js.OctetString | undefined;
  return !!keyId && !!ski && Buffer.from(ski.getValue()).equals(Buffer.from(keyId));
}

function derOf(certificate: Pkijs.Certificate): Buffer {
  return Buffer.from(certificate.toSchema().toBER(false));
}

function integerOf(value: Asn1js.Integer): bigint {
  const hex = Buffer.from(value.valueBlock.valueHexView).toString('hex');
  return hex === '' ? 0n : BigInt(`0x${hex}`);
}

function validAt(certificate: X509Certificate, at: Date): boolean {
  return new Date(certificate.validFrom).getTime() <= at.getTime() && at.getTime() <= new Date(certificate.validTo).getTime();
}

/** The TSA certificate is a trusted one, or is issued (through CA certificates in the token) by one; each valid at `at`. */
function chainsToTrusted(leaf: X509Certificate, pool: X509Certificate[], trusted: readonly X509Certificate[], at: Date): boolean {
  const issuedBy = (subject: X509Certificate, issuer: X509Certificate) => issuer.ca && subject.checkIssued(issuer) && subject.verify(issuer.publicKey) && validAt(issuer, at);
  let current = leaf;
  for (let depth = 0; depth < 8; depth++) {
    if (trusted.some((t) => t.raw.equals(current.raw))) return true;
    if (trusted.some((t) => issuedBy(current, t))) return true;
    const next = pool.find((c) => !c.raw.equals(current.raw) && issuedBy(current, c));
    if (!next) return false;
    current = next;
  }
  return false;
}

function nameOf(certificate: X509Certificate): TimestampAuthorityName {
  const parts = certificate.subject.split('\n').filter(Boolean);
  const field = (key: string) => parts.find((p) => p.startsWith(`${key}=`))?.slice(key.length + 1) ?? null;
  return { subject: parts.join(', '), commonName: field('CN'), organization: field('O') };
}

/** The certificates of a PEM bundle (TSA_TRUSTED_CERTS). */
export function certificatesFromPemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}
