import { describe, expect, it } from 'vitest';
import { parsePeriod, periodBounds, previousPeriod, shiftBack, type Period } from '../src/domain/periods.ts';

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
    expect(span(utc('on the 1st of March'))).toEqual(['2026-03-01', '2026-03-01', 'day']);
    // A day later in the year than today is last year's.
    expect(span(utc('on 24 December'))).toEqual(['2025-12-24', '2025-12-24', 'day']);
  });

  it('reads ranges', () => {
    const range = { from: '2026-11-01', to: '2026-11-15', granularity: 'range', label: 'Sun 1 Nov – Sun 15 Nov 2026' };
    expect(utc('from 2026-11-01 to 2026-11-15')).toEqual(range);
    expect(utc('between 1 Nov and 15 Nov')).toEqual(range);
    expect(utc('Nov 1 – Nov 15')).toEqual(range);
    expect(span(utc('since 1 Nov'))).toEqual(['2026-11-01', '2026-11-18', 'range']);
  });

  it('puts a year-less range across New Year in the right years', () => {
    expect(utc('20 Dec – 5 Jan')).toMatchObject({ from: '2025-12-20', to: '2026-01-05', label: 'Sat 20 Dec 2025 – Mon 5 Jan 2026' });
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
