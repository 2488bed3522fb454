// Time for the scheduler. Production waits on real timers; tests and simulations drive a
// ManualClock through a whole day (or a DST weekend) in milliseconds, with the same engine.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): Date;
  /** calls `fn` once the clock reaches `when` (at once if it already has) */
  at(when: Date, fn: () => Promise<void> | void): Timer;
}

// setTimeout overflows past 2^31 − 1 ms (~24.8 days); long waits are re-armed in slices.
const MAX_SLICE = 24 * 3_600_000;

export const systemClock: Clock = {
  now: () => new Date(),
  at(when, fn) {
    let handle: NodeJS.Timeout | undefined;
    let cancelled = false;
    const arm = () => {
      const wait = when.getTime() - Date.now();
      if (wait <= 0) {
        handle = setTimeout(() => void (cancelled || fn()), 0);
        return;
      }
      handle = setTimeout(() => void (cancelled || arm()), Math.min(wait, MAX_SLICE));
    };
    arm();
    return {
      cancel: () => {
        cancelled = true;
        clearTimeout(handle);
      },
    };
  },
};

interface Pending {
  when: number;
  seq: number;
  fn: () => Promise<void> | void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told. Timers due at the same instant fire together (like three
 * instances waking at 09:00), and the clock waits for their promises before moving on, so a
 * test sees every effect of a tick before the next one.
 */
export class ManualClock implements Clock {
  private current: number;
  private pending: Pending[] = [];
  private seq = 0;

  constructor(start: Date) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  at(when: Date, fn: () => Promise<void> | void): Timer {
    const p: Pending = { when: Math.max(when.getTime(), this.current), seq: this.seq++, fn, cancelled: false };
    this.pending.push(p);
    return { cancel: () => void (p.cancelled = true) };
  }

  /** Moves to `to`, firing every timer due on the way (including ones armed by earlier timers). */
  async advanceTo(to: Date): Promise<void> {
    const target = to.getTime();
    for (;;) {
      this.pending = this.pending.filter((p) => !p.cancelled);
      const due = this.pending.filter((p) => p.when <= target);
      if (due.length === 0) break;
      const when = Math.min(...due.map((p) => p.when));
      const batch = due.filter((p) => p.when === when).sort((a, b) => a.seq - b.seq);
      this.pending = this.pending.filter((p) => !batch.includes(p));
      this.current = Math.max(this.current, when);
      await Promise.all(batch.map(async (p) => (p.cancelled ? undefined : p.fn())));
    }
    this.current = Math.max(this.current, target);
  }

  advanceBy(ms: number): Promise<void> {
    return this.advanceTo(new Date(this.current + ms));
  }

  /** Timers still waiting (a stopped scheduler leaves none). */
  get waiting(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }
}
