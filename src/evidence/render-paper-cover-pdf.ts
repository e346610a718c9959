import type { ConsentForm, Language } from '../consent/form-types';
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

export interface PaperCoverPdfInput {
  organisationName: string;
  requestId: string;
  form: ConsentForm;
  language: Language;
  /** The name written on the paper form. */
  signedBy: string;
  /** YYYY-MM-DD, the date written on the paper form. */
  signedOn: string;
  decisions: { purposeId: string; label: string; granted: boolean }[];
  recordedAt: Date;
  /** The audit actor who recorded it (`api:key_…`), or already plain words. */
  recordedBy: string;
  scan: { contentType: string; bytes: number; sha256: string; fileName: string | null };
}

export type PaperScanType = 'application/pdf' | 'image/jpeg' | 'image/png';

/** Where the scan is in the finished document; the cover tells the reader where to look. */
type ScanPlacement = 'separate' | 'next-page' | 'attached';

/** The cover page on its own, for a scan kept beside it. */
export async function renderPaperCoverPdf(input: PaperCoverPdfInput): Promise<Buffer> {
  const { page, finish } = openPaperDocument(input);
  drawCover(page, input, 'separate');
  return finish(footerReference(page.labels, input));
}

/**
 * Consent given on paper as ONE PDF/A-3b document: the cover, then the scan. A photo or image
 * scan is shown on page 2, fitted to the page; a PDF scan cannot be drawn by pdfkit, so it is
 * embedded unchanged as an associated file (AFRelationship Source) and the cover says so.
 */
export async function renderPaperRecordPdf(coverInput: PaperCoverPdfInput, scan: Buffer, contentType: PaperScanType): Promise<Buffer> {
  const { page, finish } = openPaperDocument(coverInput);
  if (contentType === 'application/pdf') {
    drawCover(page, coverInput, 'attached');
    attachScan(page, coverInput, scan);
  } else {
    drawCover(page, coverInput, 'next-page');
    drawScanPage(page, coverInput, scan);
  }
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
    kind: paper.documentKind,
    title: paper.title,
    subtitle: input.form.title[input.language],
    meta: requestMeta(labels, input),
  });
  const granted = input.decisions.some((d) => d.granted);
  const signedOn = formatIsoDate(input.signedOn, labels);
  const where = { separate: paper.scanKeptSeparately, 'next-page': paper.scanOnNextPage, attached: paper.scanAttached }[placement];
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
  factsSection(page, paper.recordedHeading, [
    { label: paper.recordedBy, value: actorLabel(input.recordedBy, labels) },
    { label: paper.recordedAt, value: amsterdamDateTime(input.recordedAt, labels) },
    { label: labels.dateTimeUtc, value: input.recordedAt.toISOString() },
  ]);
  factsSection(page, paper.scanHeading, [
    { label: paper.scanType, value: paper.scanTypes[input.scan.contentType] ?? input.scan.contentType },
    { label: paper.scanSize, value: fileSize(input.scan.bytes, labels) },
    ...(input.scan.fileName ? [{ label: paper.scanFileName, value: input.scan.fileName }] : []),
    { label: paper.scanSha256, value: input.scan.sha256.toLowerCase(), mono: true },
  ]);
  page.doc.y += 6;
  note(page, [fill(paper.scanCheck, { organisationName: input.organisationName })]);
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

/** Page 2: a caption, then the scan as large as the page allows, with a thin frame. */
function drawScanPage(page: Page, input: PaperCoverPdfInput, scan: Buffer): void {
  const { doc, labels, left, width, root } = page;
  doc.addPage();
  pageHeader(page, input.organisationName, labels.paper.documentKind);
  text(page, labels.paper.scanPageTitle, { font: FONT.bold, size: 13, color: COLOR.accent, structType: 'H2' });
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
