// Threads of the offline assistant (src/domain/semantic through understand()): places after a
// ranking ("and number two?", "who's last?", "and after that?"), a follow-up switching to another
// figure of the same family ("and the response rate?" after a CSAT score), and the thread's
// periods kept ("which page is worst on effort", "vs same days last month", "which page dropped
// most?" after "and the week before?"). Pure: a fixed clock, names passed in as the vocabulary.
import { describe, expect, it } from 'vitest';
import { understand, type Intent, type IntentContext } from '../src/domain/intents.ts';
import { metricAnswer } from '../src/domain/semantic/answer.ts';
import { measureByName } from '../src/domain/semantic/catalogue.ts';
import type { MetricQuery } from '../src/domain/semantic/query.ts';

// A Monday, 12:00 UTC: last week = Mon 30 Nov – Sun 6 Dec, last month = November.
const NOW = new Date('2026-12-07T12:00:00Z');
const ctx: IntentContext = {
  now: NOW,
  timeZone: 'UTC',
  pages: ['Voltix Electronics', 'Stride Shoes', 'Oakhaven Furniture'],
  agents: ['James Carter', 'Maria Lopez', 'Emma Novak', 'Fatima Zahra', 'Lucas Moreau', 'Noah Williams'],
  reviewers: ['Tomas Silva', 'Hannah Becker', 'Aiko Tanaka'],
  topics: ['complaint', 'shipping_question', 'return_request', 'price_inquiry', 'general_inquiry'],
  qaCategories: ['Tone', 'Policy', 'Accuracy', 'Resolution'],
};

/** Each question in turn, each following the one before; the last intent. */
function thread(...questions: string[]): Intent {
  let previous: Intent | undefined;
  for (const q of questions) previous = understand(q, { ...ctx, ...(previous ? { previous } : {}) });
  return previous!;
}

/** The slots a thread's last question read as (the period as from..to). */
function slots(i: Intent) {
  expect(i.refusal).toBeUndefined();
  const m = i.metric!;
  const q: MetricQuery = m.query;
  return {
    measure: q.measure, groupBy: q.groupBy, order: q.order, filters: q.filters, statistic: q.statistic,
    period: q.period ? `${q.period.from}..${q.period.to}` : undefined, compareTo: q.compareTo ? `${q.compareTo.from}..${q.compareTo.to}` : undefined,
    winner: m.winner, place: m.place,
  };
}

const NOVEMBER = '2026-11-01..2026-11-30';
const LAST_WEEK = '2026-11-30..2026-12-06';
const WEEK_BEFORE = '2026-11-23..2026-11-29';

