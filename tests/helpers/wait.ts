// Waiting in tests. A test waits for a positive signal (a call reaching a fake server, a row
// appearing, a log line), never for a fixed time. The deadline only bounds how long a *failing*
// test hangs, so it is generous: with two suites on two cores a step that takes 50 ms alone can
// take seconds, and a passing test never comes near it.

/** How long a test waits for something it expects to happen before it fails. */
export const WAIT_MS = 30_000;

/** How often a polled condition is checked again. */
const INTERVAL_MS = 25;

/**
 * Polls `fn` until it returns something other than undefined, null or false, and returns that;
 * throws after `timeoutMs` naming `what` and the last value seen.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts: { what?: string; timeoutMs?: number } = {},
): Promise<Exclude<T, undefined | null | false>> {
  const timeoutMs = opts.timeoutMs ?? WAIT_MS;
  const until = performance.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v as Exclude<T, undefined | null | false>;
    if (performance.now() > until) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'} (last value: ${JSON.stringify(v)})`);
    }
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
  }
}

/** A promise the test resolves itself: holds a fake's answer until the test has seen what it must. */
export function gate<T = void>(): { promise: Promise<T>; release(value: T): void; released: boolean } {
  let release!: (value: T) => void;
  const g = {
    promise: new Promise<T>((r) => (release = r)),
    released: false,
    release: (value: T) => {
      g.released = true;
      release(value);
    },
  };
  return g;
}
