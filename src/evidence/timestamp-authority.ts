import { randomBytes, type X509Certificate } from 'node:crypto';
import type * as Pkijs from 'pkijs' with { 'resolution-mode': 'import' };
import forge from 'node-forge';

import { verifyTimestampToken } from './verify-timestamp-token';

const pkijs = require('pkijs') as typeof Pkijs;

/**
 * An RFC 3161 time-stamp client: asks a time-stamping authority (TSA) to sign "this digest
 * existed at this time". The token it returns goes into the seal's CMS as an unsigned attribute,
 * which turns a PAdES B-B seal into B-T.
 */

export const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  signedData: '1.2.840.113549.1.7.2',
} as const;

const HASH_NAMES: Record<string, string> = { [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };

export interface TimestampRequestOptions {
  timeoutMs: number;
  attempts: number;
  /** Pause before the second attempt; doubled before each later one. */
  backoffMs?: number;
  fetchImpl?: typeof fetch;
  /** TSA_TRUSTED_CERTS: when not empty, a token must chain to one of these. */
  trusted?: readonly X509Certificate[];
}

/** The TSA did not hand out a usable token, after every attempt that could help. */
export class TimestampUnavailableError extends Error {
  /** Requests sent. */
  readonly attempts: number;
  /** Why each attempt failed, in order. */
  readonly failures: string[];
  constructor(attempts: number, failures: string[], options: { cause?: unknown } = {}) {
    super(`No time-stamp after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${failures.join('; ')}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TimestampUnavailableError';
    this.attempts = attempts;
    this.failures = failures;
  }
}

/** One failed attempt; `retry` says whether asking again could give another answer. */
class AttemptFailure extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

const DEFAULT_BACKOFF_MS = 200;
// A token with a certificate chain is a few kB; anything far larger is not a TimeStampResp.
const MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * Requests a time-stamp token over `digest` (the SHA-256 of what is being time-stamped: for a
 * seal, its signature value) and returns the token (a DER ContentInfo holding SignedData).
 */
export async function requestTimestamp(tsaUrl: string, digest: Buffer, options: TimestampRequestOptions): Promise<Buffer> {
  if (digest.length !== 32) throw new Error('requestTimestamp expects a SHA-256 digest (32 bytes)');
  const fetchImpl = options.fetchImpl ?? fetch;
  const attempts = Math.max(1, Math.floor(options.attempts));
  const failures: string[] = [];
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep((options.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (attempt - 2));
    const nonce = positiveNonce();
    try {
      const response = await post(fetchImpl, tsaUrl, buildTimestampRequest(digest, nonce), options.timeoutMs);
      return tokenFromResponse(response, digest, nonce, options.trusted ?? []);
    } catch (error) {
      lastError = error;
      failures.push(describe(error));
      if (error instanceof AttemptFailure && !error.retry) throw new TimestampUnavailableError(attempt, failures, { cause: error });
    }
  }
  throw new TimestampUnavailableError(attempts, failures, { cause: lastError });
}

async function post(fetchImpl: typeof fetch, url: string, body: Buffer, timeoutMs: number): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/timestamp-query', Accept: 'application/timestamp-reply' },
      body: new Uint8Array(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    // Node 20's fetch rejects a timeout with a DOMException, which is not an Error there.
    const name = (error as { name?: unknown } | null)?.name;
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    throw new AttemptFailure(timedOut ? `no answer within ${timeoutMs} ms` : `request failed (${describe(error)})`, true);
  }
  if (!response.ok) {
    await response.body?.cancel();
    // 408, 429 and 5xx pass; any other refusal will be the same next time.
    const retry = response.status === 408 || response.status === 429 || response.status >= 500;
    throw new AttemptFailure(`HTTP ${response.status}`, retry);
  }
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_RESPONSE_BYTES) {
    await response.body?.cancel();
    throw new AttemptFailure(`response of ${length} bytes is too large`, true);
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > MAX_RESPONSE_BYTES) throw new AttemptFailure(`response of ${bytes.length} bytes is too large`, true);
  return bytes;
}

function describe(error: unknown): string {
  // fetch puts the network reason (ECONNREFUSED, …) in `cause`.
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return error instanceof Error ? `${error.message}${cause}` : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** 64 random bits as a positive, minimally encoded INTEGER. */
function positiveNonce(): Buffer {
  const nonce = randomBytes(8);
  nonce[0] = (nonce[0]! & 0x7f) | 0x01;
  return nonce;
}

const asn1 = forge.asn1;
const bin = (buffer: Buffer) => buffer.toString('binary');
const node = (type: number, value: string | forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, type, Array.isArray(value), value);

/**
 * TimeStampReq ::= SEQUENCE { version INTEGER (v1), messageImprint MessageImprint,
 *   reqPolicy OPTIONAL (absent), nonce INTEGER, certReq BOOLEAN (TRUE), extensions absent }
 * MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
 * certReq makes the TSA put its certificate in the token, so the token verifies on its own.
 */
export function buildTimestampRequest(digest: Buffer, nonce: Buffer): Buffer {
  const request = node(asn1.Type.SEQUENCE, [
    node(asn1.Type.INTEGER, '\x01'),
    messageImprint(digest),
    node(asn1.Type.INTEGER, bin(nonce)),
    node(asn1.Type.BOOLEAN, '\xff'),
  ]);
  return Buffer.from(asn1.toDer(request).getBytes(), 'binary');
}

function messageImprint(digest: Buffer): forge.asn1.Asn1 {
  return node(asn1.Type.SEQUENCE, [
    // NULL parameters: RFC 5754 allows them and older TSAs expect them.
    node(asn1.Type.SEQUENCE, [node(asn1.Type.OID, asn1.oidToDer(OID.sha256).getBytes()), node(asn1.Type.NULL, '')]),
    node(asn1.Type.OCTETSTRING, bin(digest)),
  ]);
}

const PKI_STATUS = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];

/**
 * TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL }
 * PKIStatusInfo ::= SEQUENCE { status INTEGER, statusString PKIFreeText OPTIONAL, failInfo BIT STRING OPTIONAL }
 */
function tokenFromResponse(response: Buffer, digest: Buffer, nonce: Buffer, trusted: readonly X509Certificate[]): Buffer {
  let token: Buffer;
  let status: number;
  try {
    const outer = derHeader(response, 0);
    const statusInfo = derHeader(response, outer.contentStart);
    const parsed = asn1.fromDer(bin(response.subarray(statusInfo.offset, statusInfo.end)));
    status = integerValue((parsed.value as forge.asn1.Asn1[])[0]!);
    // The token is kept byte for byte: the TSA's signature covers its encoding.
    token = response.subarray(statusInfo.end, outer.end);
  } catch (error) {
    throw new AttemptFailure(`answer is not a TimeStampResp (${error instanceof Error ? error.message : String(error)})`, true);
  }
  if (status !== 0 && status !== 1) {
    // 3 (waiting) may turn into a token; a rejection will not.
    throw new AttemptFailure(`TSA answered ${PKI_STATUS[status] ?? `status ${status}`}`, status === 3);
  }
  if (token.length === 0) throw new AttemptFailure(`TSA answered ${PKI_STATUS[status]} without a token`, true);
  // Strict, before the token is accepted: a token a validator would refuse is no time-stamp.
  const check = verifyTimestampToken(token, { imprint: { sha256: digest }, nonce: BigInt(`0x${nonce.toString('hex')}`), trusted });
  // Another nonce may be a stale answer and garbage a broken transfer; a token that breaks a rule comes back the same.
  if (!check.valid) throw new AttemptFailure(`token refused: ${check.problem}`, check.code !== 'refused');
  return Buffer.from(token);
}

export interface TimestampTokenInfo {
  /** When the TSA says the digest existed. */
  genTime: Date;
  /** Node's name of the imprint's hash, or the OID when it is not one we know. */
  hashAlgorithm: string;
  hashedMessage: Buffer;
  serialNumber: string;
  policy: string;
  nonce: bigint | null;
}

/** Reads the TSTInfo inside a token (without checking it: see verifyTimestampToken). */
export function readTimestampToken(token: Buffer): TimestampTokenInfo {
  const signedData = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(new Uint8Array(token)).content });
  const eContent = signedData.encapContentInfo.eContent;
  if (signedData.encapContentInfo.eContentType !== OID.tstInfo || !eContent) throw new Error('the token does not hold a TSTInfo');
  const info = pkijs.TSTInfo.fromBER(eContent.getValue());
  const hashOid = info.messageImprint.hashAlgorithm.algorithmId;
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
  return {
    genTime: info.genTime,
    hashAlgorithm: HASH_NAMES[hashOid] ?? hashOid,
    hashedMessage: Buffer.from(info.messageImprint.hashedMessage.getValue()),
    serialNumber: hex(info.serialNumber.valueBlock.valueHexView),
    policy: info.policy,
    nonce: info.nonce ? BigInt(`0x${hex(info.nonce.valueBlock.valueHexView) || '0'}`) : null,
  };
}

function integerValue(value: forge.asn1.Asn1): number {
  return asn1.derToInteger(value.value as string);
}

interface DerHeader {
  offset: number;
  contentStart: number;
  end: number;
}

function derHeader(der: Buffer, offset: number): DerHeader {
  const first = der[offset + 1];
  if (first === undefined) throw new Error('truncated');
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported length encoding');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[contentStart + i]!;
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > der.length) throw new Error('truncated');
  return { offset, contentStart, end };
}
