/**
 * Receives Akkoord's webhooks on a local port and checks each one with the `standardwebhooks`
 * library (https://www.standardwebhooks.com), the same scheme Akkoord signs with:
 *
 *   webhook-id:        msg_…   the same on every retry of one event: use it to drop duplicates
 *   webhook-timestamp: seconds since 1970 of this attempt
 *   webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body" with the endpoint secret>
 *                      (during a secret rotation two signatures, space-separated: either may match)
 *
 * What it answers, and why:
 *   400  bad or missing signature, or a timestamp more than 5 minutes off (a replayed old
 *        delivery): never act on it. Akkoord retries real deliveries, so a 400 loses nothing.
 *   204  a verified event, at once, BEFORE any work: Akkoord waits at most 10 s and retries
 *        otherwise. Also for a duplicate (already seen webhook-id), so Akkoord stops retrying.
 *   404 / 405 / 413  another path, another method, a body over 1 MiB.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Webhook, WebhookVerificationError } from 'standardwebhooks';

import type { ConsentRequest } from './akkoord-api';

/** The webhook body: `type` is e.g. `consent_request.signed`, `data` the request as the API shows it. */
export interface WebhookEvent {
  type: string;
  timestamp: string;
  data: ConsentRequest;
}

export interface WebhookReceiverOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The path Akkoord posts to (the path of the public webhook URL). */
  path: string;
  /** Called once per verified, new event, after the 204 went out. */
  onEvent: (event: WebhookEvent, webhookId: string) => void;
  /** Called for a refused delivery, with the reason (no body, no secret). */
  onRejected?: (reason: string) => void;
}

/** The answer to one delivery, and the event to act on when it is a new, verified one. */
interface Outcome {
  status: number;
  reason?: string;
  event?: WebhookEvent;
  id?: string;
}

const MAX_BODY_BYTES = 1024 * 1024;
/** How many webhook-ids to remember. A real system keeps them in its database with a unique index. */
const REMEMBERED_IDS = 10_000;

export class WebhookReceiver {
  private verifier: Webhook | null = null;
  private readonly seen = new Set<string>();
  private readonly server: Server;

  constructor(private readonly options: WebhookReceiverOptions) {
    this.server = createServer((req, res) => {
      this.handle(req)
        .catch(() => ({ status: 500, reason: 'internal error' }) as Outcome)
        .then(({ status, reason, event, id }) => {
          res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(status === 204 ? undefined : `${reason ?? ''}\n`);
          if (reason && status === 400) this.options.onRejected?.(reason);
          if (event && id) this.options.onEvent(event, id);
        });
    });
  }

  /** The endpoint secret (`whsec_…`) to verify with. Set it before Akkoord starts delivering. */
  setSecret(secret: string): void {
    this.verifier = new Webhook(secret);
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<Outcome> {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== this.options.path) return drain(req, 404, 'not found');
    if (req.method !== 'POST') return drain(req, 405, 'method not allowed');
    const body = await readBody(req);
    if (body === null) return { status: 413, reason: 'body too large' };
    if (!this.verifier) return { status: 503, reason: 'not ready' };
    const headers = {
      'webhook-id': header(req, 'webhook-id'),
      'webhook-timestamp': header(req, 'webhook-timestamp'),
      'webhook-signature': header(req, 'webhook-signature'),
    };
    let event: WebhookEvent;
    try {
      // Verify the raw bytes exactly as received: parsing and re-serialising JSON changes them.
      event = this.verifier.verify(body, headers) as WebhookEvent;
    } catch (error) {
      if (error instanceof WebhookVerificationError || error instanceof SyntaxError) return { status: 400, reason: error.message };
      throw error;
    }
    const id = headers['webhook-id'];
    // Only after the signature holds: otherwise anyone could fill the list with ids to come.
    if (this.seen.has(id)) return { status: 204 };
    this.remember(id);
    return { status: 204, event, id };
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > REMEMBERED_IDS) this.seen.delete(this.seen.values().next().value!);
  }
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(' ') : (value ?? '');
}

/** The whole body, or null when it is larger than MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Read to the end even when too large (dropping the rest), so the 413 can still be answered.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_BODY_BYTES ? null : Buffer.concat(chunks);
}

async function drain(req: IncomingMessage, status: number, reason: string): Promise<Outcome> {
  req.resume();
  return { status, reason };
}
