// When a cron schedule's ticks fall, as instants, in its IANA timezone — including across DST.
// node-cron parses and validates the expression (src/jobs/scheduler/cron.ts); the walk from wall-clock times to instants is
// ours, because node-cron 4.6's own matcher silently skips a daily 02:30 on the spring-forward
// Sunday and picks the *second* 02:30 on the fall-back Sunday (measured with Europe/Berlin).
//
// Rules (docs/SCHEDULER.md):
// - a wall time inside a spring-forward gap runs once, at the first valid instant after the gap
//   (02:30 Europe/Berlin on 29 March 2026 runs at 03:00 CEST); several gap times (every 15 min)
//   collapse into that one instant, so they run once, not four times;
// - a wall time that occurs twice at fall-back runs once, at its first occurrence (CEST);
// - day-of-month and day-of-week are both required to match (node-cron's reading, not Vixie's OR).
// Pure: no clock reads; every function takes the instants it needs.
export interface CronFields {
  second: number[];
  minute: number[];
  hour: number[];
  dayOfMonth: number[];
  month: number[];
  /** 0 = Sunday */
  dayOfWeek: number[];
}

export class ScheduleError extends Error {}

/** Throws a ScheduleError for an unknown timezone. */
export function assertTimezone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new ScheduleError(`unknown timezone "${timeZone}"`);
  }
}

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function wallOf(ms: number, timeZone: string): Wall {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour!, mi: p.minute!, s: p.second! };
}

const wallMs = (w: Wall): number => Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
/** The zone's offset from UTC at instant `ms`, in ms (+1 h for CET). */
const offsetAt = (ms: number, timeZone: string): number => wallMs(wallOf(Math.floor(ms / 1000) * 1000, timeZone)) - Math.floor(ms / 1000) * 1000;

/**
 * The instant a wall-clock time stands for in `timeZone`: the first occurrence when it occurs
 * twice, the first instant after the gap when it does not occur at all.
 */
export function wallToInstant(w: Wall, timeZone: string): Date {
  const guess = wallMs(w);
  const offsets = [...new Set([offsetAt(guess - 86_400_000, timeZone), offsetAt(guess, timeZone), offsetAt(guess + 86_400_000, timeZone)])];
  const valid = offsets.map((o) => guess - o).filter((t) => wallMs(wallOf(t, timeZone)) === guess).sort((a, b) => a - b);
  if (valid.length > 0) return new Date(valid[0]!);
  // In a gap: the transition lies between the wall time read with the later offset (still
  // before the jump) and with the earlier one (already after it). Bisect to the second.
  let lo = guess - Math.max(...offsets);
  let hi = guess - Math.min(...offsets);
  const before = offsetAt(lo, timeZone);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (offsetAt(mid, timeZone) === before) lo = mid;
    else hi = mid;
  }
  return new Date(hi);
}

/** The first tick strictly after `after`. Throws when none falls within five years (e.g. 30 Feb). */
export function nextTick(fields: CronFields, timeZone: string, after: Date): Date {
  const afterMs = after.getTime();
  // A wall time w stands for an instant no later than wallMs(w) − (smallest offset), so wall
  // times up to after + that offset cannot be ticks after `after`: skip them unconverted.
  const minOffset = Math.min(offsetAt(afterMs - 86_400_000, timeZone), offsetAt(afterMs, timeZone), offsetAt(afterMs + 86_400_000, timeZone));
  const floorMs = afterMs + minOffset;
  const floorDay = new Date(floorMs);
  const start = Date.UTC(floorDay.getUTCFullYear(), floorDay.getUTCMonth(), floorDay.getUTCDate());
  for (let day = 0; day < 366 * 5; day++) {
    const date = new Date(start + day * 86_400_000);
    const [y, mo, d, dow] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCDay()];
    if (!fields.month.includes(mo) || !fields.dayOfMonth.includes(d) || !fields.dayOfWeek.includes(dow)) continue;
    for (const h of fields.hour) {
      if (Date.UTC(y, mo - 1, d, h, 59, 59) <= floorMs) continue;
      for (const mi of fields.minute) {
        if (Date.UTC(y, mo - 1, d, h, mi, 59) <= floorMs) continue;
        for (const s of fields.second) {
          if (Date.UTC(y, mo - 1, d, h, mi, s) <= floorMs) continue;
          const t = wallToInstant({ y, mo, d, h, mi, s }, timeZone);
          if (t.getTime() > afterMs) return t;
        }
      }
    }
  }
  throw new ScheduleError('the schedule has no tick in the next five years');
}

/** Every tick in (from, to], in order; stops after `limit`. */
export function ticksBetween(fields: CronFields, timeZone: string, from: Date, to: Date, limit = 10_000): Date[] {
  const out: Date[] = [];
  let t = from;
  while (out.length < limit) {
    t = nextTick(fields, timeZone, t);
    if (t.getTime() > to.getTime()) break;
    out.push(t);
  }
  return out;
}

/** The latest tick in (after, until], or undefined; widens its search so a minutely task stays cheap. */
export function latestTick(fields: CronFields, timeZone: string, after: Date, until: Date): Date | undefined {
  for (const span of [3_600_000, 86_400_000, 8 * 86_400_000, 32 * 86_400_000, 367 * 86_400_000, 5 * 366 * 86_400_000]) {
    const from = new Date(Math.max(after.getTime(), until.getTime() - span));
    let last: Date | undefined;
    try {
      for (let t = nextTick(fields, timeZone, from); t.getTime() <= until.getTime(); t = nextTick(fields, timeZone, t)) last = t;
    } catch (err) {
      if (!(err instanceof ScheduleError)) throw err;
    }
    if (last || from.getTime() === after.getTime()) return last;
  }
  return undefined;
}

export interface CatchUpInput {
  /** SCHEDULER_CATCH_UP: how many missed ticks to run on start (0 or 1) */
  catchUp: number;
  /** the latest tick ever claimed for this task, by any instance; none = never ran */
  lastRecorded: Date | undefined;
  /** the latest tick before `now` (strictly), when there is one */
  latestBefore: Date | undefined;
}

/**
 * The missed tick to run on start, if any: only the latest one since the last recorded run,
 * only when catch-up is on, and never for a task that has no recorded run yet (a new
 * subscription has missed nothing).
 */
export function catchUpTick({ catchUp, lastRecorded, latestBefore }: CatchUpInput): Date | undefined {
  if (catchUp < 1 || !lastRecorded || !latestBefore) return undefined;
  return latestBefore.getTime() > lastRecorded.getTime() ? latestBefore : undefined;
}
