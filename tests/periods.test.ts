import { describe, expect, it } from 'vitest';
import {
  findPeriods, isPartial, parsePeriod, periodBounds, previousPeriod, shiftBack, type FoundPeriod, type Period, type PeriodMatch,
} from '../src/domain/periods.ts';

// A Wednesday. In Auckland (UTC+13 in November) 13:00Z is already Thursday the 19th.
const NOW = new Date('2026-11-18T10:00:00Z');
const NOW_LATE = new Date('2026-11-18T13:00:00Z');

const utc = (text: string, now = NOW) => parsePeriod(text, now, 'UTC');
const span = (p: Period | undefined) => p && [p.from, p.to, p.granularity];

describe('parsePeriod: relative words', () => {
  it.each([
    ['today', '2026-11-18', '2026-11-18', 'day', 'today (Wed 18 Nov 2026)'],
    ['yesterday', '2026-11-17', '2026-11-17', 'day', 'yesterday (Tue 17 Nov 2026)'],
    ['the day before yesterday', '2026-11-16', '2026-11-16', 'day', 'the day before yesterday (Mon 16 Nov 2026)'],
    ['this week', '2026-11-16', '2026-11-22', 'week', 'this week (Mon 16 Nov – Sun 22 Nov 2026)'],
    ['last week', '2026-11-09', '2026-11-15', 'week', 'last week (Mon 9 Nov – Sun 15 Nov 2026)'],
    ['previous week', '2026-11-09', '2026-11-15', 'week', 'last week (Mon 9 Nov – Sun 15 Nov 2026)'],
    ['the week before last', '2026-11-02', '2026-11-08', 'week', 'the week before last (Mon 2 Nov – Sun 8 Nov 2026)'],
    ['this month', '2026-11-01', '2026-11-30', 'month', 'this month (November 2026)'],
    ['last month', '2026-10-01', '2026-10-31', 'month', 'last month (October 2026)'],
    ['this quarter', '2026-10-01', '2026-12-31', 'quarter', 'this quarter (Q4 2026, 1 Oct – 31 Dec 2026)'],
    ['last quarter', '2026-07-01', '2026-09-30', 'quarter', 'last quarter (Q3 2026, 1 Jul – 30 Sep 2026)'],
    ['this year', '2026-01-01', '2026-12-31', 'year', 'this year (2026)'],
    ['last year', '2025-01-01', '2025-12-31', 'year', 'last year (2025)'],
    ['last 7 days', '2026-11-12', '2026-11-18', 'range', 'last 7 days (Thu 12 Nov – Wed 18 Nov 2026)'],
    ['past 30 days', '2026-10-20', '2026-11-18', 'range', 'last 30 days (Tue 20 Oct – Wed 18 Nov 2026)'],
    ['last two weeks', '2026-11-05', '2026-11-18', 'range', 'last 2 weeks (Thu 5 Nov – Wed 18 Nov 2026)'],
    ['the past week', '2026-11-12', '2026-11-18', 'range', 'past week (Thu 12 Nov – Wed 18 Nov 2026)'],
  ])('%s', (text, from, to, granularity, label) => {
    expect(utc(text)).toEqual({ from, to, granularity, label });
  });

  it('finds the phrase anywhere in a question, in any case', () => {
    expect(span(utc('What was our CSI LAST WEEK compared to usual?'))).toEqual(['2026-11-09', '2026-11-15', 'week']);
    expect(span(utc('How many tickets came in over the Past 14 Days?'))).toEqual(['2026-11-05', '2026-11-18', 'range']);
  });

  it('takes the first period mentioned', () => {
    expect(span(utc('compare yesterday with last week'))).toEqual(['2026-11-17', '2026-11-17', 'day']);
  });

  it('returns undefined without a period phrase', () => {
    expect(utc('how are you')).toBeUndefined();
    expect(utc('may I see the worst conversations?')).toBeUndefined();
    expect(utc('show ticket 2025')).toBeUndefined();
    expect(utc('')).toBeUndefined();
  });
});

describe('parsePeriod: quarters, months, years', () => {
  it('reads Q1–Q4 as this year once started, else last year', () => {
    expect(utc('Q1')).toEqual({ from: '2026-01-01', to: '2026-03-31', granularity: 'quarter', label: 'Q1 2026 (1 Jan – 31 Mar 2026)' });
    expect(span(utc('how was q4?'))).toEqual(['2026-10-01', '2026-12-31', 'quarter']);
    const spring = new Date('2026-05-10T12:00:00Z');
    expect(span(utc('Q3', spring))).toEqual(['2025-07-01', '2025-09-30', 'quarter']);
    expect(span(utc('Q2', spring))).toEqual(['2026-04-01', '2026-06-30', 'quarter']);
  });

  it('takes an explicit year for a quarter', () => {
    expect(utc('CSI in Q3 2025')).toEqual({ from: '2025-07-01', to: '2025-09-30', granularity: 'quarter', label: 'Q3 2025 (1 Jul – 30 Sep 2025)' });
    expect(span(utc('Q4 last year'))).toEqual(['2025-10-01', '2025-12-31', 'quarter']);
  });

  it('reads month names, a later month than now meaning last year', () => {
    expect(utc('in October')).toEqual({ from: '2026-10-01', to: '2026-10-31', granularity: 'month', label: 'October 2026' });
    expect(span(utc('November'))).toEqual(['2026-11-01', '2026-11-30', 'month']);
    expect(span(utc('during December'))).toEqual(['2025-12-01', '2025-12-31', 'month']);
    expect(span(utc('October 2025'))).toEqual(['2025-10-01', '2025-10-31', 'month']);
    expect(span(utc('Sept 2024'))).toEqual(['2024-09-01', '2024-09-30', 'month']);
    expect(span(utc('February last year'))).toEqual(['2025-02-01', '2025-02-28', 'month']);
    expect(span(utc('in May'))).toEqual(['2026-05-01', '2026-05-31', 'month']);
  });

  it('reads a year after a preposition', () => {
    expect(utc('tickets in 2024')).toEqual({ from: '2024-01-01', to: '2024-12-31', granularity: 'year', label: '2024' });
  });
});

