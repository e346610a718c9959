import type { ConsentForm, Language, SignerRole } from '../consent/form-types';
import {
  actorLabel,
  amsterdamDateTime,
  artifact,
  banner,
  choiceTable,
  COLOR,
  documentHeader,
  factsSection,
  fill,
  FONT,
  formatIsoDate,
  heading,
  loadPdfLabels,
  note,
  openDocument,
  type Page,
  pageHeader,
  type PdfLabels,
  text,
  requestMeta,
} from './pdf-layout';
import { type AuditEntry, drawAuditTrailPage } from './render-consent-pdf';
import type { PdfOrganisation } from './pdf-organisation';
import { renderPdfPages, type RenderedPage } from './render-pdf-pages';

export interface PaperCoverPdfInput {
  organisationName: string;
  /** The organisation's logo, contact and DPO (issue 10); absent: the name only. */
  organisation?: PdfOrganisation;
  requestId: string;
  form: ConsentForm;
  language: Language;
  /** The name written on the paper form. */
  signedBy: string;
  /** Parent/guardian (for a child) or the participant themself. */
  signerRole: SignerRole;
  subjectFirstName: string;
  /** YYYY-MM-DD, shown for a guardian. */
  subjectDateOfBirth: string | null;
  /** YYYY-MM-DD, the date written on the paper form. */
  signedOn: string;
  decisions: { purposeId: string; label: string; granted: boolean }[];
  recordedAt: Date;
  /** The audit actor who recorded it (`api:key_…`), or already plain words. */
  recordedBy: string;
  /** The name the organisation gave the API key that recorded it, when known. */
  recordedByName?: string | null;
  /** Every event of the request so far, oldest first, with the final signed/declined one last. */
  auditTrail: AuditEntry[];
  /** `sha256`: of the upload as received; `attachedSha256`: of the normalised PDF attached to the record (PDF scans). */
  scan: { contentType: string; bytes: number; sha256: string; fileName: string | null; attachedSha256?: string | null };
}

export type PaperScanType = 'application/pdf' | 'image/jpeg' | 'image/png';

/** Where the scan is in the finished document; the cover tells the reader where to look. */
type ScanPlacement = 'separate' | 'next-page' | { pdfPages: number };

/** The cover page on its own, for a scan kept beside it. */
export async function renderPaperCoverPdf(input: PaperCoverPdfInput): Promise<Buffer> {
  const { page, finish } = openPaperDocument(input);
  drawCover(page, input, 'separate');
  return finish(footerReference(page.labels, input));
}

/**
 * Consent given on paper as ONE PDF/A-3b document: the cover, then the scan, then the audit trail.
 * A photo or image scan is shown on page 2, fitted to the page. A PDF scan (already checked with
 * inspectPdfScan, which also rewrote it from its parsed objects) is shown page by page as images
 * drawn in a sandboxed worker, and that normalised copy is embedded as an associated file
 * (AFRelationship Source).
 */
export async function renderPaperRecordPdf(coverInput: PaperCoverPdfInput, scan: Buffer, contentType: PaperScanType): Promise<Buffer> {
  // Rendered before the document is opened: a PDF that cannot be drawn leaves nothing half made.
  const pdfPages = contentType === 'application/pdf' ? await renderPdfPages(scan) : null;
  const { page, finish } = openPaperDocument(coverInput);
  if (pdfPages) {
    drawCover(page, coverInput, { pdfPages: pdfPages.length });
    pdfPages.forEach((rendered, index) => drawScanPage(page, coverInput, rendered.jpeg, fill(page.labels.paper.scanPageOf, { page: String(index + 1), pages: String(pdfPages.length) })));
    attachScan(page, coverInput, scan);
  } else {
    drawCover(page, coverInput, 'next-page');
    drawScanPage(page, coverInput, scan, page.labels.paper.scanPageTitle);
  }
  drawAuditTrailPage(page, coverInput.organisationName, page.labels.paper.documentKind, coverInput.auditTrail);
  drawScanCheck(page, coverInput);
  return finish(footerReference(page.labels, coverInput));
}

function openPaperDocument(input: PaperCoverPdfInput) {
  const { paper } = loadPdfLabels(input.language);
  return openDocument({
    language: input.language,
    title: `${paper.title} — ${input.form.title[input.language]}`,
    author: input.organisationName,
    subject: input.requestId,
    createdAt: input.recordedAt,
  });
}

