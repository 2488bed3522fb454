import { describe, expect, it } from 'vitest';
import { findPeriods, parsePeriod } from '../src/domain/periods.ts';

// Parts of periods and the phrases around them (session 18): the start, the weeks and the halves
// of a month, whole units before the running one, a day a unit ago, day numbers without a month,
// and the vague ones ("early November", "mid-November") refused with the reason and what to ask.
// Pure: a fixed clock, Monday 7 December 2026 at noon UTC.
const NOW = new Date('2026-12-07T12:00:00Z');
const read = (text: string, now = NOW) => {
  const p = parsePeriod(text, now, 'UTC');
  return p && [p.from, p.to, p.label];
};
const refusedOf = (text: string, now = NOW) => {
  const found = findPeriods(text, now, 'UTC');
  expect(found.filter((f) => f.kind === 'period'), text).toEqual([]);
  const f = found.find((x) => x.kind === 'unreadable');
  return f?.kind === 'unreadable' ? { words: f.unreadable, reason: f.reason, hint: f.hint } : undefined;
};

describe('the start and the end of a period as a bound', () => {
  it.each([
    ['since the start of October', '2026-10-01', '2026-12-07', 'since the start of October (Thu 1 Oct – Mon 7 Dec 2026)'],
    ['since the beginning of last month', '2026-11-01', '2026-12-07', 'since the beginning of last month (Sun 1 Nov – Mon 7 Dec 2026)'],
    ['since the start of last week', '2026-11-30', '2026-12-07', 'since the start of last week (Mon 30 Nov – Mon 7 Dec 2026)'],
    ['since the start of Q3', '2026-07-01', '2026-12-07', 'since the start of Q3 (Wed 1 Jul – Mon 7 Dec 2026)'],
    ['from the start of October to the end of November', '2026-10-01', '2026-11-30', 'Thu 1 Oct – Mon 30 Nov 2026'],
    ['from the beginning of September until the end of last month', '2026-09-01', '2026-11-30', 'Tue 1 Sep – Mon 30 Nov 2026'],
  ])('%s', (text, from, to, label) => {
    expect(read(`messages ${text}`)).toEqual([from, to, label]);
  });

  it.each([
    ['messages at the start of October', 'at the start of October', '"the start of October" names no exact days', 'the first week of October'],
    ['messages at the end of last month', 'at the end of last month', '"the end of last month" names no exact days', 'the last week of November'],
    ['messages since early November', 'since early November', '"early November" names no exact days', 'since 1 Nov'],
    ['messages in early November', 'in early November', '"early November" names no exact days', 'the first week of November'],
    ['messages mid-November', 'mid-November', '"mid-November" names no exact days', '11–20 Nov'],
    ['messages in late October', 'in late October', '"late October" names no exact days', 'the last week of October'],
    ['messages in the middle of last month', 'in the middle of last month', '"the middle of last month" names no exact days', '11–20 Nov'],
    ['messages since mid-October', 'since mid-October', '"mid-October" names no exact days', undefined],
    ['CSI late yesterday', 'late yesterday', 'periods are whole days in the business timezone', 'yesterday'],
  ])('%s is refused', (text, words, reason, hint) => {
    const r = refusedOf(text);
    expect(r?.words.toLowerCase()).toBe(words.toLowerCase());
    expect(r?.reason).toBe(reason);
    expect(r?.hint).toBe(hint);
  });

  it('offers hints that read', () => {
    for (const hint of ['the first week of October', 'the last week of November', 'since 1 Nov', '11–20 Nov']) expect(read(hint), hint).toBeDefined();
  });
});