describe('parsePeriod: explicit dates and ranges', () => {
  it('reads single days', () => {
    expect(utc('on 2026-11-02')).toEqual({ from: '2026-11-02', to: '2026-11-02', granularity: 'day', label: 'Mon 2 Nov 2026' });
    expect(span(utc('Nov 3, 2026'))).toEqual(['2026-11-03', '2026-11-03', 'day']);
    // A day without a year is the latest that has come, unless the next is at most 45 days ahead
    // and nearer: 1 Mar 2027 is 103 days ahead, so 1 Mar 2026; 24 Dec 2026 is 36 days ahead.
    expect(span(utc('on the 1st of June'))).toEqual(['2026-06-01', '2026-06-01', 'day']);
    expect(span(utc('on the 1st of March'))).toEqual(['2026-03-01', '2026-03-01', 'day']);
    expect(span(utc('on 24 December'))).toEqual(['2026-12-24', '2026-12-24', 'day']);
  });

  it('reads ranges', () => {
    const range = { from: '2026-11-01', to: '2026-11-15', granularity: 'range', label: 'Sun 1 Nov – Sun 15 Nov 2026' };
    expect(utc('from 2026-11-01 to 2026-11-15')).toEqual(range);
    expect(utc('between 1 Nov and 15 Nov')).toEqual(range);
    expect(utc('Nov 1 – Nov 15')).toEqual(range);
    expect(span(utc('since 1 Nov'))).toEqual(['2026-11-01', '2026-11-18', 'range']);
  });

  it('puts a year-less range across New Year in the right years', () => {
    expect(utc('20 Dec – 5 Jan')).toMatchObject({ from: '2026-12-20', to: '2027-01-05', label: 'Sun 20 Dec 2026 – Tue 5 Jan 2027' });
    expect(utc('20 Dec – 5 Jan', new Date('2027-01-07T12:00:00Z'))).toMatchObject({ from: '2026-12-20', to: '2027-01-05' });
    expect(span(utc('from 1 Nov to 15 Nov 2025'))).toEqual(['2025-11-01', '2025-11-15', 'range']);
  });

  it('rejects days that do not exist', () => {
    expect(utc('on 2026-02-30')).toBeUndefined();
  });
});

describe('parsePeriod: business timezone', () => {
  it('takes "today" from the zone, not from UTC', () => {
    expect(span(parsePeriod('today', NOW_LATE, 'UTC'))).toEqual(['2026-11-18', '2026-11-18', 'day']);
    expect(parsePeriod('today', NOW_LATE, 'Pacific/Auckland')?.label).toBe('today (Thu 19 Nov 2026)');
    expect(span(parsePeriod('yesterday', NOW_LATE, 'Pacific/Auckland'))).toEqual(['2026-11-18', '2026-11-18', 'day']);
    expect(span(parsePeriod('last 7 days', NOW_LATE, 'Pacific/Auckland'))).toEqual(['2026-11-13', '2026-11-19', 'range']);
  });

  it('moves week, month and year boundaries with the zone', () => {
    // Sunday 22:00 in UTC is already Monday in Auckland: a new week there.
    const sunday = new Date('2026-11-22T22:00:00Z');
    expect(span(parsePeriod('last week', sunday, 'UTC'))).toEqual(['2026-11-09', '2026-11-15', 'week']);
    expect(span(parsePeriod('last week', sunday, 'Pacific/Auckland'))).toEqual(['2026-11-16', '2026-11-22', 'week']);
    const newYearsEve = new Date('2026-12-31T12:00:00Z');
    expect(span(parsePeriod('this year', newYearsEve, 'UTC'))).toEqual(['2026-01-01', '2026-12-31', 'year']);
    expect(span(parsePeriod('this year', newYearsEve, 'Pacific/Auckland'))).toEqual(['2027-01-01', '2027-12-31', 'year']);
    expect(span(parsePeriod('last month', newYearsEve, 'Pacific/Auckland'))).toEqual(['2026-12-01', '2026-12-31', 'month']);
  });
});

describe('previousPeriod', () => {
  const prev = (text: string) => previousPeriod(utc(text)!);

  it('steps back by the same calendar unit', () => {
    expect(prev('last week')).toEqual({ from: '2026-11-02', to: '2026-11-08', granularity: 'week', label: 'the week before (Mon 2 Nov – Sun 8 Nov 2026)' });
    expect(prev('yesterday')).toMatchObject({ from: '2026-11-16', to: '2026-11-16', granularity: 'day' });
    expect(prev('this month')).toMatchObject({ from: '2026-10-01', to: '2026-10-31', label: 'the month before (October 2026)' });
    expect(span(prev('March 2026'))).toEqual(['2026-02-01', '2026-02-28', 'month']);
    expect(span(prev('Q1'))).toEqual(['2025-10-01', '2025-12-31', 'quarter']);
    expect(span(prev('last year'))).toEqual(['2024-01-01', '2024-12-31', 'year']);
    expect(span(prev('this week'))).toEqual(['2026-11-09', '2026-11-15', 'week']);
  });

  it('takes the N days before an N-day range', () => {
    expect(prev('last 7 days')).toEqual({ from: '2026-11-05', to: '2026-11-11', granularity: 'range', label: 'the 7 days before (Thu 5 Nov – Wed 11 Nov 2026)' });
    expect(span(prev('between 1 Nov and 15 Nov'))).toEqual(['2026-10-17', '2026-10-31', 'range']);
  });

  it('crosses a year boundary', () => {
    expect(span(previousPeriod(utc('2026-01-01')!))).toEqual(['2025-12-31', '2025-12-31', 'day']);
    expect(span(previousPeriod(parsePeriod('this week', new Date('2026-01-02T12:00:00Z'), 'UTC')!))).toEqual(['2025-12-22', '2025-12-28', 'week']);
  });
});

