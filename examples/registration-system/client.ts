/**
 * A registration system's side of Akkoord, as small as it gets (see README.md beside this file):
 *
 *   1. listen for webhooks on a local port;
 *   2. register that URL with Akkoord once, or reuse the endpoint registered before (its secret is
 *      shown only once, so it is kept in a local file readable by this user only);
 *   3. ask consent for one (synthetic) person, with an Idempotency-Key so a retry cannot send a
 *      second link;
 *   4. for every verified webhook print one line, after reading the person's current consent
 *      status back from the API: a webhook says "something changed", the API says what holds now
 *      (deliveries can arrive late, twice or out of order; the status read is always current).
 *
 *   node -r ./test/helpers/ts-register.js examples/registration-system/client.ts [--reference REG-1042 …]
 *   npm run example:registration -- [--reference REG-1042 …]
 *
 * Talks HTTP only: nothing from Akkoord's own code is imported.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { AkkoordApi, type ConsentRequestBody, type SubjectConsent } from './akkoord-api';
import { WebhookReceiver, type WebhookEvent } from './webhook-receiver';

/** The request's status changes this client wants to hear about (all of them). */
export const EVENTS = [
  'consent_request.sent',
  'consent_request.delivered',
  'consent_request.opened',
  'consent_request.signed',
  'consent_request.declined',
  'consent_request.expired',
  'consent_request.cancelled',
  'consent_request.withdrawn',
  'consent_request.failed',
];

export interface ClientOptions {
  /** Where Akkoord runs, e.g. http://localhost:3000 (AKKOORD_URL). */
  akkoordUrl: string;
  /** An API key of the organisation (AKKOORD_API_KEY). */
  apiKey: string;
  /** Where this client listens for webhooks (LISTEN_HOST, LISTEN_PORT; port 0 picks a free one). */
  listenHost: string;
  listenPort: number;
  /**
   * The URL Akkoord posts webhooks to (PUBLIC_WEBHOOK_URL): a tunnel or proxy in front of this
   * port. Absent: http://<listen host>:<port>/webhooks/akkoord, which Akkoord reaches only when it
   * runs on the same machine with private addresses allowed for webhooks (development).
   */
  publicWebhookUrl?: string;
  /** Where the endpoint id and secret are kept between runs (WEBHOOK_STATE_FILE), written with mode 0600. */
  stateFile: string;
  /** The consent request to create; null only listens. */
  request: ConsentRequestBody | null;
  /** Absent: derived from the body, so running again with the same person replays the first answer. */
  idempotencyKey?: string;
  /** Where the lines go (stdout when run from the command line). */
  print: (line: string) => void;
}

export interface RunningClient {
  /** The port the webhook receiver listens on. */
  port: number;
  webhookUrl: string;
  endpointId: string;
  /** The consent request created (or replayed), or null when only listening. */
  requestId: string | null;
  /** Resolves when the lines for the webhooks received so far are printed. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface SavedEndpoint {
  endpointId: string;
  url: string;
  secret: string;
}

export async function runClient(options: ClientOptions): Promise<RunningClient> {
  const api = new AkkoordApi(options.akkoordUrl, options.apiKey);
  const defaultPath = '/webhooks/akkoord';
  const path = options.publicWebhookUrl ? new URL(options.publicWebhookUrl).pathname : defaultPath;

  // Handle one event at a time, in arrival order, so the lines never interleave.
  let queue: Promise<void> = Promise.resolve();
  const receiver = new WebhookReceiver({
    host: options.listenHost,
    port: options.listenPort,
    path,
    onEvent: (event) => {
      queue = queue.then(() => report(api, event, options.print)).catch((error: unknown) => options.print(`! could not read the status: ${String((error as Error).message)}`));
    },
    onRejected: (reason) => options.print(`! webhook refused (400): ${reason}`),
  });
  const port = await receiver.listen();
  try {
    const webhookUrl = options.publicWebhookUrl ?? `http://${options.listenHost}:${port}${defaultPath}`;
    const endpoint = await ensureEndpoint(api, webhookUrl, options.stateFile);
    receiver.setSecret(endpoint.secret);
    options.print(`webhook endpoint ${endpoint.endpointId} ${endpoint.reenabled ? 'reused (it was disabled; enabled again)' : endpoint.reused ? 'reused' : 'registered'}: ${webhookUrl}`);

    let requestId: string | null = null;
    if (options.request) {
      const key = options.idempotencyKey ?? idempotencyKeyFor(options.request);
      const { request, replayed } = await api.createConsentRequest(options.request, key);
      requestId = request.id;
      options.print(`consent request ${request.id} ${replayed ? 'already created (same Idempotency-Key)' : 'created'}: subject=${request.subject.reference} form=${request.formId} status=${request.status}`);
    }
    return {
      port,
      webhookUrl,
      endpointId: endpoint.endpointId,
      requestId,
      idle: () => queue,
      close: async () => {
        await receiver.close();
        await queue;
      },
    };
  } catch (error) {
    await receiver.close();
    throw error;
  }
}

/** One line per change: what happened, to which request and person, and what holds now. */
async function report(api: AkkoordApi, event: WebhookEvent, print: (line: string) => void): Promise<void> {
  const reference = event.data.subject.reference;
  const status: SubjectConsent = await api.getSubjectConsent(reference);
  const granted = status.purposes.filter((p) => p.granted).map((p) => p.purposeId);
  print(`${event.type} ${event.data.id} subject=${reference} status=${event.data.status} mayRegister=${status.mayRegister} granted=${granted.length > 0 ? granted.join(',') : '-'}`);
}

/**
 * Reuses the endpoint saved in the state file when Akkoord still has it for the same URL (and
 * enables it again if Akkoord disabled it); otherwise registers a new one and saves its secret. An endpoint for this URL whose secret we
 * no longer have is deleted: its deliveries could never be verified.
 */
async function ensureEndpoint(api: AkkoordApi, url: string, stateFile: string): Promise<SavedEndpoint & { reused: boolean; reenabled: boolean }> {
  const saved = readSaved(stateFile);
  const existing = await api.listWebhookEndpoints();
  const kept = saved && saved.url === url ? existing.find((e) => e.id === saved.endpointId && e.url === url) : undefined;
  if (saved && kept) {
    // Down for 3 days (every attempt failed)? Akkoord disabled it: switch it on again now that we listen.
    if (kept.status === 'disabled') await api.enableWebhookEndpoint(kept.id);
    return { ...saved, reused: true, reenabled: kept.status === 'disabled' };
  }
  for (const stale of existing.filter((e) => e.url === url)) await api.deleteWebhookEndpoint(stale.id);
  const created = await api.createWebhookEndpoint(url, EVENTS);
  const fresh: SavedEndpoint = { endpointId: created.id, url: created.url, secret: created.secret };
  writeFileSync(stateFile, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600 });
  chmodSync(stateFile, 0o600); // `mode` applies only when the file is new
  return { ...fresh, reused: false, reenabled: false };
}

