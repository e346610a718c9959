import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { z } from 'zod';
import type { Language } from '../consent/form-types';
import { projectPath } from '../shared/paths';
import type { PdfOrganisation } from './pdf-organisation';
import { readPngHeader } from './png-header';

/**
 * The page layout every evidence PDF shares (the consent record, the withdrawal receipt, the paper
 * cover): one look, PDF/A-3b with embedded DejaVu fonts, tagged for screen readers, texts from
 * `templates/pdf/labels.<language>.json` and a footer with the reference on every page.
 */

const text1 = z.string().min(1);
const roleText = z.strictObject({ guardian: text1, participant: text1 });
const labelsSchema = z.strictObject({
  locale: z.string().min(2),
  documentKind: text1,
  organisation: text1,
  form: text1,
  version: text1,
  requestId: text1,
  outcomeSigned: text1,
  declinedHeading: text1,
  declinedBody: text1,
  formTextHeading: text1,
  decisionsHeading: text1,
  purposeColumn: text1,
  decisionColumn: text1,
  yes: text1,
  no: text1,
  declarationHeading: text1,
  signingHeading: text1,
  decisionHeading: text1,
  signedBy: text1,
  declinedBy: text1,
  role: text1,
  roles: roleText,
  subjectFirstName: roleText,
  dateOfBirth: text1,
  signature: text1,
  drawnSignatureAlt: text1,
  typedSignatureNote: text1,
  dateTime: text1,
  dateTimeUtc: text1,
  dateTimePattern: text1,
  recordedVia: text1,
  /** Issue 12: the parental authority a guardian declared, and a second guardian's family. */
  family: z.strictObject({ authority: text1, sole: text1, joint: text1, declaredBy: text1, notGiven: text1, family: text1, secondGuardian: text1, primaryRequest: text1 }),
  /** Whether the typed name is the name the request was sent to (issue 10). */
  nameMatch: z.strictObject({ heading: text1, label: text1, yes: text1, no: text1, notTyped: text1 }),
  /** The organisation as controller, with its contact and data protection officer (issue 10). */
  controller: z.strictObject({ heading: text1, phone: text1, email: text1, privacyStatement: text1, dpo: text1, logoAlt: text1 }),
  /** How a link signing was made: `{channel}`, `{address}` (masked) and `{browser}`. */
  signedVia: text1,
  browser: z.strictObject({ pattern: text1, unknown: text1, otherBrowser: text1, otherSystem: text1 }),
  /** The /Reason of each seal, in the language of the document it seals. */
  sealReasons: z.strictObject({ signed: text1, declined: text1, withdrawn: text1, paper: text1, timestampAdded: text1, receiptTimestampAdded: text1 }),
  footerReference: text1,
  pageOf: text1,
  /** Per event type; a type without a label is shown as it is stored. */
  eventTypes: z.record(z.string(), text1),
  actors: z.strictObject({ apiKey: text1, recipient: text1, system: text1, provider: text1, staff: text1 }),
  providerNames: z.record(z.string(), text1),
  channels: z.record(z.string(), text1),
  audit: z.strictObject({
    title: text1,
    intro: text1,
    timeColumn: text1,
    eventColumn: text1,
    actorColumn: text1,
    channelColumn: text1,
    hashColumn: text1,
    apiKey: text1,
    hashNote: text1,
    noEvents: text1,
    thisDocument: text1,
    fingerprintsHeading: text1,
    browser: text1,
    consentTextSha256: text1,
    signatureSha256: text1,
    formVersion: text1,
    typedSignature: text1,
    noSignature: text1,
    explanation: text1,
  }),
  receipt: z.strictObject({
    documentKind: text1,
    title: text1,
    outcome: text1,
    summary: text1,
    noneRemaining: text1,
    withdrawnHeading: text1,
    remainingHeading: text1,
    withdrawnPill: text1,
    withdrawnAt: text1,
    withdrawnOn: text1,
    originalHeading: text1,
    originalSignedAt: text1,
    originalDocumentSha256: text1,
    unknown: text1,
    note: text1,
  }),
  paper: z.strictObject({
    documentKind: text1,
    title: text1,
    outcomeGranted: text1,
    outcomeNone: text1,
    summary: text1,
    recordedHeading: text1,
    recordedBy: text1,
    recordedAt: text1,
    scanType: text1,
    scanTypes: z.record(z.string(), text1),
    scanSize: text1,
    sizePattern: text1,
    scanFileName: text1,
    scanSha256: text1,
    scanAttachedSha256: text1,
    scanOnNextPage: text1,
    scanAttached: text1,
    scanKeptSeparately: text1,
    scanCheck: text1,
    scanPageTitle: text1,
    scanAlt: text1,
    attachmentDescription: text1,
    scanPdfOnePage: text1,
    scanPdfPages: text1,
    scanPageOf: text1,
    recordedByKey: text1,
  }),
});

