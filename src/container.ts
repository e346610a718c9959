import pino, { type Logger } from 'pino';

import type { Config } from './config';
import { loadForms, type FormCatalog } from './consent/forms';
import { LinkTokens } from './consent/link-token';
import { DevOutbox } from './delivery/dev-outbox';
import { SendGridEmailSender } from './delivery/sendgrid-email-sender';
import type { EmailSender, SmsSender } from './delivery/senders';
import { TwilioSmsSender } from './delivery/twilio-sms-sender';
import { createMessageRenderer } from './delivery/message-templates';
import { AuditChainKey } from './evidence/audit-chain';
import { renderConsentPdf } from './evidence/render-consent-pdf';
import { renderPaperRecordPdf } from './evidence/render-paper-cover-pdf';
import { renderWithdrawalReceiptPdf } from './evidence/render-receipt-pdf';
import { buildApp } from './http/app';
import { flushAccessLog } from './http/access-log';
import type { StaffAuthSettings } from './dashboard/accounts';
import { StaffLookupKey } from './dashboard/lookup-key';
import { createViews, type Views } from './http/views';
import { Worker } from './jobs/worker';
import { loadOrCreateDevKeys } from './privacy/dev-keys';
import { FieldCipher, parseKeyRing } from './privacy/field-cipher';
import { checkAuditKey, checkKeyRing, type KeySource } from './privacy/key-check';
import { maskedError } from './privacy/log-masking';
import { systemClock, type Clock } from './shared/clock';
import { WorkLimit } from './shared/work-limit';
import { projectPath } from './shared/paths';
import { SqliteStore } from './storage/sqlite/sqlite-store';
import type { Store } from './storage/store';
import { ConfigError } from './config';
import type { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { PadesSealer } from './evidence/pades-sealer';
import { certificatesFromPemBundle } from './evidence/verify-timestamp-token';
import type { Sealer } from './evidence/sealer';
import { loadOrCreateDevSigningIdentity, loadSigningIdentity, type SigningIdentity } from './evidence/signing-identity';

/** The one place that picks adapters from config and builds the services. */
export interface Container {
  config: Config;
  logger: Logger;
  clock: Clock;
  store: Store;
  /** AUDIT_CHAIN_KEY: the store writes keyed links with it, `audit verify` checks them. */
  auditChain: AuditChainKey;
  forms: FormCatalog;
  views: Views;
  tokens: LinkTokens;
  app: ReturnType<typeof buildApp>;
  worker: Worker;
  /** Staff sign-in settings (the CLI's `user invite` uses them too). */
  staffAuth: StaffAuthSettings;
  /** Refuses (ConfigError) when the configured keys cannot open the stored data, or the audit key is not the one that sealed the audit log; see openContainer. */
  verifyKeys(): Promise<void>;
  close(): Promise<void>;
}

export interface ContainerOverrides {
  clock?: Clock;
  logger?: Logger;
  /** Tests share one signing identity: making a key pair per test app would cost a second each. */
  signingIdentity?: SigningIdentity;
  /** Tests put a sealer around the real one, e.g. to hold a seal open while something else runs. */
  wrapSealer?: (sealer: Sealer) => Sealer;
  /** The limit on scan work (tests fill it to see the refusal). */
  scanWork?: WorkLimit;
}

/** TSA_TRUSTED_CERTS: read once at start-up; an unreadable file or one without certificates stops the start. */
function loadTrustedTsaCertificates(config: Config): X509Certificate[] {
  if (!config.tsaTrustedCertsPath) return [];
  let certificates: X509Certificate[];
  try {
    certificates = certificatesFromPemBundle(readFileSync(config.tsaTrustedCertsPath, 'utf8'));
  } catch (error) {
    throw new ConfigError([`TSA_TRUSTED_CERTS: ${(error as Error).message}`]);
  }
  if (certificates.length === 0) throw new ConfigError(['TSA_TRUSTED_CERTS: the file holds no PEM certificate']);
  return certificates;
}

function buildSealer(config: Config, logger: Logger, identity: SigningIdentity | undefined, tsaTrusted: X509Certificate[]): PadesSealer {
  const tsa = config.tsa ? { ...config.tsa, trusted: tsaTrusted } : null;
  if (identity) return new PadesSealer(identity, tsa);
  if (config.signing) {
    try {
      return new PadesSealer(loadSigningIdentity(readFileSync(config.signing.p12Path), config.signing.password), tsa);
    } catch (error) {
      throw new ConfigError([`SIGNING_P12_PATH: ${(error as Error).message}`]);
    }
  }
  const dev = loadOrCreateDevSigningIdentity(config.dataDir, 'Akkoord');
  if (dev.created) logger.warn({ file: dev.file }, 'generated a self-signed development seal; set SIGNING_P12_PATH for real use');
  return new PadesSealer(dev.identity, tsa);
}

function resolveKeys(config: Config, logger: Logger): { ring: string; link: Buffer; audit: Buffer; source: KeySource } {
  let ring = config.encryptionKeys;
  let link = config.linkSigningKey;
  let audit = config.auditChainKey;
  let source: KeySource = { kind: 'env' };
  if ((!ring || !link || !audit) && config.env !== 'production') {
    const dev = loadOrCreateDevKeys(config.dataDir);
    if (dev.created) logger.warn({ file: dev.file }, 'generated development keys; set ENCRYPTION_KEYS, LINK_SIGNING_KEY and AUDIT_CHAIN_KEY for real use');
    else if (dev.added.length > 0) logger.warn({ file: dev.file, added: dev.added }, 'added missing development keys to the key file');
    if (!ring) source = { kind: 'dev-file', file: dev.file, created: dev.created };
    ring ??= dev.keys.encryptionKeys;
    link ??= dev.keys.linkSigningKey;
    audit ??= dev.keys.auditChainKey;
  }
  const problems: string[] = [];
  let linkKey = Buffer.alloc(0);
  try {
    parseKeyRing(ring ?? '');
  } catch (error) {
    problems.push(`ENCRYPTION_KEYS: ${(error as Error).message}`);
  }
  linkKey = Buffer.from(link ?? '', 'base64');
  if (linkKey.length < 32) problems.push('LINK_SIGNING_KEY: must be base64 of at least 32 bytes');
  const auditKey = Buffer.from(audit ?? '', 'base64');
  if (auditKey.length < 32) problems.push('AUDIT_CHAIN_KEY: must be base64 of at least 32 bytes');
  if (problems.length > 0) throw new ConfigError(problems);
  return { ring: ring!, link: linkKey, audit: auditKey, source };
}

export function buildStore(config: Config, cipher: FieldCipher, auditChain: AuditChainKey): Store {
  if (config.store === 'mongo') throw new ConfigError(['STORE=mongo: the MongoDB adapter is not part of this build yet; use STORE=sqlite']);
  return new SqliteStore({ file: storeFile(config), cipher, auditChain });
}

const storeFile = (config: Config): string => join(config.dataDir, 'akkoord.db');

/**
 * The container, once the configured encryption keys are known to open the stored data; every
 * entry point (server, worker, CLI) starts through here, so none serves or changes data with the
 * wrong keys (privacy/key-check.ts).
 */
export async function openContainer(config: Config, overrides: ContainerOverrides = {}): Promise<Container> {
  const container = buildContainer(config, overrides);
  try {
    await container.verifyKeys();
  } catch (error) {
    await container.close();
    throw error;
  }
  return container;
}

/** Log lines waiting for stdout are held up to this many bytes (16 MiB); beyond it new lines are dropped and counted. */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

/**
 * JSON lines on stdout, written in batches: a synchronous write per line costs a system call on
 * every request (the access log), which is most of a status lookup's budget. Lines are buffered up
 * to 4 KB and flushed at least every 250 ms, and synchronously when the process exits; a hard
 * crash (kill -9, power loss) can lose at most that last quarter second of lines. Memory is
 * bounded: when stdout does not keep up and LOG_BUFFER_MAX_BYTES are waiting, new lines are
 * dropped (a request never waits for the log); once the output has caught up, one warn line says
 * how many (`droppedLines`).
 */
export function buildLogger(level: string): Logger {
  const destination = pino.destination({ dest: 1, minLength: 4096, maxLength: LOG_BUFFER_MAX_BYTES, sync: false });
  let dropped = 0;
  destination.on('drop', (data: unknown) => {
    const text = String(data);
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) dropped += 1;
  });
  // 'drain': what was waiting has been written (at most 4 KB is left), so the notice has room.
  destination.on('drain', () => {
    if (dropped === 0) return;
    const droppedLines = dropped;
    dropped = 0;
    logger.warn({ droppedLines }, 'log lines dropped: the log output did not keep up');
  });
  const timer = setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Not ready yet or already closed: the next tick or the exit flush writes it.
    }
  }, 250);
  timer.unref();
  // Error texts can quote a URL or a parameter: credentials in them are masked (privacy/log-masking.ts).
  const logger = pino({ level, base: { service: 'akkoord' }, redact: ['req.headers.authorization', 'req.headers.cookie'], serializers: { err: maskedError } }, destination);
  return logger;
}

