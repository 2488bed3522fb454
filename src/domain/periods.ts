// Natural-language reporting periods in the business timezone.
// Days are YYYY-MM-DD strings and all calendar arithmetic is UTC date math on them (see
// period-words.ts), so a DST change or the host's zone can never shift a day. The timezone
// decides only which day "today" is and, in periodBounds, which instants a day starts and ends at.

import { dayOf, daysBetween } from './days.ts';
import {
  COUNT, DATE_TOKEN, MONTH_WORD, addDays, addMonths, countOf, dateParts, formatDay, formatMonth, formatRange,
  isMonthEnd, isoWeekday, lastDayOfMonth, monthNumber, monthOf, resolveDay, yearOf, yearRef, ymd,
} from './period-words.ts';

export type Granularity = 'day' | 'week' | 'month' | 'quarter' | 'year' | 'range';
export type Unit = Exclude<Granularity, 'range'>;

export interface Period {
  /** Human text, e.g. "last week (Mon 9 Nov – Sun 15 Nov 2026)". */
  label: string;
  /** First day, YYYY-MM-DD, inclusive, in the business timezone. */
  from: string;
  /** Last day, YYYY-MM-DD, inclusive. */
  to: string;
  granularity: Granularity;
}

// ── building periods ─────────────────────────────────────────────────────────────────────────

function describe(g: Granularity, from: string, to: string): string {
  switch (g) {
    case 'day':
      return formatDay(from);
    case 'month':
      return formatMonth(yearOf(from), monthOf(from));
    case 'quarter':
      return `Q${Math.ceil(monthOf(from) / 3)} ${yearOf(from)}, ${formatRange(from, to, false)}`;
    case 'year':
      return String(yearOf(from));
    default:
      return formatRange(from, to);
  }
}

function make(g: Granularity, from: string, to: string, prefix?: string): Period {
  const text = describe(g, from, to);
  // "Q3 2025 (1 Jul – 30 Sep 2025)" reads better than a bare "Q3 2025, 1 Jul – 30 Sep 2025".
  const label = prefix ? `${prefix} (${text})` : g === 'quarter' ? text.replace(', ', ' (') + ')' : text;
  return { label, from, to, granularity: g };
}

/** The calendar unit of that kind containing `day`. */
function unitContaining(unit: Unit, day: string, prefix?: string): Period {
  const y = yearOf(day);
  switch (unit) {
    case 'day':
      return make('day', day, day, prefix);
    case 'week': {
      const monday = addDays(day, 1 - isoWeekday(day));
      return make('week', monday, addDays(monday, 6), prefix);
    }
    case 'month':
      return make('month', ymd(y, monthOf(day), 1), ymd(y, monthOf(day), lastDayOfMonth(y, monthOf(day))), prefix);
    case 'quarter': {
      const first = Math.floor((monthOf(day) - 1) / 3) * 3 + 1;
      return make('quarter', ymd(y, first, 1), ymd(y, first + 2, lastDayOfMonth(y, first + 2)), prefix);
    }
    case 'year':
      return make('year', ymd(y, 1, 1), ymd(y, 12, 31), prefix);
  }
}

const UNIT_MONTHS: Record<Unit, number> = { day: 0, week: 0, month: 1, quarter: 3, year: 12 };

/** Moves a whole window back by one unit. Month-based moves keep month ends on month ends. */
function moveBack(from: string, to: string, unit: Unit): [string, string] {
  if (unit === 'day' || unit === 'week') {
    const n = unit === 'day' ? 1 : 7;
    return [addDays(from, -n), addDays(to, -n)];
  }
  const months = -UNIT_MONTHS[unit];
  const newTo = isMonthEnd(to) ? addDays(addMonths(ymd(yearOf(to), monthOf(to), 1), months + 1), -1) : addMonths(to, months);
  return [addMonths(from, months), newTo];
}

/**
 * The period from `from` to `to` (YYYY-MM-DD, inclusive), labelled by `label` when given. It keeps
 * the calendar unit it spans exactly (a Mon–Sun week, a whole month...) so that "the period
 * before" of a week handed over as two dates is still the previous week.
 */
export function periodBetween(from: string, to: string, label?: string): Period {
  if (to < from) throw new RangeError(`period ends (${to}) before it starts (${from})`);
  const units: Unit[] = ['day', 'week', 'month', 'quarter', 'year'];
  const g = units.find((u) => realign(u, from, to) === u) ?? 'range';
  const p = make(g, from, to);
  return label ? { ...p, label } : p;
}

/** The period of the same length immediately before `p`. */
export function previousPeriod(p: Period): Period {
  if (p.granularity === 'range') {
    const length = daysBetween(p.from, p.to) + 1;
    return make('range', addDays(p.from, -length), addDays(p.from, -1), `the ${length} days before`);
  }
  return unitContaining(p.granularity, addDays(p.from, -1), `the ${p.granularity} before`);
}