describe('a place after a ranking', () => {
  it.each([
    ['and number two?', 2], ['and number 2?', 2], ['#2', 2], ['and #2?', 2], ['number three', 3], ['and sixth?', 6], ['6th', 6],
    ['ok and 3rd place', 3], ['the 4th one?', 4], ['who is number six?', 6], ['and tenth?', 10], ['#7?', 7],
  ] as const)('"%s" after CSAT by agent is that row of the table as shown', (question, place) => {
    expect(slots(thread('csat by agent last month', question))).toMatchObject({ measure: 'csatScore', groupBy: 'agent', order: 'desc', place, period: NOVEMBER });
  });

  it('"who came sixth?" after handoffs by agent is the sixth most, not a note that "sixth" was not read', () => {
    const i = thread('handoffs by agent last week', 'who came sixth?');
    expect(slots(i)).toMatchObject({ measure: 'handoffs', order: 'desc', place: 6 });
    expect(i.metric!.notApplied).toEqual([]);
  });

  it.each(['and the last one?', "who's last?", 'in last place?', "who's in last place?", 'which agent came last?', 'and the very last?'])(
    '"%s" is the last row of the table as shown: the fewest handoffs, the lowest CSAT',
    (question) => {
      expect(slots(thread('handoffs by agent last week', question))).toMatchObject({ measure: 'handoffs', groupBy: 'agent', order: 'asc', period: LAST_WEEK, winner: expect.stringMatching(/^(?:fewest|lowest|bottom)$/) });
      expect(slots(thread('csat by agent last month', question))).toMatchObject({ measure: 'csatScore', order: 'asc', period: NOVEMBER, winner: expect.stringMatching(/^(?:lowest|bottom|worst)$/) });
    },
  );

  it('"who\'s last?" after "who\'s slowest?" is the fastest', () => {
    expect(slots(thread('handling time by agent last month', "who's slowest?", "who's last?"))).toMatchObject({ order: 'asc', winner: 'fastest' });
  });

  it.each(['and after that?', 'and the next one?', "who's next?", 'next?', 'and the one after that?'])('"%s" is the place after the one named before, the same way round', (question) => {
    expect(slots(thread('csat by agent in october', 'and the runner up?', question))).toMatchObject({ order: 'desc', place: 3, period: '2026-10-01..2026-10-31' });
    expect(slots(thread('csi by agent last month', 'worst?', 'and second?', question))).toMatchObject({ order: 'asc', winner: 'worst', place: 3 });
  });

  it('"and the runner-up?" after "who\'s slowest?" is the second slowest, not the second best', () => {
    expect(slots(thread('handling time by agent last month', "who's slowest?", 'and the runner-up?'))).toMatchObject({ order: 'desc', winner: 'slowest', place: 2 });
    expect(slots(thread('csat by agent in october', "who's worst?", "and who's third?"))).toMatchObject({ order: 'asc', winner: 'worst', place: 3 });
  });

  it('"2nd" and "3rd" after "fastest" are labelled fastest, not "highest"', () => {
    const second = thread('median first response by agent last week', 'fastest?', 'and 2nd place?');
    expect(slots(second)).toMatchObject({ order: 'asc', winner: 'fastest', place: 2 });
    const m = second.metric!;
    const measure = measureByName(m.query.measure)!;
    const rows = [['Emma Novak', 900], ['Lucas Moreau', 1013], ['James Carter', 1200]].map(([key, value]) => ({ key: key as string, value: value as number, base: 10, display: `${value} s` }));
    const text = metricAnswer({ measure, query: { ...m.query, filters: m.query.filters ?? [] } as Parameters<typeof metricAnswer>[0]['query'], figure: 'median human first response time', rows, timeZone: 'UTC', today: '2026-12-07', winner: m.winner!, place: m.place! });
    expect(text.split('\n')[0]).toMatch(/^Second fastest agent by median human first response time.*: Lucas Moreau, 1013 s$/);
    expect(slots(thread('median first response by agent last week', 'fastest?', 'and 2nd place?', 'and 3rd?'))).toMatchObject({ order: 'asc', winner: 'fastest', place: 3 });
  });

  it.each([
    ['voltix conversations by day this month', 'busiest one?', 'busiest', 'desc'],
    ['handling time by agent last month', 'slowest?', 'slowest', 'desc'],
    ['median first response by agent last week', 'fastest?', 'fastest', 'asc'],
    ['handling time by agent last month', 'lowest?', 'lowest', 'asc'],
    ['csi by page yesterday', 'ok and the worst?', 'worst', 'asc'],
  ] as const)('a bare superlative after "%s" ("%s") names the winner', (first, question, winner, order) => {
    expect(slots(thread(first, question))).toMatchObject({ winner, order });
  });

  it('places past the fifth are read in a question of their own too', () => {
    expect(slots(thread('who came sixth in csat last month'))).toMatchObject({ measure: 'csatScore', groupBy: 'agent', place: 6, order: 'desc' });
    expect(slots(thread('the 8th best agent for csi last month'))).toMatchObject({ measure: 'csi', groupBy: 'agent', place: 8, order: 'desc' });
  });

  it('"who came in 3rd" is a place, not the 3rd of a month', () => {
    expect(slots(thread('csi by agent last month', 'who came in 3rd'))).toMatchObject({ measure: 'csi', place: 3, period: NOVEMBER });
    expect(slots(thread('who came in 3rd for csat last month'))).toMatchObject({ measure: 'csatScore', groupBy: 'agent', place: 3, period: NOVEMBER });
  });

  it('keeps "#2" alone a conversation when no ranking came before', () => {
    expect(thread('#2').kind).toBe('conversation');
    expect(thread('csat last month', '#2').kind).toBe('conversation');
  });
});

