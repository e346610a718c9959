/**
 * The example registration system (examples/registration-system) against the real service: the
 * service listens on a loopback port with the Twilio and SendGrid fakes and its outbox worker
 * running, webhooks to loopback allowed. The client is imported (runClient, lines into an array)
 * and, once, run as a child process as a developer would run it.
 *
 * The service's clock is fixed at the real time this test starts: the client checks
 * `webhook-timestamp` against its own (wall) clock, as a real receiver does, within 5 minutes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Webhook } from 'standardwebhooks';

import { runClient, type RunningClient } from '../../examples/registration-system/client';
import type { ConsentRequestBody } from '../../examples/registration-system/akkoord-api';
import { startFakeSendGrid, type FakeSendGrid } from '../fakes/fake-sendgrid';
import { startFakeTwilio, type FakeTwilio } from '../fakes/fake-twilio';
import { startWithFakeProviders } from '../helpers/providers';
import { auth, openSigningPage, type TestApp } from '../helpers/test-app';
import type { RunningServer } from '../../src/http/server';

const REFERENCE = 'REG-7001';
/** Synthetic: a child of ten, the parent by e-mail (an SMS could wait for quiet hours). */
function childBody(reference = REFERENCE): ConsentRequestBody {
  const born = new Date();
  born.setUTCFullYear(born.getUTCFullYear() - 10);
  return {
    formId: 'activiteit-onder-16',
    subject: { reference, firstName: 'Sam', lastName: 'de Vries', dateOfBirth: born.toISOString().slice(0, 10) },
    recipient: { name: 'Ans de Vries', channel: 'email', email: 'ans.devries@example.nl', language: 'nl' },
  };
}

/** The printed lines, and a promise for the first line (from `from` on) that matches. */
class Lines {
  readonly all: string[] = [];
  private waiters: { pattern: RegExp; from: number; resolve: (line: string) => void }[] = [];
  readonly print = (line: string): void => {
    this.all.push(line);
    for (const w of [...this.waiters]) this.check(w);
  };
  next(pattern: RegExp, from = 0): Promise<string> {
    return new Promise((resolve) => this.check({ pattern, from, resolve }, true));
  }
  private check(w: { pattern: RegExp; from: number; resolve: (line: string) => void }, add = false): void {
    const hit = this.all.slice(w.from).find((l) => w.pattern.test(l));
    if (hit !== undefined) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(hit);
    } else if (add) this.waiters.push(w);
  }
}

