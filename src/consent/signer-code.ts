import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { Channel, ConsentRequestRecord, Store } from '../storage/store';
import type { ConsentForm } from './form-types';
import type { LinkTokens } from './link-token';
import type { SignerCodeRecord } from './signer-code-store';

/**
 * One-time codes that confirm the signer (issue 12): a proportionate check that the link reached
 * the person it was sent to. A code is sent by the channel and to the address the link went to;
 * it is 6 digits, counts for 10 minutes, allows 5 tries, and is used once. Only its HMAC is
 * stored, keyed with a key derived (HKDF) from LINK_SIGNING_KEY and bound to the request.
 * Each code costs an SMS, so a request gets at most 3 codes an hour and 10 a day.
 */
export const SIGNER_CODE_RULES = {
  digits: 6,
  validMs: 10 * 60_000,
  maxAttempts: 5,
  perHour: 3,
  perDay: 10,
} as const;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const HKDF_INFO = 'akkoord-signer-code-v1';

export interface SignerCodeDeps {
  store: Store;
  tokens: LinkTokens;
  clock: Clock;
}

/** What the signer confirmed with a code, as the decision event and the record carry it. */
export interface SignerVerification {
  method: 'code';
  channel: Channel;
  maskedAddress: string;
  verifiedAt: string;
}

/** A sign needs a code when the form asks for it, or when any special-category purpose is answered "yes". A decline never does. */
export function codeNeeded(form: ConsentForm, action: 'sign' | 'decline', answers: Record<string, 'yes' | 'no' | undefined>): boolean {
  if (action !== 'sign') return false;
  return form.verifySigner === true || form.purposes.some((p) => p.specialCategory && answers[p.id] === 'yes');
}

function codeHmac(tokens: LinkTokens, requestId: string, code: string): string {
  return createHmac('sha256', tokens.deriveKey(HKDF_INFO)).update(`${requestId}:${code}`).digest('hex');
}

/** Only the newest code of a request counts: asking for a new one retires the one before. */
async function newestCode(deps: SignerCodeDeps, request: ConsentRequestRecord): Promise<SignerCodeRecord | null> {
  const codes = await deps.store.listSignerCodes(request.organisationId, request.id, new Date(deps.clock.now().getTime() - DAY_MS));
  return codes[0] ?? null;
}

export type SendCodeResult = { ok: true; code: SignerCodeRecord } | { ok: false; reason: 'limit' | 'unavailable' };

/**
 * Makes a new code and queues it by the request's own channel and address (the worker sends it,
 * outside quiet hours' reach). Refused when the request had 3 codes in the last hour or 10 in the
 * last 24 hours, or when there is no address to send to (paper, or erased).
 */
export async function sendSignerCode(deps: SignerCodeDeps, request: ConsentRequestRecord): Promise<SendCodeResult> {
  const channel = request.recipient.channel;
  if ((channel !== 'sms' && channel !== 'email') || request.recipient.address === null) return { ok: false, reason: 'unavailable' };
  for (let round = 0; round < 3; round += 1) {
    const now = deps.clock.now();
    const today = await deps.store.listSignerCodes(request.organisationId, request.id, new Date(now.getTime() - DAY_MS));
    const lastHour = today.filter((c) => c.createdAt.getTime() > now.getTime() - HOUR_MS);
    if (lastHour.length >= SIGNER_CODE_RULES.perHour || today.length >= SIGNER_CODE_RULES.perDay) return { ok: false, reason: 'limit' };
    const digits = String(randomInt(0, 10 ** SIGNER_CODE_RULES.digits)).padStart(SIGNER_CODE_RULES.digits, '0');
    const code: SignerCodeRecord = {
      id: newId('sc', now),
      organisationId: request.organisationId,
      requestId: request.id,
      codeHmac: codeHmac(deps.tokens, request.id, digits),
      channel,
      maskedAddress: request.recipient.maskedAddress,
      createdAt: now,
      expiresAt: new Date(now.getTime() + SIGNER_CODE_RULES.validMs),
      attempts: 0,
      verifiedAt: null,
      usedAt: null,
    };
    const message = { id: newId('msg', now), requestId: request.id, organisationId: request.organisationId, kind: 'signer-code' as const, channel, code: digits, attempts: 0, dueAt: now, createdAt: now };
    // Written only while no other code came in between, so two taps cannot both pass the limits.
    if (await deps.store.createSignerCode({ code, message, expectedLatestId: today[0]?.id ?? null })) return { ok: true, code };
  }
  return { ok: false, reason: 'limit' };
}

