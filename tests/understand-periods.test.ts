import { describe, expect, it } from 'vitest';
import { understand, type IntentContext } from '../src/domain/intents.ts';

// The periods of catalogue questions as the answer states them (session 18): a period still
// running is counted to today and called "so far", a comparison of it with a whole one says so,
// and a period refused carries the reason and what can be asked instead. Pure: a fixed clock,
// Monday 7 December 2026 at noon UTC.
const ctx: IntentContext = {
  now: new Date('2026-12-07T12:00:00Z'),
  timeZone: 'UTC',
  pages: ['Voltix Electronics', 'Stride Shoes'],
  agents: ['James Carter', 'Emma Novak'],
  reviewers: ['Olga Berg'],
  topics: ['complaint', 'shipping_question'],
};
const ask = (q: string) => understand(q, ctx);
const periodOf = (q: string) => ask(q).metric?.query.period;

describe('a period still running', () => {
  it.each([
    ['how many messages this week', '2026-12-07', 'this week so far (Mon 7 Dec 2026)'],
    ['how many messages this month', '2026-12-01', 'this month so far (Tue 1 Dec – Mon 7 Dec 2026)'],
    ['average CSI today', '2026-12-07', 'today so far (Mon 7 Dec 2026)'],
    ['sessions in Q4', '2026-10-01', 'Q4 2026 so far (Thu 1 Oct – Mon 7 Dec 2026)'],
    ['sessions in H2', '2026-07-01', 'H2 2026 so far (Wed 1 Jul – Mon 7 Dec 2026)'],
    ['sessions in December', '2026-12-01', 'December 2026 so far (Tue 1 Dec – Mon 7 Dec 2026)'],
    ['sessions on 7 Dec', '2026-12-07', 'Mon 7 Dec 2026 (today, so far)'],
    [
      'CSI in the second week of December', '2026-12-07',
      'the second week of December 2026 so far (Mon 7 Dec 2026; weeks run Monday to Sunday and count in the month that holds most of their days)',
    ],
  ])('%s is counted to today and called so', (q, from, label) => {
    expect(periodOf(q)).toEqual({ from, to: '2026-12-07', label });
  });

  it('keeps the names of windows that end today', () => {
    expect(periodOf('messages in the last 7 days')?.label).toBe('last 7 days (Tue 1 Dec – Mon 7 Dec 2026)');
    expect(periodOf('messages month to date')?.label).toBe('month to date (Tue 1 Dec – Mon 7 Dec 2026)');
    expect(periodOf('messages last week')?.label).toBe('last week (Mon 30 Nov – Sun 6 Dec 2026)');
  });

  it('keeps the whole period for a follow-up', () => {
    const first = ask('CSI this week');
    const before = understand('and the week before?', { ...ctx, previous: first });
    expect(before.metric?.query.period).toMatchObject({ from: '2026-11-30', to: '2026-12-06' });
  });

  it('says that an average of a running period is compared with a whole one', () => {
    const i = ask('average CSI this month vs last month').metric!;
    expect(i.query.period).toEqual({ from: '2026-12-01', to: '2026-12-07', label: 'this month so far (Tue 1 Dec – Mon 7 Dec 2026)' });
    expect(i.query.compareTo).toMatchObject({ from: '2026-11-01', to: '2026-11-30' });
    expect(i.remarks).toEqual(['This month is still running: its figure covers its first 7 days, against all 30 days of last month.']);
  });

  it('words a count cut to the same days as a running period alone', () => {
    const i = ask('how many messages this week vs last week').metric!;
    expect(i.query.period).toEqual({ from: '2026-12-07', to: '2026-12-07', label: 'this week so far (Mon 7 Dec 2026)' });
    expect(i.query.compareTo).toEqual({ from: '2026-11-30', to: '2026-11-30', label: 'the same days of last week (Mon 30 Nov 2026)' });
  });
});