const footerReference = (labels: PdfLabels, input: PaperCoverPdfInput) =>
  fill(labels.footerReference, { requestId: input.requestId, version: input.form.version });

function drawCover(page: Page, input: PaperCoverPdfInput, placement: ScanPlacement): void {
  const { labels } = page;
  const { paper } = labels;
  documentHeader(page, {
    organisationName: input.organisationName,
    organisation: input.organisation,
    kind: paper.documentKind,
    title: paper.title,
    subtitle: input.form.title[input.language],
    meta: [...requestMeta(labels, input), ...signerCells(input, labels)],
  });
  const granted = input.decisions.some((d) => d.granted);
  const signedOn = formatIsoDate(input.signedOn, labels);
  const where =
    placement === 'separate'
      ? paper.scanKeptSeparately
      : placement === 'next-page'
        ? paper.scanOnNextPage
        : placement.pdfPages === 1
          ? paper.scanPdfOnePage
          : fill(paper.scanPdfPages, { pages: String(placement.pdfPages) });
  page.doc.y += 4;
  banner(page, {
    heading: granted ? `✓ ${paper.outcomeGranted}` : paper.outcomeNone,
    body: [fill(paper.summary, { signedBy: input.signedBy, signedOn }), where],
    bar: granted ? COLOR.accent : COLOR.declined,
    background: granted ? COLOR.signedFill : COLOR.declinedFill,
    headingColor: granted ? COLOR.ink : COLOR.declined,
  });
  heading(page, labels.decisionsHeading, 90);
  choiceTable(
    page,
    [labels.purposeColumn, labels.decisionColumn],
    input.decisions.map((d) => ({ label: d.label, pill: d.granted ? { label: labels.yes, tone: 'yes' } : { label: labels.no, tone: 'no' } })),
  );
  // Who recorded it, when, and the scan's facts under one heading: the cover stays one page.
  factsSection(page, paper.recordedHeading, [
    { label: paper.recordedBy, value: recorder(input, labels) },
    { label: paper.recordedAt, value: amsterdamDateTime(input.recordedAt, labels) },
    { label: labels.dateTimeUtc, value: input.recordedAt.toISOString() },
    { label: paper.scanType, value: paper.scanTypes[input.scan.contentType] ?? input.scan.contentType },
    { label: paper.scanSize, value: fileSize(input.scan.bytes, labels) },
    ...(input.scan.fileName ? [{ label: paper.scanFileName, value: shownFileName(input.scan.fileName) }] : []),
    { label: paper.scanSha256, value: input.scan.sha256.toLowerCase(), mono: true },
  ]);
  if (placement === 'separate') drawScanCheck(page, input);
}

/** How to check the scan and the seal: under the cover's facts, or in a record after its audit trail. */
function drawScanCheck(page: Page, input: PaperCoverPdfInput): void {
  page.doc.y += 6;
  // A PDF scan is attached as rewritten from its objects; its own SHA-256 is given here, so that the cover stays one page.
  const attached = input.scan.attachedSha256 ? [fill(page.labels.paper.scanAttachedSha256, { sha256: input.scan.attachedSha256.toLowerCase() })] : [];
  note(page, [fill(page.labels.paper.scanCheck, { organisationName: input.organisationName }), ...attached]);
}

/**
 * Who signed, in which role, and for whom (the child's first name and date of birth, or the
 * participant's first name), in the header's grid so that the cover stays one page.
 */
function signerCells(input: PaperCoverPdfInput, labels: PdfLabels): [string, string][] {
  const cells: [string, string][] = [
    [labels.signedBy, input.signedBy],
    [labels.role, labels.roles[input.signerRole]],
    [labels.subjectFirstName[input.signerRole], input.subjectFirstName],
  ];
  if (input.signerRole === 'guardian' && input.subjectDateOfBirth) cells.push([labels.dateOfBirth, formatIsoDate(input.subjectDateOfBirth, labels)]);
  return cells;
}