export type CheckCodeResult =
  | { ok: true; code: SignerCodeRecord }
  | { ok: false; reason: 'wrong'; attemptsLeft: number }
  | { ok: false; reason: 'malformed' | 'dead' | 'expired' | 'none' };

/** The newest code of the request and what the signer typed, made comparable: digits only. */
const normalise = (typed: string): string => typed.replace(/[\s-]/g, '');

/**
 * Checks a typed code against the request's newest code: each try is counted with its event
 * (`signer_code_failed` with the attempt number, or `signer_verified`). After 5 tries the code is
 * dead, even with the right digits; an expired or used code never verifies.
 */
export async function checkSignerCode(deps: SignerCodeDeps, request: ConsentRequestRecord, typed: string): Promise<CheckCodeResult> {
  const digits = normalise(typed);
  if (!new RegExp(`^\\d{${SIGNER_CODE_RULES.digits}}$`).test(digits)) return { ok: false, reason: 'malformed' };
  for (let round = 0; round < 3; round += 1) {
    const now = deps.clock.now();
    const code = await newestCode(deps, request);
    if (!code || code.usedAt) return { ok: false, reason: 'none' };
    if (code.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
    const right = timingSafeEqual(Buffer.from(code.codeHmac, 'hex'), Buffer.from(codeHmac(deps.tokens, request.id, digits), 'hex'));
    // Verified before (the decision did not go through, e.g. the page was sent twice): the same code still counts, once.
    if (code.verifiedAt) return right ? { ok: true, code } : { ok: false, reason: 'dead' };
    if (code.attempts >= SIGNER_CODE_RULES.maxAttempts) return { ok: false, reason: 'dead' };
    const attempt = code.attempts + 1;
    const event = {
      id: newId('evt', now),
      requestId: request.id,
      organisationId: request.organisationId,
      type: right ? 'signer_verified' : 'signer_code_failed',
      at: now,
      actor: 'recipient',
      detail: right ? { codeId: code.id, attempt, channel: code.channel, maskedAddress: code.maskedAddress } : { codeId: code.id, attempt, attemptsLeft: SIGNER_CODE_RULES.maxAttempts - attempt },
    };
    const counted = await deps.store.recordSignerCodeAttempt({ organisationId: request.organisationId, requestId: request.id, codeId: code.id, expectedAttempts: code.attempts, verifiedAt: right ? now : null, event });
    if (!counted) continue; // another try came first: read again
    if (right) return { ok: true, code: { ...code, attempts: attempt, verifiedAt: now } };
    return attempt >= SIGNER_CODE_RULES.maxAttempts ? { ok: false, reason: 'dead' } : { ok: false, reason: 'wrong', attemptsLeft: SIGNER_CODE_RULES.maxAttempts - attempt };
  }
  return { ok: false, reason: 'dead' };
}

/**
 * For decide(): the code a sign may rest on, when it is a verified, unused, unexpired code of this
 * request (and its newest); null otherwise.
 */
export async function usableVerifiedCode(deps: SignerCodeDeps, request: ConsentRequestRecord, codeId: string): Promise<SignerCodeRecord | null> {
  const code = await newestCode(deps, request);
  if (!code || code.id !== codeId || !code.verifiedAt || code.usedAt) return null;
  return code.expiresAt.getTime() > deps.clock.now().getTime() ? code : null;
}

export function verificationOf(code: SignerCodeRecord): SignerVerification {
  return { method: 'code', channel: code.channel, maskedAddress: code.maskedAddress, verifiedAt: (code.verifiedAt ?? code.createdAt).toISOString() };
}

