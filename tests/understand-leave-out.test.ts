// Offline understanding (src/domain/semantic through understand()), round 10 of the outside probes:
// what is left out ("leaving aside", "barring", "leave Voltix out", "the ones that were grabbed by
// Fatima"), ", no X" (a correction only when it replaces something of its kind, else "without X"),
// and "needed a real person" in other words. Pure: a fixed clock, the vocabulary passed in.
import { describe, expect, it } from 'vitest';
import { understand, type Intent, type IntentContext } from '../src/domain/intents.ts';
import type { Filter } from '../src/domain/semantic/query.ts';

// A Monday: last week is 30 Nov – 6 Dec, last month November, yesterday Sunday 6 Dec.
const NOW = new Date('2026-12-07T12:00:00Z');
const ctx: IntentContext = {
  now: NOW,
  timeZone: 'UTC',
  pages: ['Voltix Electronics', 'Stride Shoes', 'Oakhaven Furniture'],
  agents: ['James Carter', 'Maria Lopez', 'Emma Novak', 'Fatima Zahra', 'Lucas Moreau', 'Noah Williams'],
  reviewers: ['Tomas Silva', 'Hannah Becker', 'Aiko Tanaka'],
  topics: ['complaint', 'shipping_question', 'return_request', 'price_inquiry', 'human_request', 'gratitude'],
};
const ask = (q: string, previous?: Intent) => understand(q, { ...ctx, ...(previous ? { previous } : {}) });
const q = (question: string, previous?: Intent) => {
  const i = ask(question, previous);
  expect(i.refusal, question).toBeUndefined();
  return i.metric!;
};
const out = (dimension: Filter['dimension'], ...values: string[]): Filter => ({ dimension, values, exclude: true });
const only = (dimension: Filter['dimension'], ...values: string[]): Filter => ({ dimension, values });
const LAST_WEEK = { from: '2026-11-30', to: '2026-12-06' };
const NOVEMBER = { from: '2026-11-01', to: '2026-11-30' };

describe('what is left out: the leave-out words, and "the ones <verb>ed by X" for any verb', () => {
  it('leaves the agent out, whichever leave-out word or verb is used (probe 23 W2, probe 24 W3)', () => {
    const rows: [string, Filter][] = [
      ['handoffs last week excluding the ones that were picked up by lucas', out('agent', 'Lucas Moreau')],
      ['handoffs last week not counting those that were picked up by lucas', out('agent', 'Lucas Moreau')],
      ['handoffs last week w/o the ones taken by emma', out('agent', 'Emma Novak')],
      ['handoffs last week without the ones taken by emma', out('agent', 'Emma Novak')],
      ['handoffs last month leaving aside those james took', out('agent', 'James Carter')],
      ['how many handoffs last week, ignoring the ones fatima handled', out('agent', 'Fatima Zahra')],
      ['csat last month ignoring james', out('agent', 'James Carter')],
      ['handoffs in october, leave out the ones noah picked up', out('agent', 'Noah Williams')],
      ['handoffs last month barring james', out('agent', 'James Carter')],
      ['handoffs last week setting aside those picked up by fatima', out('agent', 'Fatima Zahra')],
      ['handoffs last month minus the ones grabbed by fatima', out('agent', 'Fatima Zahra')],
      ['handoffs last month minus those taken by fatima', out('agent', 'Fatima Zahra')],
      ['handoffs last month, skipping the ones fatima took', out('agent', 'Fatima Zahra')],
      // variants of my own: other verbs, word orders, relative pronouns
      ['handoffs last week omitting the ones snagged by noah', out('agent', 'Noah Williams')],
      ['handoffs last month barring those claimed by fatima', out('agent', 'Fatima Zahra')],
      ['handoffs last week, not including the ones that got taken by maria', out('agent', 'Maria Lopez')],
      ['handoffs last week, apart from those which were grabbed by lucas', out('agent', 'Lucas Moreau')],
      ['csat last week except for those answered by james', out('agent', 'James Carter')],
      ['handoffs last week, minus whatever emma took', out('agent', 'Emma Novak')],
      ['handoffs last week that were not taken by james', out('agent', 'James Carter')],
      ['handoffs last week leaving james aside', out('agent', 'James Carter')],
      ['handoffs last week but leave james out', out('agent', 'James Carter')],
      ['csat last month, james excluded', out('agent', 'James Carter')],
    ];
    for (const [question, filter] of rows) expect(q(question).query.filters, question).toEqual([filter]);
  });

  it('leaves a page, a weekday or who replied out the same way', () => {
    expect(q('handoffs last week, leave out noah').query).toMatchObject({ measure: 'handoffs', period: LAST_WEEK, filters: [out('agent', 'Noah Williams')] });
    expect(q('handoffs last week leave out voltix').query.filters).toEqual([out('page', 'Voltix Electronics')]);
    expect(q('handoffs last week, leave voltix out').query.filters).toEqual([out('page', 'Voltix Electronics')]);
    expect(q('csi last month, leave out oakhaven').query).toMatchObject({ measure: 'csi', period: NOVEMBER, filters: [out('page', 'Oakhaven Furniture')] });
    expect(q('csat last month disregarding voltix').query.filters).toEqual([out('page', 'Voltix Electronics')]);
    expect(q('handoffs by page last week setting aside stride').query).toMatchObject({ groupBy: 'page', filters: [out('page', 'Stride Shoes')] });
    expect(q('handoffs last week excluding the ones that were picked up on voltix').query.filters).toEqual([out('page', 'Voltix Electronics')]);
    expect(q('handoffs last month barring weekends').query.filters).toEqual([only('weekday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday')]);
    expect(q('messages last week, leave the bot out').query.filters).toEqual([out('sender', 'bot')]);
    expect(q('messages last week ignoring bot messages').query.filters).toEqual([out('sender', 'bot')]);
    // and in a thread
    expect(q('and leave out james?', ask('handoffs last week')).query).toMatchObject({ measure: 'handoffs', period: LAST_WEEK, filters: [out('agent', 'James Carter')] });
  });

  it('"the ones who were handled by James" is no "who" question, and what was taken by someone stays theirs', () => {
    const who = q('handoffs last week excluding the ones who were handled by james').query;
    expect(who.groupBy).toBeUndefined();
    expect(who.filters).toEqual([out('agent', 'James Carter')]);
    expect(q('handoffs last week picked up by james').query.filters).toEqual([only('agent', 'James Carter')]);
    expect(q('handoffs taken by fatima last week excluding voltix').query.filters).toEqual(expect.arrayContaining([only('agent', 'Fatima Zahra'), out('page', 'Voltix Electronics')]));
  });
});
