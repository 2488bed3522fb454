import { LocalClock } from '../db/seed/clock.js';

// Times in exports come as ISO 8601 (with or without an offset), "YYYY-MM-DD HH:mm[:ss]",
// or epoch seconds/milliseconds. A time without an offset is a wall-clock time in the
// business timezone: that is how inbox tools export "local" times.

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;
const NUMERIC = /^\d{9,16}(?:\.\d+)?$/;
/** Epoch values below this are seconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const SECONDS_LIMIT = 1e11;
const MICROS_FROM = 1e14;
/** Facebook launched in 2004 and nothing we import is from the next century: outside this, it is a parse mistake. */
const MIN_MS = Date.UTC(2000, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);

export type TimeResult = { ms: number } | { error: string };

export class TimeParser {
  private readonly clock: LocalClock;

  constructor(readonly timezone: string) {
    this.clock = new LocalClock(timezone);
  }

  parse(value: unknown): TimeResult {
    if (typeof value === 'number') return this.fromEpoch(value);
    if (typeof value !== 'string') return { error: `unparseable time ${JSON.stringify(value)}` };
    const fast = canonicalUtc(value);
    if (fast !== undefined) return inRange(fast, value);
    const s = value.trim();
    if (NUMERIC.test(s)) return this.fromEpoch(Number(s));
    const m = ISO.exec(s);
    if (!m) return { error: `unparseable time "${s.slice(0, 40)}" (expected ISO 8601 or epoch seconds/milliseconds)` };
    const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone] = m;
    const wall = Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +sec, Number(frac.padEnd(3, '0').slice(0, 3)));
    const check = new Date(wall);
    // Date.UTC rolls 2026-02-31 over into March: a rolled-over field means the date does not exist.
    if (check.getUTCMonth() !== +mo! - 1 || check.getUTCDate() !== +d! || +h > 23 || +mi > 59 || +sec > 59) {
      return { error: `unparseable time "${s}" (no such date or time)` };
    }
    let ms: number;
    if (zone === undefined) ms = this.fromWallClock(wall);
    else if (/^(Z|UTC|GMT)$/i.test(zone)) ms = wall;
    else {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      ms = wall - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
    }
    return inRange(ms, s);
  }

  private fromEpoch(n: number): TimeResult {
    if (!Number.isFinite(n) || n < 0) return { error: `unparseable time ${n}` };
    const ms = n < SECONDS_LIMIT ? n * 1000 : n >= MICROS_FROM ? n / 1000 : n;
    return inRange(Math.round(ms), String(n));
  }

  /** Wall-clock time in the business timezone → instant; the second pass settles DST edges. */
  private fromWallClock(wall: number): number {
    const first = wall - this.clock.offset(wall);
    return wall - this.clock.offset(first);
  }
}

function inRange(ms: number, source: string): TimeResult {
  if (ms < MIN_MS || ms >= MAX_MS) return { error: `time "${source}" is outside 2000-2099` };
  return { ms };
}

const digit = (s: string, i: number): number => {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
};
const two = (s: string, i: number): number => digit(s, i) * 10 + digit(s, i + 1);

/**
 * The shape most exports use, "2026-08-01T09:30:00Z" or "…:00.123Z", read at fixed positions:
 * a million rows spent a fifth of their parsing in the general regex. Undefined for any other
 * shape (and for a date that does not exist), which the general parser then handles or rejects.
 */
function canonicalUtc(s: string): number | undefined {
  const n = s.length;
  if ((n !== 20 && n !== 24) || s.charCodeAt(n - 1) !== 90 /* Z */) return undefined;
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || (n === 24 && s[19] !== '.')) return undefined;
  const y = two(s, 0) * 100 + two(s, 2);
  const mo = two(s, 5);
  const d = two(s, 8);
  const h = two(s, 11);
  const mi = two(s, 14);
  const sec = two(s, 17);
  const ms = n === 24 ? digit(s, 20) * 100 + two(s, 21) : 0;
  if (Number.isNaN(y + mo + d + h + mi + sec + ms) || h > 23 || mi > 59 || sec > 59) return undefined;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  // Date.UTC, without the Date a check of the day through it cost on every row
  return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysInMonth = (y: number, mo: number): number =>
  mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : DAYS_IN_MONTH[mo - 1]!;

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, mo: number, d: number): number {
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
