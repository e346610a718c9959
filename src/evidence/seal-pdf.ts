import { createHash, sign as signWithKey, verify as verifyWithKey, X509Certificate } from 'node:crypto';
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { SignPdf } from '@signpdf/signpdf';
import { Signer, SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';
import forge from 'node-forge';
import type { SigningIdentity } from './signing-identity';
import { OID as TSA_OID, requestTimestamp, TimestampUnavailableError } from './timestamp-authority';
import { type TimestampAuthorityName, type TimestampCheck, verifyTimestampToken as checkTimestampToken } from './verify-timestamp-token';

/**
 * Seals a finished evidence PDF with a PAdES signature (ETSI.CAdES.detached, baseline B-B, or
 * B-T when a time-stamping authority answers) and checks such a seal again without any tool
 * outside Node.
 */

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: TSA_OID.signedData,
  tstInfo: TSA_OID.tstInfo,
  sha256: TSA_OID.sha256,
  sha384: TSA_OID.sha384,
  sha512: TSA_OID.sha512,
  rsaEncryption: '1.2.840.113549.1.1.1',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  timeStampToken: '1.2.840.113549.1.9.16.2.14',
} as const;

/**
 * Bytes reserved for the CMS. Ours is about 2 kB, a TSA token with its certificate 2–7 kB. As hex
 * that is 32 000 characters: below the 32 767-byte string limit of PDF/A-2/3 however a validator
 * counts a hex string, which 16 384 bytes (32 768 hex characters) would not be.
 */
export const SIGNATURE_CAPACITY = 16_000;

export interface SealOptions {
  reason: string;
  location?: string;
  contactInfo?: string;
  /** Who seals, e.g. the organisation. */
  name: string;
  /** The claimed time of sealing; it goes into the signature dictionary's /M entry. */
  signedAt: Date;
  tsa?: { url: string; timeoutMs?: number; attempts?: number; backoffMs?: number; fetchImpl?: typeof fetch; trusted?: readonly X509Certificate[] };
}

export interface SealResult {
  pdf: Buffer;
  timestamped: boolean;
  /** Set when a TSA was configured but no token made it into the seal. */
  timestampError?: string;
}

const TSA_DEFAULTS = { timeoutMs: 5_000, attempts: 3 };

export async function sealPdf(pdf: Buffer, identity: SigningIdentity, options: SealOptions): Promise<SealResult> {
  const prepared = addSealPlaceholder(pdf, options);
  // One signer per document: it carries this document's time-stamp outcome.
  const signer = new CadesSigner(identity, options.tsa);
  const sealed = await new SignPdf().sign(prepared, signer);
  const outcome = signer.timestamp;
  if (outcome.kind === 'added') return { pdf: sealed, timestamped: true };
  if (outcome.kind === 'failed') return { pdf: sealed, timestamped: false, timestampError: outcome.reason };
  return { pdf: sealed, timestamped: false };
}

// ---------------------------------------------------------------- placeholder

const TEXT_FIELDS = [
  { key: 'Reason', option: 'reason' },
  { key: 'ContactInfo', option: 'contactInfo' },
  { key: 'Name', option: 'name' },
  { key: 'Location', option: 'location' },
] as const;

/**
 * Adds the signature dictionary, widget and AcroForm as an incremental update.
 *
 * placeholder-plain turns each text into UTF-16 and then writes it as UTF-8, which garbles any
 * non-ASCII character ("Café" would not survive). So it gets an ASCII marker exactly as long as
 * the UTF-16 hex string, which replaces it in place: no offset in the new xref section moves.
 * An absent optional text is blanked out rather than left as an empty string.
 */
function addSealPlaceholder(pdf: Buffer, options: SealOptions): Buffer {
  const texts = TEXT_FIELDS.map((field) => ({ ...field, text: options[field.option] ?? '' }));
  const marker = (key: string, text: string) => (text === '' ? '' : key[0] + 'x'.repeat(utf16Hex(text).length - 3));
  const markers = Object.fromEntries(texts.map(({ key, option, text }) => [option, marker(key, text)])) as Record<(typeof TEXT_FIELDS)[number]['option'], string>;
  const placed = plainAddPlaceholder({
    pdfBuffer: pdf,
    ...markers,
    signingTime: options.signedAt,
    signatureLength: SIGNATURE_CAPACITY,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
    appName: 'Akkoord',
  });
  // Everything placeholder-plain wrote comes after the original's last %%EOF.
  const from = pdf.lastIndexOf('%%EOF');
  for (const { key, text } of texts) {
    const written = `/${key} (${marker(key, text)})`;
    overwriteOnce(placed, from, written, text === '' ? ' '.repeat(written.length) : `/${key} ${utf16Hex(text)}`);
  }
  return withExactXref(withDocumentId(placed, pdf), pdf);
}

