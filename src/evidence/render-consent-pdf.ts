import { readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { z } from 'zod';
import type { ConsentForm, Language, SignerRole } from '../consent/form-types';
import { projectPath } from '../shared/paths';

export interface ConsentPdfInput {
  organisationName: string;
  /** e.g. `cr_01J…` */
  requestId: string;
  /** The exact form version that was signed. */
  form: ConsentForm;
  /** The language the signer saw. */
  language: Language;
  signerRole: SignerRole;
  signerName: string;
  /** The already resolved declaration text the signer confirmed. */
  declaration: string;
  subjectFirstName: string;
  /** YYYY-MM-DD, shown for a guardian. */
  subjectDateOfBirth: string | null;
  outcome: 'signed' | 'declined';
  decisions: { purposeId: string; granted: boolean }[];
  /** null when declined. */
  signature: { kind: 'drawn'; png: Buffer } | { kind: 'typed'; text: string } | null;
  signedAt: Date;
  /** Short technical summary, e.g. "link via sms, browser: Chrome 126 / Android". */
  signedVia: string;
}

const roleText = z.strictObject({ guardian: z.string().min(1), participant: z.string().min(1) });
const labelsSchema = z.strictObject({
  locale: z.string().min(2),
  documentKind: z.string().min(1),
  organisation: z.string().min(1),
  form: z.string().min(1),
  version: z.string().min(1),
  requestId: z.string().min(1),
  outcomeSigned: z.string().min(1),
  declinedHeading: z.string().min(1),
  declinedBody: z.string().min(1),
  formTextHeading: z.string().min(1),
  decisionsHeading: z.string().min(1),
  purposeColumn: z.string().min(1),
  decisionColumn: z.string().min(1),
  yes: z.string().min(1),
  no: z.string().min(1),
  declarationHeading: z.string().min(1),
  signingHeading: z.string().min(1),
  decisionHeading: z.string().min(1),
  signedBy: z.string().min(1),
  declinedBy: z.string().min(1),
  role: z.string().min(1),
  roles: roleText,
  subjectFirstName: roleText,
  dateOfBirth: z.string().min(1),
  signature: z.string().min(1),
  drawnSignatureAlt: z.string().min(1),
  typedSignatureNote: z.string().min(1),
  dateTime: z.string().min(1),
  dateTimeUtc: z.string().min(1),
  dateTimePattern: z.string().min(1),
  recordedVia: z.string().min(1),
  footerReference: z.string().min(1),
  pageOf: z.string().min(1),
});

/** The texts of the evidence PDF in one language, from `templates/pdf/labels.<language>.json`. */
export type PdfLabels = z.infer<typeof labelsSchema>;

// The label files ship with the code and never change while the process runs, so reading each
// once is a cache of a static asset rather than mutable state.
const labelCache = new Map<Language, PdfLabels>();

export function loadPdfLabels(language: Language): PdfLabels {
  const cached = labelCache.get(language);
  if (cached) return cached;
  const file = projectPath('templates', 'pdf', `labels.${language}.json`);
  const parsed = labelsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  labelCache.set(language, parsed.data);
  return parsed.data;
}

const TIME_ZONE = 'Europe/Amsterdam';
const MARGIN = 56;
const BOTTOM_MARGIN = 78;
const COLOR = {
  ink: '#1c2630',
  muted: '#5c6773',
  accent: '#0b6466',
  rule: '#d6dce2',
  tint: '#f1f6f6',
  signedFill: '#e6f2ee',
  declined: '#a12622',
  declinedFill: '#fbecea',
  yesInk: '#145a32',
  yesFill: '#dbeee2',
  noInk: '#3d4550',
  noFill: '#e9ecef',
  pen: '#1d3461',
};
const FONT = { regular: 'Regular', bold: 'Bold', typed: 'Typed' } as const;
type FontName = (typeof FONT)[keyof typeof FONT];

type Doc = PDFKit.PDFDocument;
type StructElement = PDFKit.PDFStructureElement;

/** What every drawing step needs: the document, its texts and the box the content flows in. */
interface Page {
  doc: Doc;
  labels: PdfLabels;
  root: StructElement;
  left: number;
  width: number;
}

interface TextStyle {
  font?: FontName;
  size?: number;
  color?: string;
  structType?: string;
  parent?: StructElement;
  x?: number;
  y?: number;
  width?: number;
  align?: 'left' | 'right' | 'center';
  lineGap?: number;
}

/**
 * Renders the signed (or declined) consent as a tagged PDF/A-3b document: the form text exactly
 * as the signer read it, their choices, the declaration, who signed, the signature and when.
 */
export async function renderConsentPdf(input: ConsentPdfInput): Promise<Buffer> {
  const labels = loadPdfLabels(input.language);
  const doc = createDocument(input, labels);
  const done = collect(doc);
  const root = doc.struct('Document');
  doc.addStructure(root);
  const page: Page = { doc, labels, root, left: MARGIN, width: doc.page.width - 2 * MARGIN };

  drawHeader(page, input);
  drawOutcome(page, input);
  drawFormText(page, input.form, input.language);
  drawDecisions(page, input);
  drawClosing(page, input);
  drawFooters(page, input);

  root.end();
  doc.end();
  return done;
}

function createDocument(input: ConsentPdfInput, labels: PdfLabels): Doc {
  const regular = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: BOTTOM_MARGIN },
    subset: 'PDF/A-3b',
    pdfVersion: '1.7',
    tagged: true,
    lang: labels.locale,
    displayTitle: true,
    bufferPages: true,
    // Without it pdfkit starts with Helvetica, a font PDF/A does not allow unembedded.
    font: regular,
    info: {
      Title: input.form.title[input.language],
      Author: input.organisationName,
      Subject: input.requestId,
      CreationDate: input.signedAt,
    },
  });
  doc.registerFont(FONT.regular, regular);
  doc.registerFont(FONT.bold, require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'));
  doc.registerFont(FONT.typed, require.resolve('dejavu-fonts-ttf/ttf/DejaVuSerif-Italic.ttf'));
  return doc;
}

