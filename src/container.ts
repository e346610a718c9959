import pino, { type Logger } from 'pino';

import type { Config } from './config';
import { loadForms, type FormCatalog } from './consent/forms';
import { LinkTokens } from './consent/link-token';
import { DevOutbox } from './delivery/dev-outbox';
import { SendGridEmailSender } from './delivery/sendgrid-email-sender';
import type { EmailSender, SmsSender } from './delivery/senders';
import { TwilioSmsSender } from './delivery/twilio-sms-sender';
import { createMessageRenderer } from './delivery/message-templates';
import { renderConsentPdf } from './evidence/render-consent-pdf';
import { renderPaperRecordPdf } from './evidence/render-paper-cover-pdf';
import { renderWithdrawalReceiptPdf } from './evidence/render-receipt-pdf';
import { buildApp } from './http/app';
import { createViews, type Views } from './http/views';
import { Worker } from './jobs/worker';
import { loadOrCreateDevKeys } from './privacy/dev-keys';
import { FieldCipher, parseKeyRing } from './privacy/field-cipher';
import { systemClock, type Clock } from './shared/clock';
import { projectPath } from './shared/paths';
import { SqliteStore } from './storage/sqlite/sqlite-store';
import type { Store } from './storage/store';
import { ConfigError } from './config';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PadesSealer } from './evidence/pades-sealer';
import type { Sealer } from './evidence/sealer';
import { loadOrCreateDevSigningIdentity, loadSigningIdentity, type SigningIdentity } from './evidence/signing-identity';

/** The one place that picks adapters from config and builds the services. */
export interface Container {
  config: Config;
  logger: Logger;
  clock: Clock;
  store: Store;
  forms: FormCatalog;
  views: Views;
  tokens: LinkTokens;
  app: ReturnType<typeof buildApp>;
  worker: Worker;
  close(): Promise<void>;
}

export interface ContainerOverrides {
  clock?: Clock;
  logger?: Logger;
  /** Tests share one signing identity: making a key pair per test app would cost a second each. */
  signingIdentity?: SigningIdentity;
  /** Tests put a sealer around the real one, e.g. to hold a seal open while something else runs. */
  wrapSealer?: (sealer: Sealer) => Sealer;
}

function buildSealer(config: Config, logger: Logger, identity: SigningIdentity | undefined): PadesSealer {
  if (identity) return new PadesSealer(identity, config.tsa);
  if (config.signing) {
    try {
      return new PadesSealer(loadSigningIdentity(readFileSync(config.signing.p12Path), config.signing.password), config.tsa);
    } catch (error) {
      throw new ConfigError([`SIGNING_P12_PATH: ${(error as Error).message}`]);
    }
  }
  const dev = loadOrCreateDevSigningIdentity(config.dataDir, 'Akkoord');
  if (dev.created) logger.warn({ file: dev.file }, 'generated a self-signed development seal; set SIGNING_P12_PATH for real use');
  return new PadesSealer(dev.identity, config.tsa);
}

function resolveKeys(config: Config, logger: Logger): { ring: string; link: Buffer } {
  let ring = config.encryptionKeys;
  let link = config.linkSigningKey;
  if ((!ring || !link) && config.env !== 'production') {
    const dev = loadOrCreateDevKeys(config.dataDir);
    if (dev.created) logger.warn({ file: dev.file }, 'generated development keys; set ENCRYPTION_KEYS and LINK_SIGNING_KEY for real use');
    ring ??= dev.keys.encryptionKeys;
    link ??= dev.keys.linkSigningKey;
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
  if (problems.length > 0) throw new ConfigError(problems);
  return { ring: ring!, link: linkKey };
}

export function buildStore(config: Config, cipher: FieldCipher): Store {
  if (config.store === 'mongo') throw new ConfigError(['STORE=mongo: the MongoDB adapter is not part of this build yet; use STORE=sqlite']);
  return new SqliteStore({ file: join(config.dataDir, 'akkoord.db'), cipher });
}

/**
 * JSON lines on stdout, written in batches: a synchronous write per line costs a system call on
 * every request (the access log), which is most of a status lookup's budget. Lines are buffered up
 * to 4 KB and flushed at least every 250 ms, and synchronously when the process exits; a hard
 * crash (kill -9, power loss) can lose at most that last quarter second of lines.
 */
export function buildLogger(level: string): Logger {
  const destination = pino.destination({ dest: 1, minLength: 4096, sync: false });
  const timer = setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Not ready yet or already closed: the next tick or the exit flush writes it.
    }
  }, 250);
  timer.unref();
  return pino({ level, base: { service: 'akkoord' }, redact: ['req.headers.authorization', 'req.headers.cookie'] }, destination);
}

export function buildContainer(config: Config, overrides: ContainerOverrides = {}): Container {
  const logger = overrides.logger ?? buildLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const forms = loadForms(config.formsDir);
  const keys = resolveKeys(config, logger);
  const cipher = new FieldCipher(parseKeyRing(keys.ring));
  const store = buildStore(config, cipher);
  const tokens = new LinkTokens(keys.link);
  const views = createViews(projectPath('templates'));
  const messages = createMessageRenderer(projectPath('templates'));
  const padesSealer = buildSealer(config, logger, overrides.signingIdentity);
  const sealer = overrides.wrapSealer ? overrides.wrapSealer(padesSealer) : padesSealer;
  const trustedCertificatePems = () => [padesSealer.identity.certificatePem];
  const devOutbox = new DevOutbox({ store, clock });
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
    sealer,
    trustedCertificatePems,
    devOutboxEnabled: config.env !== 'production' && (!config.twilio || !config.sendgrid),
    reminderDefaults: config.reminders,
    twilio: config.twilio,
    sendgrid: config.sendgrid,
    trustProxy: config.trustProxy,
    rateLimitApiPerMinute: config.rateLimitApiPerMinute,
    rateLimitPublicPerMinute: config.rateLimitPublicPerMinute,
  });
  const worker = new Worker(
    { store, clock, logger, sms, email, messages, supportEmail: config.supportEmail, sealer },
    { pollMs: config.workerPollMs, leaseMs: config.workerLeaseMs, batchSize: config.workerBatchSize },
  );
  return {
    config,
    logger,
    clock,
    store,
    forms,
    views,
    tokens,
    app,
    worker,
    close: async () => {
      await worker.stop();
      await store.close();
    },
  };
}