describe('a period refused says why, and what can be asked', () => {
  it.each([
    ['how many messages since early November', ['"early November" names no exact days', 'ask for "since 1 Nov" instead']],
    ['CSI mid-November', ['"mid-November" names no exact days', 'ask for "11–20 Nov" instead']],
    ['handoffs at the end of last month', ['"the end of last month" names no exact days', 'ask for "the last week of November" instead']],
    ['how many messages on 3/11', ['3/11 is 3 Nov 2026 read day first, or 11 Mar 2026 read month first']],
    ['CSI in the fifth week of November', ['November 2026 has 4 weeks (weeks run Monday to Sunday']],
  ])('%s', (q, parts) => {
    const r = ask(q).refusal ?? '';
    expect(r).toContain('I could not read the period');
    for (const p of parts) expect(r).toContain(p);
  });

  it('reads the parts of a month it can', () => {
    expect(periodOf('messages since the start of October')).toMatchObject({ from: '2026-10-01', to: '2026-12-07' });
    expect(periodOf('messages in the first week of November')).toMatchObject({ from: '2026-11-02', to: '2026-11-08' });
    expect(periodOf('messages in the first half of November')).toMatchObject({ from: '2026-11-01', to: '2026-11-15' });
    expect(periodOf('messages in the last 3 full weeks')).toMatchObject({ from: '2026-11-16', to: '2026-12-06' });
    expect(periodOf('messages this time last month')).toMatchObject({ from: '2026-11-07', to: '2026-11-07' });
    expect(periodOf('messages between the 3rd and the 9th')).toMatchObject({ from: '2026-11-03', to: '2026-11-09' });
  });
});

describe('a period meant but not read', () => {
  it('refuses a word after "last" that nothing read, instead of the default period', () => {
    expect(ask('messages last blorp').refusal).toContain('I could not read the period ("last blorp")');
    expect(periodOf('messages last wek')).toMatchObject({ from: '2026-11-30', to: '2026-12-06' });
    expect(periodOf('messages last mnth')).toMatchObject({ from: '2026-11-01', to: '2026-11-30' });
    // "w/c" is week commencing, not "with c"
    expect(periodOf('messages w/c 30 November')).toMatchObject({ from: '2026-11-30', to: '2026-12-06' });
    expect(periodOf('messages w/e 29 November')).toMatchObject({ from: '2026-11-23', to: '2026-11-29' });
    // "in the month" was refused as a period no rule read
    expect(periodOf('messages in the month of November')).toMatchObject({ from: '2026-11-01', to: '2026-11-30' });
  });

  it('never answers one of two periods named', () => {
    expect(ask('how many messages for October and December').refusal).toContain('it names two periods, and a figure is over one; ask for "October vs December"');
    expect(periodOf('how many messages for November and December')).toEqual({
      from: '2026-11-01', to: '2026-12-07', label: 'November and December so far (Sun 1 Nov – Mon 7 Dec 2026)',
    });
    expect(ask('how many messages until yesterday').refusal).toContain('"until yesterday" names an end but no start');
  });
});

describe('two periods, and a reference alone', () => {
  it('refuses two periods nothing compares, naming both', () => {
    const r = ask('messages in October for last week').refusal ?? '';
    expect(r).toContain('I could not read the period ("in october", "for last week"): it names two periods, and a figure is over one; ask for "October 2026 vs last week"');
  });

  it('compares this year or quarter so far with the one named alone', () => {
    expect(ask('CSI compared to last year').metric?.query).toMatchObject({
      period: { from: '2026-01-01', to: '2026-12-07' }, compareTo: { from: '2025-01-01', to: '2025-12-31' },
    });
    expect(ask('CSI compared to last quarter').metric?.query).toMatchObject({
      period: { from: '2026-10-01', to: '2026-12-07' }, compareTo: { from: '2026-07-01', to: '2026-09-30' },
    });
  });

  it('reads "week on week" as by week, not as a period it cannot read', () => {
    expect(ask('CSI week on week').metric?.query.groupBy).toBe('week');
  });
});

