import { listWebhookEndpoints, type WebhookDeps, type WebhookEndpointView } from '../webhooks/webhook-endpoints';
import type { StaffPrincipal } from './staff';

/**
 * "Webhook uitgeschakeld" on the dashboard's overview and webhooks page (issue 13): the
 * organisation's most recently disabled endpoint, and how many others are disabled too. One read
 * of the organisation's endpoints (at most WEBHOOK_MAX_ENDPOINTS rows), so every overview can afford it.
 */
export interface WebhookNotice {
  id: string;
  url: string;
  disabledAt: Date;
  /** Other disabled endpoints of the organisation. */
  others: number;
}

export async function disabledWebhookNotice(deps: Pick<WebhookDeps, 'store' | 'clock'>, staff: Pick<StaffPrincipal, 'organisationId'>): Promise<WebhookNotice | null> {
  return webhookNoticeOf(await listWebhookEndpoints(deps, staff.organisationId));
}

/** The notice from endpoints already read (the webhooks page lists them anyway). */
export function webhookNoticeOf(endpoints: readonly WebhookEndpointView[]): WebhookNotice | null {
  const disabled = endpoints
    .filter((e) => e.status === 'disabled' && e.disabledAt !== null)
    .sort((a, b) => b.disabledAt!.localeCompare(a.disabledAt!));
  const newest = disabled[0];
  if (!newest) return null;
  return { id: newest.id, url: newest.url, disabledAt: new Date(newest.disabledAt!), others: disabled.length - 1 };
}
