import { createHash } from 'node:crypto';
import type { ConsentForm, Language, SignerRole } from '../consent/form-types';
import type { FamilyPdfFacts } from '../consent/family-signing';
import { browserText, type BrowserFacts } from './browser-summary';
import {
  actorLabel,
  amsterdamDateTime,
  amsterdamTimestamp,
  artifact,
  banner,
  channelLabel,
  choiceTable,
  COLOR,
  documentHeader,
  ensureSpace,
  eventLabel,
  factsSection,
  fill,
  FONT,
  formatIsoDate,
  headerCellOptions,
  heading,
  headingHeight,
  hline,
  KEY_WIDTH,
  type KeyValue,
  keyValues,
  keyValuesHeight,
  measure,
  note,
  noteHeight,
  openDocument,
  type Page,
  pageHeader,
  type StructElement,
  text,
  type TextStyle,
  utcTimestamp,
  requestMeta,
  type PdfLabels,
} from './pdf-layout';
import { explicitLine, verifyRows, type VerifyPdfInput } from './pdf-verify-lines';

import type { PdfOrganisation } from './pdf-organisation';

export { loadPdfLabels, type PdfLabels } from './pdf-layout';

/** One event of the request's hash-chained audit trail, as the evidence PDF shows it. */
export interface AuditEntry {
  at: Date;
  /** created | sent | reminder_sent | delivered | opened | signed | declined | withdrawn | provider_status | … */
  type: string;
  /** api:key_… | recipient | system | provider:twilio | … */
  actor: string;
  channel?: string;
  maskedAddress?: string;
  detail?: string;
  /** The event's hash-chain value, hex. */
  hash: string;
}

export interface ConsentPdfInput {
  organisationName: string;
  /** The organisation's logo, contact and DPO (issue 10); absent: the name only. */
  organisation?: PdfOrganisation;
  /** Whether the typed name is the name the request was sent to; null: no name typed; absent: not recorded (older callers). */
  signerNameMatchesRecipient?: boolean | null;
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
  /** How it was signed: the personal link's channel and masked address; printed with {@link browser}. */
  signedVia: { channel: string; maskedAddress: string };
  /** Every event of the request so far, oldest first, including the final signed/declined one. */
  auditTrail: AuditEntry[];
  /** SHA-256 hex of {@link consentText}: must equal {@link computeConsentTextSha256} for this form, language and declaration. */
  consentTextSha256: string;
  /** SHA-256 hex of the drawn signature's PNG; null for a typed name or when declined. */
  signatureSha256: string | null;
  /** The signer's browser (null: no user agent), printed in the record's language: "Chrome 126 op Android". */
  browser: BrowserFacts | null;
  /** Issue 12: the parental authority the guardian declared, and for a second guardian the request they belong to; absent for a participant or older callers. */
  family?: FamilyPdfFacts;
  /** Issue 12 (verify): the explicit statements ticked, and the one-time code check (evidence/pdf-verify-lines.ts). */
  explicitStatements?: VerifyPdfInput['explicitStatements'];
  verification?: VerifyPdfInput['verification'];
}

/**
 * The consent text exactly as the signer saw it, in one canonical form: title, intro, each
 * section's heading and body, each purpose's label and description, and the declaration, joined
 * with a blank line. Nothing is normalised, so one changed character changes the hash.
 */
export function consentText(form: ConsentForm, language: Language, declaration: string): string {
  return [
    form.title[language],
    form.intro[language],
    ...form.sections.flatMap((section) => [section.heading[language], section.body[language]]),
    ...form.purposes.flatMap((purpose) => [purpose.label[language], purpose.description[language]]),
    declaration,
  ].join('\n\n');
}

/** SHA-256 (hex) of the UTF-8 bytes of {@link consentText}. */
export function computeConsentTextSha256(form: ConsentForm, language: Language, declaration: string): string {
  return sha256Hex(Buffer.from(consentText(form, language, declaration), 'utf8'));
}

const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The fingerprints the audit page prints, checked against what the document itself shows. */
interface Fingerprints {
  consentText: string;
  signature: string | null;
}