const UNIT_DAYS: Record<Unit, number> = { day: 1, week: 7, month: 30, quarter: 91, year: 365 };

/** The granularity a window keeps after moving: its own if still calendar-aligned, else range. */
function realign(g: Granularity, from: string, to: string): Granularity {
  if (g === 'range') return 'range';
  const unit = unitContaining(g, from);
  return unit.from === from && unit.to === to ? g : 'range';
}

/**
 * Answers follow-ups such as "and the week before?". Without a unit, or with the period's own
 * unit, that is previousPeriod. A unit shorter than the period means the unit just before it
 * ("October … and the week before?" is the 7 days before 1 Oct); a longer unit moves the whole
 * window back ("yesterday … and the week before?" is the same weekday a week earlier).
 */
export function shiftBack(p: Period, unit?: Unit): Period {
  if (!unit || unit === p.granularity) return previousPeriod(p);
  const before = addDays(p.from, -1);
  if (daysBetween(p.from, p.to) + 1 > UNIT_DAYS[unit]) {
    // Weeks are taken as the 7 days before, since the ISO week of that day may overlap p.
    if (unit === 'week') {
      const from = addDays(p.from, -7);
      return make(realign('week', from, before), from, before, 'the week before');
    }
    return unitContaining(unit, before, `the ${unit} before`);
  }
  const [from, to] = moveBack(p.from, p.to, unit);
  return make(realign(p.granularity, from, to), from, to, to === before ? `the ${unit} before` : `a ${unit} earlier`);
}

// ── instants ─────────────────────────────────────────────────────────────────────────────────

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
  const wall = Date.UTC(part.year ?? 0, (part.month ?? 1) - 1, part.day ?? 1, part.hour ?? 0, part.minute ?? 0, part.second ?? 0);
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

// ── parsing ──────────────────────────────────────────────────────────────────────────────────

interface Context {
  today: string;
  previous?: Period;
}

interface Rule {
  re: RegExp;
  build(m: RegExpExecArray, ctx: Context): Period | undefined;
}

const UNIT = '(day|week|month|quarter|year)';
const YEAR_REF = '(\\d{4}(?![\\d-])|last year|this year)';

function range(fromText: string, toText: string, today: string): Period | undefined {
  const a = dateParts(fromText);
  const b = dateParts(toText);
  if (!a || !b) return undefined;
  let from: string | undefined;
  let to: string | undefined;
  if (a.year === undefined && b.year !== undefined) {
    // "1 Nov to 15 Nov 2025": the end's year applies to the start too, unless that would invert it.
    to = resolveDay(b, today);
    from = to && resolveDay(a, today, b.year);
    if (from && to && from > to) from = resolveDay(a, today, b.year - 1);
  } else {
    from = resolveDay(a, today);
    const startYear = from ? yearOf(from) : undefined;
    to = b.year !== undefined ? resolveDay(b, today) : resolveDay(b, today, startYear);
    // "20 Dec to 5 Jan" crosses New Year.
    if (from && to && to < from && b.year === undefined && startYear !== undefined) to = resolveDay(b, today, startYear + 1);
  }
  if (!from || !to) return undefined;
  return from <= to ? make('range', from, to) : make('range', to, from);
}

function rolling(n: number, unit: string, today: string, label?: string): Period {
  const u = unit.replace(/s$/, '');
  let from: string;
  if (u === 'day') from = addDays(today, 1 - n);
  else if (u === 'week') from = addDays(today, 1 - 7 * n);
  else from = addDays(addMonths(today, -n * (u === 'year' ? 12 : u === 'quarter' ? 3 : 1)), 1);
  return make('range', from, today, label ?? `last ${n} ${u}${n === 1 ? '' : 's'}`);
}

function quarter(q: number, year: number): Period {
  return unitContaining('quarter', ymd(year, q * 3, 1));
}

