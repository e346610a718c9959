import type { ConsentForm, Language } from '../consent/form-types';
import {
  amsterdamDateTime,
  banner,
  choiceTable,
  COLOR,
  documentHeader,
  factsSection,
  FONT,
  fill,
  heading,
  loadPdfLabels,
  note,
  openDocument,
  type Page,
  text,
  requestMeta,
} from './pdf-layout';
import type { PdfOrganisation } from './pdf-organisation';

export interface WithdrawalReceiptPdfInput {
  organisationName: string;
  /** The organisation's logo, contact and DPO (issue 10); absent: the name only. */
  organisation?: PdfOrganisation;
  requestId: string;
  form: ConsentForm;
  language: Language;
  /** Who withdrew: the person who signed the consent. */
  signerName: string;
  subjectFirstName: string;
  withdrawnAt: Date;
  /** The purposes withdrawn now, labels in the receipt's language. */
  withdrawn: { purposeId: string; label: string }[];
  /**
   * Every purpose of the form with the decision that applies after this withdrawal; `withdrawnAt`
   * when an earlier withdrawal of this request took it back (a purpose never granted has none).
   */
  remaining: { purposeId: string; label: string; granted: boolean; withdrawnAt?: Date | null }[];
  /** When the original consent was signed. */
  originalSignedAt: Date;
  /** SHA-256 hex of the original sealed consent record; empty when unknown. */
  originalDocumentSha256: string;
}

/**
 * A one-page PDF/A-3b receipt for a withdrawal of consent: who withdrew what and when, which
 * choices apply now, and which earlier record (date and fingerprint) stays as proof of what was
 * agreed before.
 */
export async function renderWithdrawalReceiptPdf(input: WithdrawalReceiptPdfInput): Promise<Buffer> {
  const { receipt } = loadPdfLabels(input.language);
  const { page, finish } = openDocument({
    language: input.language,
    title: `${receipt.title} — ${input.form.title[input.language]}`,
    author: input.organisationName,
    subject: input.requestId,
    createdAt: input.withdrawnAt,
  });
  const { labels } = page;

  documentHeader(page, {
    organisationName: input.organisationName,
    organisation: input.organisation,
    kind: receipt.documentKind,
    title: receipt.title,
    subtitle: input.form.title[input.language],
    meta: requestMeta(labels, input),
  });
  drawOutcome(page, input);
  drawWithdrawn(page, input);
  drawRemaining(page, input);
  factsSection(page, receipt.originalHeading, [
    { label: receipt.originalSignedAt, value: amsterdamDateTime(input.originalSignedAt, labels) },
    { label: labels.dateTimeUtc, value: input.originalSignedAt.toISOString() },
    input.originalDocumentSha256
      ? { label: receipt.originalDocumentSha256, value: input.originalDocumentSha256.toLowerCase(), mono: true }
      : { label: receipt.originalDocumentSha256, value: receipt.unknown },
  ]);
  page.doc.y += 6;
  note(page, [fill(receipt.note, { organisationName: input.organisationName })]);

  return finish(fill(labels.footerReference, { requestId: input.requestId, version: input.form.version }));
}

function drawOutcome(page: Page, input: WithdrawalReceiptPdfInput): void {
  const { labels } = page;
  const { receipt } = labels;
  const stillGranted = input.remaining.some((r) => r.granted);
  page.doc.y += 4;
  banner(page, {
    heading: receipt.outcome,
    body: [
      fill(receipt.summary, { signerName: input.signerName, subjectFirstName: input.subjectFirstName }),
      `${receipt.withdrawnAt} ${amsterdamDateTime(input.withdrawnAt, labels)}`,
      `${labels.dateTimeUtc}: ${input.withdrawnAt.toISOString()}`,
      ...(stillGranted ? [] : [receipt.noneRemaining]),
    ],
    bar: COLOR.withdrawnInk,
    background: COLOR.withdrawnFill,
    headingColor: COLOR.withdrawnInk,
  });
}

/** The purposes withdrawn now, as a short list a reader can check at a glance. */
function drawWithdrawn(page: Page, input: WithdrawalReceiptPdfInput): void {
  const { doc, labels } = page;
  heading(page, labels.receipt.withdrawnHeading, 34 + 16 * input.withdrawn.length);
  const list = doc.struct('L');
  page.root.add(list);
  for (const purpose of input.withdrawn) {
    const item = doc.struct('LI');
    list.add(item);
    text(page, `•  ${purpose.label}`, { font: FONT.bold, size: 10, parent: item });
    item.end();
    doc.y += 3;
  }
  list.end();
}

/**
 * Every purpose with the choice that applies now. A purpose withdrawn, now or earlier, says when;
 * "Nee" is kept for what was never granted, so a reader can tell the two apart.
 */
function drawRemaining(page: Page, input: WithdrawalReceiptPdfInput): void {
  const { labels } = page;
  const withdrawnNow = new Set(input.withdrawn.map((w) => w.purposeId));
  heading(page, labels.receipt.remainingHeading, 70);
  choiceTable(
    page,
    [labels.purposeColumn, labels.decisionColumn],
    input.remaining.map((r) => {
      const withdrawnAt = withdrawnNow.has(r.purposeId) ? input.withdrawnAt : r.granted ? null : (r.withdrawnAt ?? null);
      if (withdrawnAt) return { label: r.label, detail: fill(labels.receipt.withdrawnOn, { date: amsterdamDateTime(withdrawnAt, labels) }), pill: { label: labels.receipt.withdrawnPill, tone: 'withdrawn' } };
      return { label: r.label, pill: r.granted ? { label: labels.yes, tone: 'yes' } : { label: labels.no, tone: 'no' } };
    }),
  );
}
