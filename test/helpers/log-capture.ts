import { Writable } from 'node:stream';
import pino from 'pino';

import { flushAccessLog } from '../../src/http/access-log';

/**
 * A debug-level logger for createTestApp, and every line it writes, as written. Access-log lines
 * are written in batches after the current turn of the event loop (src/http/access-log.ts):
 * `flush()` writes the held ones now, so a test reads them right after its request.
 */
export function captureLogs(): { logger: pino.Logger; lines: string[]; flush(): void } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  return { logger, lines, flush: () => flushAccessLog(logger) };
}
