// Readers for the parts of period phrases that need more than one line: named days, ranges,
// weekdays, weekends, months, quarters, halves and ISO weeks. period-rules.ts matches the words
// and calls these; each returns a Period, or a Refusal saying why the words name no period.

import {
  addDays, dateParts, formatDay, isoWeekday, monthNumber, monthOf, numericDate, resolveDay, weekdayNumber, yearOf, yearRef, ymd,
  type DateParts,
} from './period-words.ts';
import { make, unitContaining, unitFromToday, type Period, type RollingUnit } from './period-build.ts';

/** A phrase that looks like a period but names none we can compute. */
export interface Refusal {
  refused: string;
  /** a phrase that would work instead, when there is an obvious one */
  hint?: string;
}

export type Reading = Period | Refusal;

export interface RuleContext {
  today: string;
  /** the period a relative phrase ("the week before") counts from */
  anchor?: Period;
  /** the phrase is what the question compares with, and `anchor` is its main period */
  comparing?: boolean;
  /** the order of day and month that another numeric date of the question shows ("15/11": day first) */
  dateOrder?: 'day' | 'month';
}

export interface Rule {
  re: RegExp;
  /** reads relative to ctx.anchor, which periods.ts supplies once it knows the main period */
  relative?: boolean;
  build(m: RegExpExecArray, ctx: RuleContext): Reading | undefined;
  /**
   * Reads the phrase again when it turns out to be what the question's main period (ctx.anchor)
   * is compared with ("yesterday vs a week ago"); undefined keeps the reading from `build`.
   */
  compared?(m: RegExpExecArray, ctx: Required<Omit<RuleContext, 'dateOrder'>>): Reading | undefined;
}

export const unitOf = (word: string) => word.replace(/s$/, '') as RollingUnit;

export function direction(word: string | undefined): -1 | 0 | 1 | undefined {
  if (word === undefined) return undefined;
  if (/^(?:the )?(?:last|previous|prior|past)$/.test(word)) return -1;
  if (/^(?:the )?(?:next|coming)$/.test(word)) return 1;
  return 0;
}

const titled = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** A calendar day from its parts, or a refusal when it does not exist or its weekday is wrong. */
export function dayFrom(parts: DateParts, today: string, year?: number): string | Refusal {
  const day = resolveDay(parts, today, year);
  if (!day) return { refused: 'no such date' };
  if (parts.weekday !== undefined && parts.weekday !== isoWeekday(day)) {
    return { refused: `${formatDay(day, true, false)} is a ${WEEKDAY_NAMES[isoWeekday(day) - 1]}`, hint: formatDay(day) };
  }
  return day;
}

const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export function range(fromText: string, toText: string, today: string): Reading | undefined {
  const a = dateParts(fromText);
  const b = dateParts(toText);
  if (!a || !b) return undefined;
  let from: string | Refusal;
  let to: string | Refusal;
  if (a.year === undefined && b.year !== undefined) {
    // "1 Nov to 15 Nov 2025": the end's year applies to the start too, unless that would invert it.
    to = dayFrom(b, today);
    from = dayFrom(a, today, b.year);
    if (typeof from === 'string' && typeof to === 'string' && from > to) from = dayFrom(a, today, b.year - 1);
  } else {
    from = dayFrom(a, today);
    const startYear = typeof from === 'string' ? yearOf(from) : undefined;
    to = b.year !== undefined ? dayFrom(b, today) : dayFrom(b, today, startYear);
    // "20 Dec to 5 Jan" crosses New Year.
    if (typeof from === 'string' && typeof to === 'string' && to < from && b.year === undefined && startYear !== undefined) {
      to = dayFrom(b, today, startYear + 1);
    }
  }
  if (typeof from !== 'string') return from;
  if (typeof to !== 'string') return to;
  return from <= to ? make('range', from, to) : { refused: 'the range ends before it starts' };
}

/** "1–15 Oct", "between 3 and 9 November", "Oct 1-15": two day numbers sharing one month. */
export function dayNumberRange(first: string, last: string, monthWord: string, yearText: string | undefined, today: string): Reading | undefined {
  const month = monthNumber(monthWord);
  if (!month) return undefined;
  const [a, b] = [Number(first), Number(last)];
  if (b < a) return { refused: 'the range ends before it starts' };
  const year = yearText ? Number(yearText) : undefined;
  const from = dayFrom({ month, day: a, year }, today);
  if (typeof from !== 'string') return from;
  const to = dayFrom({ month, day: b, year: yearOf(from) }, today, yearOf(from));
  return typeof to === 'string' ? make('range', from, to) : to;
}