describe('shiftBack and follow-ups', () => {
  it('is previousPeriod in the period’s own unit', () => {
    const lastWeek = utc('last week')!;
    expect(shiftBack(lastWeek)).toEqual(previousPeriod(lastWeek));
    expect(shiftBack(lastWeek, 'week')).toEqual(previousPeriod(lastWeek));
  });

  it('moves a shorter period back by a longer unit', () => {
    expect(shiftBack(utc('yesterday')!, 'week')).toEqual({ from: '2026-11-10', to: '2026-11-10', granularity: 'day', label: 'a week earlier (Tue 10 Nov 2026)' });
    expect(shiftBack(utc('last month')!, 'year')).toMatchObject({ from: '2025-10-01', to: '2025-10-31', granularity: 'month' });
    expect(shiftBack(utc('last 7 days')!, 'week')).toMatchObject({ from: '2026-11-05', to: '2026-11-11', label: expect.stringMatching(/^the week before/) });
    // Month ends stay month ends: 30 Nov a month back is 31 Oct.
    expect(span(shiftBack(utc('between 16 Nov and 30 Nov')!, 'month'))).toEqual(['2026-10-16', '2026-10-31', 'range']);
  });

  it('takes the shorter unit just before a longer period', () => {
    expect(shiftBack(utc('in October')!, 'week')).toEqual({ from: '2026-09-24', to: '2026-09-30', granularity: 'range', label: 'the week before (Thu 24 Sep – Wed 30 Sep 2026)' });
    expect(span(shiftBack(utc('Q3')!, 'month'))).toEqual(['2026-06-01', '2026-06-30', 'month']);
  });

  it('answers "and the week before?" given the conversation’s period', () => {
    const lastWeek = utc('last week')!;
    expect(parsePeriod('and the week before?', NOW, 'UTC', lastWeek)).toEqual(previousPeriod(lastWeek));
    expect(span(parsePeriod('and the month before?', NOW, 'UTC', utc('October 2025')))).toEqual(['2025-09-01', '2025-09-30', 'month']);
    expect(span(parsePeriod('what about before that?', NOW, 'UTC', lastWeek))).toEqual(['2026-11-02', '2026-11-08', 'week']);
    // Without a period to refer to there is nothing to answer.
    expect(parsePeriod('and the week before?', NOW, 'UTC')).toBeUndefined();
  });
});

describe('periodBounds', () => {
  const hours = (b: { start: Date; end: Date }) => (b.end.getTime() - b.start.getTime()) / 3_600_000;
  const day = (d: string): Period => ({ label: d, from: d, to: d, granularity: 'day' });

  it('spans local midnights', () => {
    expect(periodBounds(utc('last week')!, 'UTC')).toEqual({ start: new Date('2026-11-09T00:00:00Z'), end: new Date('2026-11-16T00:00:00Z') });
    expect(periodBounds(day('2026-11-19'), 'Pacific/Auckland')).toEqual({ start: new Date('2026-11-18T11:00:00Z'), end: new Date('2026-11-19T11:00:00Z') });
    expect(periodBounds(day('2026-11-18'), 'America/Los_Angeles').start).toEqual(new Date('2026-11-18T08:00:00Z'));
  });

  it('reads the years 1–99 as they are, not as 1901–1999 (Date.UTC does)', () => {
    expect(periodBounds(day('0050-03-01'), 'UTC')).toEqual({ start: new Date('0050-03-01T00:00:00Z'), end: new Date('0050-03-02T00:00:00Z') });
    expect(periodBounds(day('0050-03-01'), 'Europe/Berlin').end.toISOString()).toBe('0050-03-01T23:06:32.000Z');
  });

  it('is 23 h on spring-forward and 25 h on fall-back days', () => {
    const spring = periodBounds(day('2026-03-29'), 'Europe/Berlin');
    expect(spring).toEqual({ start: new Date('2026-03-28T23:00:00Z'), end: new Date('2026-03-29T22:00:00Z') });
    expect(hours(spring)).toBe(23);
    const autumn = periodBounds(day('2026-10-25'), 'Europe/Berlin');
    expect(autumn).toEqual({ start: new Date('2026-10-24T22:00:00Z'), end: new Date('2026-10-25T23:00:00Z') });
    expect(hours(autumn)).toBe(25);
    expect(hours(periodBounds(utc('March 2026')!, 'Europe/Berlin'))).toBe(31 * 24 - 1);
  });

  it('starts a day whose midnight is skipped at the clock change', () => {
    // Chile moves clocks from 00:00 to 01:00: 6 Sep 2026 begins at 01:00 local (04:00Z).
    const b = periodBounds(day('2026-09-06'), 'America/Santiago');
    expect(b.start).toEqual(new Date('2026-09-06T04:00:00Z'));
    expect(hours(b)).toBe(23);
  });
});

// ── findPeriods ─────────────────────────────────────────────────────────────────────────────

const find = (text: string, now = NOW, timeZone = 'UTC', previous?: Period) => findPeriods(text, now, timeZone, previous);
const periodsIn = (matches: PeriodMatch[]) => matches.filter((f): f is FoundPeriod => f.kind === 'period');
/** [from, to, label] of the only phrase found, which must be a readable period. */
function only(text: string, now = NOW, timeZone = 'UTC'): [string, string, string] {
  const found = find(text, now, timeZone);
  expect(found).toHaveLength(1);
  const f = found[0]!;
  if (f.kind !== 'period') throw new Error(`unreadable: ${f.unreadable} (${f.reason})`);
  return [f.period.from, f.period.to, f.period.label];
}

