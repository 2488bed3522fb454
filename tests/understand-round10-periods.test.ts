import { describe, expect, it } from 'vitest';
import { understand, type Intent, type IntentContext } from '../src/domain/intents.ts';

// Round 10 (probes 23 and 24): a second period joined by any word that joins, hours said without
// am/pm, period words with two letters swapped, and two breakdowns or a "daily avg" read as such.
// Pure: a fixed clock, Monday 7 December 2026 at noon UTC ("last week" is Mon 30 Nov – Sun 6 Dec).
const ctx: IntentContext = {
  now: new Date('2026-12-07T12:00:00Z'),
  timeZone: 'UTC',
  pages: ['Voltix Electronics', 'Stride Shoes', 'Oakhaven Furniture'],
  agents: ['James Carter', 'Emma Novak', 'Fatima Zahra'],
  reviewers: ['Olga Berg'],
  topics: ['complaint', 'shipping_question'],
};
const ask = (q: string, previous?: Intent) => understand(q, { ...ctx, ...(previous ? { previous } : {}) });
const metric = (q: string) => {
  const i = ask(q);
  expect(i.refusal).toBeUndefined();
  return i.metric!;
};
const refusal = (q: string) => ask(q).refusal ?? '';
const span = (p?: { from: string; to: string }) => (p ? `${p.from}..${p.to}` : undefined);
const hours = (q: string) => metric(q).query.filters?.find((f) => f.dimension === 'hour')?.values;

describe('a second period after any joining word is compared, never dropped', () => {
  it.each([
    ['handoff rate last week & the week before', 'handoffRate'],
    ['handoffs last week & the week before', 'handoffs'],
    ['how many sessions last week plus the previous week', 'sessions'],
    ['handoffs last week and also the week before', 'handoffs'],
    ['csat last week as well as the week before', 'csatScore'],
    ['handoffs last week / the week before', 'handoffs'],
    ['handoffs last week + the week before', 'handoffs'],
    ['handoffs last week along with the week before', 'handoffs'],
    ['handoffs last week, plus the one before', 'handoffs'],
    ['handoffs for voltix last week & the previous one', 'handoffs'],
  ])('%s', (q, measure) => {
    const m = metric(q);
    expect(m.query.measure).toBe(measure);
    expect(span(m.query.period)).toBe('2026-11-30..2026-12-06');
    expect(span(m.query.compareTo)).toBe('2026-11-23..2026-11-29');
    expect(m.notApplied).toEqual([]);
  });

  it('compares days the same way', () => {
    const m = metric('messages yesterday & the day before');
    expect([span(m.query.period), span(m.query.compareTo)]).toEqual(['2026-12-06..2026-12-06', '2026-12-05..2026-12-05']);
  });

  it.each([
    ['handoffs last week or the week before', /names a second period.*"last week vs the week before"/],
    ['handoffs last week except the week before', /names a second period/],
    ['handoffs last week and the 2 weeks before', /"the 2 weeks before"\): it names a second period besides last week/],
    ['handoffs last week and the week after', /"the week after"\): it names a second period besides last week/],
    ['handoffs last week and the following week', /"the following week"\): it names a second period/],
    ['csat last month as well as october', /names two periods.*"last month vs October 2026"/],
    ['csat october / november', /names two periods/],
    ['csat last month & october', /names two periods/],
  ])('refuses plainly what it cannot join: %s', (q, why) => {
    expect(refusal(q)).toMatch(why);
  });
});

