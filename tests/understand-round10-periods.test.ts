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
    ['csat last month as well as october', /names two periods.*"last month vs October 2026"/],
    ['csat october / november', /names two periods/],
    ['csat last month & october', /names two periods/],
  ])('refuses plainly what it cannot join: %s', (q, why) => {
    expect(refusal(q)).toMatch(why);
  });
});
