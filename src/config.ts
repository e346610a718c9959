import { resolve } from 'node:path';
import { z } from 'zod';
import { parseKeyRing } from './privacy/field-cipher';
import type { WebhookSettings } from './webhooks/webhook-endpoints';

/**
 * The only reader of process.env. Every variable is documented in .env.example; an invalid or
 * (in production) missing value stops the start with one readable list of what is wrong.
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATA_DIR: z.string().default('./data'),
  STORE: z.enum(['sqlite', 'mongo']).default('sqlite'),
  MONGODB_URI: z.string().optional(),
  ENCRYPTION_KEYS: z.string().optional(),
  LINK_SIGNING_KEY: z.string().optional(),
  AUDIT_CHAIN_KEY: z.string().optional(),
  FORMS_DIR: z.string().default('consent-forms'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEFAULT_EXPIRY_DAYS: positiveInt(14).pipe(z.number().max(365)),
  TRUST_PROXY: z.coerce.number().int().min(0).default(0),
  RATE_LIMIT_API_PER_MINUTE: positiveInt(1200),
  RATE_LIMIT_PUBLIC_PER_MINUTE: positiveInt(60),
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: positiveInt(30),
  RATE_LIMIT_HOOKS_PER_MINUTE: positiveInt(1200),
  WORKER_ENABLED: bool.default(true),
  WORKER_POLL_MS: positiveInt(500),
  SUPPORT_EMAIL: z.email().optional(),
  WORKER_BATCH_SIZE: positiveInt(50).pipe(z.number().max(500)),
  WORKER_LEASE_MS: positiveInt(60_000).pipe(z.number().min(5_000)),
  PROVIDER_TIMEOUT_MS: positiveInt(20_000),
  REMINDER_AFTER_DAYS: positiveInt(3).pipe(z.number().max(30)),
  REMINDER_AUTOMATIC: z.coerce.number().int().min(0).max(5).default(1),
  REMINDER_MAX: z.coerce.number().int().min(0).max(5).default(2),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex characters').optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16).optional(),
  TWILIO_MESSAGING_SERVICE_SID: z.string().regex(/^MG[0-9a-fA-F]{32}$/, 'must look like MG followed by 32 hex characters').optional(),
  TWILIO_FROM: z
    .string()
    .refine((v) => /^\+[1-9]\d{6,14}$/.test(v) || /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/.test(v), 'must be an E.164 number or an alphanumeric sender id of at most 11 characters')
    .optional(),
  TWILIO_API_BASE_URL: z.url().optional(),
  SENDGRID_API_KEY: z.string().min(8).optional(),
  SENDGRID_FROM: z.string().optional(),
  SENDGRID_API_BASE_URL: z.url().optional(),
  SENDGRID_WEBHOOK_PUBLIC_KEY: z.string().min(40).optional(),
  SIGNING_P12_PATH: z.string().optional(),
  SIGNING_P12_PASSWORD: z.string().optional(),
  TSA_URL: z.url().optional(),
  TSA_TIMEOUT_MS: positiveInt(5_000),
  TSA_TRUSTED_CERTS: z.string().optional(),
  STAFF_PASSWORD_SCRYPT_LOG2N: z.coerce.number().int().min(14).max(20).default(17),
  WEBHOOK_ALLOW_PRIVATE_URLS: bool.default(false),
  WEBHOOK_TIMEOUT_MS: positiveInt(10_000).pipe(z.number().max(30_000)),
  WEBHOOK_MAX_ENDPOINTS: positiveInt(10).pipe(z.number().max(100)),
});

/** Measured in test/delivery/sms-messages.test.ts: longer base URLs do not fit one SMS segment. */
export const MAX_BASE_URL_LENGTH = 56;

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  messagingServiceSid: string | undefined;
  from: string | undefined;
  apiBaseUrl: string | undefined;
}

export interface SendGridConfig {
  apiKey: string;
  from: { email: string; name: string | undefined };
  apiBaseUrl: string | undefined;
  webhookPublicKey: string | undefined;
}

/** "Buurtwerk Noord <noreply@buurtwerk.nl>" or a bare address. */
export function parseMailbox(value: string): { email: string; name: string | undefined } | null {
  const m = /^\s*(?:"?([^"<]*?)"?\s*<([^<>\s]+@[^<>\s]+)>|([^<>\s]+@[^<>\s]+))\s*$/.exec(value);
  if (!m) return null;
  const email = m[2] ?? m[3]!;
  if (!z.email().safeParse(email).success) return null;
  return { email, name: m[1]?.trim() || undefined };
}