/**
 * placeholder-plain points startxref at the blank line before its `xref` keyword, and on a second
 * seal it counts one object too many in /Size; qpdf and stricter readers warn about both. The new
 * trailer is rewritten with the exact offset of `xref` and one more than the highest object number.
 * Both lie after the new xref section, so no object offset moves.
 */
function withExactXref(placed: Buffer, original: Buffer): Buffer {
  const xrefAt = placed.lastIndexOf('\nxref\n') + 1;
  const trailerAt = placed.indexOf('trailer', xrefAt, 'latin1');
  if (xrefAt <= original.lastIndexOf('%%EOF') || trailerAt < 0) throw new Error('sealPdf: the incremental update has no xref section where expected');
  let highest = Number(/\/Size\s+(\d+)/.exec(original.subarray(original.lastIndexOf('trailer')).toString('latin1'))?.[1] ?? 1) - 1;
  const lines = placed.subarray(xrefAt + 5, trailerAt).toString('latin1').split(/\r?\n/);
  for (const line of lines) {
    const subsection = /^(\d+) (\d+)$/.exec(line.trim());
    if (subsection) highest = Math.max(highest, Number(subsection[1]) + Number(subsection[2]) - 1);
  }
  const trailer = placed
    .subarray(trailerAt)
    .toString('latin1')
    .replace(/\/Size\s+\d+/, `/Size ${highest + 1}`)
    .replace(/startxref\s+\d+/, `startxref\n${xrefAt}`);
  return Buffer.concat([placed.subarray(0, trailerAt), Buffer.from(trailer, 'latin1')]);
}

/** A PDF text string as UTF-16BE with byte order mark, in hex: `<FEFF…>`. */
function utf16Hex(text: string): string {
  const hex = [...Array(text.length).keys()].map((i) => text.charCodeAt(i).toString(16).padStart(4, '0')).join('');
  return `<FEFF${hex.toUpperCase()}>`;
}

function overwriteOnce(pdf: Buffer, from: number, needle: string, replacement: string): void {
  const at = pdf.indexOf(needle, from, 'latin1');
  if (at < 0 || pdf.indexOf(needle, at + 1, 'latin1') >= 0 || replacement.length !== needle.length) {
    throw new Error(`sealPdf: the signature placeholder has an unexpected form near ${needle.slice(0, 12)}`);
  }
  pdf.write(replacement, at, 'latin1');
}

/**
 * PDF/A wants an /ID in the trailer, and the incremental update's trailer is the one readers take;
 * placeholder-plain writes none. The first part stays, the second marks this revision.
 */
