import { startServer, type RunningServer } from '../../src/http/server';
import { startFakeSendGrid, type FakeSendGrid } from '../fakes/fake-sendgrid';
import { startFakeTwilio, type FakeTwilio } from '../fakes/fake-twilio';
import { createTestApp, freePort, type TestApp } from './test-app';

/**
 * A test app that sends through the real twilio and @sendgrid/mail SDKs to the fake provider
 * servers, and listens for real on a free loopback port so the fakes' status callbacks reach it.
 * Resets both fakes first. `env` is added to (and may override) the provider settings.
 * The default start, 10:00 UTC on Monday 23 November 2026, is 11:00 in Amsterdam: outside SMS quiet hours.
 */
export async function startWithFakeProviders(twilio: FakeTwilio, sendgrid: FakeSendGrid, at = '2026-11-23T10:00:00Z', env: Record<string, string> = {}): Promise<{ app: TestApp; server: RunningServer }> {
  twilio.reset();
  sendgrid.reset();
  const port = await freePort();
  const app = await createTestApp(
    {
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: 'Akkoord',
      TWILIO_API_BASE_URL: twilio.url,
      SENDGRID_API_KEY: sendgrid.apiKey,
      SENDGRID_FROM: 'Buurtwerk Demo <noreply@akkoord.example.nl>',
      SENDGRID_API_BASE_URL: sendgrid.url,
      SENDGRID_WEBHOOK_PUBLIC_KEY: sendgrid.publicKeyBase64,
      PROVIDER_TIMEOUT_MS: '5000',
      ...env,
    },
    at,
  );
  let server: RunningServer;
  try {
    server = await startServer(app.container.app, port);
  } catch (err) {
    await app.close();
    throw err;
  }
  // SendGrid signs each batch with its time; the service refuses batches 10 minutes off its clock.
  sendgrid.clock = () => app.clock.now();
  return { app, server };
}

export interface FakeProviders {
  /** The fake Twilio server (started once for the describe block). */
  readonly twilio: FakeTwilio;
  /** The fake SendGrid server (started once for the describe block). */
  readonly sendgrid: FakeSendGrid;
  /** Starts a test app wired to both fakes (see startWithFakeProviders); it is stopped after the test. */
  start(at?: string, env?: Record<string, string>): Promise<{ app: TestApp; server: RunningServer }>;
}

/**
 * Registers the hooks every provider test needs: both fakes start before the block and close
 * after it; the app a test starts is stopped after that test. Call it inside a describe block.
 */
export function useFakeProviders(): FakeProviders {
  let twilio: FakeTwilio | null = null;
  let sendgrid: FakeSendGrid | null = null;
  let running: { app: TestApp; server: RunningServer } | null = null;
  const started = <T>(fake: T | null): T => {
    if (!fake) throw new Error('useFakeProviders: the fakes start in beforeAll; use them inside a test or hook');
    return fake;
  };
  beforeAll(async () => {
    twilio = await startFakeTwilio();
    sendgrid = await startFakeSendGrid();
  });
  afterEach(async () => {
    const current = running;
    running = null;
    await current?.server.stop();
    await current?.app.close();
  });
  afterAll(async () => {
    await twilio?.close();
    await sendgrid?.close();
  });
  return {
    get twilio() {
      return started(twilio);
    },
    get sendgrid() {
      return started(sendgrid);
    },
    async start(at?: string, env?: Record<string, string>) {
      running = await startWithFakeProviders(started(twilio), started(sendgrid), at, env);
      return running;
    },
  };
}