/**
 * A fingerprint that does not match the text or the image in the same document would make the
 * record contradict itself, so a mismatch stops the rendering instead of being printed.
 */
function fingerprints(input: ConsentPdfInput): Fingerprints {
  const consent = computeConsentTextSha256(input.form, input.language, input.declaration);
  // Callers written before the audit page may leave the fingerprints out; they follow from the input.
  const given = input.consentTextSha256 as string | undefined;
  if (given !== undefined && given.toLowerCase() !== consent) {
    throw new Error(`consentTextSha256 ${given} is not the SHA-256 of the consent text in this document (${consent}); compute it with computeConsentTextSha256`);
  }
  const drawn = input.outcome === 'signed' && input.signature?.kind === 'drawn' ? sha256Hex(input.signature.png) : null;
  const givenSignature = input.signatureSha256 as string | null | undefined;
  if (givenSignature && givenSignature.toLowerCase() !== drawn) {
    throw new Error(`signatureSha256 ${givenSignature} is not the SHA-256 of the drawn signature in this document (${drawn ?? 'none'})`);
  }
  return { consentText: consent, signature: drawn };
}

/**
 * Renders the signed (or declined) consent as a tagged PDF/A-3b document: the form text exactly
 * as the signer read it, their choices, the declaration, who signed, the signature and when,
 * and on a last page the audit trail with the fingerprints of the text and the signature.
 */
export async function renderConsentPdf(input: ConsentPdfInput): Promise<Buffer> {
  const prints = fingerprints(input);
  const { page, finish } = openDocument({
    language: input.language,
    title: input.form.title[input.language],
    author: input.organisationName,
    subject: input.requestId,
    createdAt: input.signedAt,
  });
  const { labels } = page;

  documentHeader(page, {
    organisationName: input.organisationName,
    organisation: input.organisation,
    kind: labels.documentKind,
    title: input.form.title[input.language],
    meta: requestMeta(labels, input),
  });
  drawOutcome(page, input);
  drawFormText(page, input.form, input.language);
  drawDecisions(page, input);
  drawClosing(page, input);
  drawAuditPage(page, input, prints);

  return finish(fill(labels.footerReference, { requestId: input.requestId, version: input.form.version }));
}

// ---------------------------------------------------------------- sections

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

function drawFormText(page: Page, form: ConsentForm, language: Language): void {
  const { doc } = page;
  heading(page, page.labels.formTextHeading);
  // 9.5 pt with a little air: readable on paper, and the longest shipped form (with its choices,
  // signature and audit trail) stays within three A4 pages.
  text(page, form.intro[language], { size: 10, lineGap: 2 });
  doc.y += 8;
  for (const section of form.sections) {
    ensureSpace(page, 40);
    text(page, section.heading[language], { font: FONT.bold, size: 10, structType: 'H3' });
    doc.y += 2;
    text(page, section.body[language], { size: 9.5, lineGap: 2 });
    doc.y += 8;
  }
}

