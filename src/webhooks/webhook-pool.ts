import { setMaxListeners } from 'node:events';

import type { ClaimedWebhookDelivery } from './webhook-store';
import { attemptDelivery, dispatchWebhookEvents, type WebhookWorkerDeps } from './deliver-webhooks';
import { WebhookConnections } from './webhook-sender';

/** Every attempt in flight listens on the pool's one abort signal. */
function withoutListenerLimit(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal);
  return controller;
}

/** Attempts in flight at once per worker process, and to one endpoint over all workers, unless configured. */
export const DEFAULT_WEBHOOK_CONCURRENCY = 20;
export const DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT = 4;

export interface WebhookPoolOptions {
  /** How long a claimed delivery stays invisible to other workers. */
  leaseMs: number;
  /** How often an idle pool looks for new audit events and due deliveries. */
  pollMs: number;
}

/**
 * Webhook sending as its own part of the worker (issue 13): a bounded pool, apart from the
 * message pass, so a receiver that never answers holds only its own slots, never an SMS or e-mail
 * or another endpoint's deliveries. Whenever slots are free it turns new audit events into
 * deliveries (an indexed read when there are none) and claims due deliveries with a lease, at
 * most `concurrency` in flight in this process and `maxInFlightPerEndpoint` per endpoint (the
 * store counts every worker's leases). A finished attempt frees its slot and the pool claims
 * again at once; idle, it looks again every `pollMs`, or when the message pass nudges it.
 */
export class WebhookPool {
  private readonly concurrency: number;
  private readonly perEndpoint: number;
  /** While attempts are in flight, claim only when at least this many slots are free (a quarter of the pool). */
  private readonly minClaim: number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly connections: WebhookConnections;
  private abort = withoutListenerLimit(new AbortController());
  private started = false;
  private timer: NodeJS.Timeout | null = null;
  private pumping: Promise<void> | null = null;
  private again = false;
  private dispatching: Promise<number> | null = null;
  /** The next pump looks for events and due deliveries whatever the backlog (a poll or a nudge). */
  private lookWanted = true;
  /** The last claim got something: more may be due. */
  private backlog = false;
  private lastDispatch = 0;

  constructor(
    private readonly deps: WebhookWorkerDeps,
    private readonly options: WebhookPoolOptions,
  ) {
    this.concurrency = deps.webhooks.concurrency ?? DEFAULT_WEBHOOK_CONCURRENCY;
    this.perEndpoint = deps.webhooks.maxInFlightPerEndpoint ?? DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT;
    this.connections = new WebhookConnections(this.perEndpoint);
    this.minClaim = Math.max(1, Math.floor(this.concurrency / 4));
  }

  /** Attempts in flight in this process now. */
  get active(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.abort = withoutListenerLimit(new AbortController());
    this.schedule(0);
  }

  /** New audit events may be there (the message pass just sent): look now instead of at the next poll. */
  nudge(): void {
    this.lookWanted = true;
    this.schedule(0);
  }

  /**
   * One deterministic round (runOnce, tests, CLI): new events become deliveries, then due
   * deliveries are claimed and sent until none is due, awaiting each attempt. Works whether or not
   * the pool runs; returns events passed plus deliveries claimed.
   */
  async runRound(): Promise<number> {
    let handled = await this.dispatch();
    for (;;) {
      if (this.inFlight.size >= this.concurrency) {
        await Promise.race(this.inFlight);
        continue;
      }
      const claimed = await this.claim(this.concurrency - this.inFlight.size);
      if (claimed.length === 0) break;
      handled += claimed.length;
      await Promise.all(claimed.map((c) => this.launch(c)));
    }
    return handled;
  }

  /** Stops claiming, cuts off the attempts in flight (each is due again at once) and waits for them, then closes every kept-alive connection. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.pumping;
    await Promise.allSettled([...this.inFlight]);
    await this.dispatching?.catch(() => undefined);
    this.connections.close();
    this.abort = withoutListenerLimit(new AbortController());
  }

  private schedule(ms: number): void {
    if (!this.started) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (this.timer) {
      if (ms > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pumping = this.pump().finally(() => (this.pumping = null));
    }, ms);
  }

  /**
   * Looks for events and due deliveries only when there can be some: at each poll, after a nudge,
   * or while a backlog may be left (the last claim got something). A finished attempt with no
   * backlog costs no query: nothing new became due by it (a retry is due minutes later).
   */
  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        const now = Date.now();
        let dispatched = 0;
        if (this.lookWanted || now - this.lastDispatch >= this.options.pollMs) {
          this.lastDispatch = now;
          dispatched = await this.dispatch();
        }
        const free = this.concurrency - this.inFlight.size;
        if (!this.started) break;
        // Claim in batches: a claim reads every due delivery's index entry, so not one per finished attempt.
        if (free < this.minClaim && this.inFlight.size > 0) break;
        if (!this.backlog && !this.lookWanted && dispatched === 0) break;
        this.lookWanted = false;
        const claimed = await this.claim(free);
        // Anything claimed: more may be due (also behind an endpoint's cap), so finished attempts claim again; nothing: wait for a poll or a nudge.
        this.backlog = claimed.length > 0;
        for (const c of claimed) void this.launch(c);
      } while (this.again && this.started);
    } catch (error) {
      this.deps.logger.error({ err: error }, 'webhook pool round failed');
    }
    // A finished attempt (with a backlog) or a nudge calls again at once; otherwise look again after pollMs.
    this.pumping = null;
    const soon = this.again;
    this.again = false;
    if (!soon) this.lookWanted = true;
    this.schedule(soon ? 0 : this.options.pollMs);
  }

  /** One dispatcher at a time in this process (another would only lose the cursor race). */
  private dispatch(): Promise<number> {
    return (this.dispatching ??= dispatchWebhookEvents(this.deps).finally(() => (this.dispatching = null)));
  }

  private async claim(limit: number): Promise<ClaimedWebhookDelivery[]> {
    const now = this.deps.clock.now();
    return this.deps.store.claimWebhookDeliveries(now, new Date(now.getTime() + this.options.leaseMs), limit, this.perEndpoint);
  }

  private launch(claimed: ClaimedWebhookDelivery): Promise<void> {
    const running: Promise<void> = attemptDelivery(this.deps, claimed, { connections: this.connections, signal: this.abort.signal })
      .catch((error: unknown) => this.deps.logger.error({ err: error, deliveryId: claimed.delivery.id, endpointId: claimed.endpoint.id }, 'webhook attempt failed unexpectedly'))
      .finally(() => {
        this.inFlight.delete(running);
        if (this.backlog) this.schedule(0);
      });
    this.inFlight.add(running);
    return running;
  }
}