describe('findPeriods: phrases (Wed 18 Nov 2026, UTC)', () => {
  it.each([
    // weekdays: bare = latest on or before today, last = strictly before, this = in this week
    ['CSI on Monday', '2026-11-16', '2026-11-16', 'Monday (Mon 16 Nov 2026)'],
    ['Monday', '2026-11-16', '2026-11-16', 'Monday (Mon 16 Nov 2026)'],
    ['on Wednesday', '2026-11-18', '2026-11-18', 'Wednesday (Wed 18 Nov 2026)'],
    ['Sunday', '2026-11-15', '2026-11-15', 'Sunday (Sun 15 Nov 2026)'],
    ['last Tuesday', '2026-11-17', '2026-11-17', 'last Tuesday (Tue 17 Nov 2026)'],
    ['last Wednesday', '2026-11-11', '2026-11-11', 'last Wednesday (Wed 11 Nov 2026)'],
    ['this Friday', '2026-11-20', '2026-11-20', 'this Friday (Fri 20 Nov 2026)'],
    ['next Monday', '2026-11-23', '2026-11-23', 'next Monday (Mon 23 Nov 2026)'],
    ['Friday last week', '2026-11-13', '2026-11-13', 'Friday last week (Fri 13 Nov 2026)'],
    // since <anything>: up to and including today
    ['how was CSI since Monday?', '2026-11-16', '2026-11-18', 'since Monday (Mon 16 Nov – Wed 18 Nov 2026)'],
    ['since 3 November', '2026-11-03', '2026-11-18', 'Tue 3 Nov – Wed 18 Nov 2026'],
    ['since October', '2026-10-01', '2026-11-18', 'Thu 1 Oct – Wed 18 Nov 2026'],
    ['since last week', '2026-11-09', '2026-11-18', 'since last week (Mon 9 Nov – Wed 18 Nov 2026)'],
    ['since the start of the month', '2026-11-01', '2026-11-18', 'month to date (Sun 1 Nov – Wed 18 Nov 2026)'],
    ['since the beginning of the year', '2026-01-01', '2026-11-18', 'year to date (Thu 1 Jan – Wed 18 Nov 2026)'],
    // to date
    ['year to date', '2026-01-01', '2026-11-18', 'year to date (Thu 1 Jan – Wed 18 Nov 2026)'],
    ['CSI YTD', '2026-01-01', '2026-11-18', 'year to date (Thu 1 Jan – Wed 18 Nov 2026)'],
    ['month to date', '2026-11-01', '2026-11-18', 'month to date (Sun 1 Nov – Wed 18 Nov 2026)'],
    ['MTD', '2026-11-01', '2026-11-18', 'month to date (Sun 1 Nov – Wed 18 Nov 2026)'],
    ['week to date', '2026-11-16', '2026-11-18', 'week to date (Mon 16 Nov – Wed 18 Nov 2026)'],
    ['quarter to date', '2026-10-01', '2026-11-18', 'quarter to date (Thu 1 Oct – Wed 18 Nov 2026)'],
    ['this month so far', '2026-11-01', '2026-11-18', 'month to date (Sun 1 Nov – Wed 18 Nov 2026)'],
    // rolling windows
    ['last 3 days', '2026-11-16', '2026-11-18', 'last 3 days (Mon 16 Nov – Wed 18 Nov 2026)'],
    ['past 4 weeks', '2026-10-22', '2026-11-18', 'last 4 weeks (Thu 22 Oct – Wed 18 Nov 2026)'],
    ['the last 2 months', '2026-09-19', '2026-11-18', 'last 2 months (Sat 19 Sep – Wed 18 Nov 2026)'],
    ['the last couple of weeks', '2026-11-05', '2026-11-18', 'last 2 weeks (Thu 5 Nov – Wed 18 Nov 2026)'],
    ['the past fortnight', '2026-11-05', '2026-11-18', 'past fortnight (Thu 5 Nov – Wed 18 Nov 2026)'],
    ['last fortnight', '2026-11-05', '2026-11-18', 'past fortnight (Thu 5 Nov – Wed 18 Nov 2026)'],
    ['3 days ago', '2026-11-15', '2026-11-15', '3 days ago (Sun 15 Nov 2026)'],
    ['two weeks ago', '2026-11-02', '2026-11-08', '2 weeks ago (Mon 2 Nov – Sun 8 Nov 2026)'],
    ['a month ago', '2026-10-01', '2026-10-31', 'a month ago (October 2026)'],
    ['the previous 7 days', '2026-11-12', '2026-11-18', 'last 7 days (Thu 12 Nov – Wed 18 Nov 2026)'],
    // ISO weeks
    ['in week 46', '2026-11-09', '2026-11-15', 'week 46 of 2026 (Mon 9 Nov – Sun 15 Nov 2026)'],
    ['week 50', '2025-12-08', '2025-12-14', 'week 50 of 2025 (Mon 8 Dec – Sun 14 Dec 2025)'],
    ['week 53 of 2020', '2020-12-28', '2021-01-03', 'week 53 of 2020 (Mon 28 Dec 2020 – Sun 3 Jan 2021)'],
    ['for the week of 9 November', '2026-11-09', '2026-11-15', 'the week of Mon 9 Nov (Mon 9 Nov – Sun 15 Nov 2026)'],
    // weekends
    ['over the weekend', '2026-11-14', '2026-11-15', 'the weekend (Sat 14 Nov – Sun 15 Nov 2026)'],
    ['last weekend', '2026-11-14', '2026-11-15', 'last weekend (Sat 14 Nov – Sun 15 Nov 2026)'],
    // months: bare = latest that has begun; "last" = latest before this month
    ['in October', '2026-10-01', '2026-10-31', 'October 2026'],
    ['October 2025', '2025-10-01', '2025-10-31', 'October 2025'],
    ['last October', '2026-10-01', '2026-10-31', 'October 2026'],
    ['last November', '2025-11-01', '2025-11-30', 'November 2025'],
    ['this December', '2026-12-01', '2026-12-31', 'December 2026'],
    // quarters
    ['Q3', '2026-07-01', '2026-09-30', 'Q3 2026 (1 Jul – 30 Sep 2026)'],
    ['Q3 2025', '2025-07-01', '2025-09-30', 'Q3 2025 (1 Jul – 30 Sep 2025)'],
    ['2025 Q4', '2025-10-01', '2025-12-31', 'Q4 2025 (1 Oct – 31 Dec 2025)'],
    ['the third quarter', '2026-07-01', '2026-09-30', 'Q3 2026 (1 Jul – 30 Sep 2026)'],
    ['the fourth quarter of 2025', '2025-10-01', '2025-12-31', 'Q4 2025 (1 Oct – 31 Dec 2025)'],
    ['first half of 2026', '2026-01-01', '2026-06-30', 'H1 2026 (Thu 1 Jan – Tue 30 Jun 2026)'],
    ['the second half of last year', '2025-07-01', '2025-12-31', 'H2 2025 (Tue 1 Jul – Wed 31 Dec 2025)'],
    // explicit dates and ranges
    ['2026-10-01 to 2026-10-31', '2026-10-01', '2026-10-31', 'Thu 1 Oct – Sat 31 Oct 2026'],
    ['1–15 Oct', '2026-10-01', '2026-10-15', 'Thu 1 Oct – Thu 15 Oct 2026'],
    ['1-15 October 2025', '2025-10-01', '2025-10-15', 'Wed 1 Oct – Wed 15 Oct 2025'],
    ['Oct 1-15', '2026-10-01', '2026-10-15', 'Thu 1 Oct – Thu 15 Oct 2026'],
    ['between 3 and 9 November', '2026-11-03', '2026-11-09', 'Tue 3 Nov – Mon 9 Nov 2026'],
    ['from the 3rd to the 9th of November', '2026-11-03', '2026-11-09', 'Tue 3 Nov – Mon 9 Nov 2026'],
    ['between Monday and Wednesday', '2026-11-16', '2026-11-18', 'Mon 16 Nov – Wed 18 Nov 2026'],
    ['from October to December', '2026-10-01', '2026-12-31', 'Q4 2026 (1 Oct – 31 Dec 2026)'],
    ['from December to February', '2025-12-01', '2026-02-28', 'Mon 1 Dec 2025 – Sat 28 Feb 2026'],
    ['Mon 9 Nov – Sun 15 Nov 2026', '2026-11-09', '2026-11-15', 'Mon 9 Nov – Sun 15 Nov 2026'],
    // numeric dates: whichever of day/month order is a real date; without a year the latest that
    // has come unless the next is near: 25 Nov is this year's, a week ahead; 5 May is this year's
    ['on 25/11', '2026-11-25', '2026-11-25', 'Wed 25 Nov 2026'],
    ['on 11/25', '2026-11-25', '2026-11-25', 'Wed 25 Nov 2026'],
    ['on 13/11', '2026-11-13', '2026-11-13', 'Fri 13 Nov 2026'],
    ['25.11.2025', '2025-11-25', '2025-11-25', 'Tue 25 Nov 2025'],
    ['on 5/5', '2026-05-05', '2026-05-05', 'Tue 5 May 2026'],
    // a day of the month alone: this month's, or last month's while it is still ahead
    ['CSI on the 5th', '2026-11-05', '2026-11-05', 'Thu 5 Nov 2026'],
    ['on the 25th', '2026-10-25', '2026-10-25', "the 25th (Sun 25 Oct 2026; the 25th of this month is still ahead, so last month's)"],
    ['since the 10th', '2026-11-10', '2026-11-18', 'Tue 10 Nov – Wed 18 Nov 2026'],
    ['in 11/2026', '2026-11-01', '2026-11-30', 'November 2026'],
    ['trailing 30 days', '2026-10-20', '2026-11-18', 'last 30 days (Tue 20 Oct – Wed 18 Nov 2026)'],
    // future periods are read (the caller says they have no data yet)
    ['next week', '2026-11-23', '2026-11-29', 'next week (Mon 23 Nov – Sun 29 Nov 2026)'],
    ['tomorrow', '2026-11-19', '2026-11-19', 'tomorrow (Thu 19 Nov 2026)'],
    ['next 7 days', '2026-11-19', '2026-11-25', 'next 7 days (Thu 19 Nov – Wed 25 Nov 2026)'],
  ])('%s', (text, from, to, label) => {
    expect(only(text)).toEqual([from, to, label]);
  });
});