function collect(doc: Doc): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

// ---------------------------------------------------------------- sections

function drawHeader(page: Page, input: ConsentPdfInput): void {
  const { doc, labels, left, width } = page;
  const top = doc.page.margins.top;
  const kindWidth = 170;
  text(page, input.organisationName, { font: FONT.bold, size: 11, x: left, y: top, width: width - kindWidth - 12 });
  const nameBottom = doc.y;
  text(page, labels.documentKind.toLocaleUpperCase(labels.locale), { size: 8, color: COLOR.accent, font: FONT.bold, x: left + width - kindWidth, y: top + 2, width: kindWidth, align: 'right' });
  const y = Math.max(doc.y, nameBottom) + 8;
  artifact(doc, () => doc.rect(left, y, width, 1.6).fill(COLOR.accent));
  doc.y = y + 18;
  text(page, input.form.title[input.language], { font: FONT.bold, size: 19, structType: 'H1', lineGap: 3 });
  doc.y += 14;
  metaGrid(page, [
    [labels.organisation, input.organisationName],
    [labels.requestId, input.requestId],
    [labels.form, input.form.id],
    [labels.version, input.form.version],
  ]);
}

/** Label/value pairs in two columns, label small above its value. */
function metaGrid(page: Page, cells: [string, string][]): void {
  const { doc, left, width } = page;
  const gutter = 20;
  const column = (width - gutter) / 2;
  for (let i = 0; i < cells.length; i += 2) {
    const top = doc.y;
    let bottom = top;
    cells.slice(i, i + 2).forEach(([label, value], c) => {
      const x = left + c * (column + gutter);
      text(page, label, { size: 8, color: COLOR.muted, x, y: top, width: column });
      text(page, value, { size: 10, x, y: doc.y + 1, width: column });
      bottom = Math.max(bottom, doc.y);
    });
    doc.y = bottom + 8;
  }
}

function drawOutcome(page: Page, input: ConsentPdfInput): void {
  const { doc, labels } = page;
  const when = amsterdamDateTime(input.signedAt, labels);
  const declined = input.outcome === 'declined';
  doc.y += 4;
  const body = declined ? [fill(labels.declinedBody, { signerName: input.signerName }), when] : [when];
  banner(page, {
    heading: declined ? labels.declinedHeading : `✓ ${labels.outcomeSigned}`,
    body,
    bar: declined ? COLOR.declined : COLOR.accent,
    background: declined ? COLOR.declinedFill : COLOR.signedFill,
    headingColor: declined ? COLOR.declined : COLOR.ink,
  });
}

interface BannerStyle {
  heading: string;
  body: string[];
  bar: string;
  background: string;
  headingColor: string;
}

