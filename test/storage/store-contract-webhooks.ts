import { randomBytes } from 'node:crypto';

import { newId } from '../../src/shared/ids';
import type { ConsentRequestRecord, EventRecord, Store } from '../../src/storage/store';
import type { WebhookDeliveryRecord, WebhookEndpointRecord } from '../../src/webhooks/webhook-store';

/**
 * Webhooks' part of the store contract (issue 13): endpoints per organisation with their secrets,
 * the dispatch cursor moved with its deliveries in one step, leases, attempts and the failing
 * streak. Called from each adapter's test file.
 */
export function webhookStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract (webhooks): ${name}`, () => {
    let store: Store;
    const t0 = new Date('2026-11-22T10:00:00Z');
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    const org = 'org_hooks';
    const other = 'org_hooks_other';

    beforeEach(async () => {
      store = await makeStore();
      await store.createOrganisation({ id: org, name: 'Hooks', createdAt: t0 });
      await store.createOrganisation({ id: other, name: 'Other', createdAt: t0 });
    });
    afterEach(async () => {
      await store.close();
    });

    const endpoint = (overrides: Partial<WebhookEndpointRecord> = {}): WebhookEndpointRecord => ({
      id: newId('whe', t0), organisationId: org, url: 'https://hooks.example.nl/akkoord', description: null, events: ['*'],
      secret: `whsec_${randomBytes(32).toString('base64')}`, previousSecret: null, previousSecretExpiresAt: null,
      createdAt: t0, updatedAt: t0, disabledAt: null, disabledReason: null, failingSince: null, ...overrides,
    });
    async function requestWithEvent(organisationId = org): Promise<EventRecord> {
      const r: ConsentRequestRecord = {
        id: newId('cr', t0), organisationId, formId: 'f', formVersion: 'v1', status: 'pending', signerRole: 'participant', language: 'nl',
        subject: { reference: 'S-1', firstName: 'Noor', lastName: null, dateOfBirth: '2008-01-15' }, recipient: { name: 'Noor', channel: 'email', address: 'n@example.nl', maskedAddress: 'n•••@example.nl' },
        tokenHash: randomBytes(32).toString('hex'), createdAt: t0, updatedAt: t0, expiresAt: at(60 * 24), sentAt: null, openedAt: null, decidedAt: null, reminderCount: 0,
        reminders: { afterDays: 3, automatic: 1, max: 2 }, deliveredAt: null, failureReason: null, decisions: [], signerName: null, signatureKind: null, sealState: null, version: 0,
      };
      const event: EventRecord = { id: newId('evt', t0), requestId: r.id, organisationId, type: 'created', at: t0, actor: 'system', detail: {} };
      await store.createConsentRequest({ request: r, event, message: null, form: { formId: 'f', version: 'v1', content: '{}' } });
      return event;
    }
    const delivery = (e: WebhookEndpointRecord, eventId: string, overrides: Partial<WebhookDeliveryRecord> = {}): WebhookDeliveryRecord => ({
      id: newId('whd', t0), endpointId: e.id, organisationId: e.organisationId, eventId, eventType: 'consent_request.sent', payload: '{"type":"consent_request.sent","data":{"id":"x"}}',
      status: 'pending', attempts: 0, nextAttemptAt: t0, lastAttemptAt: null, lastStatusCode: null, lastError: null, createdAt: t0, updatedAt: t0, ...overrides,
    });

    test('when endpoints are stored, then they read back with their secret per organisation, and the limit per organisation holds', async () => {
      const a = endpoint({ description: 'registratie' });
      expect(await store.createWebhookEndpoint(a, 2)).toBe(true);
      expect(await store.createWebhookEndpoint(endpoint(), 2)).toBe(true);
      expect(await store.createWebhookEndpoint(endpoint(), 2)).toBe(false);
      expect(await store.createWebhookEndpoint(endpoint({ organisationId: other }), 2)).toBe(true);
      expect(await store.getWebhookEndpoint(org, a.id)).toEqual(a);
      expect(await store.getWebhookEndpoint(other, a.id)).toBeNull();
      expect((await store.listWebhookEndpoints(org)).map((e) => e.organisationId)).toEqual([org, org]);
      expect(await store.deleteWebhookEndpoint(other, a.id)).toBe(false);
      expect(await store.deleteWebhookEndpoint(org, a.id)).toBe(true);
      expect(await store.getWebhookEndpoint(org, a.id)).toBeNull();
    });

    test('when a secret is rotated, then the old one is kept as the previous secret until the given moment', async () => {
      const a = endpoint();
      await store.createWebhookEndpoint(a, 10);
      expect(await store.rotateWebhookSecret({ organisationId: other, id: a.id, secret: 'whsec_bmV3', previousExpiresAt: at(60), at: at(1) })).toBe(false);
      expect(await store.rotateWebhookSecret({ organisationId: org, id: a.id, secret: 'whsec_bmV3', previousExpiresAt: at(60), at: at(1) })).toBe(true);
      const read = (await store.getWebhookEndpoint(org, a.id))!;
      expect(read).toMatchObject({ secret: 'whsec_bmV3', previousSecret: a.secret, previousSecretExpiresAt: at(60), updatedAt: at(1) });
    });

    test('when deliveries are enqueued with the cursor, then a stale cursor writes nothing and an (endpoint, event) pair is stored once', async () => {
      const a = endpoint();
      await store.createWebhookEndpoint(a, 10);
      const start = await store.webhookDispatchCursor();
      const e1 = await requestWithEvent();
      const events = await store.listEventsAfter(start, 10);
      expect(events.map((e) => e.event.id)).toEqual([e1.id]);
      const seq = events[0]!.seq;
      expect(await store.enqueueWebhookDeliveries({ fromSeq: start, toSeq: seq, deliveries: [delivery(a, e1.id)] })).toBe(true);
      // A second dispatcher that read the same cursor: nothing written.
      expect(await store.enqueueWebhookDeliveries({ fromSeq: start, toSeq: seq, deliveries: [delivery(a, e1.id)] })).toBe(false);
      // The same pair again from a re-run with a fresh cursor: skipped.
      expect(await store.enqueueWebhookDeliveries({ fromSeq: seq, toSeq: seq, deliveries: [delivery(a, e1.id)] })).toBe(true);
      expect(await store.webhookDispatchCursor()).toBe(seq);
      expect((await store.listEventsAfter(seq, 10)).length).toBe(0);
      const page = await store.listWebhookDeliveries(org, a.id, 10, null);
      expect(page.items).toHaveLength(1);
      expect(page.items[0]!.payload).toBe('{"type":"consent_request.sent","data":{"id":"x"}}');
    });

    test('when a delivery is claimed, then it is leased (invisible until the lease runs out, a crash means a retry), counted, and recorded attempts keep the failing streak', async () => {
      const a = endpoint();
      await store.createWebhookEndpoint(a, 10);
      const e1 = await requestWithEvent();
      const d = delivery(a, e1.id);
      await store.enqueueWebhookDeliveries({ fromSeq: await store.webhookDispatchCursor(), toSeq: await store.webhookDispatchCursor(), deliveries: [d] });
      const [claimed] = await store.claimWebhookDeliveries(at(0), at(1), 10);
      expect(claimed!.delivery).toMatchObject({ id: d.id, attempts: 1 });
      expect(claimed!.endpoint).toMatchObject({ id: a.id, url: a.url, secret: a.secret });
      expect(await store.claimWebhookDeliveries(at(0), at(1), 10)).toEqual([]);
      // The worker died mid-send: after the lease the delivery is claimed again, the attempt counted.
      const [again] = await store.claimWebhookDeliveries(at(1), at(2), 10);
      expect(again!.delivery.attempts).toBe(2);
      expect(await store.recordWebhookAttempt({ organisationId: org, deliveryId: d.id, at: at(2), status: 'pending', statusCode: 503, error: 'HTTP 503', nextAttemptAt: at(7) })).toEqual({ failingSince: at(2) });
      expect(await store.claimWebhookDeliveries(at(6), at(7), 10)).toEqual([]);
      expect(await store.recordWebhookAttempt({ organisationId: org, deliveryId: d.id, at: at(8), status: 'pending', statusCode: null, error: 'timeout', nextAttemptAt: at(20) })).toEqual({ failingSince: at(2) });
      expect(await store.getWebhookDelivery(org, a.id, d.id)).toMatchObject({ status: 'pending', lastStatusCode: null, lastError: 'timeout', nextAttemptAt: at(20), lastAttemptAt: at(8) });
      expect(await store.recordWebhookAttempt({ organisationId: org, deliveryId: d.id, at: at(20), status: 'succeeded', statusCode: 204, error: null, nextAttemptAt: null })).toEqual({ failingSince: null });
      expect((await store.getWebhookEndpoint(org, a.id))!.failingSince).toBeNull();
      expect(await store.getWebhookDelivery(other, a.id, d.id)).toBeNull();
    });

    test('when an endpoint is disabled, then its pending deliveries fail, nothing is claimed or retried for it, and enabling clears the streak', async () => {
      const a = endpoint({ failingSince: t0 });
      await store.createWebhookEndpoint(a, 10);
      const e1 = await requestWithEvent();
      const d = delivery(a, e1.id);
      const cursor = await store.webhookDispatchCursor();
      await store.enqueueWebhookDeliveries({ fromSeq: cursor, toSeq: cursor, deliveries: [d] });
      expect(await store.disableWebhookEndpoint({ organisationId: other, id: a.id, at: at(1), reason: 'failing_for_3_days' })).toBe(false);
      expect(await store.disableWebhookEndpoint({ organisationId: org, id: a.id, at: at(1), reason: 'failing_for_3_days' })).toBe(true);
      expect(await store.disableWebhookEndpoint({ organisationId: org, id: a.id, at: at(2), reason: 'failing_for_3_days' })).toBe(false);
      expect(await store.getWebhookEndpoint(org, a.id)).toMatchObject({ disabledAt: at(1), disabledReason: 'failing_for_3_days' });
      expect(await store.getWebhookDelivery(org, a.id, d.id)).toMatchObject({ status: 'failed', nextAttemptAt: null });
      expect(await store.listEnabledWebhookEndpoints([org])).toEqual([]);
      expect(await store.retryWebhookDelivery({ organisationId: org, endpointId: a.id, deliveryId: d.id, at: at(3) })).toBe(false);
      expect(await store.claimWebhookDeliveries(at(5), at(6), 10)).toEqual([]);
      expect(await store.enableWebhookEndpoint(org, a.id, at(4))).toBe(true);
      expect(await store.getWebhookEndpoint(org, a.id)).toMatchObject({ disabledAt: null, disabledReason: null, failingSince: null });
      expect(await store.retryWebhookDelivery({ organisationId: org, endpointId: a.id, deliveryId: d.id, at: at(5) })).toBe(true);
      expect((await store.claimWebhookDeliveries(at(5), at(6), 10)).map((c) => c.delivery.id)).toEqual([d.id]);
    });

    test('when deliveries are listed, then newest first with a cursor, and ended ones older than the cut-off are pruned', async () => {
      const a = endpoint();
      await store.createWebhookEndpoint(a, 10);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const e = await requestWithEvent();
        const d = delivery(a, e.id, { id: newId('whd', at(i)), status: i === 0 ? 'succeeded' : 'pending', updatedAt: at(i) });
        ids.push(d.id);
        const cursor = await store.webhookDispatchCursor();
        await store.enqueueWebhookDeliveries({ fromSeq: cursor, toSeq: cursor, deliveries: [d] });
      }
      const first = await store.listWebhookDeliveries(org, a.id, 2, null);
      expect(first.items.map((d) => d.id)).toEqual([ids[2], ids[1]]);
      const second = await store.listWebhookDeliveries(org, a.id, 2, first.nextCursor);
      expect(second.items.map((d) => d.id)).toEqual([ids[0]]);
      expect(second.nextCursor).toBeNull();
      expect((await store.listWebhookDeliveries(other, a.id, 10, null)).items).toEqual([]);
      expect(await store.pruneWebhookDeliveries(at(60))).toBe(1);
      expect((await store.listWebhookDeliveries(org, a.id, 10, null)).items.map((d) => d.id)).toEqual([ids[2], ids[1]]);
    });
  });
}