describe('findPeriods: ranges of weekdays', () => {
  // Weekdays repeat every week: a range of them is never moved a year ahead.
  const MONDAY = new Date('2026-12-07T12:00:00Z');
  const THURSDAY = new Date('2026-12-10T12:00:00Z');
  const SATURDAY = new Date('2026-12-05T12:00:00Z');
  const read = (text: string, now: Date) => {
    const p = periodsIn(find(text, now))[0];
    return p && [p.period.from, p.period.to, p.period.label, p.partial];
  };

  it.each([
    // the start is read as a weekday alone is (the latest on or before today); still running: up to today
    [MONDAY, 'CSI between Monday and Wednesday', ['2026-12-07', '2026-12-07', 'Monday to Wednesday so far (Mon 7 Dec 2026)', true]],
    [MONDAY, 'CSI from Monday to Wednesday', ['2026-12-07', '2026-12-07', 'Monday to Wednesday so far (Mon 7 Dec 2026)', true]],
    [THURSDAY, 'CSI between Monday and Wednesday', ['2026-12-07', '2026-12-09', 'Mon 7 Dec – Wed 9 Dec 2026', false]],
    [SATURDAY, 'CSI between Monday and Wednesday', ['2026-11-30', '2026-12-02', 'Mon 30 Nov – Wed 2 Dec 2026', false]],
    // across a weekend
    [MONDAY, 'between Wednesday and Monday', ['2026-12-02', '2026-12-07', 'Wed 2 Dec – Mon 7 Dec 2026', true]],
    [MONDAY, 'between Tuesday and Sunday', ['2026-12-01', '2026-12-06', 'Tue 1 Dec – Sun 6 Dec 2026', false]],
    [MONDAY, 'from last Monday to Wednesday', ['2026-11-30', '2026-12-02', 'Mon 30 Nov – Wed 2 Dec 2026', false]],
    // one end fixed: the weekday named alone is the one on its side of it
    [MONDAY, 'from Monday to Wednesday last week', ['2026-11-30', '2026-12-02', 'Mon 30 Nov – Wed 2 Dec 2026', false]],
    [MONDAY, 'between Monday and last Wednesday', ['2026-11-30', '2026-12-02', 'Mon 30 Nov – Wed 2 Dec 2026', false]],
    [MONDAY, 'between Monday and 3 December', ['2026-11-30', '2026-12-03', 'Mon 30 Nov – Thu 3 Dec 2026', false]],
    [MONDAY, 'from Monday to yesterday', ['2026-11-30', '2026-12-06', 'Mon 30 Nov – Sun 6 Dec 2026', false]],
    [MONDAY, 'from 1 Dec to Wednesday', ['2026-12-01', '2026-12-02', 'Tue 1 Dec – Wed 2 Dec 2026', false]],
    [MONDAY, 'from 3 Dec to Wednesday', ['2026-12-03', '2026-12-07', '3 Dec to Wednesday so far (Thu 3 Dec – Mon 7 Dec 2026)', true]],
  ])('%s: %s', (now, text, expected) => {
    expect(read(text, now)).toEqual(expected);
  });
});