/** A tinted box with a coloured bar on the left; it is measured first so it never splits over two pages. */
function banner(page: Page, style: BannerStyle): void {
  const { doc, left, width } = page;
  const pad = 12;
  const inner = width - 2 * pad - 4;
  const headingHeight = measure(doc, style.heading, FONT.bold, 12.5, inner);
  const bodyHeights = style.body.map((line) => measure(doc, line, FONT.regular, 10, inner) + 3);
  const height = 2 * pad + headingHeight + 4 + bodyHeights.reduce((a, b) => a + b, 0);
  ensureSpace(page, height);
  const top = doc.y;
  artifact(doc, () => {
    doc.rect(left, top, width, height).fill(style.background);
    doc.rect(left, top, 4, height).fill(style.bar);
  });
  const x = left + 4 + pad;
  text(page, style.heading, { font: FONT.bold, size: 12.5, color: style.headingColor, structType: 'H2', x, y: top + pad, width: inner });
  doc.y += 4;
  for (const line of style.body) {
    text(page, line, { size: 10, x, width: inner });
    doc.y += 3;
  }
  doc.y = top + height + 6;
}

function drawFormText(page: Page, form: ConsentForm, language: Language): void {
  const { doc } = page;
  heading(page, page.labels.formTextHeading);
  text(page, form.intro[language], { size: 10.5, lineGap: 2.5 });
  doc.y += 10;
  for (const section of form.sections) {
    ensureSpace(page, 44);
    text(page, section.heading[language], { font: FONT.bold, size: 10.5, structType: 'H3' });
    doc.y += 3;
    text(page, section.body[language], { size: 10, lineGap: 2.5 });
    doc.y += 10;
  }
}

function drawDecisions(page: Page, input: ConsentPdfInput): void {
  const { doc, labels } = page;
  heading(page, labels.decisionsHeading, 90);
  const table = doc.struct('Table');
  page.root.add(table);
  tableHeader(page, table);
  const granted = new Map(input.decisions.map((d) => [d.purposeId, d.granted]));
  for (const purpose of input.form.purposes) {
    decisionRow(page, table, purpose.label[input.language], purpose.description[input.language], granted.get(purpose.id) === true);
  }
  table.end();
  doc.y += 6;
}

const DECISION_COLUMN = 92;
// pdfkit writes `scope` as the table attribute of a header cell; @types/pdfkit does not list it yet.
const headerCellOptions: PDFKit.Mixins.StructureElementOptions & { scope: 'Column' } = { scope: 'Column' };

function tableHeader(page: Page, table: StructElement): void {
  const { doc, labels, left, width } = page;
  const row = doc.struct('TR');
  table.add(row);
  const y = doc.y;
  const cell = (label: string, x: number, w: number, align: 'left' | 'center') => {
    const th = doc.struct('TH', headerCellOptions);
    row.add(th);
    text(page, label.toLocaleUpperCase(labels.locale), { font: FONT.bold, size: 7.5, color: COLOR.muted, x, y, width: w, align, parent: th });
  };
  cell(labels.purposeColumn, left, width - DECISION_COLUMN, 'left');
  cell(labels.decisionColumn, left + width - DECISION_COLUMN, DECISION_COLUMN, 'center');
  row.end();
  const ruleY = doc.y + 5;
  artifact(doc, () => hline(doc, left, left + width, ruleY, COLOR.ink, 0.8));
  doc.y = ruleY + 8;
}

function decisionRow(page: Page, table: StructElement, label: string, description: string, granted: boolean): void {
  const { doc, labels, left, width } = page;
  const textWidth = width - DECISION_COLUMN - 16;
  const height = measure(doc, label, FONT.bold, 10, textWidth) + 3 + measure(doc, description, FONT.regular, 8.5, textWidth, 1.5);
  if (doc.y + height + 10 > doc.page.maxY()) {
    doc.addPage();
    tableHeader(page, table);
  }
  const top = doc.y;
  const row = doc.struct('TR');
  table.add(row);
  const purposeCell = doc.struct('TD');
  row.add(purposeCell);
  text(page, label, { font: FONT.bold, size: 10, x: left, y: top, width: textWidth, parent: purposeCell });
  text(page, description, { size: 8.5, color: COLOR.muted, x: left, y: doc.y + 3, width: textWidth, lineGap: 1.5, parent: purposeCell });
  const bottom = doc.y;
  const decisionCell = doc.struct('TD');
  row.add(decisionCell);
  pill(page, granted ? labels.yes : labels.no, granted, left + width - DECISION_COLUMN + 14, top - 3, DECISION_COLUMN - 28, decisionCell);
  row.end();
  const ruleY = bottom + 8;
  artifact(doc, () => hline(doc, left, left + width, ruleY, COLOR.rule, 0.6));
  doc.y = ruleY + 9;
}