export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  publicBaseUrl: string;
  dataDir: string;
  store: 'sqlite' | 'mongo';
  mongodbUri: string | undefined;
  encryptionKeys: string | undefined;
  linkSigningKey: string | undefined;
  /** base64; keys the audit log's hash chain (HMAC-SHA256). */
  auditChainKey: string | undefined;
  formsDir: string;
  logLevel: string;
  defaultExpiryDays: number;
  trustProxy: number;
  rateLimitApiPerMinute: number;
  rateLimitPublicPerMinute: number;
  rateLimitAuthFailuresPerMinute: number;
  rateLimitHooksPerMinute: number;
  workerEnabled: boolean;
  workerPollMs: number;
  supportEmail: string | undefined;
  workerBatchSize: number;
  workerLeaseMs: number;
  providerTimeoutMs: number;
  reminders: { afterDays: number; automatic: number; max: number };
  /** null: SMS goes to the dev outbox (never in production). */
  twilio: TwilioConfig | null;
  /** null: e-mail goes to the dev outbox (never in production). */
  sendgrid: SendGridConfig | null;
  /** The organisation's PKCS#12 for sealing; null: a self-signed one in DATA_DIR (never in production). */
  signing: { p12Path: string; password: string } | null;
  tsa: { url: string; timeoutMs: number; attempts: number } | null;
  /** A PEM bundle of trusted TSA certificates (roots or the TSA's own); null: any TSA that passes the RFC 3161 checks. */
  tsaTrustedCertsPath: string | null;
  /** The dashboard's password hash cost: scrypt N = 2^this (14 to 20; 17 unless set, tests use 14). */
  staffPasswordScryptLog2N: number;
  /** Issue 13: webhook URLs (https only in production; internal addresses only with WEBHOOK_ALLOW_PRIVATE_URLS), timeout and endpoints per organisation. */
  webhooks: WebhookSettings;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Akkoord cannot start; the configuration has problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Config {
  // Empty strings in a .env file mean "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    // One list: the malformed values and, in production, what is missing besides.
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    if (cleaned.NODE_ENV === 'production') {
      for (const name of ['PUBLIC_BASE_URL', 'ENCRYPTION_KEYS', 'LINK_SIGNING_KEY', 'AUDIT_CHAIN_KEY', 'SIGNING_P12_PATH'] as const) {
        if (!cleaned[name] && !problems.some((p) => p.startsWith(`${name}:`))) problems.push(`${name} is required in production`);
      }
    }
    throw new ConfigError(problems);
  }
  const v = parsed.data;
  const problems: string[] = [];
  // Key formats are checked here too, so that a bad key is in the same list as everything else.
  if (v.ENCRYPTION_KEYS) {
    try {
      parseKeyRing(v.ENCRYPTION_KEYS);
    } catch (error) {
      problems.push(`ENCRYPTION_KEYS: ${(error as Error).message}`);
    }
  }
  if (v.LINK_SIGNING_KEY && Buffer.from(v.LINK_SIGNING_KEY, 'base64').length < 32) problems.push('LINK_SIGNING_KEY: must be base64 of at least 32 bytes');
  if (v.AUDIT_CHAIN_KEY && Buffer.from(v.AUDIT_CHAIN_KEY, 'base64').length < 32) problems.push('AUDIT_CHAIN_KEY: must be base64 of at least 32 bytes');
  if (v.NODE_ENV === 'production') {
    if (!v.PUBLIC_BASE_URL) problems.push('PUBLIC_BASE_URL is required in production (the https address people open links on)');
    else if (!v.PUBLIC_BASE_URL.startsWith('https://')) problems.push('PUBLIC_BASE_URL must start with https:// in production');
    if (!v.ENCRYPTION_KEYS) problems.push('ENCRYPTION_KEYS is required in production (e.g. k1:<base64 of 32 random bytes>)');
    if (!v.LINK_SIGNING_KEY) problems.push('LINK_SIGNING_KEY is required in production (base64 of at least 32 random bytes)');
    if (!v.AUDIT_CHAIN_KEY) problems.push('AUDIT_CHAIN_KEY is required in production (base64 of at least 32 random bytes, kept outside the database)');
  }
  // Base URL + "/c/" + a 46-character token must leave room for the text in one 160-character SMS.
  if (v.PUBLIC_BASE_URL && v.PUBLIC_BASE_URL.replace(/\/+$/, '').length > MAX_BASE_URL_LENGTH) {
    problems.push(`PUBLIC_BASE_URL may be at most ${MAX_BASE_URL_LENGTH} characters, so that a link fits in one SMS`);
  }
  if (v.STORE === 'mongo' && !v.MONGODB_URI) problems.push('MONGODB_URI is required when STORE=mongo');
  const twilio = twilioConfig(v, problems);
  const sendgrid = sendgridConfig(v, problems);
  if (v.NODE_ENV === 'production') {
    if (!twilio) problems.push('SMS has no provider: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM');
    if (!sendgrid) problems.push('E-mail has no provider: set SENDGRID_API_KEY and SENDGRID_FROM');
    if (sendgrid && !sendgrid.webhookPublicKey) problems.push('SENDGRID_WEBHOOK_PUBLIC_KEY is required in production (SendGrid event webhook verification key)');
  }
  if (v.SIGNING_P12_PATH && v.SIGNING_P12_PASSWORD === undefined) problems.push('SIGNING_P12_PASSWORD is required with SIGNING_P12_PATH');
  if (v.NODE_ENV === 'production' && !v.SIGNING_P12_PATH) problems.push('SIGNING_P12_PATH and SIGNING_P12_PASSWORD are required in production (the certificate that seals consent records)');
  if (v.REMINDER_AUTOMATIC > v.REMINDER_MAX) problems.push('REMINDER_AUTOMATIC may not be larger than REMINDER_MAX');
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: v.NODE_ENV,
    port: v.PORT,
    host: v.HOST,
    publicBaseUrl: (v.PUBLIC_BASE_URL ?? `http://localhost:${v.PORT}`).replace(/\/+$/, ''),
    dataDir: resolve(cwd, v.DATA_DIR),
    store: v.STORE,
    mongodbUri: v.MONGODB_URI,
    encryptionKeys: v.ENCRYPTION_KEYS,
    linkSigningKey: v.LINK_SIGNING_KEY,
    auditChainKey: v.AUDIT_CHAIN_KEY,
    formsDir: resolve(cwd, v.FORMS_DIR),
    logLevel: v.LOG_LEVEL,
    defaultExpiryDays: v.DEFAULT_EXPIRY_DAYS,
    trustProxy: v.TRUST_PROXY,
    rateLimitApiPerMinute: v.RATE_LIMIT_API_PER_MINUTE,
    rateLimitPublicPerMinute: v.RATE_LIMIT_PUBLIC_PER_MINUTE,
    rateLimitAuthFailuresPerMinute: v.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE,
    rateLimitHooksPerMinute: v.RATE_LIMIT_HOOKS_PER_MINUTE,
    workerEnabled: v.WORKER_ENABLED,
    workerPollMs: v.WORKER_POLL_MS,
    supportEmail: v.SUPPORT_EMAIL,
    workerBatchSize: v.WORKER_BATCH_SIZE,
    workerLeaseMs: v.WORKER_LEASE_MS,
    providerTimeoutMs: v.PROVIDER_TIMEOUT_MS,
    reminders: { afterDays: v.REMINDER_AFTER_DAYS, automatic: v.REMINDER_AUTOMATIC, max: v.REMINDER_MAX },
    twilio,
    sendgrid,
    signing: v.SIGNING_P12_PATH ? { p12Path: resolve(cwd, v.SIGNING_P12_PATH), password: v.SIGNING_P12_PASSWORD ?? '' } : null,
    tsa: v.TSA_URL ? { url: v.TSA_URL, timeoutMs: v.TSA_TIMEOUT_MS, attempts: 3 } : null,
    tsaTrustedCertsPath: v.TSA_TRUSTED_CERTS ? resolve(cwd, v.TSA_TRUSTED_CERTS) : null,
    staffPasswordScryptLog2N: v.STAFF_PASSWORD_SCRYPT_LOG2N,
    webhooks: {
      requireHttps: v.NODE_ENV === 'production', allowPrivateUrls: v.WEBHOOK_ALLOW_PRIVATE_URLS, timeoutMs: v.WEBHOOK_TIMEOUT_MS, maxEndpointsPerOrganisation: v.WEBHOOK_MAX_ENDPOINTS,
      ownOrigin: new URL(v.PUBLIC_BASE_URL ?? `http://localhost:${v.PORT}`).origin,
    },
  };
}

