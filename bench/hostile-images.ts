/**
 * Issue 9 benchmark: what a hostile image costs the service now. A "decompression bomb" is a small
 * PNG whose pixels compress to almost nothing: a few hundred KB that decode to gigabytes. Before
 * issue 9, a drawn signature went straight to pdfkit, which decoded it whole (tens of seconds,
 * gigabytes of memory, the event loop blocked); now its header is read first and it is refused.
 *
 *   npm run bench:hostile-images          (BENCH_BEFORE=1 also times the old path once: slow, GBs)
 *
 * Reports, per input, bytes, declared pixels, the time to the answer (median of 20) and the RSS
 * growth, against a baseline in the same run: checking a real 600×200 signature.
 */
import { deflateSync } from 'node:zlib';
import os from 'node:os';
import PDFDocument from 'pdfkit';

import { checkSignaturePng } from '../src/evidence/signature-image';
import { prepareScanImage } from '../src/evidence/scan-image';
import { pngChunk, signaturePng } from '../test/helpers/png';

/** A real bomb: every row of `width` RGBA pixels is zeros, so zlib packs gigabytes into kilobytes. */
function bomb(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc((1 + width * 4) * height);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(raw, { level: 9 })), pngChunk('IEND', Buffer.alloc(0))]);
}

async function timed(fn: () => Promise<unknown>, runs = 20): Promise<{ medianMs: number; answer: string }> {
  const times: number[] = [];
  let answer = '';
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const result = (await fn()) as { ok?: boolean; reason?: string } | undefined;
    answer = result?.ok === undefined ? 'done' : result.ok ? 'accepted' : `refused: ${String(result.reason).slice(0, 48)}`;
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, answer };
}

/** The old path: pdfkit decodes the PNG to place it on the page. */
function pdfkitDecode(png: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4' });
    doc.on('data', () => undefined);
    doc.on('end', () => resolve());
    try {
      doc.image(png, 0, 0, { width: 200 });
      doc.end();
    } catch (error) {
      reject(error as Error);
    }
  });
}

async function main(): Promise<void> {
  const rows: string[] = [];
  const rssMb = () => Math.round(process.memoryUsage().rss / 1024 / 1024);
  const good = signaturePng(600, 200);
  const bombSignature = bomb(10_000, 10_000);
  const cases: [string, Buffer, () => Promise<unknown>][] = [
    ['baseline: a real drawn signature, 600 × 200', good, () => checkSignaturePng(good)],
    ['signature bomb, 10,000 × 10,000 RGBA (400 MB when decoded)', bombSignature, () => checkSignaturePng(bombSignature)],
    ['scan bomb, 10,000 × 10,000 RGBA as a paper scan', bombSignature, () => prepareScanImage(bombSignature, 'image/png')],
  ];
  for (const [name, bytes, fn] of cases) {
    const before = rssMb();
    const { medianMs, answer } = await timed(fn);
    rows.push(`| ${name} | ${bytes.length.toLocaleString('en')} | ${medianMs.toFixed(2)} ms | ${rssMb() - before} MB | ${answer} |`);
  }
  if (process.env.BENCH_BEFORE === '1') {
    const before = rssMb();
    const { medianMs } = await timed(() => pdfkitDecode(bombSignature), 1);
    rows.push(`| before issue 9: pdfkit decodes the signature bomb | ${bombSignature.length.toLocaleString('en')} | ${medianMs.toFixed(0)} ms | ${rssMb() - before} MB | placed on the page |`);
  }
  process.stdout.write(
    [
      `Hostile images (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ')})`,
      '',
      '| input | bytes | time to the answer (median of 20) | RSS growth | answer |',
      '|---|---:|---:|---:|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
