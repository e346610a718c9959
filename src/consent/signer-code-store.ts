import type { Channel, EventRecord, OutboxMessage } from '../storage/store';

/**
 * The storage one-time codes need (issue 12, migration 017). The store only stores: how many codes
 * a request may get, how long one counts and how many tries it has are rules of
 * consent/signer-code.ts. Every read and write names the organisation; a code of another
 * organisation or request is not found and not changed.
 */
export interface SignerCodeRecord {
  id: string;
  organisationId: string;
  requestId: string;
  /** HMAC-SHA-256 hex of the request id and the code; the code itself is never stored. */
  codeHmac: string;
  channel: Channel;
  maskedAddress: string;
  createdAt: Date;
  expiresAt: Date;
  /** Wrong and right tries counted so far. */
  attempts: number;
  verifiedAt: Date | null;
  /** When a decision was recorded with it (single use). */
  usedAt: Date | null;
}

export interface SignerCodeStore {
  /**
   * Stores a new code with its outbox message (the code itself rides along encrypted, the invite's
   * link is copied as for a reminder), together. Written only while the request's newest code is
   * still `expectedLatestId` (null: none yet), so two taps on "send" cannot both pass the limits;
   * false, and nothing written, otherwise or when the request is not of that organisation.
   */
  createSignerCode(input: { code: SignerCodeRecord; message: Omit<OutboxMessage, 'link'> & { code: string }; expectedLatestId: string | null }): Promise<boolean>;
  /** The request's codes created at or after `since`, newest first. */
  listSignerCodes(organisationId: string, requestId: string, since: Date): Promise<SignerCodeRecord[]>;
  /**
   * Counts one try of a code with its event (`signer_code_failed` or `signer_verified`), together;
   * `verifiedAt` marks it verified. Written only while the code still has `expectedAttempts` tries
   * and is not verified; false, and nothing written, otherwise (another try came first).
   */
  recordSignerCodeAttempt(input: { organisationId: string; requestId: string; codeId: string; expectedAttempts: number; verifiedAt: Date | null; event: EventRecord }): Promise<boolean>;
}
