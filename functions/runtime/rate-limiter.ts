/**
 * Paces calls to at most `perSecond` a second in this process (a token bucket holding one
 * second's worth). The mail sender takes a token before each SES call, so its concurrent
 * functions together stay under the account's send rate: each gets the rate divided by the
 * queue's maximum concurrency (lib/lojal-email.ts).
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(perSecond > 0)) throw new RangeError('perSecond must be above zero');
    this.tokens = Math.max(1, perSecond);
    this.last = now();
  }

  /** Resolves when the caller may go ahead; callers go in order. */
  acquire(): Promise<void> {
    const turn = this.queue.then(() => this.take());
    this.queue = turn;
    return turn;
  }

  private async take(): Promise<void> {
    for (;;) {
      const now = this.now();
      this.tokens = Math.min(Math.max(1, this.perSecond), this.tokens + ((now - this.last) / 1000) * this.perSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(((1 - this.tokens) / this.perSecond) * 1000);
    }
  }
}