/** The texts of the evidence PDFs in one language, from `templates/pdf/labels.<language>.json`. */
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

export const TIME_ZONE = 'Europe/Amsterdam';
export const MARGIN = 56;
const BOTTOM_MARGIN = 78;
export const COLOR = {
  ink: '#1c2630',
  muted: '#5c6773',
  accent: '#0b6466',
  rule: '#d6dce2',
  tint: '#f1f6f6',
  zebra: '#f6f8f9',
  signedFill: '#e6f2ee',
  declined: '#a12622',
  declinedFill: '#fbecea',
  yesInk: '#145a32',
  yesFill: '#dbeee2',
  noInk: '#3d4550',
  noFill: '#e9ecef',
  withdrawnInk: '#8a4b08',
  withdrawnFill: '#fbefdc',
  pen: '#1d3461',
};
export const FONT = { regular: 'Regular', bold: 'Bold', typed: 'Typed', mono: 'Mono' } as const;
export type FontName = (typeof FONT)[keyof typeof FONT];

export type Doc = PDFKit.PDFDocument;
export type StructElement = PDFKit.PDFStructureElement;

/** What every drawing step needs: the document, its texts and the box the content flows in. */
export interface Page {
  doc: Doc;
  labels: PdfLabels;
  root: StructElement;
  left: number;
  width: number;
}

export interface DocumentMeta {
  language: Language;
  title: string;
  author: string;
  subject: string;
  /** Fixed by the caller so that the same input gives the same bytes. */
  createdAt: Date;
}

export interface OpenDocument {
  page: Page;
  /** Draws the footers, closes the structure tree and resolves with the finished file. */
  finish: (footerReference: string) => Promise<Buffer>;
}

const FONT_FILES: Record<FontName, string> = {
  [FONT.regular]: 'DejaVuSans.ttf',
  [FONT.bold]: 'DejaVuSans-Bold.ttf',
  [FONT.typed]: 'DejaVuSerif-Italic.ttf',
  [FONT.mono]: 'DejaVuSansMono.ttf',
};

/**
 * Parsing a DejaVu file (its metrics, cmap and glyph tables) costs more than laying out a whole
 * record, and pdfkit would do it again for every document. pdfkit 0.20 also takes an already
 * parsed fontkit font, so each file is parsed once per process, a cache of a static asset like the
 * labels. The fontkit is the one pdfkit itself loads, so both always agree on its version.
 */
const fontkit = createRequire(require.resolve('pdfkit'))('fontkit') as { create(data: Uint8Array): object };
const parsedFonts = new Map<FontName, object>();

/**
 * A font for one document: the parsed tables are shared, the glyph cache is not. fontkit keeps a
 * glyph with the characters it was first looked up by, and subsetting looks up the parts of a
 * composed glyph (the j of ĳ) without any; shared between documents, such a glyph would lose its
 * text in the next one. A per-document view with its own cache keeps every document the same
 * whatever was rendered before it.
 */