function pill(page: Page, label: string, granted: boolean, x: number, y: number, w: number, parent: StructElement): void {
  const { doc } = page;
  const h = 18;
  artifact(doc, () => doc.roundedRect(x, y, w, h, 9).fill(granted ? COLOR.yesFill : COLOR.noFill));
  text(page, label, { font: FONT.bold, size: 9.5, color: granted ? COLOR.yesInk : COLOR.noInk, x, y: y + 4, width: w, align: 'center', parent });
}

/**
 * The declaration, who signed with the signature, and when: the part a reader checks first, so it
 * is kept on one page when it fits on one.
 */
function drawClosing(page: Page, input: ConsentPdfInput): void {
  const { doc } = page;
  // Someone who declined did not confirm the declaration, so it is not shown as if they had.
  const declared = input.outcome === 'signed';
  const signerHeading = declared ? page.labels.signingHeading : page.labels.decisionHeading;
  const declarationHeight = declared ? headingHeight(page, page.labels.declarationHeading) + declarationBoxHeight(page, input.declaration) : 0;
  const height = declarationHeight + headingHeight(page, signerHeading) + signerBlockHeight(page, input) + recordBlockHeight(page, input);
  if (height <= doc.page.maxY() - doc.page.margins.top) ensureSpace(page, height);
  if (declared) drawDeclaration(page, input.declaration);
  heading(page, signerHeading, 30 + signerBlockHeight(page, input));
  drawSigner(page, input);
  drawRecord(page, input);
}

const DECLARATION_PAD = 12;

function declarationBoxHeight(page: Page, declaration: string): number {
  const inner = page.width - 2 * DECLARATION_PAD - 3;
  return measure(page.doc, declaration, FONT.regular, 10, inner, 2.5) + 2 * DECLARATION_PAD + 8;
}

function drawDeclaration(page: Page, declaration: string): void {
  const { doc, left, width } = page;
  heading(page, page.labels.declarationHeading, 80);
  const height = declarationBoxHeight(page, declaration) - 8;
  ensureSpace(page, height);
  const top = doc.y;
  artifact(doc, () => {
    doc.rect(left, top, width, height).fill(COLOR.tint);
    doc.rect(left, top, 3, height).fill(COLOR.accent);
  });
  const inner = width - 2 * DECLARATION_PAD - 3;
  text(page, declaration, { size: 10, lineGap: 2.5, x: left + 3 + DECLARATION_PAD, y: top + DECLARATION_PAD, width: inner });
  doc.y = top + height + 8;
}

const SIGNATURE_BOX = { width: 200, height: 80 };
// A typed name needs no room for pen strokes above the line.
const TYPED_SIGNATURE_HEIGHT = 40;
const signatureBoxHeight = (signature: NonNullable<ConsentPdfInput['signature']>) =>
  signature.kind === 'drawn' ? SIGNATURE_BOX.height : TYPED_SIGNATURE_HEIGHT;
const SIGNATURE_GUTTER = 30;

function hasSignature(input: ConsentPdfInput): input is ConsentPdfInput & { signature: NonNullable<ConsentPdfInput['signature']> } {
  return input.outcome === 'signed' && input.signature !== null;
}

function signerRows(page: Page, input: ConsentPdfInput): [string, string][] {
  const { labels } = page;
  const rows: [string, string][] = [
    [input.outcome === 'signed' ? labels.signedBy : labels.declinedBy, input.signerName],
    [labels.role, labels.roles[input.signerRole]],
    [labels.subjectFirstName[input.signerRole], input.subjectFirstName],
  ];
  if (input.signerRole === 'guardian' && input.subjectDateOfBirth) rows.push([labels.dateOfBirth, formatDateOfBirth(input.subjectDateOfBirth, labels)]);
  return rows;
}

const signerColumnWidth = (page: Page, input: ConsentPdfInput) =>
  hasSignature(input) ? page.width - SIGNATURE_BOX.width - SIGNATURE_GUTTER : page.width;

