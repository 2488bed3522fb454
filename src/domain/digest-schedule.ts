// When a digest is posted and which period it covers. Pure: the tick's nominal time and the
// subscription's timezone in, days out (calendar arithmetic on YYYY-MM-DD, as periods.ts does).
import { dayOf } from './days.ts';
import { addDays, addMonths, isoWeekday, ymd, yearOf, monthOf, lastDayOfMonth } from './period-words.ts';
import { periodBetween, type Period } from './periods.ts';

export const FREQUENCIES = ['daily', 'weekly', 'monthly'] as const;
export type DigestFrequency = (typeof FREQUENCIES)[number];

export const isFrequency = (v: unknown): v is DigestFrequency => typeof v === 'string' && (FREQUENCIES as readonly string[]).includes(v);

/**
 * The node-cron expression (5 fields, read in the subscription's timezone): daily at HH:MM,
 * weekly on Mondays, monthly on the 1st, so each post follows the period it reports.
 */
export function cronFor(frequency: DigestFrequency, hour: number, minute: number): string {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new RangeError(`hour must be 0–23, got ${hour}`);
  if (!Number.isInteger(minute) || minute < 0 || minute > 59) throw new RangeError(`minute must be 0–59, got ${minute}`);
  const dom = frequency === 'monthly' ? '1' : '*';
  const dow = frequency === 'weekly' ? '1' : '*';
  return `${minute} ${hour} ${dom} * ${dow}`;
}

/** "09:00" from a cron written by cronFor; undefined for other shapes. */
export function timeOfCron(cron: string): string | undefined {
  const m = /^(\d{1,2}) (\d{1,2}) /.exec(cron);
  return m ? `${m[2]!.padStart(2, '0')}:${m[1]!.padStart(2, '0')}` : undefined;
}

/**
 * The period a digest posted at `scheduledFor` reports on, in `timeZone`: daily = the day
 * before the posting day, weekly = the last full Monday–Sunday week, monthly = the last full
 * month. Taken from the tick's nominal time, not the clock, so a late or retried run reports
 * the same period.
 */
export function digestPeriod(frequency: DigestFrequency, scheduledFor: Date, timeZone: string): Period {
  const today = dayOf(scheduledFor, timeZone);
  switch (frequency) {
    case 'daily': {
      const day = addDays(today, -1);
      return periodBetween(day, day);
    }
    case 'weekly': {
      const monday = addDays(today, 1 - isoWeekday(today) - 7);
      return periodBetween(monday, addDays(monday, 6));
    }
    case 'monthly': {
      const first = addMonths(ymd(yearOf(today), monthOf(today), 1), -1);
      return periodBetween(first, ymd(yearOf(first), monthOf(first), lastDayOfMonth(yearOf(first), monthOf(first))));
    }
  }
}

/** Every day of a period, in order. */
export function daysOf(p: Period): string[] {
  const out: string[] = [];
  for (let d = p.from; d <= p.to; d = addDays(d, 1)) out.push(d);
  return out;
}