describe('a date without a year', () => {
  // The occurrence nearest today, past or future: on 7 Dec 2026, 21 December and 4 January are
  // still to come, and a period to come is refused, never read a year back.
  it.each([
    ['customer messages in the week of 21 december', 'the week of Mon 21 Dec (Mon 21 Dec – Sun 27 Dec 2026) has not happened yet'],
    ['csi for the week of 4 january', 'the week of Mon 4 Jan (Mon 4 Jan – Sun 10 Jan 2027) has not happened yet'],
    ['messages on 21 december', 'Mon 21 Dec 2026 has not happened yet'],
    ['messages on 21/12', 'Mon 21 Dec 2026 has not happened yet'],
    ['messages over the weekend of 19 december', 'the weekend of Sat 19 Dec (Sat 19 Dec – Sun 20 Dec 2026) has not happened yet'],
    ['messages between 20 december and 5 january', 'Sun 20 Dec 2026 – Tue 5 Jan 2027 has not happened yet'],
  ])('%s is refused as still to come', (q, words) => {
    expect(ask(q).refusal).toContain(words);
  });

  it('reads a date nearer behind as this year', () => {
    expect(periodOf('messages on 3 november')).toMatchObject({ from: '2026-11-03', to: '2026-11-03' });
    expect(periodOf('messages since 1 october')).toMatchObject({ from: '2026-10-01', to: '2026-12-07' });
    expect(periodOf('messages the week of 23 november')).toMatchObject({ from: '2026-11-23', to: '2026-11-29' });
  });

  it('reads a date just behind, across New Year, as last year', () => {
    const january = { ...ctx, now: new Date('2027-01-07T12:00:00Z') };
    expect(understand('messages on 25 december', january).metric?.query.period).toMatchObject({ from: '2026-12-25', to: '2026-12-25' });
    expect(understand('messages on 25/12', january).metric?.query.period).toMatchObject({ from: '2026-12-25', to: '2026-12-25' });
  });
});

describe('"between A and B" with a change or comparison word', () => {
  const query = (q: string) => ask(q).metric?.query;

  it.each([
    // A against B, as "October vs November"
    ['difference in handoff rate between october and november', ['2026-10-01', '2026-10-31'], ['2026-11-01', '2026-11-30']],
    ['compare CSI between October and November', ['2026-10-01', '2026-10-31'], ['2026-11-01', '2026-11-30']],
    ['difference in CSI between 3 November and 10 November', ['2026-11-03', '2026-11-03'], ['2026-11-10', '2026-11-10']],
    // a change runs from A to B, as "from October to November": B against A
    ['did the handoff rate rise between october and november', ['2026-11-01', '2026-11-30'], ['2026-10-01', '2026-10-31']],
    ['how did CSI change between last week and this week', ['2026-12-07', '2026-12-07'], ['2026-11-30', '2026-12-06']],
  ])('%s compares the two periods', (q, [from, to], [cFrom, cTo]) => {
    expect(query(q)).toMatchObject({ period: { from, to }, compareTo: { from: cFrom, to: cTo } });
  });

  it.each([
    ['handoffs between 1 and 15 november', '2026-11-01', '2026-11-15'],
    ['handoffs between october and november', '2026-10-01', '2026-11-30'],
    ['how many handoffs went to a human between october and november', '2026-10-01', '2026-11-30'],
    ['how many QA changes between october and november', '2026-10-01', '2026-11-30'],
  ])('%s stays one range', (q, from, to) => {
    expect(query(q)?.period).toMatchObject({ from, to });
    expect(query(q)?.compareTo).toBeUndefined();
  });
});

describe('a time of day', () => {
  // Periods are whole days: "this time yesterday" asks for part of a day, and the whole day's
  // figure would answer another question. Refused, naming the whole day (or the day by hour).
  it.each([
    ['customer messages this time yesterday', '"this time yesterday" is a time of day', 'ask for "yesterday" instead'],
    ['customer messages this time last week', '"this time last week" is a time of day', 'ask for "the same day last week" instead'],
    ['handoffs so far today vs this time yesterday', '"this time yesterday" is a time of day', 'ask for "yesterday" instead'],
    ['handoffs by this time last week', '"by this time last week" is a time of day', 'ask for "the same day last week" instead'],
    ['handoffs today vs the same time last week', '"the same time last week" is a time of day', 'ask for "the same day last week" instead'],
    ['messages at this time yesterday', '"at this time yesterday" is a time of day', 'ask for "yesterday" instead'],
    ['messages this time last monday', '"this time last monday" is a time of day', 'ask for "last Monday" instead'],
  ])('%s is refused', (q, why, instead) => {
    const r = ask(q).refusal ?? '';
    expect(r).toContain('I could not read the period');
    expect(r).toContain(`${why}, and periods are whole days in the business timezone: the whole day can be answered, or the day by hour`);
    expect(r).toContain(instead);
  });

  it('still reads the same date a month or a year back as that day', () => {
    expect(periodOf('sessions this time last year')).toMatchObject({ from: '2025-12-07', to: '2025-12-07' });
    expect(periodOf('sessions this day last week')).toMatchObject({ from: '2026-11-30', to: '2026-11-30' });
  });
});
