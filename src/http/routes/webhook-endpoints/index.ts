import { Router } from 'express';
import type { z } from 'zod';

import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  enableWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpointEvents,
  listWebhookEndpoints,
  retryWebhookDelivery,
  rotateWebhookSecret,
  type WebhookDeps,
} from '../../../webhooks/webhook-endpoints';
import { decodeCursor, encodeCursor } from '../../cursor';
import { authOf } from '../../middleware/auth';
import { parsed, validate } from '../../middleware/validate';
import { createWebhookEndpointBody, listWebhookDeliveriesQuery, listWebhookEndpointEventsQuery, rotateWebhookSecretBody, webhookDeliveryParams, webhookEndpointParams } from './schema';

/** Cursors: a delivery id, and a place in an endpoint's history. */
const DELIVERY_CURSOR = /^whd_[A-Za-z0-9_-]+$/;
const HISTORY_CURSOR = /^[0-9]{1,15}$/;

/**
 * `/api/v1/webhook-endpoints` (issue 13). Create and rotate answer the secret once and are not
 * replayed by Idempotency-Key: a replay would have to keep the secret in the clear.
 */
export function webhookEndpointsRouter(deps: WebhookDeps): Router {
  const router = Router();
  const org = (locals: Record<string, unknown>) => authOf(locals).organisationId;
  /** Who changes an endpoint, for its history: the API key (its id, never its secret). */
  const actor = (locals: Record<string, unknown>) => `api:${authOf(locals).keyId}`;

  router.post('/', validate('body', createWebhookEndpointBody), async (_req, res) => {
    const created = await createWebhookEndpoint(deps, org(res.locals), parsed(res.locals, 'body', createWebhookEndpointBody), actor(res.locals));
    res.status(201).location(`/api/v1/webhook-endpoints/${created.id}`).setHeader('Cache-Control', 'no-store').json(created);
  });
  router.get('/', async (_req, res) => {
    res.json({ data: await listWebhookEndpoints(deps, org(res.locals)), nextCursor: null });
  });
  router.get('/:id', validate('params', webhookEndpointParams), async (req, res) => {
    res.json(await getWebhookEndpoint(deps, org(res.locals), req.params.id as string));
  });
  router.delete('/:id', validate('params', webhookEndpointParams), async (req, res) => {
    await deleteWebhookEndpoint(deps, org(res.locals), req.params.id as string, actor(res.locals));
    res.status(204).end();
  });
  router.post('/:id/rotate-secret', validate('params', webhookEndpointParams), validate('body', rotateWebhookSecretBody), async (req, res) => {
    const rotated = await rotateWebhookSecret(deps, org(res.locals), req.params.id as string, parsed(res.locals, 'body', rotateWebhookSecretBody), actor(res.locals));
    res.status(200).setHeader('Cache-Control', 'no-store').json(rotated);
  });
  router.post('/:id/enable', validate('params', webhookEndpointParams), async (req, res) => {
    res.json(await enableWebhookEndpoint(deps, org(res.locals), req.params.id as string, actor(res.locals)));
  });
  router.get('/:id/deliveries', validate('params', webhookEndpointParams), validate('query', listWebhookDeliveriesQuery), async (req, res) => {
    const q = res.locals.query as z.infer<typeof listWebhookDeliveriesQuery>;
    const page = await listWebhookDeliveries(deps, org(res.locals), req.params.id as string, { limit: q.limit, cursor: decodeCursor(q.cursor, DELIVERY_CURSOR) });
    res.json({ data: page.data, nextCursor: encodeCursor(page.nextCursor) });
  });
  router.get('/:id/events', validate('params', webhookEndpointParams), validate('query', listWebhookEndpointEventsQuery), async (req, res) => {
    const q = res.locals.query as z.infer<typeof listWebhookEndpointEventsQuery>;
    const page = await listWebhookEndpointEvents(deps, org(res.locals), req.params.id as string, { limit: q.limit, cursor: decodeCursor(q.cursor, HISTORY_CURSOR) });
    res.json({ data: page.data, nextCursor: encodeCursor(page.nextCursor) });
  });
  router.post('/:id/deliveries/:deliveryId/retry', validate('params', webhookDeliveryParams), async (req, res) => {
    res.status(202).json(await retryWebhookDelivery(deps, org(res.locals), req.params.id as string, req.params.deliveryId as string));
  });
  return router;
}