describe('weeks and halves of a month', () => {
  const RULE = 'weeks run Monday to Sunday and count in the month that holds most of their days';
  it.each([
    // 1 Nov 2026 is a Sunday: its week (26 Oct – 1 Nov) is October's
    ['the first week of November', '2026-11-02', '2026-11-08', `the first week of November 2026 (Mon 2 Nov – Sun 8 Nov 2026; ${RULE})`],
    ['the second week of October', '2026-10-05', '2026-10-11', `the second week of October 2026 (Mon 5 Oct – Sun 11 Oct 2026; ${RULE})`],
    // 30 Nov – 6 Dec holds four December days: it is December's first week
    ['the last week of November', '2026-11-23', '2026-11-29', `the last week of November 2026 (Mon 23 Nov – Sun 29 Nov 2026; ${RULE})`],
    ['the first week of December', '2026-11-30', '2026-12-06', `the first week of December 2026 (Mon 30 Nov – Sun 6 Dec 2026; ${RULE})`],
    ['the 3rd week of last month', '2026-11-16', '2026-11-22', `the third week of November 2026 (Mon 16 Nov – Sun 22 Nov 2026; ${RULE})`],
    ['the fifth week of October', '2026-10-26', '2026-11-01', `the fifth week of October 2026 (Mon 26 Oct – Sun 1 Nov 2026; ${RULE})`],
    ['the first half of November', '2026-11-01', '2026-11-15', 'the first half of November 2026 (Sun 1 Nov – Sun 15 Nov 2026)'],
    ['the second half of October', '2026-10-16', '2026-10-31', 'the second half of October 2026 (Fri 16 Oct – Sat 31 Oct 2026)'],
    ['the second half of February 2026', '2026-02-16', '2026-02-28', 'the second half of February 2026 (Mon 16 Feb – Sat 28 Feb 2026)'],
    ['the first half of last year', '2025-01-01', '2025-06-30', 'H1 2025 (Wed 1 Jan – Mon 30 Jun 2025)'],
  ])('%s', (text, from, to, label) => {
    expect(read(`CSI in ${text}`)).toEqual([from, to, label]);
  });

  it.each([
    ['CSI in the fifth week of November', `November 2026 has 4 weeks (${RULE})`],
    ['CSI in the first week of Q3', 'weeks are counted only within a month ("the first week of November")'],
    ['CSI in the first half of last week', 'only a month or a year is split into halves ("the first half of November", "H2 2026")'],
  ])('%s is refused', (text, reason) => {
    expect(refusedOf(text)?.reason).toBe(reason);
  });
});

describe('whole units, a day a unit ago, and day numbers without a month', () => {
  it.each([
    ['the last 3 full weeks', '2026-11-16', '2026-12-06', 'the last 3 full weeks (Mon 16 Nov – Sun 6 Dec 2026)'],
    ['the last full week', '2026-11-30', '2026-12-06', 'last full week (Mon 30 Nov – Sun 6 Dec 2026)'],
    ['the past 2 complete months', '2026-10-01', '2026-11-30', 'the last 2 full months (Thu 1 Oct – Mon 30 Nov 2026)'],
    ['the previous two whole days', '2026-12-05', '2026-12-06', 'the last 2 full days (Sat 5 Dec – Sun 6 Dec 2026)'],
    ['this time last month', '2026-11-07', '2026-11-07', 'the same day last month (Sat 7 Nov 2026)'],
    ['this time last year', '2025-12-07', '2025-12-07', 'the same day last year (Sun 7 Dec 2025)'],
    ['between the 1st and the 5th', '2026-12-01', '2026-12-05', 'the 1st to the 5th (Tue 1 Dec – Sat 5 Dec 2026)'],
    // the 9th of December is still ahead: November's, and the label says why
    ['between the 3rd and the 9th', '2026-11-03', '2026-11-09', "the 3rd to the 9th (Tue 3 Nov – Mon 9 Nov 2026; the 9th of this month is still ahead, so last month's)"],
    ['from the 28th to the 3rd', '2026-11-28', '2026-12-03', 'the 28th to the 3rd (Sat 28 Nov – Thu 3 Dec 2026)'],
    ['the week of 11 November', '2026-11-09', '2026-11-15', 'the week of Wed 11 Nov (Mon 9 Nov – Sun 15 Nov 2026)'],
  ])('%s', (text, from, to, label) => {
    expect(read(`messages ${text}`)).toEqual([from, to, label]);
  });

  it('reads no day numbers in a threshold', () => {
    expect(read('sessions between 3 and 9 minutes long')).toBeUndefined();
    expect(read('handling time between 3 and 9')).toBeUndefined();
  });

  it('moves a Monday–Sunday week back a year as the week with the same number', () => {
    const found = findPeriods('CSI this week vs the same week last year', NOW, 'UTC').map((f) => (f.kind === 'period' ? [f.period.from, f.period.to] : f.kind));
    expect(found).toEqual([['2026-12-07', '2026-12-13'], ['2025-12-08', '2025-12-14']]);
  });
});

describe('numeric dates: both readings are named', () => {
  it.each([
    ['messages on 3/11', 'day and month order is ambiguous: 3/11 is 3 Nov 2026 read day first, or 11 Mar 2026 read month first; write the month as a word'],
    ['messages on 5/6/2025', 'day and month order is ambiguous: 5/6/2025 is 5 Jun 2025 read day first, or 6 May 2025 read month first; write the month as a word'],
    ['messages on 31/11', 'no such date: 31/11 is no day read day first or month first'],
  ])('%s', (text, reason) => {
    expect(refusedOf(text)?.reason).toBe(reason);
  });
});