function drawDecisions(page: Page, input: ConsentPdfInput): void {
  const { labels } = page;
  heading(page, labels.decisionsHeading, 90);
  const granted = new Map(input.decisions.map((d) => [d.purposeId, d.granted]));
  choiceTable(
    page,
    [labels.purposeColumn, labels.decisionColumn],
    input.form.purposes.map((purpose) => {
      const yes = granted.get(purpose.id) === true;
      return {
        label: purpose.label[input.language],
        detail: purpose.description[input.language] + explicitLine(input, purpose.id),
        pill: { label: yes ? labels.yes : labels.no, tone: yes ? 'yes' : 'no' },
      };
    }),
  );
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

const SIGNATURE_BOX = { width: 200, height: 72 };
// A typed name needs no room for pen strokes above the line.
const TYPED_SIGNATURE_HEIGHT = 40;
const signatureBoxHeight = (signature: NonNullable<ConsentPdfInput['signature']>) =>
  signature.kind === 'drawn' ? SIGNATURE_BOX.height : TYPED_SIGNATURE_HEIGHT;
const SIGNATURE_GUTTER = 30;

function hasSignature(input: ConsentPdfInput): input is ConsentPdfInput & { signature: NonNullable<ConsentPdfInput['signature']> } {
  return input.outcome === 'signed' && input.signature !== null;
}

function signerRows(page: Page, input: ConsentPdfInput): KeyValue[] {
  const { labels } = page;
  const rows: KeyValue[] = [
    { label: input.outcome === 'signed' ? labels.signedBy : labels.declinedBy, value: input.signerName },
    { label: labels.role, value: labels.roles[input.signerRole] },
    { label: labels.subjectFirstName[input.signerRole], value: input.subjectFirstName },
  ];
  if (input.signerRole === 'guardian' && input.subjectDateOfBirth) rows.push({ label: labels.dateOfBirth, value: formatIsoDate(input.subjectDateOfBirth, labels) });
  return rows;
}

/** Issue 12: "Ouderlijk gezag: samen met een andere ouder (verklaard door de ondertekenaar)"; for a second guardian also the request they belong to. */
function familyRows(input: ConsentPdfInput, labels: PdfLabels): KeyValue[] {
  const family = input.family;
  if (!family) return [];
  const { family: words } = labels;
  const rows: KeyValue[] = [{ label: words.authority, value: family.authority ? `${words[family.authority]} ${words.declaredBy}` : words.notGiven }];
  // The first request's id on a row of its own: in a sentence it wrapped at a hyphen of the id (base64url), so it could not be copied whole.
  if (family.slot === 'second-guardian') rows.push({ label: words.family, value: words.secondGuardian }, { label: words.primaryRequest, value: family.primaryRequestId ?? '—' });
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
  const typedNote = signature.kind === 'typed' ? measure(doc, labels.typedSignatureNote, FONT.regular, 8, width) + 2 : 0;
  return measure(doc, labels.signature, FONT.regular, 8, width) + 2 + height + 8 + measure(doc, 'X', FONT.regular, 8.5, width) + typedNote;
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
    const size = fitFontSize(page, signature.text, FONT.typed, 20, width);
    // Bottom-aligned on the line, like ink; a name too long even at the smallest size wraps upwards.
    const nameHeight = measure(doc, signature.text, FONT.typed, size, width, 0);
    text(page, signature.text, { font: FONT.typed, size, color: COLOR.pen, x, y: boxTop + height - nameHeight, width, lineGap: 0 });
  }
  const lineY = boxTop + height + 4;
  artifact(doc, () => hline(doc, x, x + width, lineY, COLOR.ink, 0.8));
  text(page, signerName, { size: 8.5, color: COLOR.muted, x, y: lineY + 4, width });
  if (signature.kind === 'typed') text(page, labels.typedSignatureNote, { size: 8, color: COLOR.muted, x, y: doc.y + 2, width });
}

/** A long typed name shrinks to stay on one line inside the signature box. */
function fitFontSize(page: Page, value: string, font: typeof FONT.typed, size: number, width: number): number {
  const natural = page.doc.font(font).fontSize(size).widthOfString(value);
  return natural <= width ? size : Math.max(9, Math.floor((size * width) / natural));
}

function recordRows(page: Page, input: ConsentPdfInput): KeyValue[] {
  const { labels } = page;
  return [
    { label: labels.dateTime, value: amsterdamDateTime(input.signedAt, labels) },
    { label: labels.dateTimeUtc, value: input.signedAt.toISOString() },
    // The request id is not repeated here: it heads the first page and ends every page's footer.
    { label: labels.recordedVia, value: signedViaText(input, labels) },
    ...nameMatchRows(input, labels),
    ...familyRows(input, labels),
  ];
}

/** "Naam komt overeen met de naam waaraan het verzoek is gestuurd: ja" (issue 10); nothing for callers that do not say. */
function nameMatchRows(input: ConsentPdfInput, labels: PdfLabels): KeyValue[] {
  const match = input.signerNameMatchesRecipient;
  if (match === undefined) return [];
  const { nameMatch } = labels;
  return [{ label: nameMatch.heading, value: match === null ? nameMatch.notTyped : `${nameMatch.label}: ${match ? nameMatch.yes : nameMatch.no}` }];
}

