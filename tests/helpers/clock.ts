// The suite's clock. No test may depend on the real date or time of day: demo data, periods
// ("last 7 days"), digests and QA stats are all computed against this instant instead, so the
// suite gives the same answers on any day it runs.

/** The instant every test's "now" is pinned to: a Wednesday afternoon, away from DST changes. */
export const TEST_NOW = new Date('2026-11-25T14:30:00Z');

/**
 * A clock that reads `at` when made and then moves with real elapsed time, so timeouts, ordering
 * and replay windows behave as in production while the calendar stays fixed.
 */
export function testClock(at: Date = TEST_NOW): () => Date {
  const started = performance.now();
  return () => new Date(at.getTime() + Math.round(performance.now() - started));
}