describe('a follow-up switching to another figure of the same family', () => {
  it.each(['and the response rate?', 'response rate?', 'what about response rate', 'and his response rate?'])('"%s" after a CSAT score is the CSAT response rate, the agent kept', (question) => {
    expect(slots(thread('csat for emma since 1 nov', question))).toMatchObject({ measure: 'csatResponseRate', filters: [{ dimension: 'agent', values: ['Emma Novak'] }], period: '2026-11-01..2026-12-07' });
  });

  it('"and their response rates?" after two agents compared keeps both', () => {
    expect(slots(thread('csat james vs fatima since 1 nov', 'and their response rates?'))).toMatchObject({ measure: 'csatResponseRate', groupBy: 'agent' });
  });

  it('"and the score?" after a CSAT response rate is the CSAT score', () => {
    expect(slots(thread('csat response rate by page last month', 'and the score?'))).toMatchObject({ measure: 'csatScore', groupBy: 'page', period: NOVEMBER });
  });

  it.each(['how long did they take to resolve on average?', 'and how long did they take on avg', 'and the average time to resolve them?', 'and the resolution time?'])(
    '"%s" after handoff cases closed is the time to resolve a handoff',
    (question) => {
      expect(slots(thread('how many handoff cases did james close last week', question))).toMatchObject({ measure: 'handoffResolveTime', filters: [{ dimension: 'agent', values: ['James Carter'] }], period: LAST_WEEK });
    },
  );

  it.each(['and the success rate?', 'success rate?', 'what about the success rate'])('"%s" after template uses is the template success rate, with nothing left unread', (question) => {
    const i = thread('template uses by page', question);
    expect(slots(i)).toMatchObject({ measure: 'templateSuccess', groupBy: 'page' });
    expect(i.metric!.notApplied).toEqual([]);
  });

  it.each(['and accuracy?', 'now accuracy', 'accuracy instead', 'and the accuracy category?'])('"%s" after the Tone category is the Accuracy category, the breakdown and period kept', (question) => {
    expect(slots(thread('tone category score by reviewer last month', question))).toMatchObject({
      measure: 'qaCategoryScore', groupBy: 'reviewer', period: NOVEMBER, filters: [{ dimension: 'qa_category', values: ['Accuracy'] }],
    });
  });

  it('"and accuracy?" after the QA score is the Accuracy category score', () => {
    expect(slots(thread('qa score last month', 'and accuracy?'))).toMatchObject({ measure: 'qaCategoryScore', period: NOVEMBER, filters: [{ dimension: 'qa_category', values: ['Accuracy'] }] });
  });

  it('"rate?" alone after a count of handoffs is the handoff rate, as "and the rate?"', () => {
    expect(slots(thread('handoffs last week', 'rate?'))).toMatchObject({ measure: 'handoffRate', period: LAST_WEEK });
  });

  it.each(['and the median?', 'the average?', 'what about p90?'])('"%s" opening a thread asks which figure', (question) => {
    expect(thread(question).refusal).toMatch(/^Which figure do you mean\?/);
  });
});

describe('the thread\'s periods', () => {
  it('"which page is worst on effort" in a thread on the last 30 days keeps that period, and says so', () => {
    const i = thread('empathy by page last 30 days', 'effort', 'which page is worst on effort');
    expect(slots(i)).toMatchObject({ measure: 'effort', groupBy: 'page', order: 'asc', period: '2026-11-08..2026-12-07', winner: 'worst' });
    expect(i.metric!.periodDefaulted).toBe(false);
    expect(i.metric!.remarks?.join(' ')).toMatch(/keeps the period of the question before/);
    expect(slots(thread('effort by page last 30 days', 'worst page for effort?'))).toMatchObject({ period: '2026-11-08..2026-12-07', winner: 'worst' });
  });

  it('a figure from other data still starts afresh with the default period', () => {
    expect(thread('csi last week', 'response times').metric!.periodDefaulted).toBe(true);
  });

  it.each(['vs same days last month?', 'compared to the same days of last month', 'and against the same dates the previous month?'])('"%s" compares the thread\'s days with the same days last month', (question) => {
    expect(slots(thread('voltix convos this month so far', question))).toMatchObject({ measure: 'conversations', period: '2026-12-01..2026-12-07', compareTo: '2026-11-01..2026-11-07' });
  });

  it('"vs weekdays" after a question on weekends only shows both halves, weekday by weekday', () => {
    expect(slots(thread('handoffs per day on average in november', 'on weekends only', 'vs weekdays'))).toMatchObject({ measure: 'handoffs', statistic: 'perDay', groupBy: 'weekday', filters: [], period: NOVEMBER });
    expect(slots(thread('csi last month on weekdays', 'compared to weekends?'))).toMatchObject({ groupBy: 'weekday', filters: [] });
  });

  it('"as a share of all customer msgs?" after complaints by page is refused plainly, not given as each page\'s part of the complaints', () => {
    expect(thread('complaints last week by page', 'which page had the most', 'and as a share of all customer msgs?').refusal).toMatch(/complaint as a share of each page's customer messages is not a figure I give/);
    expect(thread('complaints by page last week as a share of customer messages').refusal).toMatch(/not a figure I give/);
    // each page's part of all complaints is still that
    expect(slots(thread('share of complaints by page last week'))).toMatchObject({ statistic: 'share', groupBy: 'page' });
  });

  it('"which page dropped most?" after "and the week before?" compares the two weeks the thread named', () => {
    expect(slots(thread('csi by page last week', 'and the week before?', 'which page dropped most?'))).toMatchObject({ period: LAST_WEEK, compareTo: WEEK_BEFORE });
    expect(slots(thread('csi by page last week', 'which page dropped most?'))).toMatchObject({ period: LAST_WEEK, compareTo: WEEK_BEFORE });
  });

  it.each(['which page dropped most vs the week before?', 'which page dropped most from the week before to last week?'])('"%s" in a thread is the change of the figure before', (question) => {
    const i = thread('csi by page last week', question);
    expect(slots(i)).toMatchObject({ measure: 'csi', groupBy: 'page', period: LAST_WEEK, compareTo: WEEK_BEFORE });
    expect(i.metric!.change).toMatchObject({ wanted: 'down' });
  });
});