/** "API-sleutel ‘Registratie’ (key_…)" when the key's name is known, else "API-sleutel key_…". */
function recorder(input: PaperCoverPdfInput, labels: PdfLabels): string {
  const keyId = input.recordedBy.startsWith('api:') ? input.recordedBy.slice(4) : null;
  if (keyId && input.recordedByName) return fill(labels.paper.recordedByKey, { keyName: input.recordedByName, keyId });
  return actorLabel(input.recordedBy, labels);
}

/** "245,3 kB (250.880 bytes)": readable size first, the exact count for anyone comparing files. */
function fileSize(bytes: number, labels: PdfLabels): string {
  const [value, unit] = bytes >= 1_000_000 ? [bytes / 1_000_000, 'megabyte'] : [bytes / 1_000, 'kilobyte'];
  const size = new Intl.NumberFormat(labels.locale, { style: 'unit', unit, maximumFractionDigits: 1 }).format(value);
  return fill(labels.paper.sizePattern, { size, bytes: new Intl.NumberFormat(labels.locale).format(bytes) });
}

// pdfkit 0.20 writes `relationship` as the file spec's /AFRelationship (PDF/A-3); @types/pdfkit lacks it.
type AssociatedFileOptions = PDFKit.Mixins.PDFAttachmentOptions & { relationship: 'Source' | 'Data' | 'Alternative' | 'Supplement' | 'Unspecified' };

function attachScan(page: Page, input: PaperCoverPdfInput, scan: Buffer): void {
  const options: AssociatedFileOptions = {
    name: attachmentName(input.scan.fileName, input.requestId),
    type: 'application/pdf',
    description: page.labels.paper.attachmentDescription,
    relationship: 'Source',
    // Fixed dates keep the output reproducible; PDF/A-3 asks for a modification date.
    creationDate: input.recordedAt,
    modifiedDate: input.recordedAt,
  };
  page.doc.file(scan, options);
}

/** The uploaded name when it is a plain PDF file name, otherwise one made from the request id. */
/** At most 120 characters (code points) of the scan's file name on the cover: a longer one ends in "…" (so the cover stays one page). */
export const MAX_SHOWN_FILE_NAME = 120;
function shownFileName(fileName: string): string {
  const chars = Array.from(fileName);
  return chars.length <= MAX_SHOWN_FILE_NAME ? fileName : `${chars.slice(0, MAX_SHOWN_FILE_NAME - 1).join('').trimEnd()}…`;
}

function attachmentName(fileName: string | null, requestId: string): string {
  const base = (fileName ?? '').split(/[\\/]/).pop()?.replace(/[^\p{L}\p{N} ._()-]/gu, '').trim() ?? '';
  if (!base) return `scan-${requestId}.pdf`;
  return /\.pdf$/i.test(base) ? base : `${base}.pdf`;
}

// The image as pdfkit opens it; @types/pdfkit does not declare openImage.
interface OpenedImage {
  width: number;
  height: number;
  orientation?: number;
}
type ImageOpener = { openImage(src: Buffer): OpenedImage };

/** A page with a caption, then the scan (or one page of it) as large as the page allows, with a thin frame. */
function drawScanPage(page: Page, input: PaperCoverPdfInput, scan: Buffer, title: string): void {
  const { doc, labels, left, width, root } = page;
  doc.addPage();
  pageHeader(page, input.organisationName, labels.paper.documentKind);
  text(page, title, { font: FONT.bold, size: 13, color: COLOR.accent, structType: 'H2' });
  doc.y += 10;
  const top = doc.y;
  const boxHeight = doc.page.maxY() - top;
  const image = (doc as PDFKit.PDFDocument & ImageOpener).openImage(scan);
  // EXIF orientations 5–8 turn the image a quarter: width and height swap on the page.
  const turned = (image.orientation ?? 1) > 4;
  const [imageWidth, imageHeight] = turned ? [image.height, image.width] : [image.width, image.height];
  const scale = Math.min(width / imageWidth, boxHeight / imageHeight);
  const [w, h] = [imageWidth * scale, imageHeight * scale];
  const x = left + (width - w) / 2;
  const figure = doc.struct('Figure', { alt: fill(labels.paper.scanAlt, { signedBy: input.signedBy }) }, () => {
    doc.image(image as unknown as Buffer, x, top, { width: w, height: h });
  });
  root.add(figure);
  artifact(doc, () => doc.save().rect(x, top, w, h).lineWidth(0.6).strokeColor(COLOR.rule).stroke().restore());
}
