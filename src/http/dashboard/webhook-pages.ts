import { Router, type Request, type Response } from 'express';

import { requireRole, staffOf } from '../../dashboard/staff';
import { webhookNoticeOf } from '../../dashboard/webhook-notice';
import { AppError, isAppError } from '../../errors';
import { ALL_EVENTS, WEBHOOK_EVENT_TYPES } from '../../webhooks/event-types';
import { urlShapeProblem, type UrlRules } from '../../webhooks/url-guard';
import {
  createWebhookEndpoint,
  DEFAULT_OVERLAP_HOURS,
  deleteWebhookEndpoint,
  DISABLED_FAILING,
  enableWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpointEvents,
  listWebhookEndpoints,
  retryWebhookDelivery,
  rotateWebhookSecret,
  type WebhookDeliveryView,
  type WebhookEndpointView,
} from '../../webhooks/webhook-endpoints';
import { cursorValue, encodeCursor } from '../cursor';
import { createWebhookEndpointBody, WEBHOOK_DELIVERY_ID, WEBHOOK_ENDPOINT_ID } from '../routes/webhook-endpoints/schema';
import type { DashboardDeps } from './index';
import { actorOf, langSwitch, sendPage } from './request-pages';

/**
 * Dashboard: webhooks (/app/admin/webhooks, issue 13), for the people who manage API keys
 * (administrators). Every action is one call into H1's use cases (webhooks/webhook-endpoints.ts),
 * scoped to the administrator's own organisation: another organisation's endpoint is not found.
 * A secret is shown once, in the answer to adding an endpoint or rotating its secret.
 */
const DELIVERIES_PAGE = 25;
const EVENT_CHOICES = [ALL_EVENTS, ...WEBHOOK_EVENT_TYPES];
/** The endpoint's history on its page: the newest 10 changes (the API pages through all). */
const HISTORY_ON_PAGE = 10;

interface PageError {
  field: string;
  key: string;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
/** A checkbox group: one value is a string, several an array (urlencoded, extended: false). */
const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : []);
const labelKeyOf = (type: string): string => `webhooksDash.eventNames.${type === ALL_EVENTS ? 'all' : type.replace(/\./g, '_')}`;
const knownLabel = (type: string): string | null => (type === ALL_EVENTS || (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type) ? labelKeyOf(type) : null);

/** A delivery's state as the pages name it: a pending one that was tried already is being retried. */
const displayStatus = (d: WebhookDeliveryView): string => (d.status === 'pending' && d.attempts > 0 ? 'retrying' : d.status);

/** The newest delivery's outcome, for "laatste melding". */
function lastOutcome(d: WebhookDeliveryView | undefined): { status: string; at: Date; httpStatus: number | null } | null {
  if (!d) return null;
  return { status: displayStatus(d), at: new Date(d.lastAttemptAt ?? d.createdAt), httpStatus: d.lastStatusCode };
}

function endpointRow(e: WebhookEndpointView, last: WebhookDeliveryView | undefined) {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: e.events.map((type) => ({ type, labelKey: knownLabel(type) })),
    active: e.status === 'enabled',
    disabledAt: e.disabledAt ? new Date(e.disabledAt) : null,
    reasonKey: e.disabledReason === null ? null : e.disabledReason === DISABLED_FAILING ? 'webhooksDash.reasons.failing' : 'webhooksDash.reasons.other',
    reason: e.disabledReason,
    createdAt: new Date(e.createdAt),
    last: lastOutcome(last),
  };
}

function deliveryRow(d: WebhookDeliveryView, endpointEnabled: boolean) {
  const status = displayStatus(d);
  return {
    id: d.id,
    eventType: d.eventType,
    eventLabelKey: knownLabel(d.eventType),
    createdAt: new Date(d.createdAt),
    statusKey: `webhooksDash.deliveryStatus.${status}`,
    badge: status === 'succeeded' ? 'signed' : status === 'failed' ? 'failed' : 'sent',
    httpStatus: d.lastStatusCode,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt ? new Date(d.nextAttemptAt) : null,
    canRetry: endpointEnabled,
  };
}

