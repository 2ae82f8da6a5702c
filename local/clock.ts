import type { Clock } from '../functions/runtime/ports';

/** Thrown when asked to move the local clock to an earlier instant. */
export class ClockMovedBackwardError extends Error {
  override readonly name = 'ClockMovedBackwardError';
  constructor(
    readonly now: Date,
    readonly requested: Date,
  ) {
    super(`The local clock only moves forward: it is ${now.toISOString()} and ${requested.toISOString()} is earlier.`);
  }
}

export interface LocalClockOptions {
  /** Where the clock starts. @default the computer's current time */
  readonly start?: Date;
  /**
   * A frozen clock only moves when moved (deterministic tests); a running one also ticks
   * with real time, offset by every move, so business times a webshop stamps with its own
   * `new Date()` stay in step with it. @default false (running)
   */
  readonly frozen?: boolean;
  /** Source of real time, for tests of the running clock. @default Date.now */
  readonly wallClock?: () => number;
}

/**
 * The local copy's `Clock`: every handler, the member API and the job scheduler read it, and
 * `POST /_local/clock` moves it forward (never back).
 */
export class LocalClock implements Clock {
  readonly frozen: boolean;
  private readonly wallClock: () => number;
  private base: number;
  private wallAtBase: number;

  constructor(options: LocalClockOptions = {}) {
    this.wallClock = options.wallClock ?? Date.now;
    this.frozen = options.frozen ?? false;
    this.wallAtBase = this.wallClock();
    this.base = options.start?.getTime() ?? this.wallAtBase;
    if (Number.isNaN(this.base)) throw new RangeError('The local clock start is not a valid date.');
  }

  now(): Date {
    return new Date(this.frozen ? this.base : this.base + (this.wallClock() - this.wallAtBase));
  }

  /** Moves the clock to `instant`; throws `ClockMovedBackwardError` if that is earlier than now. */
  moveTo(instant: Date): void {
    const now = this.now();
    if (instant.getTime() < now.getTime()) throw new ClockMovedBackwardError(now, instant);
    this.set(instant.getTime());
  }

  /**
   * Moves the clock to `instant` if that is later than now, else leaves it: one reading of a
   * running clock decides, so a millisecond ticking between a caller's check and the move
   * cannot turn it into a `ClockMovedBackwardError`.
   */
  moveForwardTo(instant: Date): void {
    if (instant.getTime() > this.now().getTime()) this.set(instant.getTime());
  }

  private set(instant: number): void {
    this.base = instant;
    this.wallAtBase = this.wallClock();
  }
}
