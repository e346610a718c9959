import { createHash, generateKeyPairSync, webcrypto } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as Asn1js from 'asn1js' with { 'resolution-mode': 'import' };
import forge from 'node-forge';
import type * as Pkijs from 'pkijs' with { 'resolution-mode': 'import' };

const pkijs = require('pkijs') as typeof Pkijs;
const asn1js = require('asn1js') as typeof Asn1js;

/**
 * An RFC 3161 time-stamping authority on 127.0.0.1 with a small PKI of its own: a root CA and a
 * TSA certificate it issued (critical id-kp-timeStamping extended key usage). Its tokens are
 * standard (TSTInfo v1, ESS signing-certificate-v2, content-type and message-digest), signed by
 * pkijs rather than by the code under test, so `openssl ts -verify` accepts them. It can be told
 * to fail, and to misbehave in the ways a strict verifier must refuse.
 */
export type TsaMisbehaviour =
  /** A standard token. */
  | 'none'
  /** ESS signing-certificate (v1, SHA-1) instead of v2: still standard. */
  | 'ess-v1'
  /** No ESS signing-certificate attribute at all. */
  | 'no-ess'
  /** Signed with a TSA certificate without an extended key usage. */
  | 'no-eku'
  /** Signed with a TSA certificate whose timeStamping EKU is not critical. */
  | 'non-critical-eku'
  /** The imprint differs from the one asked for. */
  | 'wrong-imprint'
  /** The nonce differs from the one asked for. */
  | 'wrong-nonce';

export interface FakeTsa {
  url: string;
  /** The TSA certificate of standard tokens. */
  certificatePem: string;
  /** The root CA that issued every TSA certificate of this fake. */
  caCertificatePem: string;
  /** Every request body received, failed ones included. */
  readonly requests: Buffer[];
  /** Every token handed out (the DER ContentInfo), in order. */
  readonly tokens: Buffer[];
  /**
   * Every TimeStampReq answered with a TimeStampResp, paired. An answer delayed past a client's
   * time-out lands here late: find a request's answer by the request, not by position.
   */
  readonly exchanges: { request: Buffer; response: Buffer }[];
  /** Wait this long before answering. */
  delayMs: number;
  /** How the tokens are made wrong (until set back to 'none'). */
  misbehave: TsaMisbehaviour;
  /** Answer the next `count` requests with HTTP 500. */
  failNext(count: number): void;
  /** Answer every request with HTTP 500 until switched off. */
  failAlways(on: boolean): void;
  /** Answer the next `count` requests with PKIStatus rejection (2). */
  rejectNext(count: number): void;
  /** The time the TSA puts in its tokens. */
  now: () => Date;
  close(): Promise<void>;
}

const asn1 = forge.asn1;
type Asn1 = forge.asn1.Asn1;
const TST_INFO = '1.2.840.113549.1.9.16.1.4';
const SIGNED_DATA = '1.2.840.113549.1.7.2';
const TEST_POLICY = '1.3.6.1.4.1.99999.3161.1';
const universal = (type: number, value: string | Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, type, Array.isArray(value), value);
const oid = (id: string) => universal(asn1.Type.OID, asn1.oidToDer(id).getBytes());
const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as Crypto });

/** Wide validity: tests fix the TSA's clock anywhere in these years. */
const VALID_FROM = new Date('2020-01-01T00:00:00Z');
const VALID_TO = new Date('2040-01-01T00:00:00Z');

interface Issued {
  certificate: forge.pki.Certificate;
  der: Buffer;
}