function withDocumentId(placed: Buffer, original: Buffer): Buffer {
  const originalTrailer = original.subarray(original.lastIndexOf('trailer')).toString('latin1');
  const id = /\/ID\s*\[\s*<([0-9A-Fa-f]+)>/.exec(originalTrailer)?.[1];
  if (!id) return placed;
  const trailer = placed.lastIndexOf('trailer');
  const prev = placed.indexOf('/Prev', trailer, 'latin1');
  const revision = createHash('sha256').update(placed).digest().subarray(0, 16).toString('hex');
  return Buffer.concat([placed.subarray(0, prev), Buffer.from(`/ID [<${id}> <${revision}>]\n`, 'latin1'), placed.subarray(prev)]);
}

// ---------------------------------------------------------------- the CMS signature

type TimestampOutcome = { kind: 'not-requested' } | { kind: 'added'; genTime: Date } | { kind: 'failed'; reason: string };

/**
 * Builds a detached CAdES signature (CMS SignedData) over the bytes SignPdf hands it.
 *
 * Signed attributes: content-type, message-digest and ESS signing-certificate-v2. No
 * signing-time: ETSI EN 319 142-1 (PAdES baseline) forbids it; the claimed time is the /M entry of
 * the signature dictionary, which the signature covers too. The RSA operation runs in OpenSSL
 * through the identity's KeyObject.
 */
class CadesSigner extends Signer {
  timestamp: TimestampOutcome = { kind: 'not-requested' };
  private used = false;

  constructor(
    private readonly identity: SigningIdentity,
    private readonly tsa: SealOptions['tsa'],
  ) {
    super();
  }

  override async sign(pdfBuffer: Buffer): Promise<Buffer> {
    if (this.used) throw new Error('a CadesSigner signs one document');
    this.used = true;
    const signedAttributes = buildSignedAttributes(sha256(pdfBuffer), this.identity.certificateDer);
    const signature = signWithKey('sha256', derBytes(asSet(signedAttributes)), this.identity.privateKey);
    const cms = buildSignedData(this.identity, signerInfo(this.identity.certificateDer, signedAttributes, signature));
    if (!this.tsa) return cms;

    const token = await this.requestToken(this.tsa, signature);
    if (!token) return cms;
    const timestamped = appendToSignerInfo(cms, unsignedAttributes(OID.timeStampToken, token));
    if (timestamped.length > SIGNATURE_CAPACITY) {
      this.timestamp = { kind: 'failed', reason: `the time-stamp token (${token.length} bytes) does not fit in the signature space` };
      return cms;
    }
    return timestamped;
  }

  private async requestToken(tsa: NonNullable<SealOptions['tsa']>, signature: Buffer): Promise<Buffer | null> {
    try {
      const token = await requestTimestamp(tsa.url, sha256(signature), {
        timeoutMs: tsa.timeoutMs ?? TSA_DEFAULTS.timeoutMs,
        attempts: tsa.attempts ?? TSA_DEFAULTS.attempts,
        ...(tsa.backoffMs === undefined ? {} : { backoffMs: tsa.backoffMs }),
        ...(tsa.fetchImpl === undefined ? {} : { fetchImpl: tsa.fetchImpl }),
        ...(tsa.trusted === undefined ? {} : { trusted: tsa.trusted }),
      });
      const check = verifyTimestampToken(token, signature, tsa.trusted ?? []);
      if (!check.valid) {
        this.timestamp = { kind: 'failed', reason: `the TSA's token does not verify (${check.problem})` };
        return null;
      }
      this.timestamp = { kind: 'added', genTime: check.genTime };
      return token;
    } catch (error) {
      if (!(error instanceof TimestampUnavailableError)) throw error;
      this.timestamp = { kind: 'failed', reason: error.message };
      return null;
    }
  }
}

const asn1 = forge.asn1;
type Asn1 = forge.asn1.Asn1;
const binary = (buffer: Buffer) => buffer.toString('binary');
const derBytes = (value: Asn1) => Buffer.from(asn1.toDer(value).getBytes(), 'binary');
const universal = (type: number, value: string | Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, type, Array.isArray(value), value);
const oid = (id: string) => universal(asn1.Type.OID, asn1.oidToDer(id).getBytes());
const octetString = (bytes: Buffer) => universal(asn1.Type.OCTETSTRING, binary(bytes));
const sequence = (items: Asn1[]) => universal(asn1.Type.SEQUENCE, items);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();
/** Digest AlgorithmIdentifiers without parameters, as RFC 5754 prefers. */
const digestAlgorithm = () => sequence([oid(OID.sha256)]);

/** Attribute ::= SEQUENCE { attrType OID, attrValues SET OF AttributeValue } */
function attribute(type: string, values: Asn1[]): Asn1 {
  return sequence([oid(type), universal(asn1.Type.SET, values)]);
}

/**
 * The signed attributes, in DER order (a SET OF is sorted by encoding).
 *
 * SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies OPTIONAL }
 * ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET STRING, issuerSerial IssuerSerial OPTIONAL }
 * IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber INTEGER }
 * (RFC 5035). hashAlgorithm is left out because DER omits a DEFAULT value; issuerSerial names the
 * certificate as the SignerInfo does, with GeneralNames holding one directoryName [4].
 */
function buildSignedAttributes(contentDigest: Buffer, certificateDer: Buffer): Asn1[] {
  const { issuer, serial } = issuerAndSerial(certificateDer);
  const issuerSerial = sequence([sequence([asn1.create(asn1.Class.CONTEXT_SPECIFIC, 4, true, [asn1.fromDer(binary(issuer))])]), universal(asn1.Type.INTEGER, binary(serial))]);
  const attributes = [
    attribute(OID.contentType, [oid(OID.data)]),
    attribute(OID.messageDigest, [octetString(contentDigest)]),
    attribute(OID.signingCertificateV2, [sequence([sequence([sequence([octetString(sha256(certificateDer)), issuerSerial])])])]),
  ];
  const encoded = attributes.map((value) => ({ value, der: asn1.toDer(value).getBytes() }));
  return encoded.sort((a, b) => (a.der < b.der ? -1 : a.der > b.der ? 1 : 0)).map(({ value }) => value);
}

/** The signature covers the attributes encoded as a SET, not as the [0] they are stored under. */
function asSet(attributes: Asn1[]): Asn1 {
  return universal(asn1.Type.SET, attributes);
}

/**
 * SignerInfo ::= SEQUENCE { version 1, sid IssuerAndSerialNumber, digestAlgorithm,
 *   signedAttrs [0] IMPLICIT, signatureAlgorithm rsaEncryption (NULL parameters), signature OCTET STRING }
 */
function signerInfo(certificateDer: Buffer, signedAttributes: Asn1[], signature: Buffer): Asn1 {
  const { issuer, serial } = issuerAndSerial(certificateDer);
  return sequence([
    universal(asn1.Type.INTEGER, '\x01'),
    sequence([asn1.fromDer(binary(issuer)), universal(asn1.Type.INTEGER, binary(serial))]),
    digestAlgorithm(),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, signedAttributes),
    sequence([oid(OID.rsaEncryption), universal(asn1.Type.NULL, '')]),
    octetString(signature),
  ]);
}

