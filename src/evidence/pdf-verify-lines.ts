import { readFileSync } from 'node:fs';

import { z } from 'zod';

import type { Language } from '../consent/form-types';
import type { SignerVerification } from '../consent/signer-code';
import { projectPath } from '../shared/paths';
import { fill, TIME_ZONE, type KeyValue } from './pdf-layout';

/**
 * The record's lines for issue 12 (verify): each explicit statement the signer ticked, with
 * "aangevinkt / ticked" (in the choices table, under its purpose), and how the signer was checked ("Gecontroleerd met een eenmalige code via
 * sms naar +316••••5678 op 23 november 2026 om 11:02", Amsterdam time). Texts live in
 * `templates/pdf/verify.<language>.json`.
 */
const labelsSchema = z.object({
  explicitLabel: z.string(),
  ticked: z.string(),
  verifiedLabel: z.string(),
  verifiedBy: z.string(),
  channels: z.record(z.string(), z.string()),
});
type VerifyLabels = z.infer<typeof labelsSchema>;

// Read once per language: the files ship with the code and never change while the process runs.
const cache = new Map<Language, VerifyLabels>();
function labelsFor(language: Language): VerifyLabels {
  const cached = cache.get(language);
  if (cached) return cached;
  const labels = labelsSchema.parse(JSON.parse(readFileSync(projectPath('templates', 'pdf', `verify.${language}.json`), 'utf8')));
  cache.set(language, labels);
  return labels;
}

export interface VerifyPdfInput {
  language: Language;
  /** The explicit statements that count (ticked, purpose answered "yes"), exactly as shown. */
  explicitStatements?: { purposeId: string; text: string }[];
  /** How the signer was checked; null or absent: no code was needed. */
  verification?: SignerVerification | null;
}

/**
 * Under a purpose's description in the choices table: the explicit statement the signer ticked
 * for it ("✓ Uitdrukkelijke toestemming: Ik geef … (aangevinkt)"); empty for any other purpose.
 */
export function explicitLine(input: VerifyPdfInput, purposeId: string): string {
  const statement = (input.explicitStatements ?? []).find((s) => s.purposeId === purposeId);
  if (!statement) return '';
  const labels = labelsFor(input.language);
  return `\n✓ ${labels.explicitLabel}: ${statement.text} (${labels.ticked})`;
}

/** The line on how the signer was checked (with the facts on the audit page, so the signing block keeps its page); none when no code was needed. */
export function verifyRows(input: VerifyPdfInput): KeyValue[] {
  const labels = labelsFor(input.language);
  const locale = input.language === 'nl' ? 'nl-NL' : 'en-GB';
  const rows: KeyValue[] = [];
  const v = input.verification;
  if (v) {
    const at = new Date(v.verifiedAt);
    const date = new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, day: 'numeric', month: 'long', year: 'numeric' }).format(at);
    const time = new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
    rows.push({ label: labels.verifiedLabel, value: fill(labels.verifiedBy, { channel: labels.channels[v.channel] ?? v.channel, address: v.maskedAddress, date, time }) });
  }
  return rows;
}
