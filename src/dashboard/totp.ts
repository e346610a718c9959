import { createHash, randomBytes } from 'node:crypto';

import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/**
 * The second factor: TOTP (RFC 6238) with otpauth: SHA-1, 6 digits, 30-second steps, a code of
 * the step before or after also accepted (clock drift). Which step a code belonged to is returned
 * so the account can refuse that step (and earlier ones) next time: a code works once.
 */
export const TOTP_PERIOD_SECONDS = 30;
const ISSUER = 'Akkoord';

function totp(secret: string, label: string): TOTP {
  return new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secret) });
}

/** 160 random bits, base32 (what authenticator apps expect). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The time step a 6-digit code is valid for at `now` (±1 step), or null. */
export function totpStep(secret: string, code: string, now: Date): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp(secret, 'check').validate({ token, timestamp: now.getTime(), window: 1 });
  if (delta === null) return null;
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD_SECONDS) + delta;
}

/** For tests and the browser test: the code an authenticator app shows at `at`. */
export function totpCode(secret: string, at: Date): string {
  return totp(secret, 'code').generate({ timestamp: at.getTime() });
}

/** The set-up page's QR code (inline SVG, no outside service) and the secret in groups of four. */
export async function totpEnrolment(secret: string, account: string): Promise<{ qrSvg: string; groupedSecret: string; uri: string }> {
  const uri = totp(secret, account).toString();
  const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
  return { qrSvg, groupedSecret: secret.match(/.{1,4}/g)!.join(' '), uri };
}

/** 10 recovery codes of 80 random bits each (four groups of four: `abcd-efgh-jkmn-pqrs`). */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
export const RECOVERY_CODE_COUNT = 10;

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(16);
    const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
    return chars.match(/.{4}/g)!.join('-');
  });
}

/** Typed in with or without dashes, spaces or capitals. */
export function normaliseRecoveryCode(code: string): string | null {
  const plain = code.toLowerCase().replace(/[\s-]+/g, '');
  if (plain.length !== 16 || [...plain].some((c) => !RECOVERY_ALPHABET.includes(c))) return null;
  return plain.match(/.{4}/g)!.join('-');
}

export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(`akkoord-recovery-v1\n${code}`).digest('hex');
}