/** The fields of forge's SignedData that `toAsn1()` reads; @types/node-forge leaves them out. */
interface SignedDataFields {
  contentInfo: Asn1;
  digestAlgorithmIdentifiers: Asn1[];
  signerInfos: Asn1[];
}

/**
 * forge's `createSignedData` makes the envelope (version 1, digest algorithms, the certificates,
 * the SignerInfo set). Its own signer cannot carry signing-certificate-v2, so the SignerInfo is
 * built above and handed in; the encapsulated content is left out because the signature is detached.
 */
function buildSignedData(identity: SigningIdentity, info: Asn1): Buffer {
  const p7 = forge.pkcs7.createSignedData() as Omit<forge.pkcs7.PkcsSignedData, 'contentInfo'> & SignedDataFields;
  for (const certificate of identity.certificates) p7.addCertificate(certificate);
  p7.contentInfo = sequence([oid(OID.data)]);
  p7.digestAlgorithmIdentifiers = [digestAlgorithm()];
  p7.signerInfos = [info];
  return derBytes(p7.toAsn1());
}

/** unsignedAttrs [1] IMPLICIT SET OF Attribute, with the token copied byte for byte. */
function unsignedAttributes(type: string, value: Buffer): Buffer {
  const typeDer = derBytes(oid(type));
  return encodeTlv(0xa1, encodeTlv(0x30, Buffer.concat([typeDer, encodeTlv(0x31, value)])));
}

/**
 * Appends `extra` at the end of the (only) SignerInfo. The SignerInfo is the last element of the
 * SignerInfos SET, which is the last of SignedData, of its [0] and of the ContentInfo, so the
 * bytes go at the very end and only those five lengths change.
 */
function appendToSignerInfo(cms: Buffer, extra: Buffer): Buffer {
  const grow = (der: Buffer, depth: number): Buffer => {
    const outer = readTlv(der, 0);
    if (depth === 0) return encodeTlv(outer.tag, Buffer.concat([contentOf(der, outer), extra]));
    const inner = childrenOf(der, outer).at(-1);
    if (!inner || inner.end !== outer.end) throw new Error('sealPdf: unexpected CMS layout');
    return encodeTlv(outer.tag, Buffer.concat([der.subarray(outer.contentStart, inner.start), grow(der.subarray(inner.start, inner.end), depth - 1)]));
  };
  return grow(cms, 4);
}

function encodeTlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    header = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(header), content]);
}

// ---------------------------------------------------------------- DER reading