describe('pieces of a period by their place', () => {
  const RULE = 'weeks run Monday to Sunday and count in the month that holds most of their days';
  it.each([
    ['the first 10 days of November', '2026-11-01', '2026-11-10', 'the first 10 days of November 2026 (Sun 1 Nov – Tue 10 Nov 2026)'],
    ['the last three days of last month', '2026-11-28', '2026-11-30', 'the last 3 days of November 2026 (Sat 28 Nov – Mon 30 Nov 2026)'],
    ['the last day of November', '2026-11-30', '2026-11-30', 'the last day of November 2026 (Mon 30 Nov 2026)'],
    ['the first day of the month', '2026-12-01', '2026-12-01', 'the first day of December 2026 (Tue 1 Dec 2026)'],
    ['the second day of last week', '2026-12-01', '2026-12-01', 'the second day of Mon 30 Nov – Sun 6 Dec 2026 (Tue 1 Dec 2026)'],
    ['the first Monday of November', '2026-11-02', '2026-11-02', 'the first Monday of November 2026 (Mon 2 Nov 2026)'],
    // not "last Friday" (4 Dec): the last Friday of November
    ['the last Friday of November', '2026-11-27', '2026-11-27', 'the last Friday of November 2026 (Fri 27 Nov 2026)'],
    ['the first 2 weeks of November', '2026-11-02', '2026-11-15', `the first 2 weeks of November 2026 (Mon 2 Nov – Sun 15 Nov 2026; ${RULE})`],
    ['the last two weeks of November', '2026-11-16', '2026-11-29', `the last 2 weeks of November 2026 (Mon 16 Nov – Sun 29 Nov 2026; ${RULE})`],
    ['the month of November', '2026-11-01', '2026-11-30', 'November 2026'],
    ['the week ending 29 November', '2026-11-23', '2026-11-29', 'the week ending Sun 29 Nov (Mon 23 Nov – Sun 29 Nov 2026)'],
    ['the week ending Friday 27 November', '2026-11-21', '2026-11-27', 'the week ending Fri 27 Nov (Sat 21 Nov – Fri 27 Nov 2026)'],
  ])('%s', (text, from, to, label) => {
    expect(read(`messages in ${text}`)).toEqual([from, to, label]);
  });

  it.each([
    ['messages in the first few days of December', '"few" is no number of days', 'the first 3 days of December'],
    ['messages in the last days of November', '"the last days" names no number of days', 'the last 3 days of November'],
    ['messages on the fifth Friday of November', 'November 2026 has no fifth Friday', undefined],
    ['messages in the third week of last week', 'weeks are counted only within a month ("the first week of November")', undefined],
  ])('%s is refused', (text, reason, hint) => {
    const r = refusedOf(text);
    expect(r?.reason).toBe(reason);
    expect(r?.hint).toBe(hint);
  });
});

describe('one end of a range, two periods, and words that name no days', () => {
  it.each([
    ['from 20 November till now', '2026-11-20', '2026-12-07', 'Fri 20 Nov – Mon 7 Dec 2026'],
    ['after 1 December', '2026-12-02', '2026-12-07', 'after 1 December (Wed 2 Dec – Mon 7 Dec 2026)'],
    ['after November', '2026-12-01', '2026-12-07', 'after November (Tue 1 Dec – Mon 7 Dec 2026)'],
    ['in October and November', '2026-10-01', '2026-11-30', 'October and November (Thu 1 Oct – Mon 30 Nov 2026)'],
    ['yesterday and today', '2026-12-06', '2026-12-07', 'yesterday and today (Sun 6 Dec – Mon 7 Dec 2026)'],
    ['in the last fifteen days', '2026-11-23', '2026-12-07', 'last 15 days (Mon 23 Nov – Mon 7 Dec 2026)'],
    ['over the past twenty-one days', '2026-11-17', '2026-12-07', 'last 21 days (Tue 17 Nov – Mon 7 Dec 2026)'],
    ['a dozen days ago', '2026-11-25', '2026-11-25', '12 days ago (Wed 25 Nov 2026)'],
  ])('%s', (text, from, to, label) => {
    expect(read(`messages ${text}`)).toEqual([from, to, label]);
  });

  it.each([
    ['messages until yesterday', '"until yesterday" names an end but no start', undefined],
    ['messages up to 30 November', '"up to 30 November" names an end but no start', undefined],
    ['messages before November', '"before November" names an end but no start', undefined],
    ['messages after today', 'it starts after today', undefined],
    ['messages in October and December', 'it names two periods, and a figure is over one', 'October vs December'],
    ['messages in October or November', 'it names two periods as a choice', 'October vs November'],
    ['messages recently', '"recently" names no exact days', 'the last 7 days'],
    ['messages over the past few weeks', '"past few weeks" is no number of weeks', 'the last 3 weeks'],
    ['messages in the last 5 working days', 'working days are not set up (periods are calendar days; weekdays are a filter)', 'last week on weekdays'],
  ])('%s is refused', (text, reason, hint) => {
    const r = refusedOf(text);
    expect(r?.reason).toBe(reason);
    expect(r?.hint).toBe(hint);
  });

  it('keeps two periods compared, and a relative one, apart', () => {
    const roles = (text: string) => findPeriods(text, NOW, 'UTC').map((f) => [f.role, f.kind === 'period' ? f.period.from : f.kind]);
    expect(roles('compare October and November')).toEqual([['main', '2026-10-01'], ['comparison', '2026-11-01']]);
    expect(roles('CSI last week and the previous week')).toEqual([['main', '2026-11-30'], ['comparison', '2026-11-23']]);
  });
});

