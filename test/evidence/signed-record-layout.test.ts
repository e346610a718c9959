import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { declarationFor, loadForms } from '../../src/consent/forms';
import { computeConsentTextSha256, renderConsentPdf, type AuditEntry } from '../../src/evidence/render-consent-pdf';
import { newId } from '../../src/shared/ids';
import { projectPath } from '../../src/shared/paths';
import { signaturePng } from '../helpers/png';
import { pageCount, popplerTest, textOf } from '../helpers/pdf-tools';

/** The longest shipped form, signed by a guardian with a drawn signature after a typical trail of six events. */
const form = loadForms(projectPath('consent-forms')).get('activiteit-onder-16')!;
const SIGNED_AT = new Date('2026-11-22T13:05:00Z');
const before = (minutes: number) => new Date(SIGNED_AT.getTime() - minutes * 60_000);
const hash = (n: number) => createHash('sha256').update(`event ${n}`).digest('hex');
// A real API key id: `key_`, 9 characters of time and 14 random ones.
const keyId = newId('key', SIGNED_AT);

const trail: AuditEntry[] = [
  { at: before(26 * 60), type: 'created', actor: `api:${keyId}`, hash: hash(1) },
  { at: before(26 * 60 - 1), type: 'sent', actor: 'system', channel: 'sms', maskedAddress: '+316••••5678', hash: hash(2) },
  { at: before(26 * 60 - 2), type: 'delivered', actor: 'provider:twilio', channel: 'sms', maskedAddress: '+316••••5678', hash: hash(3) },
  { at: before(90), type: 'reminder_sent', actor: 'system', channel: 'sms', maskedAddress: '+316••••5678', hash: hash(4) },
  { at: before(4), type: 'opened', actor: 'recipient', hash: hash(5) },
  { at: SIGNED_AT, type: 'signed', actor: 'recipient', hash: '' },
];

async function render(language: 'nl' | 'en'): Promise<Buffer> {
  const png = signaturePng();
  const declaration = declarationFor(form, 'guardian', language, 'Sam');
  return renderConsentPdf({
    organisationName: 'Jongerenwerk De Brug',
    requestId: newId('cr', SIGNED_AT),
    form,
    language,
    signerRole: 'guardian',
    signerName: 'Ans de Vries',
    declaration,
    subjectFirstName: 'Sam',
    subjectDateOfBirth: '2014-04-02',
    outcome: 'signed',
    decisions: form.purposes.map((p, i) => ({ purposeId: p.id, granted: i % 2 === 0 })),
    signature: { kind: 'drawn', png },
    signedAt: SIGNED_AT,
    signedVia: { channel: 'sms', maskedAddress: '+316••••5678' },
    auditTrail: trail,
    consentTextSha256: computeConsentTextSha256(form, language, declaration),
    signatureSha256: createHash('sha256').update(png).digest('hex'),
    browser: { browser: 'Chrome 150', system: 'Linux' },
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'akkoord-layout-'));
});
// KEEP_PDF=1 keeps the files to look at them (pdftoppm -r 60 -png <file> <prefix>).
afterAll(() => (process.env.KEEP_PDF ? undefined : rmSync(dir, { recursive: true, force: true })));

describe.each([
  ['nl', 'link per sms (+316••••5678), Chrome 150 op Linux', 'API-sleutel'],
  ['en', 'link by text message (+316••••5678), Chrome 150 on Linux', 'API key'],
] as const)('the signed record of the longest shipped form in %s', (language, signedVia, apiKey) => {
  popplerTest('when signed with a drawn signature after six events, then it fits on three A4 pages, says how in its language and prints the API key id on one line', async () => {
    const file = join(dir, `activiteit-onder-16-${language}.pdf`);
    writeFileSync(file, await render(language));
    const text = textOf(file);

    expect(pageCount(file)).toBeLessThanOrEqual(3);
    expect(text).toContain(signedVia);
    const lines = text.split('\n');
    const keyLine = lines.findIndex((line) => line.includes(keyId));
    expect(keyLine).toBeGreaterThan(0);
    // The label stands on the line above, in the same column.
    expect(lines[keyLine - 1]!.slice(lines[keyLine]!.indexOf(keyId), lines[keyLine]!.indexOf(keyId) + apiKey.length)).toBe(apiKey);
  });
});
