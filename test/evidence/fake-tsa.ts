import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';

/**
 * An RFC 3161 time-stamping authority on 127.0.0.1 with its own self-signed TSA certificate.
 * It answers a TimeStampReq with a TimeStampResp holding a token signed by forge's own PKCS#7
 * signer (not by the code under test), and can be told to fail.
 */
export interface FakeTsa {
  url: string;
  certificatePem: string;
  /** Every request body received, failed ones included. */
  readonly requests: Buffer[];
  /** Every token handed out (the DER ContentInfo), in order. */
  readonly tokens: Buffer[];
  /** Wait this long before answering. */
  delayMs: number;
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
const TEST_POLICY = '1.3.6.1.4.1.99999.3161.1';
const universal = (type: number, value: string | Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, type, Array.isArray(value), value);
const oid = (id: string) => universal(asn1.Type.OID, asn1.oidToDer(id).getBytes());

export async function startFakeTsa(): Promise<FakeTsa> {
  const { key, certificate } = tsaCertificate();
  const requests: Buffer[] = [];
  const tokens: Buffer[] = [];
  let failures = 0;
  let always = false;
  let rejections = 0;
  let serial = 1;
  const tsa = {
    requests,
    tokens,
    delayMs: 0,
    certificatePem: forge.pki.certificateToPem(certificate),
    failNext: (count: number) => void (failures += count),
    failAlways: (on: boolean) => void (always = on),
    rejectNext: (count: number) => void (rejections += count),
    now: () => new Date(),
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
      let answer: Buffer;
      if (rejections > 0) {
        rejections -= 1;
        answer = response(2);
      } else {
        try {
          const token = Buffer.from(asn1.toDer(timestampToken(parseRequest(body), serial++, tsa.now(), key, certificate)).getBytes(), 'binary');
          tokens.push(token);
          answer = response(0, token);
        } catch {
          answer = response(2);
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/timestamp-reply', 'Content-Length': String(answer.length) }).end(answer);
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

function tsaCertificate(): { key: forge.pki.rsa.PrivateKey; certificate: forge.pki.Certificate } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  certificate.serialNumber = '01';
  certificate.validity.notBefore = new Date(Date.now() - 3_600_000);
  certificate.validity.notAfter = new Date(Date.now() + 86_400_000);
  const name = [{ shortName: 'CN', value: 'Fake TSA for tests' }];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  // RFC 3161 2.3: a TSA certificate has exactly the critical timeStamping extended key usage.
  certificate.setExtensions([
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    { name: 'extKeyUsage', timeStamping: true, critical: true },
  ]);
  certificate.sign(key, forge.md.sha256.create());
  return { key, certificate };
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

/** TSTInfo signed with forge's PKCS#7 signer: content-type, message-digest and signing-time. */
function timestampToken(request: TimestampRequest, serial: number, genTime: Date, key: forge.pki.rsa.PrivateKey, certificate: forge.pki.Certificate): Asn1 {
  const tstInfo = universal(asn1.Type.SEQUENCE, [
    universal(asn1.Type.INTEGER, '\x01'),
    oid(TEST_POLICY),
    request.messageImprint,
    universal(asn1.Type.INTEGER, asn1.integerToDer(serial).getBytes()),
    universal(asn1.Type.GENERALIZEDTIME, asn1.dateToGeneralizedTime(genTime)),
    universal(asn1.Type.SEQUENCE, [universal(asn1.Type.INTEGER, '\x01')]),
    ...(request.nonce ? [request.nonce] : []),
  ]);
  const tstInfoDer = asn1.toDer(tstInfo).getBytes();
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(tstInfoDer);
  // With contentInfo set, forge signs this content type instead of wrapping the content as Data.
  (p7 as unknown as { contentInfo: Asn1 }).contentInfo = universal(asn1.Type.SEQUENCE, [
    oid(TST_INFO),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [universal(asn1.Type.OCTETSTRING, tstInfoDer)]),
  ]);
  if (request.certReq) p7.addCertificate(certificate);
  p7.addSigner({
    key,
    certificate,
    digestAlgorithm: forge.pki.oids.sha256!,
    authenticatedAttributes: [{ type: forge.pki.oids.contentType!, value: TST_INFO }, { type: forge.pki.oids.messageDigest! }, { type: forge.pki.oids.signingTime!, value: genTime.toISOString() }],
  });
  p7.sign();
  return p7.toAsn1();
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
