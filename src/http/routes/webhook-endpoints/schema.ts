import { z } from 'zod';

import { ALL_EVENTS, WEBHOOK_EVENT_TYPES } from '../../../webhooks/event-types';
import { MAX_OVERLAP_HOURS } from '../../../webhooks/webhook-endpoints';

/** A URL long enough for any real receiver, short enough that it costs nothing to store and check. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

const eventName = z.enum([ALL_EVENTS, ...WEBHOOK_EVENT_TYPES], { error: 'Unknown event type; see WEBHOOK_EVENT_TYPES in the API reference, or use "*".' });

/** `POST /api/v1/webhook-endpoints`. */
export const createWebhookEndpointBody = z.strictObject({
  url: z.string().min(1).max(MAX_WEBHOOK_URL_LENGTH).describe('Where the webhooks go: https in production; no user name or password; not an internal address.'),
  events: z
    .array(eventName)
    .min(1, 'Name at least one event type, or "*" for all.')
    .max(WEBHOOK_EVENT_TYPES.length + 1)
    .describe('Event types to receive, or ["*"] for every type (also types added later).'),
  description: z.string().max(200).optional().describe('Your own label for the endpoint, at most 200 characters.'),
});

/** `POST /api/v1/webhook-endpoints/{id}/rotate-secret`. */
export const rotateWebhookSecretBody = z.strictObject({
  overlapHours: z
    .number()
    .int()
    .min(0)
    .max(MAX_OVERLAP_HOURS)
    .optional()
    .describe('Hours in which the old secret still signs next to the new one: 24 unless given, at most 168 (7 days); 0 stops the old one at once.'),
});

/** The shapes of our webhook ids (the API's path parameters and the dashboard's addresses). */
export const WEBHOOK_ENDPOINT_ID = /^whe_[A-Za-z0-9_-]{1,64}$/;
export const WEBHOOK_DELIVERY_ID = /^whd_[A-Za-z0-9_-]{1,64}$/;
const endpointId = z.string().regex(WEBHOOK_ENDPOINT_ID, 'Not a webhook endpoint id.');
const deliveryId = z.string().regex(WEBHOOK_DELIVERY_ID, 'Not a delivery id.');

export const webhookEndpointParams = z.object({ id: endpointId });
export const webhookDeliveryParams = z.object({ id: endpointId, deliveryId });

/** `GET …/{id}/deliveries`: newest first. */
export const listWebhookDeliveriesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
});

/** `GET …/{id}/events`: the endpoint's history (created, secret_rotated, disabled, enabled), newest first. */
export const listWebhookEndpointEventsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25).describe('Entries per page: 25 unless given, at most 100.'),
  cursor: z.string().max(200).optional().describe('nextCursor from the previous page.'),
});