describe('example registration system against the service', () => {
  let twilio: FakeTwilio;
  let sendgrid: FakeSendGrid;
  let app: TestApp;
  let server: RunningServer;
  let stateDir: string;
  let client: RunningClient | null = null;
  let child: ChildProcess | null = null;
  const lines = new Lines();

  beforeAll(async () => {
    [twilio, sendgrid] = await Promise.all([startFakeTwilio(), startFakeSendGrid()]);
    const now = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    ({ app, server } = await startWithFakeProviders(twilio, sendgrid, now, { WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WORKER_POLL_MS: '20' }));
    app.container.worker.start();
    stateDir = mkdtempSync(join(tmpdir(), 'akkoord-example-'));
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await client?.close();
    await app?.container.worker.stop();
    await server?.stop();
    await app?.close();
    await twilio?.close();
    await sendgrid?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const options = (overrides: Partial<Parameters<typeof runClient>[0]> = {}) => ({
    akkoordUrl: server.url,
    apiKey: app.apiKey,
    listenHost: '127.0.0.1',
    listenPort: 0,
    stateFile: join(stateDir, 'webhook.json'),
    request: childBody(),
    print: lines.print,
    ...overrides,
  });

  test('when the parent signs through the link, then the client prints the verified signed change with mayRegister=true from the status it read back, and mayRegister=false after a withdrawal', async () => {
    client = await runClient(options());
    expect(lines.all[0]).toMatch(/^webhook endpoint whe_\S+ registered: http:\/\/127\.0\.0\.1:\d+\/webhooks\/akkoord$/);
    expect(lines.all[1]).toBe(`consent request ${client.requestId} created: subject=${REFERENCE} form=activiteit-onder-16 status=pending`);
    // The secret is kept for the next run, readable by this user only.
    expect(statSync(options().stateFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(options().stateFile, 'utf8'))).toMatchObject({ endpointId: client.endpointId, url: client.webhookUrl, secret: expect.stringMatching(/^whsec_/) });

    await lines.next(new RegExp(`^consent_request\\.sent ${client.requestId} subject=${REFERENCE} status=sent mayRegister=false granted=-$`));
    const [mail] = await sendgrid.waitForMails(1);
    const link = new URL(/https?:\/\/[^\s"<]+\/c\/[A-Za-z0-9_-]+/.exec(mail!.text ?? '')![0]).pathname;
    const { csrf, cookie } = await openSigningPage(app, link);
    const signed = await app.http.post(link).set('Cookie', cookie).type('form').send({
      _csrf: csrf, authority: 'sole', purpose_registratie: 'yes', 'purpose_contact-ouder': 'yes', 'purpose_gegevens-delen': 'no', 'purpose_medische-gegevens': 'no', declaration: 'yes', signerName: 'Ans de Vries', action: 'sign',
    });
    expect(signed.status).toBe(303);

    const line = await lines.next(new RegExp(`^consent_request\\.signed ${client.requestId} `));
    expect(line).toBe(`consent_request.signed ${client.requestId} subject=${REFERENCE} status=signed mayRegister=true granted=registratie,contact-ouder`);
    // What it printed is what the API answered then.
    const status = await app.http.get(`/api/v1/subjects/${REFERENCE}/consent`).set(auth(app.apiKey));
    expect(status.body.mayRegister).toBe(true);

    // Withdrawing everything through the same link: the next line says the person may no longer be registered.
    const page = await openSigningPage(app, link);
    expect((await app.http.post(`${link}/withdraw`).set('Cookie', page.cookie).type('form').send({ _csrf: page.csrf, action: 'all' })).status).toBe(303);
    expect(await lines.next(new RegExp(`^consent_request\\.withdrawn ${client.requestId} `))).toBe(`consent_request.withdrawn ${client.requestId} subject=${REFERENCE} status=withdrawn mayRegister=false granted=-`);
    expect(lines.all.filter((l) => l.startsWith('! '))).toEqual([]);
  });

  test('when Akkoord sends the signed delivery again (a retry, same webhook-id), then the client answers 204 and prints no second signed line', async () => {
    const deliveries = () => app.http.get(`/api/v1/webhook-endpoints/${client!.endpointId}/deliveries`).set(auth(app.apiKey));
    const signed = ((await deliveries()).body.data as { id: string; eventType: string; attempts: number; status: string }[]).find((d) => d.eventType === 'consent_request.signed')!;
    expect(signed).toMatchObject({ status: 'succeeded', attempts: 1 });
    const before = lines.all.length;
    expect((await app.http.post(`/api/v1/webhook-endpoints/${client!.endpointId}/deliveries/${signed.id}/retry`).set(auth(app.apiKey))).status).toBe(202);
    // Wait until the worker recorded the second attempt: the client answered it by then.
    let again = signed;
    while (again.attempts < 2 || again.status !== 'succeeded') again = ((await deliveries()).body.data as (typeof signed)[]).find((d) => d.id === signed.id)!;
    expect(again).toMatchObject({ status: 'succeeded', attempts: 2, lastStatusCode: 204 });
    await client!.idle();
    // Other changes' deliveries may still arrive (they are sent side by side); none is the signed one.
    expect(lines.all.slice(before).filter((l) => l.startsWith('consent_request.signed'))).toEqual([]);
  });

  test('when a webhook is forged (wrong signature) or replayed with an old timestamp, then the client answers 400 and prints no change', async () => {
    const before = lines.all.length;
    const body = JSON.stringify({ type: 'consent_request.withdrawn', timestamp: new Date().toISOString(), data: { id: client!.requestId, formId: 'activiteit-onder-16', status: 'withdrawn', subject: { reference: REFERENCE } } });
    const at = new Date();
    const forged = await fetch(client!.webhookUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'webhook-id': 'msg_forged', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(`whsec_${Buffer.from('not the secret, 32 bytes long!!!').toString('base64')}`).sign('msg_forged', at, body) },
      body,
    });
    expect(forged.status).toBe(400);
    const { secret } = JSON.parse(readFileSync(options().stateFile, 'utf8')) as { secret: string };
    const old = new Date(Date.now() - 10 * 60_000);
    const replayed = await fetch(client!.webhookUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'webhook-id': 'msg_old', 'webhook-timestamp': String(Math.floor(old.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign('msg_old', old, body) },
      body,
    });
    expect(replayed.status).toBe(400);
    await client!.idle();
    const printed = lines.all.slice(before);
    expect(printed.filter((l) => l.startsWith('! '))).toEqual(['! webhook refused (400): No matching signature found', '! webhook refused (400): Message timestamp too old']);
    expect(printed.filter((l) => l.startsWith('consent_request.withdrawn'))).toEqual([]);
  });

  test('when the client runs again with the same state file and person, then it reuses the endpoint and gets the same request back', async () => {
    const from = lines.all.length;
    const again = await runClient(options({ publicWebhookUrl: client!.webhookUrl }));
    try {
      expect(again.endpointId).toBe(client!.endpointId);
      expect(again.requestId).toBe(client!.requestId);
      expect(lines.all.slice(from).filter((l) => /^(webhook endpoint|consent request) /.test(l))).toEqual([
        `webhook endpoint ${client!.endpointId} reused: ${client!.webhookUrl}`,
        `consent request ${client!.requestId} already created (same Idempotency-Key): subject=${REFERENCE} form=activiteit-onder-16 status=pending`,
      ]);
      const endpoints = await app.http.get('/api/v1/webhook-endpoints').set(auth(app.apiKey));
      expect(endpoints.body.data.filter((e: { url: string }) => e.url === client!.webhookUrl)).toHaveLength(1);
    } finally {
      await again.close();
    }
  });

  test('when the saved endpoint was disabled (failing for 3 days), then the next run enables it again', async () => {
    const { store } = app.container;
    expect(await store.disableWebhookEndpoint({ organisationId: app.organisationId, id: client!.endpointId, at: app.clock.now(), reason: 'failing_for_3_days' })).toBe(true);
    const from = lines.all.length;
    const again = await runClient(options({ publicWebhookUrl: client!.webhookUrl, request: null }));
    await again.close();
    expect(lines.all.slice(from).filter((l) => l.startsWith('webhook endpoint'))).toEqual([`webhook endpoint ${client!.endpointId} reused (it was disabled; enabled again): ${client!.webhookUrl}`]);
    const endpoint = await app.http.get(`/api/v1/webhook-endpoints/${client!.endpointId}`).set(auth(app.apiKey));
    expect(endpoint.body).toMatchObject({ status: 'enabled', disabledAt: null });
  });

  test('when run from the command line, then it registers, creates the request, prints its id and stops cleanly on SIGTERM', async () => {
    child = spawn(process.execPath, ['-r', './test/helpers/ts-register.js', 'examples/registration-system/client.ts', '--reference', 'REG-7002', '--email', 'ouder.7002@example.nl'], {
      cwd: join(__dirname, '..', '..'),
      env: { PATH: process.env.PATH, AKKOORD_URL: server.url, AKKOORD_API_KEY: app.apiKey, LISTEN_HOST: '127.0.0.1', LISTEN_PORT: '0', WEBHOOK_STATE_FILE: join(stateDir, 'cli.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (/listening on port \d+; Ctrl-C stops\n/.test(out)) resolve();
      });
      void exited.then((code) => reject(new Error(`the client exited (${code}): ${err}`)));
    });
    const id = /^consent request (cr_\S+) created: subject=REG-7002 form=activiteit-onder-16 status=pending$/m.exec(out)?.[1];
    expect(id).toBeDefined();
    expect(out).toMatch(/^webhook endpoint whe_\S+ registered: http:\/\/127\.0\.0\.1:\d+\/webhooks\/akkoord$/m);
    const created = await app.http.get(`/api/v1/consent-requests/${id!}`).set(auth(app.apiKey));
    expect(created.body.subject.reference).toBe('REG-7002');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