/** The form's values → the API's body, checked by the API's own schema; each problem named at its field in Dutch. */
function checkNewEndpoint(values: { url: string; events: string[]; description: string }, rules: UrlRules): { errors: PageError[]; body: ReturnType<typeof createWebhookEndpointBody.parse> | null } {
  const errors: PageError[] = [];
  if (!values.url.trim()) errors.push({ field: 'url', key: 'webhooksDash.errors.urlMissing' });
  else if (urlShapeProblem(values.url.trim(), rules)) errors.push({ field: 'url', key: 'webhooksDash.errors.urlInvalid' });
  if (values.events.length === 0) errors.push({ field: 'events', key: 'webhooksDash.errors.events' });
  const body = { url: values.url.trim(), events: values.events.includes(ALL_EVENTS) ? [ALL_EVENTS] : values.events, ...(values.description.trim() ? { description: values.description.trim() } : {}) };
  const parsed = createWebhookEndpointBody.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '');
      const error = field === 'url' ? { field, key: 'webhooksDash.errors.urlInvalid' } : field === 'events' ? { field, key: 'webhooksDash.errors.events' } : field === 'description' ? { field, key: 'webhooksDash.errors.description' } : null;
      if (error && !errors.some((e) => e.field === error.field)) errors.push(error);
    }
  }
  return { errors, body: errors.length === 0 && parsed.success ? parsed.data : null };
}

