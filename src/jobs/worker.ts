import type { Logger } from 'pino';

import { expireDueRequests } from '../consent/cancel-consent';
import type { RequestConsentDeps } from '../consent/request-consent';
import { sendBulkRows } from '../dashboard/bulk-requests';
import type { Clock } from '../shared/clock';
import type { Store } from '../storage/store';
import type { Sealer } from '../evidence/sealer';
import { lifecycleJob, runLifecycle } from './lifecycle';
import { pruneRecords, pruneRecordsJob } from './prune-records';
import { retryTimestamps, retryTimestampsJob } from './retry-timestamps';
import { sendConsentMessage, type SendMessageDeps } from './send-consent-message';
import { dispatchWebhookEvents, pruneWebhookDeliveries, sendDueWebhooks } from '../webhooks/deliver-webhooks';
import type { WebhookSettings } from '../webhooks/webhook-endpoints';

export interface WorkerOptions {
  /** How often records sealed without a time-stamp are retried. */
  timestampRetryMs?: number;
  pollMs: number;
  /** How long a claimed message stays invisible to other workers (visibility timeout). */
  leaseMs: number;
  batchSize: number;
}

/**
 * Claims due outbox messages with a lease and sends them; also expires overdue requests. Several
 * workers (in-process or `npm run worker`) can run side by side: a leased message is invisible to
 * the others until its lease runs out, so a crash between claim and send means a retry, not a loss.
 */
export class Worker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private lastTimestampRetry = 0;
  private lastPrune = 0;
  private lastLifecycle = 0;

  constructor(
    /** `bulk`: what making a request needs, for the lists confirmed on the dashboard (absent: none are made). */
    private readonly deps: SendMessageDeps & { store: Store; clock: Clock; logger: Logger; sealer: Sealer; bulk?: Omit<RequestConsentDeps, 'store' | 'clock'>; webhooks?: WebhookSettings },
    private readonly options: WorkerOptions,
  ) {}

  /** One pass: returns the number of messages handled. */
  async runOnce(): Promise<number> {
    const { store, clock } = this.deps;
    await expireDueRequests({ store, clock });
    const now = clock.now();
    if (now.getTime() - this.lastTimestampRetry >= (this.options.timestampRetryMs ?? retryTimestampsJob.everyMs)) {
      this.lastTimestampRetry = now.getTime();
      await retryTimestamps(this.deps);
    }
    if (now.getTime() - this.lastPrune >= pruneRecordsJob.everyMs) {
      this.lastPrune = now.getTime();
      await pruneRecords({ store, clock });
      if (this.deps.webhooks) await pruneWebhookDeliveries({ store, clock });
    }
    // Lists confirmed on the dashboard: a few rows per pass, so their invites go out in this same pass.
    const bulkRows = this.deps.bulk ? await sendBulkRows({ ...this.deps.bulk, store, clock }) : 0;
    const claimAt = bulkRows > 0 ? clock.now() : now;
    const batch = await store.claimMessages(claimAt, new Date(claimAt.getTime() + this.options.leaseMs), this.options.batchSize);
    await Promise.all(batch.map((m) => sendConsentMessage(this.deps, m)));
    const webhooks = await this.runWebhooks();
    // Turning 16, renewal and lapse (issue 12): at most once an hour; its invites go in the next pass.
    if (this.deps.bulk && now.getTime() - this.lastLifecycle >= lifecycleJob.everyMs) {
      this.lastLifecycle = now.getTime();
      await runLifecycle({ ...this.deps.bulk, store, clock, logger: this.deps.logger });
    }
    return batch.length + bulkRows + webhooks;
  }

  /**
   * Webhooks (issue 13), in the same pass as the messages: new audit events become deliveries
   * (one transaction with the cursor), then due deliveries are claimed with a lease and sent.
   */
  private async runWebhooks(): Promise<number> {
    const { webhooks } = this.deps;
    if (!webhooks) return 0;
    const deps = { ...this.deps, webhooks };
    const dispatched = await dispatchWebhookEvents(deps);
    return dispatched + (await sendDueWebhooks(deps, this.options.leaseMs, this.options.batchSize));
  }

  start(): void {
    this.stopped = false;
    const tick = async (): Promise<void> => {
      this.timer = null;
      let handled = 0;
      try {
        this.running = this.runOnce().then((n) => void (handled = n));
        await this.running;
      } catch (error) {
        this.deps.logger.error({ err: error }, 'worker pass failed');
      } finally {
        this.running = null;
      }
      // A full batch means more may be waiting: go again at once.
      if (!this.stopped) this.timer = setTimeout(() => void tick(), handled >= this.options.batchSize ? 0 : this.options.pollMs);
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  /** Stops polling and waits for the pass in progress, so nothing is left half-sent at shutdown. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await this.running.catch(() => undefined);
  }
}
