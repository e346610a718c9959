import { WorkLimit, WorkLimitFull } from '../../src/shared/work-limit';

/** A job that runs until the test lets it finish. */
function heldJob(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { job: async () => (log.push(`start ${name}`), await done, log.push(`end ${name}`), name), release };
}

describe('WorkLimit', () => {
  test('when more jobs come than may run, then the extra ones wait their turn in order, and past the queue one is refused at once', async () => {
    const limit = new WorkLimit(2, 1);
    const log: string[] = [];
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => heldJob(log, n));
    const running = [limit.run(a!.job), limit.run(b!.job), limit.run(c!.job)];
    await Promise.resolve();

    await expect(limit.run(d!.job)).rejects.toBeInstanceOf(WorkLimitFull);
    expect(log).toEqual(['start a', 'start b']);
    a!.release();
    await running[0];
    // c took a's place; b still runs.
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['start a', 'start b', 'end a', 'start c']);
    b!.release();
    c!.release();
    await expect(Promise.all(running)).resolves.toEqual(['a', 'b', 'c']);
  });

  test('when a job fails, then its slot is given back', async () => {
    const limit = new WorkLimit(1, 0);
    await expect(limit.run(async () => Promise.reject(new Error('broken scan')))).rejects.toThrow('broken scan');
    await expect(limit.run(async () => 'next')).resolves.toBe('next');
  });
});