function signerBlockHeight(page: Page, input: ConsentPdfInput): number {
  const rows = keyValuesHeight(page, signerRows(page, input), signerColumnWidth(page, input));
  return Math.max(rows, hasSignature(input) ? signatureHeight(page, input.signature) : 0) + 10;
}

/** Who decided, beside the signature (when there is one). */
function drawSigner(page: Page, input: ConsentPdfInput): void {
  const { doc, left, width } = page;
  const top = doc.y;
  keyValues(page, signerRows(page, input), left, signerColumnWidth(page, input));
  const rowsBottom = doc.y;
  if (hasSignature(input)) drawSignature(page, input.signature, input.signerName, left + width - SIGNATURE_BOX.width, top);
  doc.y = Math.max(rowsBottom, doc.y) + 10;
}

function signatureHeight(page: Page, signature: NonNullable<ConsentPdfInput['signature']>): number {
  const { doc, labels } = page;
  const { width } = SIGNATURE_BOX;
  const height = signatureBoxHeight(signature);
  const note = signature.kind === 'typed' ? measure(doc, labels.typedSignatureNote, FONT.regular, 8, width) + 2 : 0;
  return measure(doc, labels.signature, FONT.regular, 8, width) + 2 + height + 8 + measure(doc, 'X', FONT.regular, 8.5, width) + note;
}

function drawSignature(page: Page, signature: NonNullable<ConsentPdfInput['signature']>, signerName: string, x: number, top: number): void {
  const { doc, labels, root } = page;
  const { width } = SIGNATURE_BOX;
  const height = signatureBoxHeight(signature);
  text(page, labels.signature, { size: 8, color: COLOR.muted, x, y: top, width });
  const boxTop = doc.y + 2;
  if (signature.kind === 'drawn') {
    const figure = doc.struct('Figure', { alt: fill(labels.drawnSignatureAlt, { signerName }) }, () => {
      doc.image(signature.png, x, boxTop, { fit: [width, height], align: 'center', valign: 'bottom' });
    });
    root.add(figure);
  } else {
    const size = fitFontSize(doc, signature.text, FONT.typed, 20, width);
    // Bottom-aligned on the line, like ink; a name too long even at the smallest size wraps upwards.
    const nameHeight = measure(doc, signature.text, FONT.typed, size, width, 0);
    text(page, signature.text, { font: FONT.typed, size, color: COLOR.pen, x, y: boxTop + height - nameHeight, width, lineGap: 0 });
  }
  const lineY = boxTop + height + 4;
  artifact(doc, () => hline(doc, x, x + width, lineY, COLOR.ink, 0.8));
  text(page, signerName, { size: 8.5, color: COLOR.muted, x, y: lineY + 4, width });
  if (signature.kind === 'typed') text(page, labels.typedSignatureNote, { size: 8, color: COLOR.muted, x, y: doc.y + 2, width });
}

function recordRows(page: Page, input: ConsentPdfInput): [string, string][] {
  const { labels } = page;
  return [
    [labels.dateTime, amsterdamDateTime(input.signedAt, labels)],
    [labels.dateTimeUtc, input.signedAt.toISOString()],
    [labels.requestId, input.requestId],
    [labels.recordedVia, input.signedVia],
  ];
}

const recordBlockHeight = (page: Page, input: ConsentPdfInput) => 10 + keyValuesHeight(page, recordRows(page, input), page.width);

/** When and how: the legally relevant moment in local time and UTC, and the channel used. */
function drawRecord(page: Page, input: ConsentPdfInput): void {
  const { doc, left, width } = page;
  ensureSpace(page, recordBlockHeight(page, input));
  const top = doc.y;
  artifact(doc, () => hline(doc, left, left + width, top, COLOR.rule, 0.6));
  doc.y += 10;
  keyValues(page, recordRows(page, input), left, width);
}

const KEY_WIDTH = 118;

function keyValueHeight(page: Page, label: string, value: string, width: number): number {
  const labelHeight = measure(page.doc, label, FONT.regular, 9, KEY_WIDTH - 8) + 1;
  return Math.max(labelHeight, measure(page.doc, value, FONT.regular, 10, width - KEY_WIDTH)) + 5;
}

function keyValuesHeight(page: Page, rows: [string, string][], width: number): number {
  return rows.reduce((sum, [label, value]) => sum + keyValueHeight(page, label, value, width), 0);
}