export async function startFakeTsa(): Promise<FakeTsa> {
  const pki = createPki();
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pki.tsaKeyPkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  const requests: Buffer[] = [];
  const tokens: Buffer[] = [];
  const exchanges: { request: Buffer; response: Buffer }[] = [];
  let failures = 0;
  let always = false;
  let rejections = 0;
  let serial = 1;
  const tsa = {
    requests,
    tokens,
    exchanges,
    delayMs: 0,
    misbehave: 'none' as TsaMisbehaviour,
    certificatePem: forge.pki.certificateToPem(pki.tsa.critical.certificate),
    caCertificatePem: forge.pki.certificateToPem(pki.ca.certificate),
    failNext: (count: number) => void (failures += count),
    failAlways: (on: boolean) => void (always = on),
    rejectNext: (count: number) => void (rejections += count),
    now: () => new Date(),
  };

  const answer = async (body: Buffer): Promise<Buffer> => {
    if (rejections > 0) {
      rejections -= 1;
      return response(2);
    }
    let request: TimestampRequest;
    try {
      request = parseRequest(body);
    } catch {
      return response(2);
    }
    const mode = tsa.misbehave;
    const issued = mode === 'no-eku' ? pki.tsa.none : mode === 'non-critical-eku' ? pki.tsa.nonCritical : pki.tsa.critical;
    const token = await timestampToken(request, serial++, tsa.now(), mode, signingKey, issued);
    tokens.push(token);
    return response(0, token);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      requests.push(body);
      if (tsa.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, tsa.delayMs));
      if (always || failures > 0) {
        failures = Math.max(0, failures - 1);
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('fake TSA: scripted failure');
        return;
      }
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(415).end();
        return;
      }
      const bytes = await answer(body);
      exchanges.push({ request: body, response: bytes });
      res.writeHead(200, { 'Content-Type': 'application/timestamp-reply', 'Content-Length': String(bytes.length) }).end(bytes);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return Object.assign(tsa, {
    url: `http://127.0.0.1:${port}/tsa`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  });
}

/** A root CA certificate of another PKI: a trust anchor that no fake TSA token chains to. */
export function otherCaCertificatePem(): string {
  const key = rsaKey();
  return forge.pki.certificateToPem(issue({ subject: 'Another TSA root', publicKey: key.publicKey, issuerKey: key.privateKey, serial: '0a', ca: true }).certificate);
}

function rsaKey(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pkcs8: Buffer } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pkcs8 = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
  return {
    privateKey: forge.pki.privateKeyFromPem(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    publicKey: forge.pki.publicKeyFromPem(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    pkcs8,
  };
}

function issue(input: { subject: string; publicKey: forge.pki.rsa.PublicKey; issuerKey: forge.pki.rsa.PrivateKey; issuer?: forge.pki.Certificate; serial: string; ca?: boolean; eku?: 'critical' | 'non-critical' | 'none' }): Issued {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = input.publicKey;
  certificate.serialNumber = input.serial;
  certificate.validity.notBefore = VALID_FROM;
  certificate.validity.notAfter = VALID_TO;
  certificate.setSubject([
    { shortName: 'CN', value: input.subject },
    { shortName: 'O', value: 'Akkoord tests' },
  ]);
  certificate.setIssuer(input.issuer ? input.issuer.subject.attributes : certificate.subject.attributes);
  const extensions: object[] = input.ca
    ? [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
        { name: 'subjectKeyIdentifier' },
      ]
    : [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
        { name: 'subjectKeyIdentifier' },
      ];
  // RFC 3161 2.3: a TSA certificate has exactly the timeStamping extended key usage, critical.
  if (input.eku && input.eku !== 'none') extensions.push({ name: 'extKeyUsage', timeStamping: true, critical: input.eku === 'critical' });
  certificate.setExtensions(extensions);
  certificate.sign(input.issuerKey, forge.md.sha256.create());
  return { certificate, der: Buffer.from(asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(), 'binary') };
}

/** Root CA → TSA certificate, in three variants of the extended key usage over one TSA key. */
function createPki() {
  const caKey = rsaKey();
  const tsaKey = rsaKey();
  const ca = issue({ subject: 'Fake TSA Root CA', publicKey: caKey.publicKey, issuerKey: caKey.privateKey, serial: '01', ca: true });
  const tsa = (serial: string, eku: 'critical' | 'non-critical' | 'none') => issue({ subject: 'Fake TSA for tests', publicKey: tsaKey.publicKey, issuerKey: caKey.privateKey, issuer: ca.certificate, serial, eku });
  return { ca, tsaKeyPkcs8: tsaKey.pkcs8, tsa: { critical: tsa('02', 'critical'), nonCritical: tsa('03', 'non-critical'), none: tsa('04', 'none') } };
}

interface TimestampRequest {
  messageImprint: Asn1;
  nonce: Asn1 | undefined;
  certReq: boolean;
}

/** TimeStampReq ::= SEQUENCE { version, messageImprint, reqPolicy OID OPTIONAL, nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE, … } */
function parseRequest(body: Buffer): TimestampRequest {
  const fields = asn1.fromDer(body.toString('binary')).value as Asn1[];
  const [version, messageImprint] = fields;
  if (!version || asn1.derToInteger(version.value as string) !== 1 || !messageImprint) throw new Error('not a v1 TimeStampReq');
  const rest = fields.slice(2);
  const certReq = rest.find((f) => f.type === asn1.Type.BOOLEAN);
  return {
    messageImprint,
    nonce: rest.find((f) => f.type === asn1.Type.INTEGER),
    certReq: certReq !== undefined && (certReq.value as string) !== '\x00',
  };
}

/**
 * TSTInfo ::= SEQUENCE { version 1, policy, messageImprint, serialNumber, genTime, accuracy, nonce }
 * (DER by forge), then SignedData v3 over it signed by pkijs with content-type, message-digest and
 * ESS signing-certificate-v2 (or v1) as signed attributes.
 */
async function timestampToken(request: TimestampRequest, serial: number, genTime: Date, mode: TsaMisbehaviour, key: CryptoKey, issued: Issued): Promise<Buffer> {
  const [algorithm, hashed] = request.messageImprint.value as Asn1[];
  const hashedBytes = Buffer.from(hashed!.value as string, 'binary');
  if (mode === 'wrong-imprint') hashedBytes[0] = hashedBytes[0]! ^ 0xff;
  const imprint = universal(asn1.Type.SEQUENCE, [algorithm!, universal(asn1.Type.OCTETSTRING, hashedBytes.toString('binary'))]);
  let nonce = request.nonce;
  if (nonce && mode === 'wrong-nonce') {
    const bytes = Buffer.from(nonce.value as string, 'binary');
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
    nonce = universal(asn1.Type.INTEGER, bytes.toString('binary'));
  }
  const tstInfo = universal(asn1.Type.SEQUENCE, [
    universal(asn1.Type.INTEGER, '\x01'),
    oid(TEST_POLICY),
    imprint,
    universal(asn1.Type.INTEGER, asn1.integerToDer(serial).getBytes()),
    universal(asn1.Type.GENERALIZEDTIME, asn1.dateToGeneralizedTime(genTime)),
    universal(asn1.Type.SEQUENCE, [universal(asn1.Type.INTEGER, '\x01')]),
    ...(nonce ? [nonce] : []),
  ]);
  const tstInfoDer = Buffer.from(asn1.toDer(tstInfo).getBytes(), 'binary');
  const certificate = pkijs.Certificate.fromBER(new Uint8Array(issued.der));
  const attributes = [
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.3', values: [new asn1js.ObjectIdentifier({ value: TST_INFO })] }),
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.4', values: [new asn1js.OctetString({ valueHex: createHash('sha256').update(tstInfoDer).digest() })] }),
  ];
  if (mode !== 'no-ess') attributes.push(essAttribute(mode === 'ess-v1' ? 1 : 2, issued.der, certificate));
  const signedData = new pkijs.SignedData({
    version: 3,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: TST_INFO, eContent: new asn1js.OctetString({ valueHex: tstInfoDer }) }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
      }),
    ],
    ...(request.certReq ? { certificates: [certificate] } : {}),
  });
  await signedData.sign(key, 0, 'SHA-256', undefined, engine);
  const contentInfo = new pkijs.ContentInfo({ contentType: SIGNED_DATA, content: signedData.toSchema(true) });
  return Buffer.from(contentInfo.toSchema().toBER(false));
}

