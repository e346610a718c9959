/**
 * Issue 5 benchmark: render + seal 1,000 consent records in ONE process (one core), as the sign
 * flow does: renderConsentPdf, then the PAdES seal with a 3072-bit RSA key.
 *
 *   npm run bench:evidence      (BENCH_DOCUMENTS=1000)
 *
 * Reports sealed PDFs per second, p50/p95/max per document, RSS at the start, every quarter and
 * the end ("flat" when the end is within 15 % of the start after warm-up), and, as a baseline in
 * the same run, a one-page pdfkit document with the same fonts (what any PDF costs here).
 * Targets: at least 20 sealed PDFs/s, p95 under 150 ms, memory flat.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import PDFDocument from 'pdfkit';

import { loadForms } from '../src/consent/forms';
import { computeConsentTextSha256, renderConsentPdf, type ConsentPdfInput } from '../src/evidence/render-consent-pdf';
import { sealPdf } from '../src/evidence/seal-pdf';
import { createSelfSignedP12, loadSigningIdentity } from '../src/evidence/signing-identity';
import { projectPath } from '../src/shared/paths';
import { signaturePng } from '../test/helpers/png';

const N = Number(process.env.BENCH_DOCUMENTS ?? 1000);
const rss = () => process.memoryUsage().rss / 1024 / 1024;
/** Live heap after a full collection (run with --expose-gc), so garbage not yet collected does not count. */
const liveHeap = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

function baselinePdf(): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ size: 'A4' });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.fontSize(12).text('Akkoord baseline: one page, standard font.');
    doc.end();
  });
}

async function main(): Promise<void> {
  const form = loadForms(projectPath('consent-forms')).get('activiteit-onder-16')!;
  const identity = loadSigningIdentity(createSelfSignedP12('Akkoord bench seal', 'Demo', 'bench'), 'bench');
  const declaration = form.declarations.guardian.nl.replace('{childFirstName}', 'Sam');
  const at = new Date('2026-11-22T10:00:00Z');
  const png = signaturePng(600, 200);
  const input: ConsentPdfInput = {
    organisationName: 'Stichting Jongerenwerk De Ruïne',
    requestId: 'cr_bench',
    form,
    language: 'nl',
    signerRole: 'guardian',
    signerName: 'Ans de Vries',
    declaration,
    subjectFirstName: 'Sam',
    subjectDateOfBirth: '2014-04-02',
    outcome: 'signed',
    decisions: form.purposes.map((p, i) => ({ purposeId: p.id, granted: i % 2 === 0 })),
    signature: { kind: 'drawn', png },
    signedAt: at,
    signedVia: { channel: 'sms', maskedAddress: '+316••••5678' },
    auditTrail: [
      { at, type: 'created', actor: 'api:key_x', hash: 'a'.repeat(64) },
      { at, type: 'sent', actor: 'system', channel: 'sms', maskedAddress: '+316••••5678', hash: 'b'.repeat(64) },
      { at, type: 'opened', actor: 'recipient', hash: 'c'.repeat(64) },
      { at, type: 'delivered', actor: 'provider:twilio', channel: 'sms', hash: 'd'.repeat(64) },
      { at, type: 'signed', actor: 'recipient', hash: '' },
    ],
    consentTextSha256: computeConsentTextSha256(form, 'nl', declaration),
    signatureSha256: createHash('sha256').update(png).digest('hex'),
    browser: { browser: 'Chrome 126', system: 'Android' },
  };

  // Warm-up, then the baseline and the real thing, in the same run.
  for (let i = 0; i < 20; i += 1) await sealPdf(await renderConsentPdf(input), identity, { reason: 'bench', name: 'Demo', signedAt: at });
  const b0 = performance.now();
  for (let i = 0; i < 200; i += 1) await baselinePdf();
  const baselineMs = (performance.now() - b0) / 200;

  const times: number[] = [];
  const memory: number[] = [rss()];
  const heap: number[] = [liveHeap()];
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1) {
    const s = performance.now();
    await sealPdf(await renderConsentPdf({ ...input, requestId: `cr_bench_${i}` }), identity, { reason: 'bench', name: 'Demo', signedAt: at });
    times.push(performance.now() - s);
    if ((i + 1) % Math.max(1, Math.floor(N / 4)) === 0) {
      memory.push(rss());
      heap.push(liveHeap());
    }
  }
  const perSecond = N / ((performance.now() - t0) / 1000);
  const sorted = [...times].sort((a, b) => a - b);
  const p95 = pct(sorted, 0.95);
  // Memory is flat when the live heap (after a full GC) ends where it started, within 10 %; RSS is
  // reported too, but V8 and the allocator keep freed pages for reuse, so RSS alone overstates.
  const flat = heap[heap.length - 1]! <= heap[0]! * 1.1;
  const table = [
    `| Evidence bench (${new Date().toISOString().slice(0, 10)}, node ${process.version}, one process, ${os.cpus()[0]?.model ?? ''}) | value |`,
    '|---|---|',
    `| documents | ${N} sealed consent records (render with a drawn 600×200 signature and a 5-event audit trail + PAdES seal, RSA 3072) |`,
    `| baseline: one-page pdfkit document, standard font | ${baselineMs.toFixed(1)} ms each |`,
    `| sealed PDFs per second | **${perSecond.toFixed(1)}** — target ≥ 20: ${perSecond >= 20 ? 'PASS' : 'FAIL'} |`,
    `| per document p50 / p95 / max | ${pct(sorted, 0.5).toFixed(1)} / **${p95.toFixed(1)}** / ${sorted[sorted.length - 1]!.toFixed(1)} ms — p95 target < 150: ${p95 < 150 ? 'PASS' : 'FAIL'} |`,
    `| per document ÷ baseline (p50) | ${(pct(sorted, 0.5) / baselineMs).toFixed(1)} × |`,
    `| live heap after GC, start → quarters → end | ${heap.map((m) => m.toFixed(1)).join(' → ')} MB — ${flat ? 'flat' : 'GROWING'} |`,
    `| RSS start → quarters → end | ${memory.map((m) => m.toFixed(0)).join(' → ')} MB |`,
  ].join('\n');
  process.stdout.write(`${table}\n`);
  mkdirSync(projectPath('bench', 'results'), { recursive: true });
  writeFileSync(projectPath('bench', 'results', 'evidence-latest.md'), `${table}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
