import { performance } from 'node:perf_hooks';
import type { Response } from 'express';
import pino, { type Logger } from 'pino';

import { maskedPath } from '../privacy/log-masking';

/** Lines held before they are written; a burst beyond it is written at once, not dropped. */
export const ACCESS_LOG_CAPACITY = 1024;

interface PinoInternals {
  [pino.symbols.streamSym]?: { write(chunk: string): unknown };
  [pino.symbols.chindingsSym]?: string;
}

/**
 * The access log: one line per answer (request id, method, masked path, status, ms), the evidence
 * of who read what. It is written in the same JSON lines as pino's, to the logger's own destination,
 * but off the request path: an answer only stores a few references and two numbers in a fixed
 * table; a flush (after the current turn of the event loop, when the table is full, or at close)
 * masks the paths, serialises the lines and hands them over in one write. Per request: one number
 * in `res.locals` and one shared `finish` listener; no log object, closure, BigInt or pino call.
 */
export class AccessLog {
  private readonly ids: (string | undefined)[] = new Array<string | undefined>(ACCESS_LOG_CAPACITY).fill(undefined);
  private readonly methods: (string | undefined)[] = new Array<string | undefined>(ACCESS_LOG_CAPACITY).fill(undefined);
  private readonly urls: (string | undefined)[] = new Array<string | undefined>(ACCESS_LOG_CAPACITY).fill(undefined);
  private readonly statuses = new Uint16Array(ACCESS_LOG_CAPACITY);
  private readonly elapsed = new Float64Array(ACCESS_LOG_CAPACITY);
  private readonly finishedAt = new Float64Array(ACCESS_LOG_CAPACITY);
  private count = 0;
  private scheduled: NodeJS.Immediate | null = null;
  /** One listener for every response (`this` is the response), so none is made per request. */
  private readonly onFinish: (this: Response) => void;
  private readonly flushNow = (): void => this.flush();

  constructor(private readonly logger: Logger) {
    const log = this;
    this.onFinish = function onFinish(this: Response) {
      log.record(this);
    };
  }

  /** At the start of a request: remembers when it began and listens for its answer going out. */
  begin(res: Response): void {
    if (!this.logger.isLevelEnabled('info')) return;
    res.locals.accessLogStart = performance.now();
    res.on('finish', this.onFinish);
  }

  private record(res: Response): void {
    const now = performance.now();
    const i = this.count;
    this.ids[i] = res.locals.requestId as string;
    this.methods[i] = res.req.method;
    this.urls[i] = res.req.originalUrl;
    this.statuses[i] = res.statusCode;
    this.elapsed[i] = now - (res.locals.accessLogStart as number);
    this.finishedAt[i] = now;
    this.count = i + 1;
    if (this.count === ACCESS_LOG_CAPACITY) this.flush();
    else if (this.scheduled === null) this.scheduled = setImmediate(this.flushNow);
  }

  /** Writes every held line now, in one write; tests call it before they read the log. */
  flush(): void {
    if (this.scheduled !== null) {
      clearImmediate(this.scheduled);
      this.scheduled = null;
    }
    const n = this.count;
    if (n === 0) return;
    const internals = this.logger as unknown as PinoInternals;
    const stream = internals[pino.symbols.streamSym];
    const bindings = internals[pino.symbols.chindingsSym] ?? '';
    const prefix = `{"level":${this.logger.levels.values.info ?? 30},"time":`;
    // pino's `time` is Date.now() when the line is made; here it is the wall clock when the answer went out.
    const wall = Date.now();
    const mono = performance.now();
    let out = '';
    for (let i = 0; i < n; i += 1) {
      out += `${prefix}${Math.round(wall - (mono - this.finishedAt[i]!))}${bindings},"requestId":${JSON.stringify(this.ids[i])},"method":${JSON.stringify(this.methods[i])},"path":${JSON.stringify(maskedPath(this.urls[i]!))},"status":${this.statuses[i]},"ms":${Math.round(this.elapsed[i]! * 1000) / 1000},"msg":"request"}\n`;
      this.ids[i] = undefined;
      this.methods[i] = undefined;
      this.urls[i] = undefined;
    }
    this.count = 0;
    stream?.write(out);
  }
}

const accessLogs = new WeakMap<Logger, AccessLog>();

/** The access log of a logger's destination: one per logger, made on first use. */
export function accessLogOf(logger: Logger): AccessLog {
  let log = accessLogs.get(logger);
  if (!log) {
    log = new AccessLog(logger);
    accessLogs.set(logger, log);
  }
  return log;
}

/**
 * Writes the held access-log lines of this logger now, and cancels the pending flush, so nothing
 * is left scheduled: at shutdown (container.close) and in tests that read the log after a request.
 */
export function flushAccessLog(logger: Logger): void {
  accessLogs.get(logger)?.flush();
}