describe('the question tells how to read itself', () => {
  it.each([
    // 15/11 can only be day first, so 1/11 is 1 November; 11/15 only month first
    ['CSI between 1/11 and 15/11', '2026-11-01', '2026-11-15'],
    ['CSI from 11/1 to 11/15', '2026-11-01', '2026-11-15'],
    ["CSI in October '25", '2025-10-01', '2025-10-31'],
    ['messages Monday to Friday last week', '2026-11-30', '2026-12-04'],
    ['messages this month until today', '2026-12-01', '2026-12-07'],
    ['messages starting from 1 November', '2026-11-01', '2026-12-07'],
    ['messages from 1 November onwards', '2026-11-01', '2026-12-07'],
    ['messages as of 1 November', '2026-11-01', '2026-12-07'],
    ['messages the weekend before last', '2026-11-28', '2026-11-29'],
  ])('%s', (text, from, to) => {
    expect(read(text)?.slice(0, 2)).toEqual([from, to]);
  });

  it('reads "since start of month" without "the", and "same time last year" alone as a day', () => {
    expect(read('messages since start of month')).toEqual(['2026-12-01', '2026-12-07', 'month to date (Tue 1 Dec – Mon 7 Dec 2026)']);
    expect(read('messages same time last year')).toEqual(['2025-12-07', '2025-12-07', 'the same time a year earlier (Sun 7 Dec 2025)']);
  });

  it.each([
    ['CSI from the 1st to today', '2026-12-01', '2026-12-07'],
    ['CSI between the 1st and now', '2026-12-01', '2026-12-07'],
    ['messages in the year 2025', '2025-01-01', '2025-12-31'],
    ['messages for calendar year 2025', '2025-01-01', '2025-12-31'],
    ['messages on the weekend of 28 November', '2026-11-28', '2026-11-29'],
  ])('%s', (text, from, to) => {
    expect(read(text)?.slice(0, 2)).toEqual([from, to]);
    expect(findPeriods(text, NOW, 'UTC').filter((f) => f.kind === 'unreadable')).toEqual([]);
  });

  it('says which month "on the 9th" was taken from', () => {
    expect(read('CSI on the 9th')).toEqual(['2026-11-09', '2026-11-09', "the 9th (Mon 9 Nov 2026; the 9th of this month is still ahead, so last month's)"]);
    expect(read('CSI on the 3rd')).toEqual(['2026-12-03', '2026-12-03', 'Thu 3 Dec 2026']);
  });

  it('compares a weekend with the weekend before it', () => {
    const found = findPeriods('messages last weekend vs the weekend before', NOW, 'UTC').map((f) => (f.kind === 'period' ? [f.role, f.period.from, f.period.to] : f.kind));
    expect(found).toEqual([['main', '2026-12-05', '2026-12-06'], ['comparison', '2026-11-28', '2026-11-29']]);
  });

  it('reads no period in "each weekend", "week on week" or a change from one month to another', () => {
    expect(findPeriods('messages each weekend last month', NOW, 'UTC').map((f) => f.text)).toEqual(['last month']);
    expect(findPeriods('CSI week on week', NOW, 'UTC')).toEqual([]);
    expect(findPeriods('how did CSI change from October to November', NOW, 'UTC').map((f) => f.role)).toEqual(['comparison', 'main']);
  });

  it.each([
    ['messages around 10 November', '"around 10 November" names no exact days', 'Tue 10 Nov 2026'],
    ['messages roughly in November', '"roughly in November" names no exact days', 'November 2026'],
    ['messages in the last week or so', '"last week or so" names no exact days', 'last week'],
    ['CSI on 3/11 and 15/11', 'it names two periods, and a figure is over one', 'Tue 3 Nov 2026 vs Sun 15 Nov 2026'],
  ])('%s is refused', (text, reason, hint) => {
    const r = refusedOf(text);
    expect(r?.reason).toBe(reason);
    expect(r?.hint).toBe(hint);
  });

  it('reports "in the fall" as a period it cannot read', () => {
    expect(findPeriods('CSI in the fall', NOW, 'UTC')).toMatchObject([{ kind: 'unreadable', unreadable: 'in the fall' }]);
  });
});
