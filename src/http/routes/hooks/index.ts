import { EventWebhook } from '@sendgrid/eventwebhook';
import express, { Router } from 'express';
import twilio from 'twilio';
import type { Logger } from 'pino';

import type { SendGridConfig, TwilioConfig } from '../../../config';
import { applyProviderReport, sendgridEventId, sendgridOutcome, twilioEventId, twilioOutcome, withinSignedWindow } from '../../../delivery/provider-status';
import type { Clock } from '../../../shared/clock';
import type { Store } from '../../../storage/store';
import { sendProblem } from '../../middleware/problem';

/**
 * The largest SendGrid event batch read: 1 MiB = 1,048,576 bytes. SendGrid posts a batch every 30
 * seconds or once it reaches 768 KB, so a real batch always fits; a larger body is a 413.
 */
export const SENDGRID_MAX_BODY_BYTES = 1024 * 1024;

export interface HooksDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  publicBaseUrl: string;
  twilio: TwilioConfig | null;
  sendgrid: SendGridConfig | null;
}

/**
 * Provider callbacks. Each is verified before anything is read: Twilio's X-Twilio-Signature over
 * PUBLIC_BASE_URL + path + form fields, SendGrid's ECDSA signature over timestamp + raw body.
 * A wrong or missing signature is a 403 and changes nothing; so is a SendGrid batch whose signed
 * timestamp is more than 10 minutes from now. A replayed report (same SendGrid `sg_event_id`, same
 * Twilio message, status and error) is answered 204 and changes nothing.
 */
export function hooksRouter(deps: HooksDeps): Router {
  const router = Router();

  router.post('/twilio/status', express.urlencoded({ extended: false, limit: '64kb' }), async (req, res) => {
    if (!deps.twilio) return sendProblem(res, 404, 'not_found', 'Twilio is not configured');
    const signature = req.get('x-twilio-signature') ?? '';
    const params = (req.body ?? {}) as Record<string, string>;
    if (!signature || !twilio.validateRequest(deps.twilio.authToken, signature, `${deps.publicBaseUrl}${req.originalUrl}`, params)) {
      deps.logger.warn({ requestId: res.locals.requestId }, 'twilio callback with a wrong signature');
      return sendProblem(res, 403, 'forbidden', 'Signature check failed');
    }
    const messageId = typeof req.query.m === 'string' ? req.query.m : '';
    const outcome = twilioOutcome(String(params.MessageStatus ?? ''));
    if (messageId && outcome) {
      await applyProviderReport(deps, {
        provider: 'twilio',
        messageId,
        providerMessageId: params.MessageSid ?? null,
        outcome,
        providerStatus: String(params.MessageStatus),
        reason: params.ErrorCode ? `twilio error ${params.ErrorCode}` : null,
        eventId: twilioEventId(params),
      });
    }
    res.status(204).end();
  });

  const eventWebhook = new EventWebhook();
  const sendgridKey = deps.sendgrid?.webhookPublicKey ? eventWebhook.convertPublicKeyToECDSA(deps.sendgrid.webhookPublicKey) : null;

  // Nothing is read before the webhook is known to be configured and the batch carries its
  // signature and timestamp headers; then at most SENDGRID_MAX_BODY_BYTES.
  const refuseEarly: express.RequestHandler = (req, res, next) => {
    if (!sendgridKey) return sendProblem(res, 404, 'not_found', 'The SendGrid event webhook is not configured');
    if (!req.get('x-twilio-email-event-webhook-signature') || !req.get('x-twilio-email-event-webhook-timestamp')) {
      deps.logger.warn({ requestId: res.locals.requestId }, 'sendgrid events without a signature');
      return sendProblem(res, 403, 'forbidden', 'Signature check failed');
    }
    next();
  };

  router.post('/sendgrid/events', refuseEarly, express.raw({ type: () => true, limit: SENDGRID_MAX_BODY_BYTES }), async (req, res) => {
    if (!sendgridKey) return sendProblem(res, 404, 'not_found', 'The SendGrid event webhook is not configured');
    const signature = req.get('x-twilio-email-event-webhook-signature') ?? '';
    const timestamp = req.get('x-twilio-email-event-webhook-timestamp') ?? '';
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let valid = false;
    try {
      valid = Boolean(signature && timestamp) && eventWebhook.verifySignature(sendgridKey, raw, signature, timestamp);
    } catch {
      valid = false;
    }
    if (!valid) {
      deps.logger.warn({ requestId: res.locals.requestId }, 'sendgrid events with a wrong signature');
      return sendProblem(res, 403, 'forbidden', 'Signature check failed');
    }
    // A valid signature on an old batch is a replay (or a clock far off): refused, nothing read.
    if (!withinSignedWindow(timestamp, deps.clock.now())) {
      deps.logger.warn({ requestId: res.locals.requestId }, 'sendgrid events with a signed timestamp outside the window');
      return sendProblem(res, 403, 'forbidden', 'Signature too old or too new', 'The signed timestamp is more than 10 minutes from now.');
    }
    let events: unknown;
    try {
      events = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendProblem(res, 400, 'malformed_json', 'The body is not a JSON array of events');
    }
    if (!Array.isArray(events)) return sendProblem(res, 400, 'malformed_json', 'The body is not a JSON array of events');
    for (const e of events as Record<string, unknown>[]) {
      const outcome = sendgridOutcome(String(e.event ?? ''));
      const messageId = typeof e.messageId === 'string' ? e.messageId : '';
      if (!outcome || !messageId) continue;
      await applyProviderReport(deps, {
        provider: 'sendgrid',
        messageId,
        providerMessageId: typeof e.sg_message_id === 'string' ? e.sg_message_id : null,
        outcome,
        providerStatus: String(e.event),
        reason: typeof e.reason === 'string' ? e.reason : null,
        eventId: sendgridEventId(e),
      });
    }
    res.status(204).end();
  });

  return router;
}
