// The instants a period covers in the business timezone. Intl is pure computation, not I/O.

import { dayOf } from './days.ts';
import { addDays, utcMs } from './period-words.ts';
import type { Period } from './period-build.ts';

const wallClocks = new Map<string, Intl.DateTimeFormat>();

/** Milliseconds the zone's wall clock is ahead of UTC at `ms`. */
function offsetAt(ms: number, timeZone: string): number {
  let f = wallClocks.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    wallClocks.set(timeZone, f);
  }
  const part = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
  const wall = utcMs(part.year ?? 0, (part.month ?? 1) - 1, part.day ?? 1, part.hour ?? 0, part.minute ?? 0, part.second ?? 0);
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The first instant of `day` in `timeZone`. */
function startOfDay(day: string, timeZone: string): number {
  const wallMidnight = Date.parse(`${day}T00:00:00Z`);
  // Two rounds settle the offset unless a transition lies between the guesses.
  const a = wallMidnight - offsetAt(wallMidnight, timeZone);
  const b = wallMidnight - offsetAt(a, timeZone);
  const exact = [a, b].filter((t) => t + offsetAt(t, timeZone) === wallMidnight);
  if (exact.length > 0) return Math.min(...exact); // a repeated midnight: the day begins at the first
  // Midnight was skipped (clocks jumped forward at 00:00): the day begins at the jump.
  let lo = Math.min(a, b);
  let hi = Math.max(a, b);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (dayOf(new Date(mid), timeZone) >= day) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** [start, end) instants of the period: local midnight of `from` to local midnight after `to`. */
export function periodBounds(p: Period, timeZone: string): { start: Date; end: Date } {
  return {
    start: new Date(startOfDay(p.from, timeZone)),
    end: new Date(startOfDay(addDays(p.to, 1), timeZone)),
  };
}

/** The days a period may span: their instants, in any timezone, are timestamps PostgreSQL takes. */
export const PERIOD_DAYS = { first: '0001-01-01', last: '9999-12-30' } as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Why the period cannot be compared with timestamps in PostgreSQL, or undefined. Past
 * 9999-12-30 its end is in year 10000 ("December 9999" ends at 10000-01-01), which PostgreSQL
 * refuses as sent; before year 1 is year 0, which it refuses too.
 */
export function boundsProblem(p: Period): string | undefined {
  if (DAY.test(p.from) && DAY.test(p.to) && p.from >= PERIOD_DAYS.first && p.to <= PERIOD_DAYS.last) return undefined;
  return `${p.from}..${p.to} reaches outside ${PERIOD_DAYS.first}..${PERIOD_DAYS.last}`;
}