/**
 * SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } with ESSCertIDv2 ::=
 * SEQUENCE { certHash (SHA-256, the DEFAULT algorithm left out), issuerSerial }; v1 the same with SHA-1.
 */
function essAttribute(version: 1 | 2, certificateDer: Buffer, certificate: Pkijs.Certificate): Pkijs.Attribute {
  const hash = createHash(version === 1 ? 'sha1' : 'sha256').update(certificateDer).digest();
  const issuerSerial = new asn1js.Sequence({
    value: [new asn1js.Sequence({ value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [certificate.issuer.toSchema()] })] }), certificate.serialNumber],
  });
  const certId = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: hash }), issuerSerial] });
  return new pkijs.Attribute({
    type: version === 1 ? '1.2.840.113549.1.9.16.2.12' : '1.2.840.113549.1.9.16.2.47',
    values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [certId] })] })],
  });
}

/** TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken OPTIONAL } */
function response(status: number, token?: Buffer): Buffer {
  const statusInfo = universal(asn1.Type.SEQUENCE, [universal(asn1.Type.INTEGER, asn1.integerToDer(status).getBytes())]);
  const content = Buffer.concat([Buffer.from(asn1.toDer(statusInfo).getBytes(), 'binary'), token ?? Buffer.alloc(0)]);
  return Buffer.concat([derHeader(0x30, content.length), content]);
}

function derHeader(tag: number, length: number): Buffer {
  if (length < 0x80) return Buffer.from([tag, length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
}