export function quarter(q: number, yearText: string | undefined, today: string, prefix?: string): Period {
  const explicit = yearRef(yearText, today);
  const year = explicit ?? yearOf(today);
  // A quarter that has not started this year means last year's.
  const y = explicit === undefined && ymd(year, q * 3 - 2, 1) > today ? year - 1 : year;
  return unitContaining('quarter', ymd(y, q * 3, 1), prefix);
}

export function isoWeek(n: number, yearText: string | undefined, today: string): Reading {
  const explicit = yearRef(yearText, today);
  const mondayOfWeek = (year: number) => {
    const jan4 = ymd(year, 1, 4);
    const monday = addDays(addDays(jan4, 1 - isoWeekday(jan4)), 7 * (n - 1));
    return n >= 1 && unitContaining('week', addDays(monday, 3)).from === monday && yearOf(addDays(monday, 3)) === year ? monday : undefined;
  };
  let year = explicit ?? yearOf(today);
  let monday = mondayOfWeek(year);
  if (explicit === undefined && (!monday || monday > today)) monday = mondayOfWeek((year -= 1));
  return monday ? make('week', monday, addDays(monday, 6), `week ${n} of ${year}`) : { refused: `${year} has no week ${n}` };
}

/** H1 or H2: a half that has not started this year means last year's. */
export function half(h: 1 | 2, yearText: string | undefined, today: string): Period {
  const explicit = yearRef(yearText, today);
  const first = h === 1 ? 1 : 7;
  const year = explicit ?? (ymd(yearOf(today), first, 1) > today ? yearOf(today) - 1 : yearOf(today));
  return make('range', ymd(year, first, 1), ymd(year, first + 5, h === 1 ? 30 : 31), `H${h} ${year}`);
}

/**
 * A weekday: bare ("Monday", "on Monday") is the latest on or before today; "last Monday" the
 * latest strictly before today; "next Monday" the first after today; "this Monday" and
 * "Monday last week" the one in that ISO week.
 */
export function weekday(dir: string | undefined, name: string, week: string | undefined, today: string): Period {
  const wd = weekdayNumber(name) ?? 1;
  const n = direction(dir);
  const word = (k: number) => (k === 0 ? 'this' : k === 1 ? 'next' : 'last');
  const label = week ? `${titled(name)} ${word(direction(week) ?? 0)} week` : `${n === undefined ? '' : `${word(n)} `}${titled(name)}`;
  const back = (isoWeekday(today) - wd + 7) % 7;
  let day: string;
  if (week || n === 0) day = addDays(unitFromToday('week', today, week ? (direction(week) ?? 0) : 0).from, wd - 1);
  else if (n === 1) day = addDays(today, (wd - isoWeekday(today) + 7) % 7 || 7);
  else if (n === -1) day = addDays(today, -(back || 7));
  else day = addDays(today, -back);
  return make('day', day, day, label);
}

export function weekend(dir: string | undefined, today: string): Period {
  const n = direction(dir);
  const saturday = (offset: number) => addDays(unitFromToday('week', today, offset).from, 5);
  // "the weekend" is the latest one that has begun; "last weekend" the one before this week's.
  let sat = saturday(n ?? 0);
  if (n === undefined && sat > today) sat = saturday(-1);
  const name = dir ? `${dir.replace(/^the /, '')} weekend` : 'the weekend';
  return make('range', sat, addDays(sat, 1), name);
}

export function monthNamed(dir: string | undefined, word: string, yearText: string | undefined, input: string, index: number, today: string): Reading | undefined {
  const month = monthNumber(word);
  const explicit = yearRef(yearText, today);
  // "may" is usually the verb; take it as the month only with a year, direction or preposition.
  if (!month || (word === 'may' && explicit === undefined && !dir && !/\b(?:in|during|for|of|since|from|to|until|between|and)\s$/.test(input.slice(0, index)))) {
    return undefined;
  }
  const current = monthOf(today);
  let year = explicit ?? (month > current ? yearOf(today) - 1 : yearOf(today));
  const n = direction(dir);
  if (explicit === undefined && n === -1 && month === current) year -= 1;
  if (explicit === undefined && n === 0) year = yearOf(today);
  if (explicit === undefined && n === 1) year = month > current ? yearOf(today) : yearOf(today) + 1;
  return unitContaining('month', ymd(year, month, 1));
}

