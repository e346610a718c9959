import { readFileSync } from 'node:fs';

import { z } from 'zod';

import type { Language } from '../consent/form-types';
import type { SignerVerification } from '../consent/signer-code';
import { projectPath } from '../shared/paths';
import { fill, TIME_ZONE, type KeyValue } from './pdf-layout';

/**
 * The record's lines for issue 12 (verify): each explicit statement the signer ticked, with
 * "aangevinkt / ticked", and how the signer was checked ("Gecontroleerd met een eenmalige code via
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

export function verifyRows(input: VerifyPdfInput): KeyValue[] {
  const labels = labelsFor(input.language);
  const locale = input.language === 'nl' ? 'nl-NL' : 'en-GB';
  const rows: KeyValue[] = (input.explicitStatements ?? []).map((s) => ({ label: labels.explicitLabel, value: `${s.text} (${labels.ticked})` }));
  const v = input.verification;
  if (v) {
    const at = new Date(v.verifiedAt);
    const date = new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, day: 'numeric', month: 'long', year: 'numeric' }).format(at);
    const time = new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
    rows.push({ label: labels.verifiedLabel, value: fill(labels.verifiedBy, { channel: labels.channels[v.channel] ?? v.channel, address: v.maskedAddress, date, time }) });
  }
  return rows;
}