const NAMED = 'holidays and named days are not read as periods; name the dates';

describe('findPeriods: phrases it cannot read are reported', () => {
  it.each([
    ['CSI in the year of the dragon', 'in the year of the dragon', undefined],
    ['CSI since the last blue moon', 'since the last blue moon', undefined],
    ['response time this morning', 'this morning', 'periods are whole days in the business timezone'],
    ['chats in the last 24 hours', 'in the last 24 hours', 'periods are whole days in the business timezone'],
    ['CSI on 05/06', 'on 05/06', 'day and month order is ambiguous: 05/06 is 5 Jun 2026 read day first, or 6 May 2026 read month first; write the month as a word'],
    ['CSI on 12/11', 'on 12/11', 'day and month order is ambiguous: 12/11 is 12 Nov 2026 read day first, or 11 Dec 2026 read month first; write the month as a word'],
    ['on 2026-02-30', 'on 2026-02-30', 'no such date'],
    ['on Tue 9 Nov 2026', 'on Tue 9 Nov 2026', '9 Nov 2026 is a Monday'],
    ['CSI over the last few days', 'over the last few days', '"last few days" is no number of days'],
    ['volumes a while ago', 'a while ago', undefined],
    ['CSI during the holidays', 'during the holidays', undefined],
    ['and the week before?', 'the week before', 'there is no earlier period to count back from'],
    ['since next week', 'since next week', 'it starts after today'],
    ['between 9 and 3 November', 'between 9 and 3 November', 'the range ends before it starts'],
    // only months and dates named without a year repeat yearly; nothing else is moved a year ahead
    ['from today to yesterday', 'from today to yesterday', 'the range ends before it starts'],
    ['week 53 of 2025', 'week 53 of 2025', '2025 has no week 53'],
    // A named day is not the weekday in its name, and holidays are not guessed: refused whole, with their year words.
    ['what happened on Black Friday', 'on Black Friday', NAMED],
    ['how many conversations did we get over christmas last year', 'over christmas last year', NAMED],
    ['CSI over the Christmas holidays', 'over the Christmas holidays', NAMED],
    ['volumes since Christmas', 'since Christmas', NAMED],
    ['CSI on Easter Monday 2026', 'on Easter Monday 2026', NAMED],
  ])('%s', (text, words, reason) => {
    const found = find(text);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'unreadable', unreadable: words, text: words });
    if (found[0]?.kind === 'unreadable') expect(found[0].reason).toBe(reason);
    expect(parsePeriod(text, NOW, 'UTC')).toBeUndefined();
  });

  it('suggests the date of a named day that has one, never reading the year words alone', () => {
    const at = (text: string, now = NOW) => find(text, now).map((f) => (f.kind === 'unreadable' ? [f.unreadable, f.hint] : [f.text]));
    expect(at('conversations over christmas last year')).toEqual([['over christmas last year', '25 Dec 2025']]);
    // alone, the nearest such day, as a date without a year
    expect(at('CSI on Christmas Eve')).toEqual([['on Christmas Eve', '24 Dec 2026']]);
    expect(at('CSI on christmas day', new Date('2026-12-26T10:00:00Z'))).toEqual([['on christmas day', '25 Dec 2026']]);
    expect(at("CSI on new year's day")).toEqual([["on new year's day", '1 Jan 2027']]);
    expect(at('CSI on christmas 2024 vs last week')).toEqual([['on christmas 2024', '25 Dec 2024'], ['vs last week']]);
    expect(at('CSI at thanksgiving')).toEqual([['at thanksgiving', undefined]]);
  });

  it('suggests a whole-day period for parts of a day', () => {
    expect(find('CSI this morning')[0]).toMatchObject({ kind: 'unreadable', hint: 'today' });
    expect(find('chats last night')[0]).toMatchObject({ kind: 'unreadable', hint: 'yesterday' });
  });

  it.each([
    'CSI on Mondays', 'CSI in Voltix', 'show the last message', 'may I see the worst conversations?', 'CSI above 4.5',
    'how long do customers wait during handoff', 'difference between Voltix and Acme', 'what is the response time',
    // hour-of-day questions are a breakdown, not a period
    'busiest hour of the day', 'CSI in the morning',
  ])('finds nothing in "%s"', (text) => {
    expect(find(text)).toEqual([]);
  });
});