function signedViaText(input: ConsentPdfInput, labels: PdfLabels): string {
  const { channel, maskedAddress } = input.signedVia;
  return fill(labels.signedVia, { channel: channelLabel(channel, labels), address: maskedAddress, browser: browserText(input.browser, labels) });
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

// ---------------------------------------------------------------- audit trail

/**
 * The last page: every event of the request with its place in the hash chain, then the
 * fingerprints of what was shown and signed and a plain explanation of what they prove.
 */
function drawAuditPage(page: Page, input: ConsentPdfInput, prints: Fingerprints): void {
  // Declared as required, but callers from before the audit page may not pass it yet.
  drawAuditTrailPage(page, input.organisationName, page.labels.documentKind, (input.auditTrail as AuditEntry[] | undefined) ?? []);
  drawFingerprints(page, input, prints);
}

/**
 * A new page with the request's audit trail: every event, its place in the hash chain and how to
 * read it. The consent record and the paper record both end with it.
 */
export function drawAuditTrailPage(page: Page, organisationName: string, documentKind: string, trail: AuditEntry[]): void {
  const { doc, labels } = page;
  doc.addPage();
  pageHeader(page, organisationName, documentKind);
  text(page, labels.audit.title, { font: FONT.bold, size: 17, structType: 'H1', lineGap: 3 });
  doc.y += 4;
  text(page, labels.audit.intro, { size: 9.5, color: COLOR.muted, lineGap: 2 });
  doc.y += 14;
  if (trail.length === 0) text(page, labels.audit.noEvents, { size: 10 });
  else auditTable(page, trail);
  doc.y += 4;
  text(page, labels.audit.hashNote, { size: 7.5, color: COLOR.muted, lineGap: 1.5 });
}

interface AuditColumn {
  key: 'time' | 'event' | 'actor' | 'channel' | 'hash';
  title: (page: Page) => string;
  width: number;
}

const AUDIT_COLUMNS: AuditColumn[] = [
  { key: 'time', title: (p) => p.labels.audit.timeColumn, width: 98 },
  { key: 'event', title: (p) => p.labels.audit.eventColumn, width: 114 },
  // An API key id (`key_` and 23 characters, src/shared/ids.ts) in the monospaced font at
  // 6.75 pt is 109.7 pt wide whatever its characters are: always one line.
  { key: 'actor', title: (p) => p.labels.audit.actorColumn, width: 117 },
  { key: 'channel', title: (p) => p.labels.audit.channelColumn, width: 80 },
  // 16 hex characters in the monospaced font, on one line.
  { key: 'hash', title: (p) => p.labels.audit.hashColumn, width: 74 },
];
const CELL_GAP = 6;
const ROW_PAD = 5;

/** One line of a cell: the main fact dark, a secondary one (UTC, detail, address) muted below. */
interface CellLine {
  value: string;
  style: Pick<TextStyle, 'font' | 'size' | 'color'>;
}

function auditCells(page: Page, entry: AuditEntry): Record<AuditColumn['key'], CellLine[]> {
  const { labels } = page;
  const main = { size: 8.5 };
  const small = { size: 7.5, color: COLOR.muted };
  return {
    time: [
      { value: amsterdamTimestamp(entry.at, labels), style: main },
      { value: utcTimestamp(entry.at), style: { ...small, size: 7 } },
    ],
    event: [{ value: eventLabel(entry.type, labels), style: { ...main, font: FONT.bold } }, ...(entry.detail ? [{ value: entry.detail, style: small }] : [])],
    actor: entry.actor.startsWith('api:key_')
      ? // "API-sleutel" above the key id, so that the id is never broken over two lines.
        [{ value: labels.audit.apiKey, style: main }, { value: entry.actor.slice('api:'.length), style: { font: FONT.mono, size: 6.75 } }]
      : [{ value: actorLabel(entry.actor, labels), style: main }],
    channel: entry.channel
      ? [{ value: channelLabel(entry.channel, labels), style: main }, ...(entry.maskedAddress ? [{ value: entry.maskedAddress, style: small }] : [])]
      : [{ value: entry.maskedAddress ?? '—', style: entry.maskedAddress ? main : small }],
    hash: entry.hash
      ? [{ value: entry.hash.slice(0, 16).toLowerCase(), style: { font: FONT.mono, size: 7 } }]
      : [{ value: page.labels.audit.thisDocument, style: small }],
  };
}

function cellHeight(page: Page, lines: CellLine[], width: number): number {
  return lines.reduce((sum, line) => sum + measure(page.doc, line.value, line.style.font ?? FONT.regular, line.style.size ?? 8.5, width, 1) + 1, -1);
}

function auditTable(page: Page, trail: AuditEntry[]): void {
  const { doc } = page;
  const table = doc.struct('Table');
  page.root.add(table);
  auditHeader(page, table);
  trail.forEach((entry, index) => auditRow(page, table, entry, index));
  table.end();
}

function auditHeader(page: Page, table: StructElement): void {
  const { doc, labels, left, width } = page;
  const row = doc.struct('TR');
  table.add(row);
  const y = doc.y;
  let x = left;
  for (const column of AUDIT_COLUMNS) {
    const th = doc.struct('TH', headerCellOptions);
    row.add(th);
    text(page, column.title(page).toLocaleUpperCase(labels.locale), { font: FONT.bold, size: 7, color: COLOR.muted, x: x + ROW_PAD, y, width: column.width - CELL_GAP, parent: th });
    x += column.width;
  }
  row.end();
  const ruleY = doc.y + 5;
  artifact(doc, () => hline(doc, left, left + width, ruleY, COLOR.ink, 0.8));
  doc.y = ruleY + 1;
}

function auditRow(page: Page, table: StructElement, entry: AuditEntry, index: number): void {
  const { doc, left, width } = page;
  const cells = auditCells(page, entry);
  const height = Math.max(...AUDIT_COLUMNS.map((c) => cellHeight(page, cells[c.key], c.width - CELL_GAP))) + 2 * ROW_PAD;
  if (doc.y + height > doc.page.maxY()) {
    doc.addPage();
    auditHeader(page, table);
  }
  const top = doc.y;
  artifact(doc, () => {
    if (index % 2 === 1) doc.rect(left, top, width, height).fill(COLOR.zebra);
    hline(doc, left, left + width, top + height, COLOR.rule, 0.5);
  });
  const row = doc.struct('TR');
  table.add(row);
  let x = left;
  for (const column of AUDIT_COLUMNS) {
    const td = doc.struct('TD');
    row.add(td);
    doc.y = top + ROW_PAD;
    for (const line of cells[column.key]) {
      text(page, line.value, { ...line.style, size: line.style.size ?? 8.5, x: x + ROW_PAD, width: column.width - CELL_GAP, lineGap: 1, parent: td });
      doc.y += 1;
    }
    x += column.width;
  }
  row.end();
  doc.y = top + height;
}

function fingerprintRows(page: Page, input: ConsentPdfInput, prints: Fingerprints): KeyValue[] {
  const { audit } = page.labels;
  const signature =
    prints.signature ?? (input.outcome === 'signed' && input.signature?.kind === 'typed' ? audit.typedSignature : audit.noSignature);
  return [
    { label: audit.browser, value: browserText(input.browser, page.labels) },
    // Issue 12 (verify): how the signer was checked, beside the other facts about the signing.
    ...verifyRows(input),
    { label: audit.consentTextSha256, value: prints.consentText, mono: true },
    { label: audit.signatureSha256, value: signature, mono: prints.signature !== null },
    { label: audit.formVersion, value: input.form.version, mono: true },
  ];
}

function drawFingerprints(page: Page, input: ConsentPdfInput, prints: Fingerprints): void {
  const { audit } = page.labels;
  const rows = fingerprintRows(page, input, prints);
  const explanation = fill(audit.explanation, { organisationName: input.organisationName });
  const block = headingHeight(page, audit.fingerprintsHeading) + keyValuesHeight(page, rows, page.width, KEY_WIDTH.wide) + noteHeight(page, [explanation]) + 10;
  ensureSpace(page, block + 10);
  page.doc.y += 8;
  factsSection(page, audit.fingerprintsHeading, rows);
  page.doc.y += 6;
  note(page, [explanation]);
}