export function buildContainer(config: Config, overrides: ContainerOverrides = {}): Container {
  const logger = overrides.logger ?? buildLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const trustedTsaCertificates = loadTrustedTsaCertificates(config);
  const forms = loadForms(config.formsDir);
  const keys = resolveKeys(config, logger);
  const ring = parseKeyRing(keys.ring);
  const cipher = new FieldCipher(ring);
  const auditChain = AuditChainKey.from(keys.audit);
  const store = buildStore(config, cipher, auditChain);
  const tokens = new LinkTokens(keys.link);
  const views = createViews(projectPath('templates'));
  const messages = createMessageRenderer(projectPath('templates'));
  const padesSealer = buildSealer(config, logger, overrides.signingIdentity, trustedTsaCertificates);
  const sealer = overrides.wrapSealer ? overrides.wrapSealer(padesSealer) : padesSealer;
  const trustedCertificatePems = () => [padesSealer.identity.certificatePem];
  const devOutbox = new DevOutbox({ store, clock });
  const staffAuth: StaffAuthSettings = { lookup: StaffLookupKey.derive(keys.audit), scryptLog2N: config.staffPasswordScryptLog2N };
  // A channel without a provider uses the dev outbox; loadConfig refuses that in production.
  const sms: SmsSender = config.twilio ? new TwilioSmsSender(config.twilio, config.publicBaseUrl, config.providerTimeoutMs) : devOutbox;
  const email: EmailSender = config.sendgrid ? new SendGridEmailSender(config.sendgrid, config.providerTimeoutMs) : devOutbox;
  const app = buildApp({
    store,
    forms,
    tokens,
    clock,
    views,
    logger,
    publicBaseUrl: config.publicBaseUrl,
    defaultExpiryDays: config.defaultExpiryDays,
    renderPdf: renderConsentPdf,
    renderReceiptPdf: renderWithdrawalReceiptPdf,
    renderPaperRecordPdf,
    // Two scans at once (two cores; a 50-megapixel decode takes ~200 MB), eight more may wait.
    scanWork: overrides.scanWork ?? new WorkLimit(2, 8),
    auditChain,
    sealer,
    trustedCertificatePems,
    trustedTsaCertificates,
    devOutboxEnabled: config.env !== 'production' && (!config.twilio || !config.sendgrid),
    reminderDefaults: config.reminders,
    twilio: config.twilio,
    sendgrid: config.sendgrid,
    trustProxy: config.trustProxy,
    rateLimitApiPerMinute: config.rateLimitApiPerMinute,
    rateLimitPublicPerMinute: config.rateLimitPublicPerMinute,
    rateLimitAuthFailuresPerMinute: config.rateLimitAuthFailuresPerMinute,
    rateLimitHooksPerMinute: config.rateLimitHooksPerMinute,
    staffAuth,
    webhooks: config.webhooks,
  });
  const worker = new Worker(
    {
      store, clock, logger, sms, email, messages, supportEmail: config.supportEmail, sealer, webhooks: config.webhooks,
      bulk: { forms, tokens, publicBaseUrl: config.publicBaseUrl, defaultExpiryDays: config.defaultExpiryDays, reminderDefaults: config.reminders },
    },
    { pollMs: config.workerPollMs, leaseMs: config.workerLeaseMs, batchSize: config.workerBatchSize },
  );
  return {
    config,
    logger,
    clock,
    store,
    auditChain,
    forms,
    views,
    tokens,
    app,
    worker,
    staffAuth,
    verifyKeys: async () => {
      const problems = await checkKeyRing({ store, cipher, ring, clock, source: keys.source, storeName: storeFile(config) });
      problems.push(...(await checkAuditKey({ store, key: auditChain, clock, storeName: storeFile(config), record: problems.length === 0 })));
      if (problems.length === 0) return;
      // Keys made just now for a store that holds data are useless; the next start says the same.
      if (keys.source.kind === 'dev-file' && keys.source.created) rmSync(keys.source.file, { force: true });
      throw new ConfigError(problems);
    },
    close: async () => {
      await worker.stop();
      await store.close();
      flushAccessLog(logger);
    },
  };
}