describe('findPeriods: roles and spans', () => {
  const roles = (text: string, previous?: Period) =>
    find(text, NOW, 'UTC', previous).map((f) => [f.role, f.text, f.kind === 'period' ? f.period.from : f.unreadable]);

  it.each([
    ['CSI this week vs last week', [['main', 'this week', '2026-11-16'], ['comparison', 'vs last week', '2026-11-09']]],
    ['CSI yesterday compared to the same day last week', [['main', 'yesterday', '2026-11-17'], ['comparison', 'compared to the same day last week', '2026-11-10']]],
    ['was CSI higher today than the same day last week?', [['main', 'today', '2026-11-18'], ['comparison', 'than the same day last week', '2026-11-11']]],
    ['CSI last week compared to the week before', [['main', 'last week', '2026-11-09'], ['comparison', 'compared to the week before', '2026-11-02']]],
    ['CSI this month versus October', [['main', 'this month', '2026-11-01'], ['comparison', 'versus October', '2026-10-01']]],
    ['compare yesterday with last week', [['main', 'yesterday', '2026-11-17'], ['comparison', 'with last week', '2026-11-09']]],
    ['compared to last week, how was this week?', [['comparison', 'compared to last week', '2026-11-09'], ['main', 'this week', '2026-11-16']]],
    ['how did CSI change from last week to this week', [['comparison', 'from last week', '2026-11-09'], ['main', 'to this week', '2026-11-16']]],
    ['CSI on Monday vs the same day last week', [['main', 'on Monday', '2026-11-16'], ['comparison', 'vs the same day last week', '2026-11-09']]],
    ['the same day last week', [['main', 'the same day last week', '2026-11-11']]],
    // "previous" counts from the main period in a comparison, from today otherwise.
    ['last week vs the previous week', [['main', 'last week', '2026-11-09'], ['comparison', 'vs the previous week', '2026-11-02']]],
    ['October vs the previous month', [['main', 'October', '2026-10-01'], ['comparison', 'vs the previous month', '2026-09-01']]],
    ['last 7 days vs previous 7 days', [['main', 'last 7 days', '2026-11-12'], ['comparison', 'vs previous 7 days', '2026-11-05']]],
    ['CSI last week and the previous week', [['main', 'last week', '2026-11-09'], ['comparison', 'the previous week', '2026-11-02']]],
    ['yesterday vs the day before', [['main', 'yesterday', '2026-11-17'], ['comparison', 'vs the day before', '2026-11-16']]],
    // "between A and B" with a change or comparison word, A and B whole periods: two periods compared, no range
    ['difference in CSI between October and November', [['main', 'between October', '2026-10-01'], ['comparison', 'and November', '2026-11-01']]],
    ['how did CSI change between last week and this week', [['comparison', 'between last week', '2026-11-09'], ['main', 'this week', '2026-11-16']]],
    ['CSI difference between 3 November and 10 November', [['main', 'between 3 November', '2026-11-03'], ['comparison', 'and 10 November', '2026-11-10']]],
    // without one, or with a part that is no whole period, a range
    ['handoffs between October and November', [['main', 'between October and November', '2026-10-01']]],
    ['difference in CSI between 1 and 15 November', [['main', 'between 1 and 15 November', '2026-11-01']]],
    ['how many QA changes between October and November', [['main', 'between October and November', '2026-10-01']]],
  ])('%s', (text, expected) => {
    expect(roles(text)).toEqual(expected);
  });

  it.each([
    // "ago" compared with a period shorter than its unit moves that period back, so a day is compared with a day
    ['conversations the day before yesterday vs a week ago', ['2026-11-16', '2026-11-16', 'the day before yesterday (Mon 16 Nov 2026)'], ['2026-11-09', '2026-11-09', 'a week earlier (Mon 9 Nov 2026)']],
    ['CSI yesterday compared to a month ago', ['2026-11-17', '2026-11-17', 'yesterday (Tue 17 Nov 2026)'], ['2026-10-17', '2026-10-17', 'a month earlier (Sat 17 Oct 2026)']],
    ['CSI today vs two weeks ago', ['2026-11-18', '2026-11-18', 'today (Wed 18 Nov 2026)'], ['2026-11-04', '2026-11-04', '2 weeks earlier (Wed 4 Nov 2026)']],
    ['CSI last 7 days vs a fortnight ago', ['2026-11-12', '2026-11-18', 'last 7 days (Thu 12 Nov – Wed 18 Nov 2026)'], ['2026-10-29', '2026-11-04', 'a fortnight earlier (Thu 29 Oct – Wed 4 Nov 2026)']],
    ['CSI in October vs a year ago', ['2026-10-01', '2026-10-31', 'October 2026'], ['2025-10-01', '2025-10-31', 'a year earlier (October 2025)']],
    // the period's own unit, or a shorter one, still counts from today
    ['CSI last week vs two weeks ago', ['2026-11-09', '2026-11-15', 'last week (Mon 9 Nov – Sun 15 Nov 2026)'], ['2026-11-02', '2026-11-08', '2 weeks ago (Mon 2 Nov – Sun 8 Nov 2026)']],
    ['CSI this month vs a week ago', ['2026-11-01', '2026-11-30', 'this month (November 2026)'], ['2026-11-09', '2026-11-15', 'a week ago (Mon 9 Nov – Sun 15 Nov 2026)']],
  ])('%s', (text, main, comparison) => {
    const found = periodsIn(find(text));
    expect(found.map((f) => [f.role, f.period.from, f.period.to, f.period.label])).toEqual([['main', ...main], ['comparison', ...comparison]]);
  });

  it('reads "ago" from today when it is the main period, or no main period is named', () => {
    expect(periodsIn(find('conversations a week ago')).map((f) => [f.role, f.period.from, f.period.to])).toEqual([['main', '2026-11-09', '2026-11-15']]);
    expect(periodsIn(find('conversations a week ago', NOW, 'UTC', utc('yesterday'))).map((f) => [f.role, f.period.from, f.period.to])).toEqual([['main', '2026-11-09', '2026-11-15']]);
  });

  it('reads a follow-up\'s "compared to a week ago" against the conversation\'s period', () => {
    expect(periodsIn(find('and compared to a week ago?', NOW, 'UTC', utc('yesterday'))).map((f) => [f.role, f.period.from, f.period.to, f.period.label]))
      .toEqual([['comparison', '2026-11-10', '2026-11-10', 'a week earlier (Tue 10 Nov 2026)']]);
  });

  it('reads a follow-up relative to the conversation’s period', () => {
    const lastWeek = utc('last week')!;
    expect(roles('and the week before?', lastWeek)).toEqual([['main', 'the week before', '2026-11-02']]);
    // A comparison in the same question counts from that question's main period instead.
    expect(roles('October vs the month before', lastWeek)).toEqual([['main', 'October', '2026-10-01'], ['comparison', 'vs the month before', '2026-09-01']]);
  });

  it('gives spans in the original text, whatever its case and spacing', () => {
    const q = 'İstanbul page: CSI  ON  Monday,\tVS.  the Same Day LAST week?';
    const found = find(q);
    expect(found.map((f) => q.slice(f.start, f.end))).toEqual(['ON  Monday', 'VS.  the Same Day LAST week']);
    expect(found.map((f) => f.text)).toEqual(['ON  Monday', 'VS.  the Same Day LAST week']);
  });

  it('returns readable and unreadable phrases together, in text order', () => {
    const found = find('CSI last week vs the year of the dragon');
    expect(found.map((f) => [f.kind, f.role, f.text])).toEqual([['period', 'main', 'last week'], ['unreadable', 'comparison', 'vs the year of the dragon']]);
  });
});

