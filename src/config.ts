import { resolve } from 'node:path';
import { z } from 'zod';

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
  FORMS_DIR: z.string().default('consent-forms'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEFAULT_EXPIRY_DAYS: positiveInt(14).pipe(z.number().max(365)),
  TRUST_PROXY: z.coerce.number().int().min(0).default(0),
  RATE_LIMIT_API_PER_MINUTE: positiveInt(1200),
  RATE_LIMIT_PUBLIC_PER_MINUTE: positiveInt(60),
  WORKER_ENABLED: bool.default(true),
  WORKER_POLL_MS: positiveInt(500),
  SUPPORT_EMAIL: z.email().optional(),
});

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
  formsDir: string;
  logLevel: string;
  defaultExpiryDays: number;
  trustProxy: number;
  rateLimitApiPerMinute: number;
  rateLimitPublicPerMinute: number;
  workerEnabled: boolean;
  workerPollMs: number;
  supportEmail: string | undefined;
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
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const v = parsed.data;
  const problems: string[] = [];
  if (v.NODE_ENV === 'production') {
    if (!v.PUBLIC_BASE_URL) problems.push('PUBLIC_BASE_URL is required in production (the https address people open links on)');
    else if (!v.PUBLIC_BASE_URL.startsWith('https://')) problems.push('PUBLIC_BASE_URL must start with https:// in production');
    if (!v.ENCRYPTION_KEYS) problems.push('ENCRYPTION_KEYS is required in production (e.g. k1:<base64 of 32 random bytes>)');
    if (!v.LINK_SIGNING_KEY) problems.push('LINK_SIGNING_KEY is required in production (base64 of at least 32 random bytes)');
  }
  if (v.STORE === 'mongo' && !v.MONGODB_URI) problems.push('MONGODB_URI is required when STORE=mongo');
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
    formsDir: resolve(cwd, v.FORMS_DIR),
    logLevel: v.LOG_LEVEL,
    defaultExpiryDays: v.DEFAULT_EXPIRY_DAYS,
    trustProxy: v.TRUST_PROXY,
    rateLimitApiPerMinute: v.RATE_LIMIT_API_PER_MINUTE,
    rateLimitPublicPerMinute: v.RATE_LIMIT_PUBLIC_PER_MINUTE,
    workerEnabled: v.WORKER_ENABLED,
    workerPollMs: v.WORKER_POLL_MS,
    supportEmail: v.SUPPORT_EMAIL,
  };
}
