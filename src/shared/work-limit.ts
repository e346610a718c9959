/** Raised when as many jobs wait as the limit allows: the caller answers "busy, retry" at once. */
export class WorkLimitFull extends Error {
  constructor() {
    super('too many jobs are waiting');
    this.name = 'WorkLimitFull';
  }
}

/**
 * At most `concurrent` jobs run at once and at most `queued` wait for a turn; one more is refused
 * at once (WorkLimitFull) instead of piling up. For work whose cost an outsider controls (decoding
 * a scan, drawing a PDF's pages): each job holds its upload in memory while it waits.
 */
export class WorkLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrent: number,
    readonly queued: number,
  ) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrent) {
      this.running += 1;
    } else {
      if (this.waiting.length >= this.queued) throw new WorkLimitFull();
      // The finishing job hands its slot straight to this one: `running` stays as it is.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