describe('hours said without am/pm', () => {
  it.each([
    ['handoffs between 9 and 11 last week', ['9', '10']],
    ['handoffs from 9 to 11 last week', ['9', '10']],
    ['handoffs 9-11 last week', ['9', '10']],
    ['handoffs 9-11am last week', ['9', '10']],
    ['handoffs between 9 and 17 last week', ['9', '10', '11', '12', '13', '14', '15', '16']],
    ['messages between 13 and 15 yesterday', ['13', '14']],
    ['handoffs last week between 9 and 11', ['9', '10']],
    ['handoffs by agent between 9:00 and 11:00 last week', ['9', '10']],
    ['handoffs from 22 to 6 last week', ['22', '23', '0', '1', '2', '3', '4', '5']],
    ['handoffs between 0 and 3 yesterday', ['0', '1', '2']],
    ['handoffs after 17 last week', ['17', '18', '19', '20', '21', '22', '23']],
    ['handoffs at 14 yesterday', ['14']],
    ['handoff rate between 9 and 11 over the last 30 days', ['9', '10']],
  ])('%s reads the hours on the 24-hour clock', (q, values) => {
    expect(hours(q)).toEqual(values);
  });

  it('keeps the period and the day range rules', () => {
    expect(span(metric('messages between 13 and 15 yesterday').query.period)).toBe('2026-12-06..2026-12-06');
    for (const q of ['messages between 3 and 9 november', 'messages between the 3rd and 9th', 'messages from 3 to 9 nov']) {
      const m = metric(q);
      expect(span(m.query.period)).toBe('2026-11-03..2026-11-09');
      expect(m.query.filters).toEqual([]);
    }
  });

  it('follows a question before', () => {
    const first = ask('handoffs last week');
    expect(ask('and between 9 and 11?', first).metric?.query.filters).toEqual([{ dimension: 'hour', values: ['9', '10'] }]);
  });

  it('keeps the hours beside a second period', () => {
    const m = metric('handoffs last week between 9 and 11 & the week before');
    expect(m.query.filters).toEqual([{ dimension: 'hour', values: ['9', '10'] }]);
    expect(span(m.query.compareTo)).toBe('2026-11-23..2026-11-29');
  });

  it.each([
    ['handoffs between 9:30 and 11 last week', /could not read the time of day/],
    ['handoffs from 9:30 to 11 last week', /could not read the time of day/],
    ['messages between 3 and 9 last month', /"between 3 and 9" may be hours of the day or days of the month.*"3 to 9 November"/],
    ['handoffs between 9 and 11 this month', /may be hours of the day or days of the month/],
    ['handoffs between 9 and 11 of this month', /may be hours of the day or days of the month/],
    ['messages between 1 and 5 yesterday', /"between 1 and 5" may be morning or afternoon/],
    ['messages between 10 and 2 yesterday', /may be morning or afternoon/],
    ['handoffs before 9 yesterday', /"before 9" may be morning or evening/],
    ['csat answers between 3 and 5 last week', /may be scores or hours of the day/],
    ['handoffs between 9 and 11 & 14 and 16 yesterday', /could not read the time of day/],
  ])('refuses what would be a guess: %s', (q, why) => {
    expect(refusal(q)).toMatch(why);
  });

  it('leaves a score threshold to the threshold refusal', () => {
    expect(refusal('csat between 3 and 5 last week')).toMatch(/is a threshold/);
  });
});

describe('period words with two letters swapped', () => {
  it.each([
    ['lats month csi', 'csi', '2026-11-01..2026-11-30'],
    ['lats week handoffs', 'handoffs', '2026-11-30..2026-12-06'],
    ['handoff rate for stride lats week', 'handoffRate', '2026-11-30..2026-12-06'],
    ['lats month csat', 'csatScore', '2026-11-01..2026-11-30'],
    ['lats wk handoffs', 'handoffs', '2026-11-30..2026-12-06'],
    ['handoffs psat 7 days', 'handoffs', '2026-12-01..2026-12-07'],
    ['handoffs snice monday', 'handoffs', '2026-12-07..2026-12-07'],
    ['csat tihs month', 'csatScore', '2026-12-01..2026-12-07'],
    ['handoffs since lats monday', 'handoffs', '2026-11-30..2026-12-07'],
    ['handoffs the week beofre last', 'handoffs', '2026-11-23..2026-11-29'],
    ['sessions this yaer', 'sessions', '2026-01-01..2026-12-07'],
  ])('%s', (q, measure, period) => {
    const m = metric(q);
    expect(m.query.measure).toBe(measure);
    expect(span(m.query.period)).toBe(period);
    expect(m.remarks?.[0]).toMatch(/^Read "[a-z]+" as "[a-z]+"\.$/);
    expect(m.notApplied).toEqual([]);
  });
});

describe('two breakdowns, and the daily average abbreviated', () => {
  it.each(['csat by agent by week', 'csat per agent per week', 'handoffs by agent each month', 'csat by week by agent last month'])('%s is refused as two breakdowns', (q) => {
    expect(refusal(q)).toMatch(/one question gives one breakdown, and this one names 2/);
  });

  it.each([
    ['daily avg csat responses last month', 'csatResponses'],
    ['daily avg handoffs last month', 'handoffs'],
    ['avg daily handoffs last month', 'handoffs'],
    ['handoffs daily avg last month', 'handoffs'],
    ['handoffs a day on avg last month', 'handoffs'],
    ['avg. handoffs per day last month', 'handoffs'],
  ])('%s is the daily average', (q, measure) => {
    const m = metric(q);
    expect(m.query).toMatchObject({ measure, statistic: 'perDay' });
    expect(span(m.query.period)).toBe('2026-11-01..2026-11-30');
  });

  it.each(['daily avg?', 'avg per day?', 'and per day on average?'])('%s after a count is its daily average', (q) => {
    const first = ask('handoffs last week');
    expect(ask(q, first).metric?.query).toMatchObject({ measure: 'handoffs', statistic: 'perDay' });
  });
});