function keyValues(page: Page, rows: [string, string][], x: number, width: number): void {
  const { doc } = page;
  for (const [label, value] of rows) {
    ensureSpace(page, keyValueHeight(page, label, value, width));
    const top = doc.y;
    text(page, label, { size: 9, color: COLOR.muted, x, y: top + 1, width: KEY_WIDTH - 8 });
    const labelBottom = doc.y;
    text(page, value, { size: 10, x: x + KEY_WIDTH, y: top, width: width - KEY_WIDTH });
    doc.y = Math.max(labelBottom, doc.y) + 5;
  }
}

/** Request id, form version and page number on every page, added once the page count is known. */
function drawFooters(page: Page, input: ConsentPdfInput): void {
  const { doc, labels, left, width } = page;
  const range = doc.bufferedPageRange();
  const reference = fill(labels.footerReference, { requestId: input.requestId, version: input.form.version });
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const pageOf = fill(labels.pageOf, { page: String(i + 1), pages: String(range.count) });
    // Writing below maxY would otherwise make pdfkit start a new page.
    const bottomMargin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - 46;
    doc.markContent('Artifact', { type: 'Pagination' });
    hline(doc, left, left + width, y - 8, COLOR.rule, 0.6);
    doc.font(FONT.regular).fontSize(7.5).fillColor(COLOR.muted);
    doc.text(reference, left, y, { lineBreak: false });
    doc.text(pageOf, left + width - doc.widthOfString(pageOf), y, { lineBreak: false });
    doc.endMarkedContent();
    doc.page.margins.bottom = bottomMargin;
  }
}

// ---------------------------------------------------------------- primitives

function headingHeight(page: Page, label: string): number {
  return 10 + measure(page.doc, label, FONT.bold, 13, page.width) + 8;
}

function heading(page: Page, label: string, keepWithNext = 60): void {
  const { doc } = page;
  // No extra space above a heading that opens a page.
  if (doc.y > doc.page.margins.top) doc.y += 10;
  ensureSpace(page, keepWithNext);
  text(page, label, { font: FONT.bold, size: 13, color: COLOR.accent, structType: 'H2' });
  doc.y += 8;
}

function text(page: Page, value: string, style: TextStyle = {}): void {
  const { doc } = page;
  doc.font(style.font ?? FONT.regular).fontSize(style.size ?? 10).fillColor(style.color ?? COLOR.ink);
  doc.text(value, style.x ?? page.left, style.y ?? doc.y, {
    width: style.width ?? page.width,
    align: style.align ?? 'left',
    lineGap: style.lineGap ?? 1.5,
    structParent: style.parent ?? page.root,
    structType: style.structType ?? 'P',
  });
}

function measure(doc: Doc, value: string, font: FontName, size: number, width: number, lineGap = 1.5): number {
  return doc.font(font).fontSize(size).heightOfString(value, { width, lineGap });
}

/** A long typed name shrinks to stay on one line inside the signature box. */
function fitFontSize(doc: Doc, value: string, font: FontName, size: number, width: number): number {
  const natural = doc.font(font).fontSize(size).widthOfString(value);
  return natural <= width ? size : Math.max(9, Math.floor((size * width) / natural));
}

function ensureSpace(page: Page, height: number): void {
  const { doc } = page;
  if (doc.y + height > doc.page.maxY()) doc.addPage();
}

/** Lines and boxes are decoration, not content: screen readers skip them. */
function artifact(doc: Doc, draw: () => void): void {
  doc.markContent('Artifact');
  draw();
  doc.endMarkedContent();
}

function hline(doc: Doc, x1: number, x2: number, y: number, color: string, thickness: number): void {
  doc.save().moveTo(x1, y).lineTo(x2, y).lineWidth(thickness).strokeColor(color).stroke().restore();
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

function amsterdamDateTime(at: Date, labels: PdfLabels): string {
  const date = new Intl.DateTimeFormat(labels.locale, { timeZone: TIME_ZONE, day: 'numeric', month: 'long', year: 'numeric' }).format(at);
  const time = new Intl.DateTimeFormat(labels.locale, { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  return fill(labels.dateTimePattern, { date, time, timeZone: TIME_ZONE });
}

function formatDateOfBirth(isoDate: string, labels: PdfLabels): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return isoDate;
  return new Intl.DateTimeFormat(labels.locale, { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }).format(date);
}