// The earliest phrase in the text wins; at the same position, the rule listed first wins.
const RULES: Rule[] = [
  {
    re: /\b(?:the )?day before yesterday\b/g,
    build: (_m, { today }) => make('day', addDays(today, -2), addDays(today, -2), 'the day before yesterday'),
  },
  {
    re: /\b(?:the )?(week|month|quarter|year) before last\b/g,
    build: (m, { today }) => {
      const unit = m[1] as Unit;
      const last = unitContaining(unit, addDays(unitContaining(unit, today).from, -1));
      return unitContaining(unit, addDays(last.from, -1), `the ${unit} before last`);
    },
  },
  {
    re: new RegExp(`\\b(?:the )?${UNIT} (?:before|earlier|prior)\\b`, 'g'),
    build: (m, { previous }) => previous && shiftBack(previous, m[1] as Unit),
  },
  {
    re: /\b(?:before that|the (?:one|period) before)\b/g,
    build: (_m, { previous }) => previous && previousPeriod(previous),
  },
  {
    re: new RegExp(`\\bbetween (${DATE_TOKEN}) and (${DATE_TOKEN})`, 'gi'),
    build: (m, { today }) => range(m[1] ?? '', m[2] ?? '', today),
  },
  {
    re: new RegExp(`(?:\\bfrom )?(${DATE_TOKEN})(?: (?:to|until|till|through|thru) |\\s*[–—]\\s*| - )(${DATE_TOKEN})`, 'gi'),
    build: (m, { today }) => range(m[1] ?? '', m[2] ?? '', today),
  },
  {
    re: new RegExp(`\\bsince (${DATE_TOKEN})`, 'gi'),
    build: (m, { today }) => {
      const parts = dateParts(m[1] ?? '');
      const from = parts && resolveDay(parts, today);
      return from && from <= today ? make('range', from, today) : undefined;
    },
  },
  {
    re: new RegExp(`\\b(?:last|past|previous|prior) (${COUNT}) (days?|weeks?|months?|quarters?|years?)\\b`, 'gi'),
    build: (m, { today }) => {
      const n = countOf(m[1] ?? '');
      return n && n <= 3660 ? rolling(n, m[2] ?? 'day', today) : undefined;
    },
  },
  {
    // "the past week" is the trailing seven days, not the previous calendar week.
    re: /\b(?:the )?(?:this )?past (week|month|quarter|year)\b/g,
    build: (m, { today }) => rolling(1, m[1] ?? 'week', today, `past ${m[1] ?? 'week'}`),
  },
  { re: /\btoday\b/g, build: (_m, { today }) => make('day', today, today, 'today') },
  { re: /\byesterday\b/g, build: (_m, { today }) => make('day', addDays(today, -1), addDays(today, -1), 'yesterday') },
  {
    re: /\b(this|current|last|previous|prior) (week|month|quarter|year)\b/g,
    build: (m, { today }) => {
      const unit = m[2] as Unit;
      const current = m[1] === 'this' || m[1] === 'current';
      const label = `${current ? 'this' : 'last'} ${unit}`;
      return unitContaining(unit, current ? today : addDays(unitContaining(unit, today).from, -1), label);
    },
  },
  {
    re: new RegExp(`\\bq([1-4])(?:,? (?:of )?${YEAR_REF})?\\b`, 'g'),
    build: (m, { today }) => {
      const q = Number(m[1]);
      const year = yearRef(m[2], today) ?? yearOf(today);
      // A quarter that has not started this year means last year's.
      return quarter(q, m[2] === undefined && ymd(year, q * 3 - 2, 1) > today ? year - 1 : year);
    },
  },
  {
    re: new RegExp(`(${DATE_TOKEN})`, 'gi'),
    build: (m, { today }) => {
      const parts = dateParts(m[1] ?? '');
      const day = parts && resolveDay(parts, today);
      return day ? make('day', day, day) : undefined;
    },
  },
  {
    re: new RegExp(`\\b(${MONTH_WORD})\\b\\.?(?:,? (?:of )?${YEAR_REF})?`, 'g'),
    build: (m, { today }) => {
      const month = monthNumber(m[1] ?? '');
      const explicit = yearRef(m[2], today);
      // "may" is usually the verb; take it as the month only with a year or a preposition.
      if (!month || (m[1] === 'may' && explicit === undefined && !/\b(?:in|during|for|of|since|last|this) $/.test(m.input.slice(0, m.index)))) {
        return undefined;
      }
      const year = explicit ?? (month > monthOf(today) ? yearOf(today) - 1 : yearOf(today));
      return unitContaining('month', ymd(year, month, 1));
    },
  },
  {
    re: /(?<=\b(?:in|during|for|year) )(\d{4})(?![\d-])/g,
    build: (m) => unitContaining('year', ymd(Number(m[1]), 1, 1)),
  },
];

/**
 * Finds a period phrase anywhere in `text` ("how was CSI last week?"); undefined if none.
 * `previous` is the period of the conversation so far, needed only for follow-ups such as
 * "and the week before?".
 */
export function parsePeriod(text: string, now: Date, timeZone: string, previous?: Period): Period | undefined {
  const normalized = text.toLowerCase().replace(/\s+/g, ' ');
  const ctx: Context = { today: dayOf(now, timeZone), previous };
  let best: { index: number; period: Period } | undefined;
  for (const rule of RULES) {
    for (const m of normalized.matchAll(rule.re)) {
      if (best && m.index >= best.index) break;
      const period = rule.build(m as RegExpExecArray, ctx);
      if (period) {
        best = { index: m.index, period };
        break;
      }
    }
  }
  return best?.period;
}
