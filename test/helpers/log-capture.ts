import { Writable } from 'node:stream';
import pino from 'pino';

/** A debug-level logger for createTestApp, and every line it writes, as written. */
export function captureLogs(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}
