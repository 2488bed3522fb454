import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttled } from '../src/jobs/throttle.ts';

// The NOTIFY that wakes other instances after webhook deliveries (bots/messenger/index.ts):
// at once after a quiet spell, at most once per window in a burst, and always a run that
// starts after the last call.

describe('throttled', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  // the fake timers' clock
  const clock = () => Date.now();
  afterEach(() => vi.useRealTimers());

  /** a run that resolves when the test says so; `starts` records when each began */
  function recorder() {
    const starts: number[] = [];
    const finish: (() => void)[] = [];
    const run = () => {
      starts.push(clock());
      return new Promise<void>((r) => finish.push(r));
    };
    return { starts, finish, run };
  }
  const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

  it('runs a lone call at once and a burst once more at the end of its window, after the last call', async () => {
    const r = recorder();
    const t = throttled(r.run, 50, clock);
    t.call();
    expect(r.starts).toEqual([0]);
    r.finish.shift()!();
    await advance(1);
    for (let i = 0; i < 20; i++) {
      t.call();
      await advance(2);
    }
    // the burst's 20 calls (1..39 ms) become one run, at the window's end
    expect(r.starts).toEqual([0]);
    await advance(20);
    expect(r.starts).toEqual([0, 50]);
    r.finish.shift()!();
    await advance(100);
    // quiet again: the next call runs at once
    t.call();
    expect(r.starts).toEqual([0, 50, 161]);
    t.stop();
  });

  it('never overlaps runs: a call during a slow run gets a run after it', async () => {
    const r = recorder();
    const t = throttled(r.run, 50, clock);
    t.call();
    await advance(200);
    t.call();
    t.call();
    await advance(200);
    expect(r.starts).toEqual([0]);
    r.finish.shift()!();
    await advance(0);
    expect(r.starts).toEqual([0, 400]);
    r.finish.shift()!();
    t.stop();
  });

  it('survives a failed run and drops a waiting one on stop', async () => {
    const starts: number[] = [];
    const t = throttled(() => {
      starts.push(clock());
      return Promise.reject(new Error('database down'));
    }, 50, clock);
    t.call();
    await advance(10);
    t.call();
    await advance(60);
    expect(starts).toEqual([0, 50]);
    t.call();
    t.stop();
    await advance(100);
    expect(starts).toEqual([0, 50]);
  });
});
