import { Webhook } from 'standardwebhooks';

import { startLoopbackServer, waitForCount, type FakeResponse, type IncomingCall } from './loopback-http';

/**
 * A registration system's webhook receiver on 127.0.0.1 (issue 13): records every POST, answers
 * 204 unless told otherwise (`answerNext`, `answerAll`), and can hold an answer back until the
 * test releases it (`holdNext`: a receiver that never answers, without a sleep). The service must
 * run with WEBHOOK_ALLOW_PRIVATE_URLS=true to reach it.
 */
export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  /** The raw body, exactly as received (what the signature covers). */
  body: string;
  /** Parsed body: `{type, timestamp, data}`. */
  json: { type: string; timestamp: string; data: Record<string, unknown> & { id: string; status: string } };
  headers: IncomingCall['headers'];
  path: string;
}

export interface WebhookReceiver {
  /** Base URL, e.g. http://127.0.0.1:40123; the hooks arrive on any path under it. */
  url: string;
  received: ReceivedWebhook[];
  /** The next `count` calls get this answer (in order), then the default again. */
  answerNext(answer: FakeResponse, count?: number): void;
  /** Every call from now on gets this answer (null: back to 204). */
  answerAll(answer: FakeResponse | null): void;
  /** The next call is held without an answer until the returned function is called (it releases every held call) or the server closes. */
  holdNext(): () => void;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  /**
   * Verifies one received webhook with the independent `standardwebhooks` library; throws when it
   * does not verify. `now`: the receiver's clock (the library reads Date.now, which is set to it
   * for this call only); absent: the real time.
   */
  verify(secret: string, hook: ReceivedWebhook, now?: Date): unknown;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const scripted: FakeResponse[] = [];
  let holdCount = 0;
  const held: (() => void)[] = [];
  let always: FakeResponse | null = null;
  const server = await startLoopbackServer(async (call) => {
    const body = call.body.toString('utf8');
    const header = (name: string) => String(call.headers[name] ?? '');
    let json: ReceivedWebhook['json'];
    try {
      json = JSON.parse(body) as ReceivedWebhook['json'];
    } catch {
      json = { type: '', timestamp: '', data: { id: '', status: '' } };
    }
    received.push({ id: header('webhook-id'), timestamp: header('webhook-timestamp'), signature: header('webhook-signature'), body, json, headers: call.headers, path: call.path });
    if (holdCount > 0) {
      holdCount -= 1;
      await new Promise<void>((resolve) => held.push(resolve));
    }
    return scripted.shift() ?? always ?? { status: 204 };
  });
  return {
    url: server.url,
    received,
    answerNext(answer, count = 1) {
      for (let i = 0; i < count; i++) scripted.push(answer);
    },
    answerAll(answer) {
      always = answer;
    },
    holdNext() {
      holdCount += 1;
      return () => {
        for (const release of held.splice(0)) release();
      };
    },
    waitFor: (count, timeoutMs = 5_000) => waitForCount(() => received, count, timeoutMs, 'webhooks'),
    verify(secret, hook, now) {
      const realNow = Date.now;
      if (now) Date.now = () => now.getTime();
      try {
        return new Webhook(secret).verify(hook.body, { 'webhook-id': hook.id, 'webhook-timestamp': hook.timestamp, 'webhook-signature': hook.signature });
      } finally {
        Date.now = realNow;
      }
    },
    close: async () => {
      for (const release of held.splice(0)) release();
      await server.close();
    },
  };
}
