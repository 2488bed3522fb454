// The periods of the evaluation set, worked out from a clock and a timezone by plain calendar
// arithmetic. Written apart from the question understanding on purpose (it must not check
// itself): the conventions are the product's documented ones, e.g. "last 7 days" ends today,
// "last week" is the previous Monday–Sunday, a month or quarter by name is the latest one that
// has started.
import { dayOf } from '../domain/days.ts';

/** Inclusive business-day range, YYYY-MM-DD. */
export interface Days {
  from: string;
  to: string;
}

const MS_PER_DAY = 86_400_000;
const utc = (d: string) => Date.parse(`${d}T00:00:00Z`);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export const addDays = (d: string, n: number): string => iso(utc(d) + n * MS_PER_DAY);
/** 1 = Monday … 7 = Sunday */
export const isoWeekday = (d: string): number => ((new Date(utc(d)).getUTCDay() + 6) % 7) + 1;
const ymd = (y: number, m: number, d: number) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

export function monthDays(year: number, month: number): Days {
  return { from: ymd(year, month, 1), to: ymd(year, month, lastDay(year, month)) };
}

/** The calendar as seen at `now` in `timeZone`. */
export function calendarAt(now: Date, timeZone: string) {
  const today = dayOf(now, timeZone);
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7));
  const monday = addDays(today, 1 - isoWeekday(today));
  const week = (back: number): Days => ({ from: addDays(monday, -7 * back), to: addDays(monday, 6 - 7 * back) });
  const monthBack = (back: number): Days => {
    const m0 = year * 12 + (month - 1) - back;
    return monthDays(Math.floor(m0 / 12), (m0 % 12) + 1);
  };
  return {
    today,
    day: (back: number): Days => ({ from: addDays(today, -back), to: addDays(today, -back) }),
    /** the latest day with this ISO weekday on or before today (1 = Monday), as docs/PERIODS.md defines a weekday name */
    lastWeekday: (wd: number): Days => {
      const back = (isoWeekday(today) - wd + 7) % 7;
      return { from: addDays(today, -back), to: addDays(today, -back) };
    },
    /** this week = 0, last week = 1, … (Monday to Sunday) */
    week,
    /** this month = 0, last month = 1, … */
    month: monthBack,
    /** the latest month with this number that has started (1 = January) */
    namedMonth: (m: number): Days => monthDays(m > month ? year - 1 : year, m),
    /** the latest quarter with this number that has started */
    quarter: (q: number): Days => {
      const y = q * 3 - 2 > month ? year - 1 : year;
      return { from: ymd(y, q * 3 - 2, 1), to: ymd(y, q * 3, lastDay(y, q * 3)) };
    },
    thisQuarter: (): Days => {
      const q = Math.ceil(month / 3);
      return { from: ymd(year, q * 3 - 2, 1), to: ymd(year, q * 3, lastDay(year, q * 3)) };
    },
    /** "last N days" and "last N weeks" end today */
    lastDays: (n: number): Days => ({ from: addDays(today, 1 - n), to: today }),
    /** "last N months": from the day after the same date N months ago, to today */
    lastMonths: (n: number): Days => {
      const m0 = year * 12 + (month - 1) - n;
      const y = Math.floor(m0 / 12);
      const m = (m0 % 12) + 1;
      return { from: addDays(ymd(y, m, Math.min(Number(today.slice(8, 10)), lastDay(y, m))), 1), to: today };
    },
    since: (from: string): Days => ({ from, to: today }),
    yearToDate: (): Days => ({ from: ymd(year, 1, 1), to: today }),
    /** the nth Monday–Sunday week of a month, a week counting in the month of its Thursday (-1: the last) */
    monthWeek: (y: number, m: number, n: number): Days => {
      const thursdays: string[] = [];
      for (let d = 1; d <= lastDay(y, m); d++) if (isoWeekday(ymd(y, m, d)) === 4) thursdays.push(ymd(y, m, d));
      const thursday = n === -1 ? thursdays[thursdays.length - 1]! : thursdays[n - 1]!;
      return { from: addDays(thursday, -3), to: addDays(thursday, 3) };
    },
    /** "the last N full weeks": the N Monday–Sunday weeks before this one */
    fullWeeks: (n: number): Days => ({ from: addDays(monday, -7 * n), to: addDays(monday, -1) }),
    /** a day of this year given as month and day (the latest that is not in the future) */
    date: (m: number, d: number): Days => {
      const day = ymd(year, m, d);
      const y = day > today ? year - 1 : year;
      return { from: ymd(y, m, d), to: ymd(y, m, d) };
    },
  };
}

export type Calendar = ReturnType<typeof calendarAt>;
