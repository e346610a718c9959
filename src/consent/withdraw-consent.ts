import { createHash } from 'node:crypto';

import { browserSummary } from '../evidence/browser-summary';
import { pdfOrganisation, sealInfo } from '../evidence/pdf-organisation';
import type { WithdrawalReceiptPdfInput } from '../evidence/render-receipt-pdf';
import { sealReason } from '../evidence/seal-reasons';
import { type Sealer, sealStateOf } from '../evidence/sealer';
import { AppError } from '../errors';
import type { Clock } from '../shared/clock';
import { newId } from '../shared/ids';
import type { ConsentRequestRecord, Store, StoredEvent } from '../storage/store';
import { confirmationMessage } from './confirmation-message';
import type { ConsentForm } from './form-types';
import type { FieldProblem } from './sign-consent';

export interface WithdrawDeps {
  store: Store;
  clock: Clock;
  sealer: Sealer;
  renderReceiptPdf: (input: WithdrawalReceiptPdfInput) => Promise<Buffer>;
}

/** `conflict`: the request kept changing under it; nothing was stored (the page answers 409). */
export type WithdrawResult = { ok: true; request: ConsentRequestRecord } | { ok: false; problems: FieldProblem[]; conflict?: true };

/** Attempts before a withdrawal that keeps meeting concurrent writes gives up (`errors.withdrawBusy`). */
export const MAX_WITHDRAW_ATTEMPTS = 5;

/**
 * Withdrawal through the same link, as easy as giving consent: some purposes or all. It is its
 * own event with a sealed receipt; the decisions and the status API change at once; the signed
 * record stays as proof of what was agreed before. When nothing granted remains the request
 * becomes `withdrawn`.
 *
 * Two withdrawals at nearly the same moment (two tabs, a double tap, a slow seal) both count: the
 * decisions are computed from the request as read, and stored only if its version still holds;
 * otherwise the request is read again and the receipt made again from the fresh state.
 */
export async function withdrawConsent(deps: WithdrawDeps, request: ConsentRequestRecord, form: ConsentForm, input: { purposes: string[] | 'all'; userAgent: string | undefined; language?: ConsentRequestRecord['language'] }): Promise<WithdrawResult> {
  let current = request;
  for (let attempt = 1; attempt <= MAX_WITHDRAW_ATTEMPTS; attempt += 1) {
    const granted = current.status === 'signed' ? current.decisions.filter((d) => d.granted).map((d) => d.purposeId) : [];
    const withdrawn = input.purposes === 'all' ? granted : granted.filter((id) => (input.purposes as string[]).includes(id));
    if (withdrawn.length === 0) {
      // After a concurrent write: what was asked is already withdrawn, by the other one.
      if (attempt > 1) return { ok: true, request: current };
      if (current.status !== 'signed') return { ok: false, problems: [{ field: 'form', key: 'errors.withdrawNotSigned' }] };
      return { ok: false, problems: [{ field: 'purposes', key: 'errors.withdrawNothing' }] };
    }
    if (await storeWithdrawal(deps, current, form, withdrawn, input)) {
      return { ok: true, request: (await deps.store.getConsentRequest(current.organisationId, current.id))! };
    }
    const fresh = await deps.store.getConsentRequest(current.organisationId, current.id);
    if (!fresh) throw new AppError('not_found', 'There is no consent request with this id.');
    current = fresh;
  }
  return { ok: false, problems: [{ field: 'form', key: 'errors.withdrawBusy' }], conflict: true };
}

/** Renders and seals the receipt for `withdrawn` and stores it if the request is still `request.version`. */
async function storeWithdrawal(deps: WithdrawDeps, request: ConsentRequestRecord, form: ConsentForm, withdrawn: string[], input: { userAgent: string | undefined; language?: ConsentRequestRecord['language'] }): Promise<boolean> {
  const now = deps.clock.now();
  const decisions = request.decisions.map((d) => (withdrawn.includes(d.purposeId) ? { ...d, granted: false } : d));
  const status = decisions.some((d) => d.granted) ? 'signed' : 'withdrawn';
  const language = input.language ?? request.language;
  const label = (id: string) => form.purposes.find((p) => p.id === id)?.label[language] ?? id;
  const [organisation, settings, documents, events] = await Promise.all([deps.store.getOrganisation(request.organisationId), deps.store.getOrganisationSettings(request.organisationId), deps.store.listDocuments(request.organisationId, request.id), deps.store.listEvents(request.organisationId, request.id)]);
  const earlier = earlierWithdrawals(events);
  const original = documents.filter((d) => d.kind === 'consent-pdf').at(-1);
  const receipt = await deps.renderReceiptPdf({
    organisationName: organisation?.name ?? '',
    organisation: pdfOrganisation(settings),
    requestId: request.id,
    form,
    language,
    signerName: request.signerName ?? request.recipient.name,
    subjectFirstName: request.subject.firstName,
    withdrawnAt: now,
    withdrawn: withdrawn.map((purposeId) => ({ purposeId, label: label(purposeId) })),
    remaining: decisions.map((d) => ({ purposeId: d.purposeId, label: label(d.purposeId), granted: d.granted, withdrawnAt: earlier.get(d.purposeId) ?? null })),
    originalSignedAt: request.decidedAt ?? now,
    originalDocumentSha256: original?.sha256 ?? '',
  });
  const sealed = await deps.sealer.seal(receipt, sealInfo(organisation?.name, settings, sealReason('withdrawn', language), now));
  const sha256 = createHash('sha256').update(sealed.pdf).digest('hex');
  return deps.store.withdraw({
    organisationId: request.organisationId,
    requestId: request.id,
    expectedVersion: request.version,
    at: now,
    decisions,
    withdrawn,
    status,
    document: { id: newId('doc', now), requestId: request.id, organisationId: request.organisationId, kind: 'withdrawal-receipt', contentType: 'application/pdf', sha256, content: sealed.pdf, createdAt: now, sealState: sealStateOf(deps.sealer, sealed) },
    event: {
      id: newId('evt', now),
      requestId: request.id,
      organisationId: request.organisationId,
      type: 'withdrawn',
      at: now,
      actor: 'recipient',
      detail: { purposes: withdrawn, complete: status === 'withdrawn', remainingGranted: decisions.filter((d) => d.granted).map((d) => d.purposeId), receiptSha256: sha256, language, timestamped: sealed.timestamped, ...(deps.sealer.timestamps && !sealed.timestamped ? { sealNote: 'sealed without timestamp', timestampError: sealed.timestampError ?? null } : {}), browser: browserSummary(input.userAgent) },
    },
    confirmation: confirmationMessage(request, 'withdrawal-confirmation', now),
  });
}

/** When each purpose was withdrawn by an earlier withdrawal of this request (the receipt says so). */
function earlierWithdrawals(events: StoredEvent[]): Map<string, Date> {
  const at = new Map<string, Date>();
  for (const e of events) {
    if (e.type !== 'withdrawn' || !Array.isArray(e.detail.purposes)) continue;
    for (const purposeId of e.detail.purposes) if (typeof purposeId === 'string') at.set(purposeId, e.at);
  }
  return at;
}