export function webhookPages(deps: DashboardDeps): Router {
  const router = Router({ caseSensitive: true });
  router.use('/admin/webhooks', requireRole('admin'));

  /** `page`: the address the language switch reloads (a POST's answer is shown at the POST's address, which GET does not serve). */
  const model = (req: Request, res: Response, extra: Record<string, unknown>, page?: string): Record<string, unknown> => {
    const staff = staffOf(res);
    const other = staff.language === 'nl' ? 'en' : 'nl';
    const switchTo = page ? { langSwitchUrl: `${page}?lang=${other}`, otherLang: other } : langSwitch(req, staff.language);
    return { layout: 'dashboard', lang: staff.language, ...switchTo, staff, organisationName: res.locals.organisationName, nav: 'admin', ...extra };
  };
  const endpointIdOf = (req: Request): string => {
    const id = text(req.params.id);
    if (!WEBHOOK_ENDPOINT_ID.test(id)) throw new AppError('not_found', 'There is no webhook endpoint with this id.');
    return id;
  };

  const listPage = async (req: Request, res: Response, extra: { form?: { url: string; events: string[]; description: string }; errors?: PageError[]; secret?: object } = {}, status = 200) => {
    const staff = staffOf(res);
    const endpoints = await listWebhookEndpoints(deps, staff.organisationId);
    const rows = await Promise.all(endpoints.map(async (e) => endpointRow(e, (await listWebhookDeliveries(deps, staff.organisationId, e.id, { limit: 1, cursor: null })).data[0])));
    const form = extra.form ?? { url: '', events: [], description: '' };
    sendPage(deps, res, 'dash-webhooks', model(req, res, {
      endpoints: rows,
      eventChoices: EVENT_CHOICES.map((type) => ({ type, labelKey: labelKeyOf(type), checked: form.events.includes(type) })),
      form,
      secret: extra.secret,
      notice: req.query.done === 'deleted' ? 'webhooksDash.remove.done' : undefined,
      webhookNotice: webhookNoticeOf(endpoints),
      errors: extra.errors && extra.errors.length > 0 ? extra.errors : undefined,
    }, '/app/admin/webhooks'), status);
  };

  const detailPage = async (req: Request, res: Response, id: string, extra: { notice?: string; problem?: string; secret?: object } = {}, status = 200) => {
    const staff = staffOf(res);
    const endpoint = await getWebhookEndpoint(deps, staff.organisationId, id);
    const after = text(req.query.after);
    const cursor = after ? cursorValue(after, WEBHOOK_DELIVERY_ID) : null;
    const page = await listWebhookDeliveries(deps, staff.organisationId, id, { limit: DELIVERIES_PAGE, cursor });
    // "Laatste melding" is the endpoint's newest delivery, also on a page of older ones.
    const newest = cursor ? (await listWebhookDeliveries(deps, staff.organisationId, id, { limit: 1, cursor: null })).data[0] : page.data[0];
    const enabled = endpoint.status === 'enabled';
    const history = await listWebhookEndpointEvents(deps, staff.organisationId, id, { limit: HISTORY_ON_PAGE, cursor: null });
    sendPage(deps, res, 'dash-webhook-detail', model(req, res, {
      history: history.data.map((e) => ({ typeKey: `webhookPool.history.types.${e.type}`, at: new Date(e.at), atIso: e.at, actorKey: `webhookPool.history.actors.${e.actor.split(':')[0]}` })),
      historyMore: history.nextCursor !== null,
      endpoint: endpointRow(endpoint, newest),
      deliveries: page.data.map((d) => deliveryRow(d, enabled)),
      nextUrl: page.nextCursor ? `/app/admin/webhooks/${id}?after=${encodeCursor(page.nextCursor)}` : null,
      firstUrl: cursor ? `/app/admin/webhooks/${id}` : null,
      canEnable: !enabled,
      rotateHours: DEFAULT_OVERLAP_HOURS,
      ...extra,
    }, req.method === 'GET' ? undefined : `/app/admin/webhooks/${id}`), status);
  };

  router.get('/admin/webhooks', async (req, res) => listPage(req, res));

  router.post('/admin/webhooks', async (req, res) => {
    const staff = staffOf(res);
    const form = (req.body ?? {}) as Record<string, unknown>;
    const values = { url: text(form.url).slice(0, 4096), events: list(form.events).slice(0, EVENT_CHOICES.length), description: text(form.description).slice(0, 1000) };
    const rules = { requireHttps: deps.webhooks.requireHttps, allowPrivateUrls: deps.webhooks.allowPrivateUrls };
    const checked = checkNewEndpoint(values, rules);
    let errors = checked.errors;
    if (checked.body) {
      try {
        const created = await createWebhookEndpoint(deps, staff.organisationId, checked.body, actorOf(staff));
        const title = deps.views.translate(staff.language, 'webhooksDash.created.title', { url: created.url });
        return listPage(req, res, { secret: { title, value: created.secret } });
      } catch (error) {
        if (!isAppError(error)) throw error;
        if (error.code === 'conflict') errors = [{ field: 'url', key: 'webhooksDash.errors.tooMany' }];
        else if (error.code !== 'validation_failed') throw error;
        else {
          // The shape was checked above: a URL refused now points inside a network or its host is not found (DNS).
          const onUrl = (error.errors ?? []).some((e) => e.path === 'url');
          errors = [onUrl ? { field: 'url', key: 'webhooksDash.errors.urlRefused' } : { field: 'events', key: 'webhooksDash.errors.events' }];
        }
      }
    }
    return listPage(req, res, { form: values, errors }, error409(errors) ? 409 : 422);
  });

  router.get('/admin/webhooks/:id', async (req, res) => {
    const done = text(req.query.done);
    const notice = done === 'retried' ? 'webhooksDash.detail.retried' : done === 'enabled' ? 'webhooksDash.enable.done' : undefined;
    await detailPage(req, res, endpointIdOf(req), { notice });
  });

  router.post('/admin/webhooks/:id/rotate', async (req, res) => {
    const staff = staffOf(res);
    const id = endpointIdOf(req);
    const rotated = await rotateWebhookSecret(deps, staff.organisationId, id, {}, actorOf(staff));
    const title = deps.views.translate(staff.language, 'webhooksDash.rotate.doneTitle');
    await detailPage(req, res, id, { secret: { title, value: rotated.secret, oldUntil: rotated.previousSecretExpiresAt ? new Date(rotated.previousSecretExpiresAt) : null } });
  });

  router.post('/admin/webhooks/:id/enable', async (req, res) => {
    const id = endpointIdOf(req);
    await enableWebhookEndpoint(deps, staffOf(res).organisationId, id, actorOf(staffOf(res)));
    res.redirect(303, `/app/admin/webhooks/${id}?done=enabled`);
  });

  router.get('/admin/webhooks/:id/delete', async (req, res) => {
    const endpoint = await getWebhookEndpoint(deps, staffOf(res).organisationId, endpointIdOf(req));
    sendPage(deps, res, 'dash-webhook-remove', model(req, res, { endpoint: { id: endpoint.id, url: endpoint.url } }));
  });

  router.post('/admin/webhooks/:id/delete', async (req, res) => {
    await deleteWebhookEndpoint(deps, staffOf(res).organisationId, endpointIdOf(req), actorOf(staffOf(res)));
    res.redirect(303, '/app/admin/webhooks?done=deleted');
  });

  router.post('/admin/webhooks/:id/deliveries/:deliveryId/retry', async (req, res) => {
    const staff = staffOf(res);
    const id = endpointIdOf(req);
    const deliveryId = text(req.params.deliveryId);
    if (!WEBHOOK_DELIVERY_ID.test(deliveryId)) throw new AppError('not_found', 'There is no delivery with this id for this endpoint.');
    try {
      await retryWebhookDelivery(deps, staff.organisationId, id, deliveryId);
    } catch (error) {
      // Switched off meanwhile (another tab, the worker): the page says so and shows how it stands.
      if (!(isAppError(error) && error.code === 'conflict')) throw error;
      return detailPage(req, res, id, { problem: 'webhooksDash.detail.retryConflict' }, 409);
    }
    res.redirect(303, `/app/admin/webhooks/${id}?done=retried`);
  });

  return router;
}

const error409 = (errors: PageError[]): boolean => errors.some((e) => e.key === 'webhooksDash.errors.tooMany');
