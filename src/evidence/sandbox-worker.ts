import { Worker } from 'node:worker_threads';

/** How a sandboxed worker ended: its one message, or why none came. */
export type SandboxOutcome<T> =
  | { kind: 'message'; reply: T }
  | { kind: 'timeout' }
  | { kind: 'error'; error: Error }
  | { kind: 'exit'; code: number };

/**
 * Runs one job on an uploaded file in a worker thread (a plain .mjs file in `sandbox/`) and settles
 * on its first message, or on its error, exit or time-out, whichever comes first; the worker is
 * terminated then. Its V8 heap is capped and whatever it prints is dropped: library warnings may
 * quote the uploaded document, which must not reach the logs.
 */
export function runSandboxWorker<T>(file: string, workerData: unknown, limits: { heapMb: number; timeoutMs: number }): Promise<SandboxOutcome<T>> {
  return new Promise((resolve) => {
    const worker = new Worker(file, {
      workerData,
      resourceLimits: { maxOldGenerationSizeMb: limits.heapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    let settled = false;
    const finish = (outcome: SandboxOutcome<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
      void worker.terminate();
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), limits.timeoutMs);
    worker.on('message', (reply: T) => finish({ kind: 'message', reply }));
    // Out of memory (ERR_WORKER_OUT_OF_MEMORY) or a crash inside the library.
    worker.on('error', (error) => finish({ kind: 'error', error }));
    worker.on('exit', (code) => finish({ kind: 'exit', code }));
  });
}