describe('findPeriods: partial and future periods', () => {
  it.each([
    ['today', true, false],
    ['this week', true, false],
    ['year to date', true, false],
    ['since Monday', true, false],
    ['last week', false, false],
    ['in October', false, false],
    ['this Friday', false, true],
    ['next month', false, true],
  ])('%s: partial %s, future %s', (text, partial, future) => {
    expect(periodsIn(find(text))[0]).toMatchObject({ partial, future });
  });

  it('isPartial takes today from the zone', () => {
    const wednesday = utc('2026-11-18')!;
    expect(isPartial(wednesday, NOW_LATE, 'UTC')).toBe(true);
    // 13:00Z is already Thursday in Auckland: Wednesday is over there.
    expect(isPartial(wednesday, NOW_LATE, 'Pacific/Auckland')).toBe(false);
  });
});

describe('findPeriods: business timezone around boundaries', () => {
  const read = (text: string, now: Date, timeZone: string) => {
    const p = periodsIn(find(text, now, timeZone))[0]?.period;
    return p && [p.from, p.to];
  };
  // 23:30Z on Sunday 25 Oct 2026, the night the clocks went back: 00:30 Monday in Berlin (CET).
  const afterFallBack = new Date('2026-10-25T23:30:00Z');
  // 23:30Z on Saturday 31 Oct: already Sunday 1 Nov in Berlin, a new month.
  const monthEnd = new Date('2026-10-31T23:30:00Z');
  // 23:30Z on Saturday 28 Mar 2026: 00:30 Sunday 29 Mar in Berlin, the night the clocks go forward.
  const springForward = new Date('2026-03-28T23:30:00Z');
  // 23:30Z on New Year's Eve: 2027 in Berlin.
  const newYear = new Date('2026-12-31T23:30:00Z');

  it.each([
    [afterFallBack, 'today', ['2026-10-25', '2026-10-25'], ['2026-10-26', '2026-10-26']],
    [afterFallBack, 'Monday', ['2026-10-19', '2026-10-19'], ['2026-10-26', '2026-10-26']],
    [afterFallBack, 'last Sunday', ['2026-10-18', '2026-10-18'], ['2026-10-25', '2026-10-25']],
    [afterFallBack, 'this week', ['2026-10-19', '2026-10-25'], ['2026-10-26', '2026-11-01']],
    [afterFallBack, 'week to date', ['2026-10-19', '2026-10-25'], ['2026-10-26', '2026-10-26']],
    [afterFallBack, 'since Monday', ['2026-10-19', '2026-10-25'], ['2026-10-26', '2026-10-26']],
    [afterFallBack, 'the same day last week', ['2026-10-18', '2026-10-18'], ['2026-10-19', '2026-10-19']],
    [monthEnd, 'month to date', ['2026-10-01', '2026-10-31'], ['2026-11-01', '2026-11-01']],
    [monthEnd, 'last month', ['2026-09-01', '2026-09-30'], ['2026-10-01', '2026-10-31']],
    [monthEnd, 'last 7 days', ['2026-10-25', '2026-10-31'], ['2026-10-26', '2026-11-01']],
    // Still October in UTC, so 1 November (the nearest, tomorrow) starts after today: refused.
    [monthEnd, 'since 1 November', undefined, ['2026-11-01', '2026-11-01']],
    [springForward, 'yesterday', ['2026-03-27', '2026-03-27'], ['2026-03-28', '2026-03-28']],
    [springForward, 'the weekend', ['2026-03-28', '2026-03-29'], ['2026-03-28', '2026-03-29']],
    [springForward, 'Sunday', ['2026-03-22', '2026-03-22'], ['2026-03-29', '2026-03-29']],
    [newYear, 'year to date', ['2026-01-01', '2026-12-31'], ['2027-01-01', '2027-01-01']],
    [newYear, 'this quarter', ['2026-10-01', '2026-12-31'], ['2027-01-01', '2027-03-31']],
    [newYear, 'Q4', ['2026-10-01', '2026-12-31'], ['2026-10-01', '2026-12-31']],
    [newYear, 'in December', ['2026-12-01', '2026-12-31'], ['2026-12-01', '2026-12-31']],
  ])('%s: %s', (now, text, inUtc, inBerlin) => {
    expect(read(text, now, 'UTC')).toEqual(inUtc);
    expect(read(text, now, 'Europe/Berlin')).toEqual(inBerlin);
  });
});
