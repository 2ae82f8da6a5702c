/**
 * Tracks the asynchronous work the local copy starts on its own (event deliveries, retries,
 * scheduled job runs) so the clock can answer only once everything a move caused has
 * finished, the way a test or demo expects: put events, advance, then read the result.
 */
export class WorkTracker {
  private readonly pending = new Set<Promise<unknown>>();

  /** Registers work that is already running; returns the same promise. */
  track<T>(work: Promise<T>): Promise<T> {
    this.pending.add(work);
    const forget = () => this.pending.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** How many pieces of work are still running. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Resolves once no tracked work is left, including work started by work that was running
   * when it was called (a delivery that publishes further events, for example).
   */
  async idle(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.allSettled([...this.pending]);
    }
  }

  /** Like `idle`, but gives up after `ms`; resolves to whether everything finished. */
  async idleWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([this.idle().then(() => true as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