export function numericDay(text: string, today: string, order?: 'day' | 'month'): Reading | undefined {
  let parts = numericDate(text.replace(/\.$/, ''));
  if (parts === 'ambiguous' && order) {
    // "between 1/11 and 15/11": 15/11 can only be read day first, so 1/11 is read the same way
    const [a, b, y] = text.replace(/\.$/, '').split(/[/.]/).map(Number) as [number, number, number | undefined];
    const year = y === undefined ? undefined : y < 100 ? 2000 + y : y;
    parts = order === 'day' ? { month: b, day: a, ...(year ? { year } : {}) } : { month: a, day: b, ...(year ? { year } : {}) };
  }
  if (parts === 'ambiguous') {
    // no date order is configured, so both readings are named and neither is taken
    const [a, b, y] = text.replace(/\.$/, '').split(/[/.]/).map(Number) as [number, number, number | undefined];
    const year = y === undefined ? undefined : y < 100 ? 2000 + y : y;
    const as = (month: number, day: number) => formatDay(resolveDay({ month, day, ...(year ? { year } : {}) }, today)!, true, false);
    return { refused: `day and month order is ambiguous: ${text} is ${as(b, a)} read day first, or ${as(a, b)} read month first; write the month as a word` };
  }
  if (!parts && /^\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?\.?$/.test(text)) return { refused: `no such date: ${text} is no day read day first or month first` };
  if (!parts) return undefined;
  const day = dayFrom(parts, today);
  return typeof day === 'string' ? make('day', day, day) : day;
}


const ORDINAL_WORDS = ['first', 'second', 'third', 'fourth', 'fifth'];
/** "first" … "fifth", "1st" … "5th" → 1–5; "last" and "final" → -1. */
export function ordinalOf(word: string): number {
  if (/^(?:last|final)$/.test(word)) return -1;
  return ORDINAL_WORDS.indexOf(word) + 1 || Number(word.replace(/\D/g, ''));
}

/** How a week of a month is counted, said in the answer's period line. */
export const WEEK_OF_MONTH_RULE = 'weeks run Monday to Sunday and count in the month that holds most of their days';

/**
 * "the first week of November": Monday–Sunday weeks, each belonging to the month that holds its
 * Thursday (most of its days), as ISO weeks belong to years. So every week of a month is a whole
 * week of the "by week" breakdown, and no day is in two months' weeks.
 */
export function weekOfMonth(n: number, month: Period): Reading {
  const first = ymd(yearOf(month.from), monthOf(month.from), 1);
  const firstThursday = addDays(first, (4 - isoWeekday(first) + 7) % 7);
  const lastThursday = addDays(month.to, -((isoWeekday(month.to) - 4 + 7) % 7));
  const count = Math.round((Date.parse(lastThursday) - Date.parse(firstThursday)) / (7 * 86_400_000)) + 1;
  const name = month.label.replace(/^.*\(|\)$/g, '');
  if (n > count) return { refused: `${name} has ${count} weeks (${WEEK_OF_MONTH_RULE})` };
  const thursday = n === -1 ? lastThursday : addDays(firstThursday, 7 * (n - 1));
  const monday = addDays(thursday, -3);
  const which = n === -1 ? 'last' : (ORDINAL_WORDS[n - 1] ?? String(n));
  const p = make('week', monday, addDays(monday, 6));
  return { ...p, label: `the ${which} week of ${name} (${p.label}; ${WEEK_OF_MONTH_RULE})` };
}

/** "the first half of November" is days 1–15, the second half the 16th to the month's end. */
export function halfOfMonth(h: 1 | 2, month: Period): Period {
  const mid = addDays(month.from, 14);
  const [from, to] = h === 1 ? [month.from, mid] : [addDays(mid, 1), month.to];
  const name = month.label.replace(/^.*\(|\)$/g, '');
  return make('range', from, to, `the ${h === 1 ? 'first' : 'second'} half of ${name}`);
}

/**
 * "between the 3rd and the 9th": days of this month when the last of them has come, else of last
 * month — and the label says which month was taken and why.
 */