interface Tlv {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

/** One DER element. CMS uses only one-byte tags, and DER forbids indefinite lengths. */
function readTlv(der: Buffer, offset: number, limit = der.length): Tlv {
  const tag = der[offset];
  const first = der[offset + 1];
  if (tag === undefined || first === undefined) throw new Error('truncated DER');
  if ((tag & 0x1f) === 0x1f) throw new Error('multi-byte DER tag');
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new Error('not a DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[contentStart + i] ?? 0);
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new Error('truncated DER');
  return { tag, start: offset, contentStart, end };
}

function childrenOf(der: Buffer, parent: Tlv): Tlv[] {
  const children: Tlv[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = readTlv(der, offset, parent.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

const contentOf = (der: Buffer, tlv: Tlv) => der.subarray(tlv.contentStart, tlv.end);
const rawOf = (der: Buffer, tlv: Tlv) => der.subarray(tlv.start, tlv.end);
const oidOf = (der: Buffer, tlv: Tlv) => asn1.derToOid(binary(contentOf(der, tlv)));

function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw new Error(`${what} missing`);
  return tlv;
}

/** TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, … } */
function issuerAndSerial(certificateDer: Buffer): { issuer: Buffer; serial: Buffer } {
  const tbs = childrenOf(certificateDer, expectTag(childrenOf(certificateDer, readTlv(certificateDer, 0))[0], 0x30, 'TBSCertificate'));
  const fields = tbs[0]?.tag === 0xa0 ? tbs.slice(1) : tbs;
  return { serial: contentOf(certificateDer, expectTag(fields[0], 0x02, 'serialNumber')), issuer: rawOf(certificateDer, expectTag(fields[2], 0x30, 'issuer')) };
}

interface ParsedSignerInfo {
  issuer: Buffer | null;
  serial: Buffer | null;
  digestOid: string;
  /** The [0] signed attributes as stored, or null when the signature covers the content directly. */
  signedAttributes: Buffer | null;
  attributes: Map<string, Buffer[]>;
  signatureOid: string;
  signature: Buffer;
  unsignedAttributes: Map<string, Buffer[]>;
}

interface ParsedSignedData {
  eContentType: string;
  eContent: Buffer | null;
  certificates: Buffer[];
  signer: ParsedSignerInfo;
}

/** ContentInfo { signedData, [0] SignedData { version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos } } */
function parseSignedData(der: Buffer): ParsedSignedData {
  const [type, explicit] = childrenOf(der, expectTag(readTlv(der, 0), 0x30, 'ContentInfo'));
  if (oidOf(der, expectTag(type, 0x06, 'contentType')) !== OID.signedData) throw new Error('not SignedData');
  const fields = childrenOf(der, expectTag(childrenOf(der, expectTag(explicit, 0xa0, 'content'))[0], 0x30, 'SignedData'));
  const [eType, eExplicit] = childrenOf(der, expectTag(fields[2], 0x30, 'encapContentInfo'));
  const eOctets = eExplicit ? childrenOf(der, eExplicit)[0] : undefined;
  const certificateSet = fields.find((field) => field.tag === 0xa0);
  const signerInfos = childrenOf(der, expectTag(fields.at(-1), 0x31, 'signerInfos'));
  return {
    eContentType: oidOf(der, expectTag(eType, 0x06, 'eContentType')),
    eContent: eOctets ? contentOf(der, expectTag(eOctets, 0x04, 'eContent')) : null,
    certificates: certificateSet ? childrenOf(der, certificateSet).filter((c) => c.tag === 0x30).map((c) => rawOf(der, c)) : [],
    signer: parseSignerInfo(der, expectTag(signerInfos[0], 0x30, 'SignerInfo')),
  };
}

function parseSignerInfo(der: Buffer, info: Tlv): ParsedSignerInfo {
  const fields = childrenOf(der, info);
  const sid = fields[1];
  const sidParts = sid?.tag === 0x30 ? childrenOf(der, sid) : [];
  let next = 3;
  const signed = fields[next]?.tag === 0xa0 ? fields[next++] : undefined;
  const signatureAlgorithm = expectTag(fields[next++], 0x30, 'signatureAlgorithm');
  const signature = expectTag(fields[next++], 0x04, 'signature');
  const unsigned = fields[next]?.tag === 0xa1 ? fields[next] : undefined;
  return {
    issuer: sidParts[0] ? rawOf(der, sidParts[0]) : null,
    serial: sidParts[1] ? contentOf(der, sidParts[1]) : null,
    digestOid: oidOf(der, expectTag(childrenOf(der, expectTag(fields[2], 0x30, 'digestAlgorithm'))[0], 0x06, 'digest OID')),
    signedAttributes: signed ? rawOf(der, signed) : null,
    attributes: signed ? attributeMap(der, signed) : new Map(),
    signatureOid: oidOf(der, expectTag(childrenOf(der, signatureAlgorithm)[0], 0x06, 'signature OID')),
    signature: Buffer.from(contentOf(der, signature)),
    unsignedAttributes: unsigned ? attributeMap(der, unsigned) : new Map(),
  };
}

/** Attribute type → the raw DER of each of its values. */
function attributeMap(der: Buffer, set: Tlv): Map<string, Buffer[]> {
  const map = new Map<string, Buffer[]>();
  for (const attribute of childrenOf(der, set)) {
    const [type, values] = childrenOf(der, attribute);
    map.set(oidOf(der, expectTag(type, 0x06, 'attribute type')), childrenOf(der, expectTag(values, 0x31, 'attribute values')).map((v) => rawOf(der, v)));
  }
  return map;
}

// ---------------------------------------------------------------- checking a signature

const HASHES: Record<string, string> = { [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };
// RSA PKCS#1 v1.5 (rsaEncryption, sha256/384/512WithRSAEncryption) and ECDSA: what PDF signers use.
const SIGNATURE_ALGORITHMS = new Set([OID.rsaEncryption, '1.2.840.113549.1.1.11', '1.2.840.113549.1.1.12', '1.2.840.113549.1.1.13', '1.2.840.10045.2.1', '1.2.840.10045.4.3.2', '1.2.840.10045.4.3.3', '1.2.840.10045.4.3.4']);

interface SignerCheck {
  certificate: Buffer | null;
  /** The signature verifies with the certificate's key (over the signed attributes). */
  signatureValid: boolean;
  /** message-digest, content-type and signing-certificate-v2 all match. */
  attributesMatch: boolean;
  signingTime: Date | null;
  problem: string | null;
}

function checkSigner(signed: ParsedSignedData, content: Buffer): SignerCheck {
  const { signer } = signed;
  const certificate = signed.certificates.find((der) => certificateMatches(der, signer)) ?? null;
  const result: SignerCheck = { certificate, signatureValid: false, attributesMatch: false, signingTime: null, problem: null };
  const hash = HASHES[signer.digestOid];
  if (!hash || !SIGNATURE_ALGORITHMS.has(signer.signatureOid)) return { ...result, problem: 'unsupported algorithm' };
  if (!certificate) return { ...result, problem: 'signer certificate missing' };
  const covered = signer.signedAttributes ? Buffer.concat([Buffer.from([0x31]), signer.signedAttributes.subarray(1)]) : content;
  result.signatureValid = verifySignature(hash, covered, certificate, signer.signature);
  result.signingTime = signingTimeOf(signer);
  const mismatch = attributeMismatch(signed, hash, content, certificate);
  result.attributesMatch = mismatch === null;
  result.problem = !result.signatureValid ? 'signature does not verify' : mismatch;
  return result;
}

function certificateMatches(certificateDer: Buffer, signer: ParsedSignerInfo): boolean {
  if (!signer.issuer || !signer.serial) return false;
  try {
    const { issuer, serial } = issuerAndSerial(certificateDer);
    return issuer.equals(signer.issuer) && serial.equals(signer.serial);
  } catch {
    return false;
  }
}

function verifySignature(hash: string, data: Buffer, certificateDer: Buffer, signature: Buffer): boolean {
  try {
    return verifyWithKey(hash, data, new X509Certificate(certificateDer).publicKey, signature);
  } catch {
    return false;
  }
}

function attributeMismatch(signed: ParsedSignedData, hash: string, content: Buffer, certificate: Buffer): string | null {
  const { signer } = signed;
  if (!signer.signedAttributes) return null;
  const digest = singleValue(signer.attributes, OID.messageDigest);
  if (!digest || !octetsOf(digest).equals(createHash(hash).update(content).digest())) return 'content digest differs';
  const type = singleValue(signer.attributes, OID.contentType);
  if (!type || oidOf(type, readTlv(type, 0)) !== signed.eContentType) return 'content type differs';
  const signingCertificate = singleValue(signer.attributes, OID.signingCertificateV2);
  if (signingCertificate && !essCertificateMatches(signingCertificate, certificate)) return 'signing certificate differs';
  return null;
}

function singleValue(attributes: Map<string, Buffer[]>, type: string): Buffer | undefined {
  const values = attributes.get(type);
  return values?.length === 1 ? values[0] : undefined;
}

function octetsOf(der: Buffer): Buffer {
  return contentOf(der, expectTag(readTlv(der, 0), 0x04, 'OCTET STRING'));
}

/** The first ESSCertIDv2 must hash the signer's certificate (hashAlgorithm absent = SHA-256). */
function essCertificateMatches(value: Buffer, certificate: Buffer): boolean {
  try {
    const certs = childrenOf(value, expectTag(childrenOf(value, readTlv(value, 0))[0], 0x30, 'certs'));
    const fields = childrenOf(value, expectTag(certs[0], 0x30, 'ESSCertIDv2'));
    const algorithm = fields[0]?.tag === 0x30 ? HASHES[oidOf(value, childrenOf(value, fields[0])[0]!)] : 'sha256';
    const hashField = fields[0]?.tag === 0x30 ? fields[1] : fields[0];
    return !!algorithm && contentOf(value, expectTag(hashField, 0x04, 'certHash')).equals(createHash(algorithm).update(certificate).digest());
  } catch {
    return false;
  }
}

function signingTimeOf(signer: ParsedSignerInfo): Date | null {
  const value = singleValue(signer.attributes, OID.signingTime);
  if (!value) return null;
  const tlv = readTlv(value, 0);
  const text = contentOf(value, tlv).toString('latin1');
  return tlv.tag === 0x17 ? asn1.utcTimeToDate(text) : asn1.generalizedTimeToDate(text);
}

/**
 * A time-stamp token is itself SignedData, over a TSTInfo whose imprint must be the hash of the
 * seal's signature value; it is checked strictly (verify-timestamp-token.ts). Whether the TSA is
 * trusted is decided only when TSA_TRUSTED_CERTS lists trusted TSA certificates.
 */
function verifyTimestampToken(token: Buffer, signatureValue: Buffer, trusted: readonly X509Certificate[]): TimestampCheck {
  return checkTimestampToken(token, { imprint: { data: signatureValue }, trusted });
}

// ---------------------------------------------------------------- verifying a sealed PDF

export interface SealVerification {
  /** The file carries a signature (ByteRange and Contents). */
  sealed: boolean;
  /** The signature verifies, its digest matches the signed bytes and those are the whole file but the signature itself. */
  intact: boolean;
  signerSubject: string | null;
  /** The signature verifies with one of the given certificates (the document may have changed since: see `intact`). */
  byOurKey: boolean;
  /** The claimed time of signing: /M of the signature dictionary, else the CMS signing-time. */
  signedAt: Date | null;
  /** A time-stamp token over this signature that verifies strictly (and chains to TSA_TRUSTED_CERTS when set). */
  timestamped: boolean;
  /** The TSA's time (genTime) of a valid time-stamp. */
  timestampedAt: Date | null;
  /** Who issued the valid time-stamp: the TSA certificate's subject. */
  timestampAuthority: TimestampAuthorityName | null;
  /** Why a time-stamp token that is there does not count. */
  timestampProblem: string | null;
  /** Why `sealed` or `intact` is false, for logs and the verify page. */
  problem: string | null;
}

const NOT_SEALED: SealVerification = { sealed: false, intact: false, signerSubject: null, byOurKey: false, signedAt: null, timestamped: false, timestampedAt: null, timestampAuthority: null, timestampProblem: null, problem: 'no signature' };

/**
 * Checks the last signature of a PDF with nothing but Node: the bytes, the CMS and the key.
 * `trustedTsaCertificates` (TSA_TRUSTED_CERTS): when not empty, a time-stamp must chain to one.
 */
export function verifySealedPdf(pdf: Buffer, trustedCertificatePems: string[], trustedTsaCertificates: readonly X509Certificate[] = []): SealVerification {
  const located = locateSignature(pdf);
  if (!located) return NOT_SEALED;
  const sealedOnly: SealVerification = { ...NOT_SEALED, sealed: true, signedAt: located.signedAt };
  let signed: ParsedSignedData;
  try {
    signed = parseSignedData(located.cms);
  } catch (error) {
    return { ...sealedOnly, problem: `unreadable signature (${error instanceof Error ? error.message : String(error)})` };
  }
  const trusted = trustedCertificatePems.map((pem) => new X509Certificate(pem).raw);
  try {
    return checkLocated(pdf, located, signed, trusted, trustedTsaCertificates);
  } catch (error) {
    // An uploaded file can hold anything; a malformed attribute or certificate is a broken seal.
    return { ...sealedOnly, problem: `unreadable signature (${error instanceof Error ? error.message : String(error)})` };
  }
}

function checkLocated(pdf: Buffer, located: LocatedSignature, signed: ParsedSignedData, trusted: Buffer[], trustedTsa: readonly X509Certificate[]): SealVerification {
  const [a, b, c, d] = located.byteRange;
  const check = checkSigner(signed, Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]));
  const certificate = check.certificate ? new X509Certificate(check.certificate) : null;
  const timestampValue = singleValue(signed.signer.unsignedAttributes, OID.timeStampToken);
  const timestamp = timestampValue ? verifyTimestampToken(timestampValue, signed.signer.signature, trustedTsa) : null;
  const problem = located.problem ?? check.problem;
  return {
    sealed: true,
    intact: problem === null && check.signatureValid && check.attributesMatch,
    signerSubject: certificate ? certificate.subject.split('\n').filter(Boolean).join(', ') : null,
    byOurKey: check.signatureValid && !!check.certificate && trusted.some((der) => der.equals(check.certificate!)),
    signedAt: located.signedAt ?? check.signingTime,
    timestamped: timestamp?.valid === true,
    timestampedAt: timestamp?.valid ? timestamp.genTime : null,
    timestampAuthority: timestamp?.valid ? timestamp.authority : null,
    timestampProblem: timestamp && !timestamp.valid ? timestamp.problem : null,
    problem,
  };
}

interface LocatedSignature {
  byteRange: [number, number, number, number];
  cms: Buffer;
  signedAt: Date | null;
  /** Why the byte range does not protect the whole file, if it does not. */
  problem: string | null;
}

/**
 * The last signature dictionary: its ByteRange must start at 0, leave out exactly its own
 * /Contents hex string and reach the end of the file. Bytes appended after signing (an
 * incremental update, or anything else) make the last condition fail.
 */
function locateSignature(pdf: Buffer): LocatedSignature | null {
  const at = pdf.lastIndexOf('/ByteRange');
  if (at < 0) return null;
  const match = /^\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(pdf.subarray(at, at + 120).toString('latin1'));
  if (!match) return null;
  const byteRange = match.slice(1, 5).map(Number) as [number, number, number, number];
  const [a, b, c, d] = byteRange;
  const hole = b < c && c <= pdf.length ? pdf.subarray(b, c).toString('latin1') : '';
  if (!/^<[0-9A-Fa-f]*>$/.test(hole) || !/\/Contents\s*$/.test(pdf.subarray(Math.max(0, b - 16), b).toString('latin1'))) return null;
  const cms = cmsFromHex(hole.slice(1, -1));
  if (!cms) return null;
  let problem: string | null = null;
  if (a !== 0 || c + d !== pdf.length) problem = c + d < pdf.length ? 'bytes were added after sealing' : 'the signed range does not cover the file';
  return { byteRange, cms, signedAt: signatureDictionaryTime(pdf, at, b, c), problem };
}

/** The CMS is zero-padded to fill the placeholder; its own DER length says where it ends. */
function cmsFromHex(hex: string): Buffer | null {
  const bytes = Buffer.from(hex.length % 2 === 0 ? hex : `${hex}0`, 'hex');
  try {
    const end = readTlv(bytes, 0).end;
    return bytes.subarray(0, end);
  } catch {
    return null;
  }
}

/** /M of the dictionary around the ByteRange, skipping the Contents hole. */
function signatureDictionaryTime(pdf: Buffer, byteRangeAt: number, holeStart: number, holeEnd: number): Date | null {
  const objectStart = Math.max(pdf.lastIndexOf(' obj', byteRangeAt), 0);
  const objectEnd = pdf.indexOf('endobj', Math.max(byteRangeAt, holeEnd));
  const before = pdf.subarray(objectStart, Math.min(holeStart, byteRangeAt)).toString('latin1');
  const after = pdf.subarray(Math.max(holeEnd, byteRangeAt), objectEnd < 0 ? pdf.length : objectEnd).toString('latin1');
  const date = /\/M\s*\((D:[^)]*)\)/.exec(before + after)?.[1];
  return date ? parsePdfDate(date) : null;
}

/** `D:YYYYMMDDHHmmSS` followed by `Z` or `+HH'mm'` (ISO 32000-1, 7.9.4). */
function parsePdfDate(text: string): Date | null {
  const m = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:(Z)|([+-])(\d{2})'?(\d{2})?'?)?/.exec(text);
  if (!m) return null;
  const [, year, month = '01', day = '01', hour = '00', minute = '00', second = '00', , sign, offsetHours = '0', offsetMinutes = '0'] = m;
  const utc = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000 : 0;
  return new Date(utc - offset);
}
