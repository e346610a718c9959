import type { EventRecord, StoredEvent } from '../storage/store';
import type { AuditEntry } from './render-consent-pdf';

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** One stored event as the evidence PDF shows it: no personal data, only what the event recorded. */
export function auditEntry(event: EventRecord, hash: string): AuditEntry {
  const d = event.detail;
  const details: string[] = [];
  if (str(d.provider)) details.push(String(d.provider));
  if (str(d.providerStatus)) details.push(String(d.providerStatus));
  if (str(d.reason)) details.push(String(d.reason));
  return {
    at: event.at,
    type: event.type,
    actor: event.actor,
    ...(str(d.channel) ? { channel: String(d.channel) } : {}),
    ...(str(d.maskedAddress) ? { maskedAddress: String(d.maskedAddress) } : {}),
    ...(details.length > 0 ? { detail: details.join(' · ').slice(0, 80) } : {}),
    hash,
  };
}

/**
 * The request's trail for its evidence PDF: every stored event, then the event that this very
 * document completes. That last event's hash covers the document's own SHA-256, so it cannot be
 * printed inside the document; it is shown empty and is in the stored chain.
 */
export function auditTrailFor(stored: StoredEvent[], final: EventRecord): AuditEntry[] {
  return [...stored.map((e) => auditEntry(e, e.hash)), auditEntry(final, '')];
}