function readSaved(stateFile: string): SavedEndpoint | null {
  if (!existsSync(stateFile)) return null;
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as SavedEndpoint;
  } catch {
    return null;
  }
}

/**
 * The same person and form give the same key, so running the client again within 24 hours shows
 * the request made the first time instead of sending the parent a second link. A real system
 * stores a random key with its pending action and sends that one on every retry.
 */
function idempotencyKeyFor(body: ConsentRequestBody): string {
  return `example-${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 32)}`;
}

/** The date `years` years before today, as YYYY-MM-DD: a synthetic child of that age. */
function bornYearsAgo(years: number): string {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d.toISOString().slice(0, 10);
}

/** The person and form from the command line; every value is synthetic by default. */
export function requestFromArgs(args: string[]): ConsentRequestBody | null {
  const { values } = parseArgs({
    args,
    options: {
      form: { type: 'string', default: 'activiteit-onder-16' },
      reference: { type: 'string', default: 'REG-1042' },
      'first-name': { type: 'string', default: 'Sam' },
      'last-name': { type: 'string', default: 'de Vries' },
      born: { type: 'string', default: bornYearsAgo(10) },
      'recipient-name': { type: 'string', default: 'Ans de Vries' },
      email: { type: 'string' },
      phone: { type: 'string' },
      language: { type: 'string', default: 'nl' },
      'listen-only': { type: 'boolean', default: false },
    },
  });
  if (values['listen-only']) return null;
  const language = values.language === 'en' ? 'en' : 'nl';
  const recipient: ConsentRequestBody['recipient'] = values.phone
    ? { name: values['recipient-name'], channel: 'sms', phone: values.phone, language }
    : { name: values['recipient-name'], channel: 'email', email: values.email ?? 'ouder@example.nl', language };
  return {
    formId: values.form,
    subject: { reference: values.reference, firstName: values['first-name'], lastName: values['last-name'], dateOfBirth: values.born },
    recipient,
  };
}

/** Reads the settings from the environment; names what is missing. */
export function optionsFromEnv(env: NodeJS.ProcessEnv, args: string[], print: (line: string) => void): ClientOptions {
  const missing = ['AKKOORD_URL', 'AKKOORD_API_KEY'].filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`set ${missing.join(' and ')} (see examples/registration-system/README.md)`);
  return {
    akkoordUrl: env.AKKOORD_URL!,
    apiKey: env.AKKOORD_API_KEY!,
    listenHost: env.LISTEN_HOST ?? '127.0.0.1',
    listenPort: Number(env.LISTEN_PORT ?? 4000),
    publicWebhookUrl: env.PUBLIC_WEBHOOK_URL || undefined,
    stateFile: env.WEBHOOK_STATE_FILE ?? '.akkoord-webhook.json',
    request: requestFromArgs(args),
    print,
  };
}

async function main(): Promise<void> {
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const client = await runClient(optionsFromEnv(process.env, process.argv.slice(2), print));
  print(`listening on port ${client.port}; Ctrl-C stops`);
  const stop = () => {
    void client.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String((error as Error).message ?? error)}\n`);
    process.exit(1);
  });
}
