// Building Periods: calendar units, rolling windows, steps back, and whether a period is over.
// Days are YYYY-MM-DD strings and all calendar arithmetic is UTC date math on them (see
// period-words.ts), so a DST change or the host's zone can never shift a day.

import { daysBetween } from './days.ts';
import {
  addDays, addMonths, formatDay, formatMonth, formatRange, isMonthEnd, isoWeekday, lastDayOfMonth, monthOf, yearOf, ymd,
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

/** A period labelled "prefix (dates)", or by its dates alone without a prefix. */
export function make(g: Granularity, from: string, to: string, prefix?: string): Period {
  const text = describe(g, from, to);
  // "Q3 2025 (1 Jul – 30 Sep 2025)" reads better than a bare "Q3 2025, 1 Jul – 30 Sep 2025".
  const label = prefix ? `${prefix} (${text})` : g === 'quarter' ? text.replace(', ', ' (') + ')' : text;
  return { label, from, to, granularity: g };
}

/** The calendar unit of that kind containing `day`. */
export function unitContaining(unit: Unit, day: string, prefix?: string): Period {
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

/** `day` moved by n units (negative: back); month-based moves clamp to the month's end. */
export function stepDay(day: string, unit: Unit, n: number): string {
  if (unit === 'day') return addDays(day, n);
  if (unit === 'week') return addDays(day, 7 * n);
  return addMonths(day, n * UNIT_MONTHS[unit]);
}

/** The unit containing today moved by n units: 0 this week, -1 last week, 1 next week. */
export function unitFromToday(unit: Unit, today: string, n: number, prefix?: string): Period {
  return unitContaining(unit, stepDay(unitContaining(unit, today).from, unit, n), prefix);
}

/** Moves a whole window back by n units. Month-based moves keep month ends on month ends. */
function moveBack(from: string, to: string, unit: Unit, n = 1): [string, string] {
  if (unit === 'day' || unit === 'week') return [stepDay(from, unit, -n), stepDay(to, unit, -n)];
  const months = -UNIT_MONTHS[unit] * n;
  // a Monday–Sunday week stays one: the week holding its Thursday moved back ("the same week last
  // year" is the week with the same ISO number, not Sun 7 – Sat 13 Dec)
  if (isoWeekday(from) === 1 && to === addDays(from, 6)) {
    const monday = unitContaining('week', addMonths(addDays(from, 3), months)).from;
    return [monday, addDays(monday, 6)];
  }
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

/**
 * "The same day last week", "the same period last year": the whole window one unit earlier,
 * whatever its length (unlike shiftBack, which takes the unit just before a longer period).
 */
export function sameLast(p: Period, unit: Unit, prefix: string, n = 1): Period {
  const [from, to] = moveBack(p.from, p.to, unit, n);
  return make(realign(p.granularity, from, to), from, to, prefix);
}

export type RollingUnit = Unit | 'fortnight';

/** The n units up to and including today (or, with `ahead`, the n units after today). */
export function rolling(n: number, unit: RollingUnit, today: string, label?: string, ahead = false): Period {
  const name = label ?? `${ahead ? 'next' : 'last'} ${n} ${unit}${n === 1 ? '' : 's'}`;
  const days = unit === 'fortnight' ? 14 * n : unit === 'week' ? 7 * n : unit === 'day' ? n : undefined;
  if (ahead) {
    const to = days !== undefined ? addDays(today, days) : stepDay(today, unit as Unit, n);
    return make('range', addDays(today, 1), to, name);
  }
  const from = days !== undefined ? addDays(today, 1 - days) : addDays(stepDay(today, unit as Unit, -n), 1);
  return make('range', from, today, name);
}

/** From the start of the unit containing today up to and including today: "month to date". */
export function toDate(unit: Unit, today: string): Period {
  return make('range', unitContaining(unit, today).from, today, `${unit} to date`);
}

/** Whether a period is over, still running (it includes `today`), or has not started. */
export function periodTense(p: Period, today: string): 'past' | 'partial' | 'future' {
  if (p.from > today) return 'future';
  return p.to >= today ? 'partial' : 'past';
}