export function dayNumbersOfMonth(first: number, last: number, today: string): Reading {
  const nth = (d: number) => `${d}${d % 10 === 1 && d !== 11 ? 'st' : d % 10 === 2 && d !== 12 ? 'nd' : d % 10 === 3 && d !== 13 ? 'rd' : 'th'}`;
  const thisMonth = ymd(yearOf(today), monthOf(today), 1);
  const ahead = last > Number(today.slice(8, 10));
  const endMonth = ahead ? addDays(thisMonth, -1).slice(0, 8) + '01' : thisMonth;
  const startMonth = first > last ? addDays(endMonth, -1).slice(0, 8) + '01' : endMonth;
  const from = resolveDay({ month: monthOf(startMonth), day: first }, today, yearOf(startMonth));
  const to = resolveDay({ month: monthOf(endMonth), day: last }, today, yearOf(endMonth));
  if (!from || !to) return { refused: 'no such date' };
  const p = make('range', from, to, `the ${nth(first)} to the ${nth(last)}`);
  if (!ahead) return p;
  return { ...p, label: p.label.replace(/\)$/, `; the ${nth(last)} of this month is still ahead, so last month's)`) };
}

/**
 * A piece of a period by its place: "the first 10 days of November", "the last day of the month",
 * "the second day of last week", "the first two weeks of November" (weeks of a month as
 * weekOfMonth counts them), "the first Monday of November", "the last Friday of November".
 */
export function pieceOf(n: number, count: number | undefined, unit: string, of: Period): Reading {
  const name = of.label.replace(/^.*\(|\)$/g, '');
  const wd = weekdayNumber(unit);
  const length = Math.round((Date.parse(of.to) - Date.parse(of.from)) / 86_400_000) + 1;
  if (wd !== undefined) {
    if (count !== undefined) return { refused: 'a count of one weekday names no days' };
    const first = addDays(of.from, (wd - isoWeekday(of.from) + 7) % 7);
    const day = n === -1 ? addDays(of.to, -((isoWeekday(of.to) - wd + 7) % 7)) : addDays(first, 7 * (n - 1));
    if (day > of.to || day < of.from) return { refused: `${name} has no ${ORDINAL_WORDS[n - 1] ?? n} ${titled(unit)}` };
    return make('day', day, day, `the ${n === -1 ? 'last' : ORDINAL_WORDS[n - 1]} ${titled(unit)} of ${name}`);
  }
  if (/^weeks?$/.test(unit)) {
    if (of.granularity !== 'month') return { refused: 'weeks are counted only within a month ("the first week of November")' };
    const k = count ?? 1;
    if (n !== 1 && n !== -1) return { refused: 'name the first or the last weeks of a month' };
    const firstWeek = weekOfMonth(1, of);
    const lastWeek = weekOfMonth(-1, of);
    if ('refused' in firstWeek || 'refused' in lastWeek) return firstWeek;
    const weeks = Math.round((Date.parse(lastWeek.from) - Date.parse(firstWeek.from)) / (7 * 86_400_000)) + 1;
    if (k > weeks) return { refused: `${name} has ${weeks} weeks (${WEEK_OF_MONTH_RULE})` };
    const [from, to] = n === 1 ? [firstWeek.from, addDays(firstWeek.from, 7 * k - 1)] : [addDays(lastWeek.to, 1 - 7 * k), lastWeek.to];
    const p = make('range', from, to);
    return { ...p, label: `the ${n === 1 ? 'first' : 'last'} ${k} weeks of ${name} (${p.label}; ${WEEK_OF_MONTH_RULE})` };
  }
  // days
  const k = count ?? 1;
  if (count !== undefined && n !== 1 && n !== -1) return { refused: 'name the first or the last days of a period' };
  if (count === undefined && n > length) return { refused: `${name} has ${length} days` };
  if (k > length) return { refused: `${name} has ${length} days` };
  const [from, to] = n === -1 ? [addDays(of.to, 1 - k), of.to] : count !== undefined ? [of.from, addDays(of.from, k - 1)] : [addDays(of.from, n - 1), addDays(of.from, n - 1)];
  const which = n === -1 ? 'last' : count !== undefined ? 'first' : ORDINAL_WORDS[n - 1];
  return make(from === to ? 'day' : 'range', from, to, `the ${which} ${count !== undefined ? `${k} days` : 'day'} of ${name}`);
}