type Parsed = z.infer<typeof schema>;

/** All or nothing: a half-configured provider is an error that names what is missing. */
function twilioConfig(v: Parsed, problems: string[]): TwilioConfig | null {
  const any = v.TWILIO_ACCOUNT_SID || v.TWILIO_AUTH_TOKEN || v.TWILIO_MESSAGING_SERVICE_SID || v.TWILIO_FROM;
  if (!any) return null;
  const missing = [!v.TWILIO_ACCOUNT_SID && 'TWILIO_ACCOUNT_SID', !v.TWILIO_AUTH_TOKEN && 'TWILIO_AUTH_TOKEN', !v.TWILIO_MESSAGING_SERVICE_SID && !v.TWILIO_FROM && 'TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM'].filter(Boolean);
  if (missing.length > 0) {
    problems.push(`Twilio is partly configured; also set ${missing.join(', ')}`);
    return null;
  }
  return { accountSid: v.TWILIO_ACCOUNT_SID!, authToken: v.TWILIO_AUTH_TOKEN!, messagingServiceSid: v.TWILIO_MESSAGING_SERVICE_SID, from: v.TWILIO_FROM, apiBaseUrl: v.TWILIO_API_BASE_URL };
}

function sendgridConfig(v: Parsed, problems: string[]): SendGridConfig | null {
  if (!v.SENDGRID_API_KEY && !v.SENDGRID_FROM) return null;
  const missing = [!v.SENDGRID_API_KEY && 'SENDGRID_API_KEY', !v.SENDGRID_FROM && 'SENDGRID_FROM'].filter(Boolean);
  if (missing.length > 0) {
    problems.push(`SendGrid is partly configured; also set ${missing.join(', ')}`);
    return null;
  }
  const from = parseMailbox(v.SENDGRID_FROM!);
  if (!from) {
    problems.push('SENDGRID_FROM: use "Name <address@example.nl>" or a bare address');
    return null;
  }
  return { apiKey: v.SENDGRID_API_KEY!, from, apiBaseUrl: v.SENDGRID_API_BASE_URL, webhookPublicKey: v.SENDGRID_WEBHOOK_PUBLIC_KEY };
}
