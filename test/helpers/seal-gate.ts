import type { Sealer } from '../../src/evidence/sealer';

/**
 * Holds seals open on request, to force an interleaving: `holdNext()` makes the next seal wait
 * until `release()`; `reached` resolves once that seal has started waiting. Other seals pass.
 */
export class SealGate {
  private readonly holds: { reached: () => void; released: Promise<void> }[] = [];
  private readonly releases: (() => void)[] = [];

  readonly wrap = (base: Sealer): Sealer => {
    const holds = this.holds;
    return {
      get timestamps() {
        return base.timestamps;
      },
      async seal(pdf, info) {
        const hold = holds.shift();
        if (hold) {
          hold.reached();
          await hold.released;
        }
        return base.seal(pdf, info);
      },
    };
  };

  holdNext(): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.push({ reached, released });
    this.releases.push(release);
    return { reached: reachedPromise, release };
  }

  /** Lets every held seal go (in afterEach, so that a failed test leaves nothing waiting). */
  releaseAll(): void {
    this.holds.length = 0;
    for (const release of this.releases.splice(0)) release();
  }
}
