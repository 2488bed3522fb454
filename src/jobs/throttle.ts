// A wake-up signal for other processes that costs a statement (a NOTIFY: a commit with its own
// WAL flush): sent at once after a quiet spell, and during a burst at most once per window,
// the calls of a window folded into one run at its end. Every call is followed by a run that
// starts after it, so nothing it signals is missed; a run never overlaps the previous one.

export interface Throttled {
  call(): void;
  /** drops a run waiting for its window (shutdown) */
  stop(): void;
}

/** `run` must handle its own failures (a rejected run is ignored). */
export function throttled(run: () => Promise<void>, windowMs: number, clock: () => number = () => performance.now()): Throttled {
  let last = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  /** a call arrived while a run was in flight: one more run once it is done */
  let again = false;
  let stopped = false;
  const fire = (): void => {
    timer = undefined;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    last = clock();
    const done = () => {
      running = false;
      if (again) {
        again = false;
        call();
      }
    };
    run().then(done, done);
  };
  const call = (): void => {
    if (stopped || timer || again) return;
    if (running) {
      again = true;
      return;
    }
    const wait = last + windowMs - clock();
    if (wait <= 0) fire();
    else timer = setTimeout(fire, wait);
  };
  return {
    call,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
