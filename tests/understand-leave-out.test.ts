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
const OCTOBER = { from: '2026-10-01', to: '2026-10-31' };

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

describe('", no X": a correction only of something of its kind, else "without X"', () => {
  it('reads ", no bots" as without the bot, keeping the page and breakdown (probe 23 W1)', () => {
    expect(q('messages last week, by page, no bot messages').query).toMatchObject({ measure: 'messages', period: LAST_WEEK, groupBy: 'page', filters: [out('sender', 'bot')] });
    expect(q('messages yesterday, stride, no bots').query).toMatchObject({ measure: 'messages', period: { from: '2026-12-06', to: '2026-12-06' }, filters: [only('page', 'Stride Shoes'), out('sender', 'bot')] });
    expect(q('messages last week, no humans').query.filters).toEqual([out('sender', 'human_agent')]);
    expect(q('handoffs last week, no voltix').query.filters).toEqual([out('page', 'Voltix Electronics')]);
    // a condition, or a figure not split by who replied: refused, never the opposite figure
    expect(ask('sessions last week, voltix, no handoffs').refusal).toMatch(/is a condition/);
    expect(ask('sessions yesterday, no bot').refusal).toMatch(/not split by who replied, so I cannot leave out "bot"/);
    // "no rush" is chat, not a correction of Voltix
    expect(q('handoffs last week, voltix, no rush').query.filters).toEqual([only('page', 'Voltix Electronics')]);
  });

  it('reads a correction of the same kind without commas around a short part (probe 23 OVER-REFUSED)', () => {
    expect(q('csat for oakhaven last month, no sorry, stride').query).toMatchObject({ measure: 'csatScore', period: NOVEMBER, filters: [only('page', 'Stride Shoes')] });
    expect(q('handoff rate in october, no wait, november').query).toMatchObject({ measure: 'handoffRate', period: NOVEMBER });
    expect(q('csi for stride, no, for voltix, last month').query).toMatchObject({ measure: 'csi', period: NOVEMBER, filters: [only('page', 'Voltix Electronics')] });
    for (const question of ['handoffs by page last week - sorry i meant by agent', 'handoffs by page last week, no sorry, by agent']) {
      expect(q(question).query, question).toMatchObject({ measure: 'handoffs', period: LAST_WEEK, groupBy: 'agent', filters: [] });
    }
    for (const question of ['csat by page, no, by agent, last month', 'csat by page, no (sorry), by agent, last month']) {
      expect(q(question).query, question).toMatchObject({ measure: 'csatScore', period: NOVEMBER, groupBy: 'agent', filters: [] });
    }
    // variants of my own: an agent, a figure, a period counted back, an apology, a dotted pause
    expect(q('handoffs last week for james, no i meant emma').query.filters).toEqual([only('agent', 'Emma Novak')]);
    expect(q('csat last week, no sorry, csi').query).toMatchObject({ measure: 'csi', period: LAST_WEEK });
    expect(q('handoffs last week, no, the week before').query.period).toMatchObject({ from: '2026-11-23', to: '2026-11-29' });
    expect(q('handoffs in october... sorry, november').query.period).toMatchObject(NOVEMBER);
    expect(q('handoffs for voltix last week, sorry, stride').query.filters).toEqual([only('page', 'Stride Shoes')]);
    expect(q('csat last week, sorry, for james').query.filters).toEqual([only('agent', 'James Carter')]);
    expect(q('handoffs by agent, no wait, by page, in october').query).toMatchObject({ groupBy: 'page', period: OCTOBER });
  });

  it('refuses a correction whose target is not clear, naming it', () => {
    expect(ask('handoffs for voltix last week, no sorry, james').refusal).toMatch(/could not tell what "no sorry, james" corrects/);
    expect(ask('csi last week, no sorry, voltix').refusal).toMatch(/could not tell what "no sorry, voltix" corrects/);
  });
});

describe('"needed a real person" in other words: the handoff rate as a share of sessions, handoffs as a count', () => {
  it('reads any article and up to two adjectives before the person, after any of the verbs (probe 23 W5, OVER-REFUSED, MIS-BLAMED)', () => {
    const voltix = [only('page', 'Voltix Electronics')];
    const stride = [only('page', 'Stride Shoes')];
    const rates: [string, object][] = [
      ['what % of voltix sessions ended up with an actual human last week', { period: LAST_WEEK, filters: voltix }],
      ['share of voltix sessions that a live human had to handle last week', { period: LAST_WEEK, filters: voltix }],
      ['share of voltix sessions a human had to handle last week', { period: LAST_WEEK, filters: voltix }],
      ['share of sessions that went to a live agent in october', { period: OCTOBER, filters: [] }],
      ['share of sessions that went to a real agent in october', { period: OCTOBER, filters: [] }],
      ['what portion of sessions required an actual live person last month', { period: NOVEMBER, filters: [] }],
      ['what % of sessions got escalated to a real human in november', { period: NOVEMBER, filters: [] }],
      ['% of stride sessions that got passed to a real person last month', { period: NOVEMBER, filters: stride }],
      ['% of stride sessions passed to a live agent last month', { period: NOVEMBER, filters: stride }],
      ['what share of sessions were handed over to a real live rep last week', { period: LAST_WEEK, filters: [] }],
      ['share of stride sessions transferred to a human agent last month', { period: NOVEMBER, filters: stride }],
    ];
    for (const [question, query] of rates) expect(q(question).query, question).toMatchObject({ measure: 'handoffRate', ...query });
    for (const question of ['how many sessions needed a proper human last week', 'how many sessions ended up with a flesh-and-blood agent last week', 'how many sessions were escalated to a real human last week']) {
      expect(q(question).query, question).toMatchObject({ measure: 'handoffs', period: LAST_WEEK, filters: [] });
    }
    // variants of my own: the person as the subject, a question, help named
    expect(q('what % of sessions did a live agent take over last week').query).toMatchObject({ measure: 'handoffRate', period: LAST_WEEK });
    expect(q('sessions where a real person stepped in last week').query).toMatchObject({ measure: 'handoffs', period: LAST_WEEK });
    expect(q('share of sessions bumped up to an actual person last month').query).toMatchObject({ measure: 'handoffRate', period: NOVEMBER });
    expect(q('sessions needing human help last week').notApplied).toEqual([]);
    // "which agent took over the most handoffs" ranks the agents: no article, no "a person" phrase
    expect(q('which agent took over the most handoffs last week').query).toMatchObject({ measure: 'handoffs', groupBy: 'agent', order: 'desc' });
  });

  it('keeps "never needed a real person" the bot\'s containment, and a figure over such sessions a condition', () => {
    expect(q('share of sessions that never needed a real person last month').query.measure).toBe('containment');
    expect(q('share of sessions that never reached an actual human last month').query.measure).toBe('containment');
    expect(ask('csat for sessions that needed a real person last month').refusal).toMatch(/is a condition/);
    expect(ask("sessions that didn't need a real person last week").kind).toBe('refuse');
  });
});