function fontForDocument(name: FontName): PDFKit.Mixins.PDFFontSource {
  let parsed = parsedFonts.get(name);
  if (!parsed) {
    parsed = fontkit.create(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${FONT_FILES[name]}`)));
    // Fail loudly if a fontkit upgrade renames the cache, rather than mix glyphs between documents.
    if (!('_glyphs' in parsed)) throw new Error('fontkit no longer keeps its glyph cache in _glyphs: check fontForDocument in pdf-layout.ts');
    parsedFonts.set(name, parsed);
  }
  // @types/pdfkit does not list fontkit fonts as a source yet; pdfkit recognises them by their layout().
  return Object.assign(Object.create(parsed) as object, { _glyphs: {} }) as unknown as PDFKit.Mixins.PDFFontSource;
}

export function openDocument(meta: DocumentMeta): OpenDocument {
  const labels = loadPdfLabels(meta.language);
  const fonts = Object.fromEntries(Object.values(FONT).map((name) => [name, fontForDocument(name)])) as Record<FontName, PDFKit.Mixins.PDFFontSource>;
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: BOTTOM_MARGIN },
    subset: 'PDF/A-3b',
    pdfVersion: '1.7',
    tagged: true,
    lang: labels.locale,
    displayTitle: true,
    bufferPages: true,
    // Without it pdfkit starts with Helvetica, a font PDF/A does not allow unembedded. pdfkit takes
    // a parsed font here as in registerFont; @types/pdfkit only lists a path.
    font: fonts[FONT.regular] as unknown as string,
    info: { Title: meta.title, Author: meta.author, Subject: meta.subject, CreationDate: meta.createdAt },
  });
  for (const name of Object.values(FONT)) doc.registerFont(name, fonts[name]);
  const done = collect(doc);
  const root = doc.struct('Document');
  doc.addStructure(root);
  const page: Page = { doc, labels, root, left: MARGIN, width: doc.page.width - 2 * MARGIN };
  return {
    page,
    finish: (footerReference) => {
      drawFooters(page, footerReference);
      root.end();
      doc.end();
      return done;
    },
  };
}

function collect(doc: Doc): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

/** The reference and page number on every page, added once the page count is known. */
function drawFooters(page: Page, reference: string): void {
  const { doc, labels, left, width } = page;
  const range = doc.bufferedPageRange();
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

// ---------------------------------------------------------------- blocks

export interface HeaderContent {
  organisationName: string;
  /** The organisation's logo (left of its name) and its contact and DPO (under the facts); absent: the name only. */
  organisation?: PdfOrganisation | undefined;
  kind: string;
  title: string;
  /** A line under the title, e.g. the form's title on a cover or receipt. */
  subtitle?: string;
  meta: [string, string][];
}

/** The facts every Akkoord document of a request starts with: who, which request, which form version. */
export function requestMeta(labels: PdfLabels, input: { organisationName: string; requestId: string; form: { id: string; version: string } }): [string, string][] {
  return [
    // The organisation is the controller (issue 10); how to reach it follows under the facts.
    [labels.controller.heading, input.organisationName],
    [labels.requestId, input.requestId],
    [labels.form, input.form.id],
    [labels.version, input.form.version],
  ];
}

/**
 * The controller's phone, e-mail, website, privacy statement and data protection officer, those
 * set, as one small paragraph: "Telefoon 020 123 4567 · E-mail … · Functionaris
 * gegevensbescherming: …". Small, so that a one-page receipt stays one page.
 */
export function controllerDetails(labels: PdfLabels, organisation: PdfOrganisation | undefined): string {
  if (!organisation) return '';
  const { controller } = labels;
  return [
    organisation.contactPhone && `${controller.phone} ${organisation.contactPhone}`,
    organisation.contactEmail && `${controller.email} ${organisation.contactEmail}`,
    organisation.website,
    organisation.privacyStatementUrl && `${controller.privacyStatement} ${organisation.privacyStatementUrl}`,
    organisation.dpoContact && `${controller.dpo}: ${organisation.dpoContact}`,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** Organisation and document kind, an accent rule, the title and a grid of facts. */
export function documentHeader(page: Page, content: HeaderContent): void {
  const { doc } = page;
  pageHeader(page, content.organisationName, content.kind, content.organisation?.logoPng);
  text(page, content.title, { font: FONT.bold, size: 19, structType: 'H1', lineGap: 3 });
  if (content.subtitle) {
    doc.y += 3;
    text(page, content.subtitle, { size: 11, color: COLOR.muted, lineGap: 2 });
  }
  doc.y += 14;
  metaGrid(page, content.meta);
  const details = controllerDetails(page.labels, content.organisation);
  if (details) {
    // Right under the controller's name in the grid, so it needs no label of its own.
    doc.y -= 3;
    text(page, details, { size: 8, color: COLOR.muted, lineGap: 1 });
    doc.y += 8;
  }
}

/**
 * Organisation and document kind above an accent rule, at the top of the current page: the first
 * page starts with it, and so does a page that stands on its own (the audit trail, a scan).
 */
export function pageHeader(page: Page, organisationName: string, kind: string, logoPng?: Buffer | null): void {
  const { doc, labels, left, width } = page;
  const top = doc.page.margins.top;
  const kindWidth = 170;
  let nameX = left;
  let logoBottom = top;
  const image = logoPng ? readPngHeader(logoPng) : null;
  if (logoPng && image) {
    // At most 120 × 24 pt, its own proportions kept; the name follows on its right.
    const scale = Math.min(LOGO_BOX.width / image.width, LOGO_BOX.height / image.height);
    const w = image.width * scale;
    const h = image.height * scale;
    const figure = doc.struct('Figure', { alt: fill(labels.controller.logoAlt, { organisationName }) }, () => {
      doc.image(logoPng, left, top, { width: w, height: h });
    });
    page.root.add(figure);
    nameX = left + w + 10;
    logoBottom = top + h;
  }
  text(page, organisationName, { font: FONT.bold, size: 11, x: nameX, y: image ? top + 2 : top, width: left + width - kindWidth - 12 - nameX });
  const nameBottom = Math.max(doc.y, logoBottom);
  text(page, kind.toLocaleUpperCase(labels.locale), { size: 8, color: COLOR.accent, font: FONT.bold, x: left + width - kindWidth, y: top + 2, width: kindWidth, align: 'right' });
  const y = Math.max(doc.y, nameBottom) + 8;
  artifact(doc, () => doc.rect(left, y, width, 1.6).fill(COLOR.accent));
  doc.y = y + 18;
}

const LOGO_BOX = { width: 120, height: 24 };

/** Label/value pairs in two columns, label small above its value. */
export function metaGrid(page: Page, cells: [string, string][]): void {
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

export interface BannerStyle {
  heading: string;
  body: string[];
  bar: string;
  background: string;
  headingColor: string;
}

/** A tinted box with a coloured bar on the left; it is measured first so it never splits over two pages. */
export function banner(page: Page, style: BannerStyle): void {
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

const NOTE_PAD = 12;

export function noteHeight(page: Page, paragraphs: string[]): number {
  const inner = page.width - 2 * NOTE_PAD - 3;
  const body = paragraphs.reduce((sum, p) => sum + measure(page.doc, p, FONT.regular, 9.5, inner, 2.5) + 5, -5);
  return body + 2 * NOTE_PAD;
}

/** An explanation in plain words: tinted, with a thin accent bar, kept on one page. */
export function note(page: Page, paragraphs: string[], options: { heading?: string } = {}): void {
  const { doc, left, width } = page;
  const height = noteHeight(page, paragraphs);
  if (options.heading) heading(page, options.heading, height + 30);
  ensureSpace(page, height);
  const top = doc.y;
  artifact(doc, () => {
    doc.rect(left, top, width, height).fill(COLOR.tint);
    doc.rect(left, top, 3, height).fill(COLOR.accent);
  });
  const inner = width - 2 * NOTE_PAD - 3;
  doc.y = top + NOTE_PAD;
  for (const [i, paragraph] of paragraphs.entries()) {
    if (i > 0) doc.y += 5;
    text(page, paragraph, { size: 9.5, lineGap: 2.5, x: left + 3 + NOTE_PAD, width: inner });
  }
  doc.y = top + height + 8;
}

export type PillTone = 'yes' | 'no' | 'withdrawn';
const PILL_COLORS: Record<PillTone, { ink: string; fill: string }> = {
  yes: { ink: COLOR.yesInk, fill: COLOR.yesFill },
  no: { ink: COLOR.noInk, fill: COLOR.noFill },
  withdrawn: { ink: COLOR.withdrawnInk, fill: COLOR.withdrawnFill },
};

export function pill(page: Page, label: string, tone: PillTone, x: number, y: number, w: number, parent: StructElement): void {
  const { doc } = page;
  const h = 18;
  const colors = PILL_COLORS[tone];
  // A longer word ("Ingetrokken") shrinks a little rather than wrapping out of the pill.
  const size = Math.min(9.5, (9.5 * (w - 8)) / doc.font(FONT.bold).fontSize(9.5).widthOfString(label));
  artifact(doc, () => doc.roundedRect(x, y, w, h, 9).fill(colors.fill));
  text(page, label, { font: FONT.bold, size, color: colors.ink, x, y: y + 4 + (9.5 - size) / 2, width: w, align: 'center', parent });
}

// ---------------------------------------------------------------- choice tables

export const DECISION_COLUMN = 92;
// pdfkit writes `scope` as the table attribute of a header cell; @types/pdfkit does not list it yet.
export const headerCellOptions: PDFKit.Mixins.StructureElementOptions & { scope: 'Column' } = { scope: 'Column' };

export interface ChoiceRow {
  label: string;
  /** A smaller line under the label (the purpose's description, or a note). */
  detail?: string;
  pill: { label: string; tone: PillTone };
}

/** A table of purposes with a coloured pill each (Ja/Nee, Ingetrokken); the header repeats after a page break. */
export function choiceTable(page: Page, columns: [string, string], rows: ChoiceRow[]): void {
  const { doc } = page;
  const table = doc.struct('Table');
  page.root.add(table);
  choiceHeader(page, table, columns);
  for (const row of rows) choiceRow(page, table, columns, row);
  table.end();
  doc.y += 6;
}

function choiceHeader(page: Page, table: StructElement, columns: [string, string]): void {
  const { doc, labels, left, width } = page;
  const row = doc.struct('TR');
  table.add(row);
  const y = doc.y;
  const cell = (label: string, x: number, w: number, align: 'left' | 'center') => {
    const th = doc.struct('TH', headerCellOptions);
    row.add(th);
    text(page, label.toLocaleUpperCase(labels.locale), { font: FONT.bold, size: 7.5, color: COLOR.muted, x, y, width: w, align, parent: th });
  };
  cell(columns[0], left, width - DECISION_COLUMN, 'left');
  cell(columns[1], left + width - DECISION_COLUMN, DECISION_COLUMN, 'center');
  row.end();
  const ruleY = doc.y + 5;
  artifact(doc, () => hline(doc, left, left + width, ruleY, COLOR.ink, 0.8));
  doc.y = ruleY + 8;
}

function choiceRow(page: Page, table: StructElement, columns: [string, string], choice: ChoiceRow): void {
  const { doc, left, width } = page;
  const textWidth = width - DECISION_COLUMN - 16;
  const detailHeight = choice.detail ? 3 + measure(doc, choice.detail, FONT.regular, 8.5, textWidth, 1.5) : 0;
  const height = Math.max(measure(doc, choice.label, FONT.bold, 10, textWidth) + detailHeight, 14);
  if (doc.y + height + 10 > doc.page.maxY()) {
    doc.addPage();
    choiceHeader(page, table, columns);
  }
  const top = doc.y;
  const row = doc.struct('TR');
  table.add(row);
  const purposeCell = doc.struct('TD');
  row.add(purposeCell);
  text(page, choice.label, { font: FONT.bold, size: 10, x: left, y: top, width: textWidth, parent: purposeCell });
  if (choice.detail) text(page, choice.detail, { size: 8.5, color: COLOR.muted, x: left, y: doc.y + 3, width: textWidth, lineGap: 1.5, parent: purposeCell });
  const bottom = Math.max(doc.y, top + 14);
  const decisionCell = doc.struct('TD');
  row.add(decisionCell);
  pill(page, choice.pill.label, choice.pill.tone, left + width - DECISION_COLUMN + 10, top - 3, DECISION_COLUMN - 20, decisionCell);
  row.end();
  // A one-line row only needs to clear its pill; a row with a description gets more air.
  const ruleY = bottom + (choice.detail ? 8 : 5);
  artifact(doc, () => hline(doc, left, left + width, ruleY, COLOR.rule, 0.6));
  doc.y = ruleY + (choice.detail ? 9 : 7);
}

// ---------------------------------------------------------------- key/value rows

/** Room for the labels on the left; the record rows beside a signature need the narrow one. */
export const KEY_WIDTH = { narrow: 118, wide: 150 } as const;

/** A value in the monospaced font: hashes and ids read better, and wrap less, that way. */
export interface KeyValue {
  label: string;
  value: string;
  mono?: boolean;
}

const valueFont = (row: KeyValue): FontName => (row.mono ? FONT.mono : FONT.regular);
// 8.5 pt keeps a 64-character SHA-256 on one line beside a wide label.
const valueSize = (row: KeyValue) => (row.mono ? 8.5 : 10);

function keyValueHeight(page: Page, row: KeyValue, width: number, keyWidth: number): number {
  const labelHeight = measure(page.doc, row.label, FONT.regular, 9, keyWidth - 10) + 1;
  return Math.max(labelHeight, measure(page.doc, row.value, valueFont(row), valueSize(row), width - keyWidth)) + 5;
}

export function keyValuesHeight(page: Page, rows: KeyValue[], width: number, keyWidth: number = KEY_WIDTH.narrow): number {
  return rows.reduce((sum, row) => sum + keyValueHeight(page, row, width, keyWidth), 0);
}

export function keyValues(page: Page, rows: KeyValue[], x: number, width: number, keyWidth: number = KEY_WIDTH.narrow): void {
  const { doc } = page;
  for (const row of rows) {
    ensureSpace(page, keyValueHeight(page, row, width, keyWidth));
    const top = doc.y;
    text(page, row.label, { size: 9, color: COLOR.muted, x, y: top + 1, width: keyWidth - 10 });
    const labelBottom = doc.y;
    // A hash sits a little lower so that its smaller glyphs share the label's baseline.
    text(page, row.value, { font: valueFont(row), size: valueSize(row), x: x + keyWidth, y: row.mono ? top + 1 : top, width: width - keyWidth });
    doc.y = Math.max(labelBottom, doc.y) + 5;
  }
}

/** Key/value rows under a heading, kept together on one page when they fit. */
export function factsSection(page: Page, title: string, rows: KeyValue[]): void {
  heading(page, title, headingHeight(page, title) + keyValuesHeight(page, rows, page.width, KEY_WIDTH.wide));
  keyValues(page, rows, page.left, page.width, KEY_WIDTH.wide);
}

// ---------------------------------------------------------------- primitives

export interface TextStyle {
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

export function headingHeight(page: Page, label: string): number {
  return 10 + measure(page.doc, label, FONT.bold, 13, page.width) + 8;
}

export function heading(page: Page, label: string, keepWithNext = 60): void {
  const { doc } = page;
  // No extra space above a heading that opens a page.
  if (doc.y > doc.page.margins.top) doc.y += 10;
  ensureSpace(page, keepWithNext);
  text(page, label, { font: FONT.bold, size: 13, color: COLOR.accent, structType: 'H2' });
  doc.y += 8;
}

export function text(page: Page, value: string, style: TextStyle = {}): void {
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

export function measure(doc: Doc, value: string, font: FontName, size: number, width: number, lineGap = 1.5): number {
  return doc.font(font).fontSize(size).heightOfString(value, { width, lineGap });
}

export function ensureSpace(page: Page, height: number): void {
  const { doc } = page;
  if (doc.y + height > doc.page.maxY()) doc.addPage();
}

/** Lines and boxes are decoration, not content: screen readers skip them. */
export function artifact(doc: Doc, draw: () => void): void {
  doc.markContent('Artifact');
  draw();
  doc.endMarkedContent();
}

export function hline(doc: Doc, x1: number, x2: number, y: number, color: string, thickness: number): void {
  doc.save().moveTo(x1, y).lineTo(x2, y).lineWidth(thickness).strokeColor(color).stroke().restore();
}

export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

// ---------------------------------------------------------------- words for stored values

/** "22 november 2026, 14:05 (Europe/Amsterdam)": the moment as a reader in the Netherlands says it. */
export function amsterdamDateTime(at: Date, labels: PdfLabels): string {
  const date = new Intl.DateTimeFormat(labels.locale, { timeZone: TIME_ZONE, day: 'numeric', month: 'long', year: 'numeric' }).format(at);
  const time = new Intl.DateTimeFormat(labels.locale, { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  return fill(labels.dateTimePattern, { date, time, timeZone: TIME_ZONE });
}

/** "22-11-2026 14:05:12": compact Amsterdam time with seconds, for tables. */
export function amsterdamTimestamp(at: Date, labels: PdfLabels): string {
  const date = new Intl.DateTimeFormat(labels.locale, { timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric' }).format(at);
  const time = new Intl.DateTimeFormat(labels.locale, { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(at);
  return `${date} ${time}`;
}

/** "2026-11-22 13:05:12 UTC": the same moment, unambiguous for any reader or tool. */
export function utcTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A calendar date (YYYY-MM-DD) in words: "14 maart 2015". */
export function formatIsoDate(isoDate: string, labels: PdfLabels): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return isoDate;
  return new Intl.DateTimeFormat(labels.locale, { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }).format(date);
}

/** Who did something, in plain words: `api:key_7f` → "API-sleutel key_7f", `provider:twilio` → "Provider Twilio". */
export function actorLabel(actor: string, labels: PdfLabels): string {
  const [kind, ...rest] = actor.split(':');
  const id = rest.join(':');
  switch (kind) {
    case 'api':
      return id ? fill(labels.actors.apiKey, { keyId: id }) : actor;
    case 'recipient':
      return labels.actors.recipient;
    case 'system':
      return labels.actors.system;
    case 'provider':
      return fill(labels.actors.provider, { provider: labels.providerNames[id] ?? id });
    case 'staff':
      return labels.actors.staff;
    default:
      return actor;
  }
}

export const eventLabel = (type: string, labels: PdfLabels): string => labels.eventTypes[type] ?? type;
export const channelLabel = (channel: string, labels: PdfLabels): string => labels.channels[channel] ?? channel;
