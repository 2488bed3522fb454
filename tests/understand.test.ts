// Offline understanding of catalogue questions (src/domain/semantic/understand.ts through
// understand()): each question must read as exactly these MetricQuery slots, or be refused.
// Pure: a fixed clock, names passed in as the vocabulary the assistant loads.
import { describe, expect, it } from 'vitest';
import { understand, type Intent, type IntentContext } from '../src/domain/intents.ts';
import { parsePeriod, previousPeriod, shiftBack, type Period } from '../src/domain/periods.ts';
import type { Filter, MetricQuery } from '../src/domain/semantic/query.ts';
import { MEASURES } from '../src/domain/semantic/catalogue.ts';
import type { MetricIntent } from '../src/domain/semantic/understand.ts';
import { nameLost } from '../src/domain/semantic/refusals.ts';

// A Wednesday; 11:00 in Berlin.
const NOW = new Date('2026-11-18T10:00:00Z');
const TZ = 'Europe/Berlin';
const ctx: IntentContext = {
  now: NOW,
  timeZone: TZ,
  pages: ['Acme Home', 'Acme Outlet', 'Stride Shoes', 'Voltix'],
  agents: ['Maria Lopez', 'James Carter', 'Maria Chen', 'Emma Novak'],
  reviewers: ['Olga Berg', 'Sam Quinn'],
  topics: ['complaint', 'shipping_question', 'return_request', 'price_inquiry', 'availability_check', 'account_issue', 'human_request', 'general_inquiry'],
};
const ask = (q: string, previous?: Intent) => understand(q, { ...ctx, ...(previous ? { previous } : {}) });

const period = (text: string, previous?: Period): Period => {
  const p = parsePeriod(text, NOW, TZ, previous);
  if (!p) throw new Error(`no period in "${text}"`);
  return p;
};
const days = (p: Period) => ({ from: p.from, to: p.to, label: p.label });
const TODAY = '2026-11-18';
/** The query's period: a period still running is counted to today and labelled "so far". */
const asked = (p: Period) => (p.from <= TODAY && p.to > TODAY ? { from: p.from, to: TODAY, label: expect.stringMatching(/ so far \(/) as string } : days(p));

/** Slots as written in the table: the period as words (none = the default, said so), the rest as in MetricQuery. */
interface Slots extends Omit<Partial<MetricQuery>, 'period' | 'compareTo'> {
  measure: string;
  period?: string;
  /** a period phrase, or 'before' for the period before */
  compareTo?: string;
}

function expected(s: Slots, more: Partial<MetricIntent> = {}): MetricIntent {
  const { measure, period: words, compareTo, filters, ...rest } = s;
  const p = period(words ?? 'last 7 days');
  const c = compareTo === 'before' ? previousPeriod(p) : compareTo ? period(compareTo, p) : undefined;
  const query: MetricQuery = { measure, period: asked(p), filters: filters ?? [], ...rest, ...(c ? { compareTo: days(c) } : {}) };
  return { query, period: p, notApplied: [], periodDefaulted: words === undefined, chart: false, ...more };
}

const f = (dimension: Filter['dimension'], ...values: string[]): Filter[] => [{ dimension, values }];

type Row = [question: string, slots: Slots, more?: Partial<MetricIntent>];

function check([question, slots, more]: Row, previous?: Intent): void {
  const i = ask(question, previous);
  expect(i.refusal).toBeUndefined();
  expect(i.metric).toEqual(expected(slots, more));
}

describe('measures and their synonyms', () => {
  const rows: Row[] = [
    ['average empathy last month', { measure: 'empathy', statistic: 'mean', period: 'last month' }],
    ['effort pillar this week', { measure: 'effort', period: 'this week' }],
    ['efficiency by page last week', { measure: 'efficiency', groupBy: 'page', period: 'last week' }],
    ['effectiveness trend this month', { measure: 'effectiveness', groupBy: 'day', period: 'this month' }],
    ['median sentiment last week', { measure: 'sentimentScore', statistic: 'median', period: 'last week' }],
    ['mood swings last week', { measure: 'sentimentShift', period: 'last week' }],
    ['first contact resolution this month', { measure: 'fcrScore', period: 'this month' }],
    ['customer effort score last week', { measure: 'ces', period: 'last week' }],
    ['resolution score by page last month', { measure: 'resolutionAchieved', groupBy: 'page', period: 'last month' }],
    ['how long did it take to resolve issues last month', { measure: 'resolutionTime', period: 'last month' }],
    ['median resolution time last week', { measure: 'resolutionTime', statistic: 'median', period: 'last week' }],
    ['average handling time last week', { measure: 'totalHandlingTime', statistic: 'mean', period: 'last week' }],
    ['total handling time by agent last week', { measure: 'totalHandlingTime', statistic: 'sum', groupBy: 'agent', period: 'last week' }],
    ['human first response time last week', { measure: 'humanFirstResponse', period: 'last week' }],
    ['bot first response time this month', { measure: 'botFirstResponse', period: 'this month' }],
    ['how long do customers wait for a human last week', { measure: 'handoffWait', period: 'last week' }],
    ['how long did customers wait for a human reply last week', { measure: 'humanResponseTime', period: 'last week' }],
    ['response time of the bot last week', { measure: 'responseTime', filters: f('sender', 'bot'), period: 'last week' }],
    ['how many customer messages last week', { measure: 'customerMessages', statistic: 'count', period: 'last week' }],
    ['how many messages did the bot send last week', { measure: 'messages', statistic: 'count', filters: f('sender', 'bot'), period: 'last week' }],
    ['how many human messages last week', { measure: 'messages', statistic: 'count', filters: f('sender', 'human_agent'), period: 'last week' }],
    ['conversation-days last month', { measure: 'conversationDays', period: 'last month' }],
    ['how many sessions last week', { measure: 'sessions', statistic: 'count', period: 'last week' }],
    ['how many escalations yesterday', { measure: 'handoffs', statistic: 'count', period: 'yesterday' }],
    ['deflection rate last month', { measure: 'containment', period: 'last month' }],
    ['QA issue rate last month', { measure: 'issueRate', period: 'last month' }],
    ['QA changes by reviewer this month', { measure: 'reviews', groupBy: 'reviewer', period: 'this month' }],
    // the review as an act in the period, whenever the sessions started
    ['how many sessions passed QA last week', { measure: 'reviewedSessions', statistic: 'count', filters: f('qa_state', 'passed'), period: 'last week' }],
    ['how many sessions were reviewed last week', { measure: 'reviewedSessions', statistic: 'count', filters: f('qa_state', 'passed', 'issue'), period: 'last week' }],
    ['sessions flagged as issue last month', { measure: 'reviewedSessions', filters: f('qa_state', 'issue'), period: 'last month' }],
    // the state sessions that started then are in now
    ['how many passed sessions last week', { measure: 'qaSessions', statistic: 'count', filters: f('qa_state', 'passed'), period: 'last week' }],
    ['how many sessions from last week are passed', { measure: 'qaSessions', statistic: 'count', filters: f('qa_state', 'passed'), period: 'last week' }],
    ['sessions by QA state last week', { measure: 'qaSessions', groupBy: 'qa_state', period: 'last week' }],
    ['how many shipping questions yesterday', { measure: 'customerMessages', statistic: 'count', filters: f('topic', 'shipping_question'), period: 'yesterday' }],
    ['complaints by page last week', { measure: 'customerMessages', groupBy: 'page', filters: f('topic', 'complaint'), period: 'last week' }],
    ['How quickly does the bot answer?', { measure: 'responseTime', filters: f('sender', 'bot') }],
    ['What percentage of sessions were handed to a human last week?', { measure: 'handoffRate', statistic: 'rate', period: 'last week' }],
    ['how many fixes last month', { measure: 'reviews', statistic: 'count', filters: f('qa_state', 'fixed'), period: 'last month' }],
  ];
  it.each(rows)('%s', (...row) => check(row));
});

describe('every measure in the catalogue can be asked for', () => {
  const EXAMPLES: Record<string, string> = {
    csi: 'CSI last week',
    effectiveness: 'effectiveness last week',
    effort: 'effort last week',
    efficiency: 'efficiency last week',
    empathy: 'empathy last week',
    sentimentScore: 'customer sentiment last week',
    sentimentShift: 'sentiment shift last week',
    resolutionAchieved: 'resolution last week',
    fcrScore: 'FCR last week',
    ces: 'CES last week',
    firstResponseTime: 'CSI first response time last week',
    avgResponseTime: 'average response time per conversation-day last week',
    totalHandlingTime: 'handling time last week',
    conversationDays: 'conversation-days last week',
    responseTime: 'response time last week',
    humanResponseTime: 'human response time last week',
    firstResponse: 'first response time last week',
    humanFirstResponse: 'first response time of agents last week',
    botFirstResponse: 'first reply by the bot last week',
    resolutionTime: 'time to resolve last week',
    messages: 'messages last week',
    customerMessages: 'inbound messages last week',
    conversations: 'chats last week',
    handoffs: 'escalations last week',
    sessions: 'sessions last week',
    handoffRate: 'escalation rate last week',
    containment: 'containment last week',
    qaSessions: 'sessions by QA state last week',
    reviewedSessions: 'sessions that passed QA last week',
    csatSurveys: 'how many csat surveys were sent last week',
    handoffsClosed: 'how many handoff cases were closed last week',
    issueRate: 'issue rate last week',
    reviewCoverage: 'what share of sessions were reviewed last week',
    reviews: 'QA work last week',
    scorecardReviews: 'scorecard reviews last week',
    qaScore: 'average QA score last week',
    qaCategoryScore: 'QA category scores by QA category last week',
    reviewerAlignment: 'reviewer alignment by reviewer last month',
    handoffWait: 'human wait after handoff last week',
    handoffsWaiting: 'handoffs waiting right now',
    handoffsAssigned: 'how many handoffs are assigned',
    handoffResolveTime: 'time to resolve a handoff by agent last month',
    templateUses: 'how many times were templates used',
    templateSuccess: 'template success rate',
    csatScore: 'CSAT last week',
    csatSatisfied: 'share of satisfied customers last week',
    csatResponseRate: 'CSAT response rate last week',
    csatResponses: 'how many CSAT responses last week',
  };

  it('has an example for each measure', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(MEASURES.map((m) => m.name).sort());
  });

  it.each(Object.entries(EXAMPLES))('%s ← "%s"', (measure, question) => {
    expect(ask(question).metric?.query.measure).toBe(measure);
  });
});

describe('statistics', () => {
  const rows: Row[] = [
    ['mean CSI last week', { measure: 'csi', statistic: 'mean', period: 'last week' }],
    ['median CSI by page last month', { measure: 'csi', statistic: 'median', groupBy: 'page', period: 'last month' }],
    ['typical response time this week', { measure: 'responseTime', statistic: 'median', period: 'this week' }],
    ['p90 response time this week', { measure: 'responseTime', statistic: 'p90', period: 'this week' }],
    ['90th percentile first response time last week', { measure: 'firstResponse', statistic: 'p90', period: 'last week' }],
    ['minimum response time yesterday', { measure: 'responseTime', statistic: 'min', period: 'yesterday' }],
    ['max response time yesterday', { measure: 'responseTime', statistic: 'max', period: 'yesterday' }],
    ['highest CSI last week', { measure: 'csi', statistic: 'max', period: 'last week' }],
    ['lowest sentiment yesterday', { measure: 'sentimentScore', statistic: 'min', period: 'yesterday' }],
    ['total messages last week', { measure: 'messages', statistic: 'count', period: 'last week' }],
    ['number of sessions this month', { measure: 'sessions', statistic: 'count', period: 'this month' }],
    ['share of messages by page last week', { measure: 'messages', statistic: 'share', groupBy: 'page', period: 'last week' }],
    ['percentage of customer messages by topic last week', { measure: 'customerMessages', statistic: 'share', groupBy: 'topic', period: 'last week' }],
    ['share of handoffs by page last week', { measure: 'handoffs', statistic: 'share', groupBy: 'page', period: 'last week' }],
  ];
  it.each(rows)('%s', (...row) => check(row));
});

describe('dimensions', () => {
  const rows: Row[] = [
    ['handoffs by hour of day last week', { measure: 'handoffs', groupBy: 'hour', period: 'last week' }],
    ['handoffs by agent last week', { measure: 'handoffs', groupBy: 'agent', period: 'last week' }],
    ['messages by day of the week last month', { measure: 'messages', groupBy: 'weekday', period: 'last month' }],
    ['conversations per weekday last month', { measure: 'conversations', groupBy: 'weekday', period: 'last month' }],
    ['customer messages per topic this month', { measure: 'customerMessages', groupBy: 'topic', period: 'this month' }],
    ['empathy by agent last month', { measure: 'empathy', groupBy: 'agent', period: 'last month' }],
    ['issue rate by reviewer last month', { measure: 'issueRate', groupBy: 'reviewer', period: 'last month' }],
    ['reviews per reviewer last week', { measure: 'reviews', groupBy: 'reviewer', period: 'last week' }],
    ['sessions by hour of day this week', { measure: 'sessions', groupBy: 'hour', period: 'this week' }],
    ['containment by page last month', { measure: 'containment', groupBy: 'page', period: 'last month' }],
    ['weekly CSI this quarter', { measure: 'csi', groupBy: 'week', period: 'this quarter' }],
    ['monthly messages this year', { measure: 'messages', groupBy: 'month', period: 'this year' }],
    ['conversations by page in Q3', { measure: 'conversations', groupBy: 'page', period: 'Q3' }],
    ['customer messages on weekends last month', { measure: 'customerMessages', filters: f('weekday', 'Saturday', 'Sunday'), period: 'last month' }],
  ];
  it.each(rows)('%s', (...row) => check(row));
});

describe('rankings: best, worst, most, top N, which', () => {
  const rows: Row[] = [
    ['which page has the best CSI this month', { measure: 'csi', groupBy: 'page', order: 'desc', limit: 5, period: 'this month' }, { winner: 'best' }],
    ['which page had the worst CSI last month', { measure: 'csi', groupBy: 'page', order: 'asc', limit: 5, period: 'last month' }, { winner: 'worst' }],
    ['best pages by CSI this month', { measure: 'csi', groupBy: 'page', order: 'desc', limit: 5, period: 'this month' }],
    ['worst agent by CSI last month', { measure: 'csi', groupBy: 'agent', order: 'asc', limit: 5, period: 'last month' }, { winner: 'worst' }],
    ['fastest agents last week', { measure: 'humanResponseTime', groupBy: 'agent', order: 'asc', limit: 5, period: 'last week' }],
    ['top 3 agents by CSI this month', { measure: 'csi', groupBy: 'agent', order: 'desc', limit: 3, period: 'this month' }],
    ['2 best agents by empathy this month', { measure: 'empathy', groupBy: 'agent', order: 'desc', limit: 2, period: 'this month' }],
    ['3 worst pages by resolution last month', { measure: 'resolutionAchieved', groupBy: 'page', order: 'asc', limit: 3, period: 'last month' }],
    ['which agent handled the most conversations last week', { measure: 'conversations', groupBy: 'agent', order: 'desc', limit: 5, period: 'last week' }, { winner: 'most' }],
    ['which reviewer did the most reviews last month', { measure: 'reviews', groupBy: 'reviewer', order: 'desc', limit: 5, period: 'last month' }, { winner: 'most' }],
    ['which hour is busiest for messages last week', { measure: 'messages', groupBy: 'hour', order: 'desc', limit: 5, period: 'last week' }, { winner: 'busiest' }],
    ['which weekday had the most handoffs last month', { measure: 'handoffs', groupBy: 'weekday', order: 'desc', limit: 5, period: 'last month' }, { winner: 'most' }],
    ['least busy weekday for messages last month', { measure: 'messages', groupBy: 'weekday', order: 'asc', limit: 5, period: 'last month' }, { winner: 'least busy' }],
    ['which day had the most conversations last week', { measure: 'conversations', groupBy: 'day', order: 'desc', limit: 5, period: 'last week' }, { winner: 'most' }],
    ['What time of day do we get the most messages?', { measure: 'messages', groupBy: 'hour', order: 'desc', limit: 5 }, { winner: 'most' }],
    ['Which reviewer flagged the most issues last month?', { measure: 'reviews', groupBy: 'reviewer', order: 'desc', limit: 5, filters: f('qa_state', 'issue'), period: 'last month' }, { winner: 'most' }],
    ['top topics for Voltix this month', { measure: 'customerMessages', groupBy: 'topic', order: 'desc', limit: 5, filters: f('page', 'Voltix'), period: 'this month' }],
  ];
  it.each(rows)('%s', (...row) => check(row));
});

describe('filters and comparisons', () => {
  const rows: Row[] = [
    ['CSI for Voltix last week', { measure: 'csi', filters: f('page', 'Voltix'), period: 'last week' }],
    ['response time for Emma Novak last week', { measure: 'responseTime', filters: f('agent', 'Emma Novak'), period: 'last week' }],
    ['how many reviews did Sam Quinn do last week', { measure: 'reviews', statistic: 'count', filters: f('reviewer', 'Sam Quinn'), period: 'last week' }],
    ['how many messages about human requests last week', { measure: 'customerMessages', statistic: 'count', filters: f('topic', 'human_request'), period: 'last week' }],
    ['how many messages about shipping last week', { measure: 'customerMessages', statistic: 'count', filters: f('topic', 'shipping_question'), period: 'last week' }],
    ['how many conversations did Voltix have yesterday', { measure: 'conversations', statistic: 'count', filters: f('page', 'Voltix'), period: 'yesterday' }],
    ['resolution time for Voltix last month', { measure: 'resolutionTime', filters: f('page', 'Voltix'), period: 'last month' }],
    ['Voltix vs Stride Shoes CSI last month', { measure: 'csi', groupBy: 'page', filters: f('page', 'Stride Shoes', 'Voltix'), period: 'last month' }],
    ['handoff rate for Voltix versus Acme Home last week', { measure: 'handoffRate', groupBy: 'page', filters: f('page', 'Acme Home', 'Voltix'), period: 'last week' }],
    ['CSI for James Carter vs Emma Novak last month', { measure: 'csi', groupBy: 'agent', filters: f('agent', 'James Carter', 'Emma Novak'), period: 'last month' }],
    ['Is CSI better on Voltix or Stride Shoes?', { measure: 'csi', groupBy: 'page', filters: f('page', 'Stride Shoes', 'Voltix') }],
    // a running period is compared whole with the one before, and the answer says so
    ['CSI this week vs last week', { measure: 'csi', period: 'this week', compareTo: 'last week' }, { remarks: ['This week is still running: its figure covers its first 3 days, against all 7 days of last week.'] }],
    ['handoff rate this month compared to last month', { measure: 'handoffRate', period: 'this month', compareTo: 'last month' }, { remarks: ['This month is still running: its figure covers its first 18 days, against all 31 days of last month.'] }],
    ['messages in October vs September', { measure: 'messages', period: 'October', compareTo: 'September' }],
    ['what was the CSI on 3 November', { measure: 'csi', period: '3 November' }],
    ['CSI between 1 Nov and 10 Nov', { measure: 'csi', period: 'between 1 Nov and 10 Nov' }],
    ['CSI last 3 months by month', { measure: 'csi', groupBy: 'month', period: 'last 3 months' }],
  ];
  it.each(rows)('%s', (...row) => check(row));

  it.each([
    ['CSI today vs the same day last week', 'today', 'week'],
    ['messages yesterday compared to the same day last week', 'yesterday', 'week'],
    ['CSI this month compared to the same period last year', 'this month', 'year'],
  ] as const)('%s: the same period one %s back', (q, words, unit) => {
    const p = period(words);
    expect(ask(q).metric?.query.compareTo).toEqual(days(shiftBack(p, unit)));
  });

  it('counts a running month against the same days of the same month last year', () => {
    const q = ask('handoffs this month compared to the same period last year').metric?.query;
    expect([q?.period?.from, q?.period?.to, q?.compareTo?.from, q?.compareTo?.to]).toEqual(['2026-11-01', '2026-11-18', '2025-11-01', '2025-11-18']);
  });
});

describe('charts and words not applied', () => {
  const rows: Row[] = [
    ['chart of handoffs by page last week', { measure: 'handoffs', groupBy: 'page', period: 'last week' }, { chart: true }],
    ['plot response times last week', { measure: 'responseTime', groupBy: 'day', period: 'last week' }, { chart: true }],
    ['CSI this week vs last week as a chart', { measure: 'csi', period: 'this week', compareTo: 'last week' }, {
      chart: true, notApplied: ['the chart (a comparison is given as figures)'], remarks: ['This week is still running: its figure covers its first 3 days, against all 7 days of last week.'],
    }],
    ['CSI by shift last week', { measure: 'csi', period: 'last week' }, { notApplied: ['"by shift" (not a breakdown I have: page, agent, reviewer, topic, QA state, day, week, month, hour or weekday)'] }],
    // a figure about the bot's work already, but "handled by the bot" is a filter it cannot take: named
    ['handoffs handled by the bot last week', { measure: 'handoffs', period: 'last week' }, { notApplied: ['"bot" (handoffs is not split by who replied)'] }],
    ['CSI and handoffs last week', { measure: 'csi', period: 'last week' }, { notApplied: ['handoffs (one figure per question: ask for it separately)'] }],
    ['best CSI last week', { measure: 'csi', period: 'last week' }, { notApplied: ['"best" (name what to rank: page, agent, reviewer, topic, hour or weekday)'] }],
    ['CSI for Acme last week', { measure: 'csi', period: 'last week' }, { notApplied: ['"acme" (several pages are called that: Acme Home, Acme Outlet — name one)'] }],
    ['With the new bot live, how is CSI?', { measure: 'csi' }, { notApplied: ['"bot" (CSI is not split by who replied)', '"new", "live" (words I did not read: nothing was filtered by them)'] }],
    ['what is CSI currently', { measure: 'csi' }, { notApplied: ['"currently" (figures are over a period: this is last 7 days (Thu 12 Nov – Wed 18 Nov 2026))'] }],
  ];
  it.each(rows)('%s', (...row) => check(row));

  it('does not claim a chart was drawn when it cannot be', () => {
    for (const q of ['CSI this week vs last week as a chart']) {
      const i = ask(q);
      expect(i.metric?.notApplied.join(' ')).toContain('chart');
    }
  });
});

describe('phrasings found by asking from the outside (7 December)', () => {
  const rows: Row[] = [
    // a failed review is the workflow's issue state, not every QA change
    ['how many QA reviews failed this month', { measure: 'reviews', statistic: 'count', filters: f('qa_state', 'issue'), period: 'this month' }],
    ["how many sessions didn't pass QA last week", { measure: 'reviewedSessions', statistic: 'count', filters: f('qa_state', 'issue'), period: 'last week' }],
    // "from October to November" runs from the first to the second: November is the figure
    ['how did response times change from October to November', { measure: 'responseTime', period: 'November', compareTo: 'October' }, {
      remarks: ['November 2026 is still running: its figure covers its first 18 days, against all 31 days of October 2026.'],
    }],
    ['compare October to November CSI', { measure: 'csi', period: 'October', compareTo: 'November' }],
    // a busy-ness ranking without a measure counts conversations
    ['busiest hour of the day in November', { measure: 'conversations', groupBy: 'hour', order: 'desc', limit: 5, period: 'November' }, { winner: 'busiest' }],
    ['which weekday was quietest last month', { measure: 'conversations', groupBy: 'weekday', order: 'asc', limit: 5, period: 'last month' }, { winner: 'quietest' }],
    // what the bot resolved alone is its containment, over sessions (said)
    ['what share of conversations were resolved by the bot alone last week', { measure: 'containment', statistic: 'rate', period: 'last week' }, {
      notApplied: ['"conversations" (bot containment is counted over sessions: a conversation\'s visits, split after 12 h of silence)'],
    }],
    ['chats handled by the bot without a human this month', { measure: 'containment', period: 'this month' }, {
      notApplied: ['"chats" (bot containment is counted over sessions: a conversation\'s visits, split after 12 h of silence)'],
    }],
    // a second question is named, never silently left out
    ['how many handoffs happened yesterday and how long did customers wait', { measure: 'handoffs', statistic: 'count', period: 'yesterday' }, {
      notApplied: ['the second question, "how long did customers wait" (one figure per question: ask it separately)'],
    }],
  ];
  it.each(rows)('%s', (...row) => check(row));

  it('refuses thresholds on a figure, and names them on a yes-or-no question about the figure', () => {
    for (const q of [
      'What percentage of handoffs were resolved within an hour last month?',
      'How many conversations had a CSI below 50 last week?',
      'how many customers contacted us more than once last week',
      'share of sessions with a first response under 5 minutes this week',
      'how many sessions took longer than 2 hours yesterday',
    ]) expect(ask(q).refusal, q).toMatch(/threshold/);
    const yesNo = ask('was the median first response time under 5 minutes yesterday?').metric;
    expect(yesNo?.query).toMatchObject({ measure: 'firstResponse', statistic: 'median' });
    expect(yesNo?.notApplied).toEqual(['"under 5 minutes" (compare it with the figure above: nothing was filtered by it)']);
    // periods and comparisons are not thresholds
    expect(ask('CSI over the last 3 days').metric?.query.measure).toBe('csi');
    expect(ask('more conversations than last week?').refusal ?? '').not.toMatch(/threshold/);
  });

  it('refuses to count customers: conversations, sessions and messages are what is counted', () => {
    expect(ask('how many customers wrote to us last week').refusal).toMatch(/not distinct customers/);
    expect(ask('how many customers contacted Voltix in November').refusal).toMatch(/not distinct customers/);
    // with no figure named at all it is data not held
    expect(ask('number of unique customers in November').refusal).toMatch(/don't have data about "number of unique customers/);
  });

  it('ranks groups by their change when a change is asked for', () => {
    const drop = ask('Which page had the biggest drop in CSI this week?').metric!;
    expect(drop.query).toEqual({ measure: 'csi', groupBy: 'page', filters: [], period: asked(period('this week')), compareTo: days(previousPeriod(period('this week'))) });
    expect(drop.change).toEqual({ order: 'asc', noun: 'drop', wanted: 'down', limit: 5 });
    // a response time improves as it falls
    expect(ask('which agent improved their response time most last month').metric?.change).toMatchObject({ order: 'asc', noun: 'improvement', wanted: 'down' });
    expect(ask('which agent improved their CSI most last month').metric?.change).toMatchObject({ order: 'desc', wanted: 'up' });
    // without a breakdown a change is a comparison with the period before
    expect(ask('did CSI drop this week?').metric?.query).toMatchObject({ period: asked(period('this week')), compareTo: days(previousPeriod(period('this week'))) });
    expect(ask('did CSI drop this week?').metric?.change).toBeUndefined();
  });

  it('reads other figures named with topics as broken down by topic', () => {
    expect(ask('Which topics had the most customer messages last month?').metric?.query).toMatchObject({ measure: 'customerMessages', groupBy: 'topic' });
    // with no other figure, topics are the figure
    expect(ask('what topics came up last week').metric?.query).toMatchObject({ measure: 'customerMessages', groupBy: 'topic' });
  });

  it('takes "conversations" after "for" or "of" as what the figure is over, not a second figure', () => {
    const i = ask("What's the average CSI for conversations handled by James Carter this month?").metric!;
    expect(i.query).toMatchObject({ measure: 'csi', statistic: 'mean', filters: f('agent', 'James Carter') });
    expect(i.notApplied).toEqual([]);
    expect(ask('CSI and conversations last week').metric?.notApplied).toEqual(['conversations (one figure per question: ask for it separately)']);
  });

  it('reads more everyday words', () => {
    expect(ask('How long do handoffs take to resolve on average?').metric?.query).toMatchObject({ measure: 'handoffResolveTime', statistic: 'mean' });
    expect(ask('What fraction of sessions involved a human last week?').metric?.query).toMatchObject({ measure: 'handoffRate' });
    expect(ask('What was the busiest day last week?').metric?.query).toMatchObject({ measure: 'conversations', groupBy: 'day', order: 'desc' });
    const top = ask('Top 2 agents by number of conversations in October').metric!;
    expect(top.query).toMatchObject({ measure: 'conversations', groupBy: 'agent', order: 'desc', limit: 2 });
    expect(top.notApplied).toEqual([]);
  });

  it('keeps what is left out as the other names or days, never the one named', () => {
    const out = (dimension: Filter['dimension'], ...values: string[]): Filter[] => [{ dimension, values, exclude: true }];
    expect(ask('CSI for all pages except Stride Shoes last month').metric?.query).toEqual({
      measure: 'csi', period: days(period('last month')), filters: out('page', 'Stride Shoes'),
    });
    expect(ask('CSI for every agent other than James Carter and Emma Novak last week').metric).toMatchObject({
      query: { groupBy: 'agent', filters: out('agent', 'James Carter', 'Emma Novak') }, notApplied: [],
    });
    expect(ask("What's the CSI for Voltix this month excluding James Carter?").metric?.query.filters).toEqual([...f('page', 'Voltix'), ...out('agent', 'James Carter')]);
    expect(ask('What was the CSI on weekdays only last week, excluding weekends?').metric?.query.filters).toEqual(
      f('weekday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'),
    );
    expect(ask('CSI excluding Mondays last month').metric?.query.filters).toEqual(f('weekday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'));
    expect(ask('CSI for Voltix excluding weekends, last month').metric?.query.filters).toEqual([
      ...f('page', 'Voltix'), ...f('weekday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'),
    ]);
    // named days and weekends as before; a breakdown by weekday is no filter
    expect(ask('CSI on weekends last month').metric?.query.filters).toEqual(f('weekday', 'Saturday', 'Sunday'));
    expect(ask('CSI by weekday last month').metric?.query).toMatchObject({ groupBy: 'weekday', filters: [] });
  });

  it('ranks the bottom N from the lowest', () => {
    expect(ask('Bottom 3 agents by CSI in November').metric?.query).toMatchObject({ measure: 'csi', groupBy: 'agent', order: 'asc', limit: 3 });
  });

  it('refuses a name it does not know instead of answering for everyone', () => {
    expect(ask('How many sessions did Nadia review yesterday?').refusal).toContain('I don\'t know "Nadia"');
    // a known reviewer's first name is enough, and each session reviewed counts once
    expect(ask('How many sessions did Olga review yesterday?').metric).toMatchObject({ query: { measure: 'reviewedSessions', filters: [...f('reviewer', 'Olga Berg'), ...f('qa_state', 'passed', 'issue')] }, notApplied: [] });
    // a first name of three letters that means nothing else to the product is a name too
    expect(ask('how many sessions did Sam pass this month').metric).toMatchObject({ query: { measure: 'reviewedSessions', filters: [...f('reviewer', 'Sam Quinn'), ...f('qa_state', 'passed')] }, notApplied: [] });
    expect(ask('max response time last week').metric?.query).toMatchObject({ statistic: 'max', filters: [] });
    expect(ask("What was Priya's CSI last week?").refusal).toContain('I don\'t know "Priya"');
    // known names, months and days, the product's words, a question in Title Case
    expect(ask('CSI for Voltix between 1 Nov and 10 Nov').refusal).toBeUndefined();
    expect(ask('What is the Handoff Rate on Mondays in October?').refusal).toBeUndefined();
    expect(ask('What Was The CSI Last Week For Voltix').refusal).toBeUndefined();
  });

  it('reads what the bot handled alone as containment, and a human wait after a handoff as one figure', () => {
    expect(ask('How many conversations did the bot handle without any human last month?').refusal).toContain('bot containment');
    const wait = ask("What's the average time customers wait for a human after a handoff this week?").metric!;
    expect(wait.query).toMatchObject({ measure: 'handoffWait', statistic: 'mean' });
    expect(wait.notApplied).toEqual([]);
  });

  it('reads a change since the last unit as this one so far against it, and "go up or down" as a comparison', () => {
    expect(ask('How much has the handoff rate changed since last month?').metric?.query).toMatchObject({
      measure: 'handoffRate', period: asked(period('this month')), compareTo: days(period('last month')),
    });
    expect(ask('Did the CSI of Voltix go up or down this week?').metric?.query).toMatchObject({ filters: f('page', 'Voltix'), compareTo: days(previousPeriod(period('this week'))) });
  });

  it('ranks the breakdown named after "rank", "sort" or "list"', () => {
    expect(ask('Rank pages by containment rate this month').metric?.query).toMatchObject({ measure: 'containment', groupBy: 'page' });
    expect(ask('sort the agents by CSI last week').metric?.query).toMatchObject({ measure: 'csi', groupBy: 'agent' });
  });

  it('filters by the hours of the day named as clock times, and refuses one it cannot read', () => {
    expect(ask('How many messages did the bot send between 9am and 5pm yesterday?').metric?.query.filters).toEqual([
      ...f('hour', '9', '10', '11', '12', '13', '14', '15', '16'), ...f('sender', 'bot'),
    ]);
    expect(ask('conversations after 6pm last week').metric?.query.filters).toEqual(f('hour', '18', '19', '20', '21', '22', '23'));
    expect(ask('CSI for conversations at 9:30am yesterday').refusal).toContain('could not read the time of day');
    // dates are not clock times
    expect(ask('CSI from 1 to 10 November').metric?.query.filters).toEqual([]);
  });

  it('refuses a figure filtered by another figure, instead of answering it for everything', () => {
    expect(ask("What's the average CES for conversations with a handoff?").refusal).toContain('"with a handoff" is a condition');
  });

  it('leads a share question with the group it asked about', () => {
    expect(ask('What share of customer messages were complaints last month?').metric).toMatchObject({ focus: 'complaint', query: { groupBy: 'topic' } });
  });

  it('leaves out a topic named after "excluding", and reads issues fixed as fixes', () => {
    const top = ask('Give me the top 5 topics this week excluding complaints').metric!;
    expect(top.query.filters).toEqual([{ dimension: 'topic', values: ['complaint'], exclude: true }]);
    expect(ask('How many QA issues were fixed last week?').metric?.query.filters).toEqual(f('qa_state', 'fixed'));
  });

  it('refuses customers the product does not tell apart, and says a score is not a rate', () => {
    expect(ask('How many conversations did we get from new customers last week?').refusal).toContain("I don't have new customers data");
    expect(ask('What is the resolution rate this month?').metric?.notApplied).toEqual(['"rate" (resolution is not a rate of anything counted: this is its average)']);
    expect(ask('What is the handoff rate this month?').metric?.notApplied).toEqual([]);
    expect(ask('Did response times get worse in December?').metric?.query.compareTo).toBeDefined();
  });

  it('refuses whether something was answered, and reads a share of sessions handed over per page as the handoff rate', () => {
    expect(ask('How many customer messages were unanswered yesterday?').refusal).toContain('"unanswered" is a condition');
    expect(ask('conversations without a reply last week').refusal).toContain('"without a reply" is a condition');
    expect(ask('Share of sessions handed to humans per page last month').metric?.query).toMatchObject({ measure: 'handoffRate', groupBy: 'page' });
    // a share of the handoffs themselves by page stays their distribution
    expect(ask('share of handoffs by page last month').metric?.query).toMatchObject({ measure: 'handoffs', statistic: 'share', groupBy: 'page' });
  });

  it('compares a follow-up with the period named, keeping its own, and moves a statistic to the human or bot variant', () => {
    const topics = ask('Top 3 topics last month');
    expect(ask('how did that compare to October?', topics).metric?.query).toMatchObject({ period: days(period('last month')), compareTo: days(period('October')) });
    expect(ask('CSI compared to last week').metric?.query).toMatchObject({ period: asked(period('this week')), compareTo: days(period('last week')) });
    const median = ask('median first response time this week');
    const human = ask('for humans only', median);
    expect(human.metric?.query).toMatchObject({ measure: 'humanFirstResponse', statistic: 'median' });
    expect(ask('and the bot?', human).metric).toMatchObject({ query: { measure: 'botFirstResponse', statistic: 'median' }, notApplied: [] });
  });

  it('compares a count of a running period over the same days of the one before, and says so', () => {
    const i = ask('how many complaints this month vs last month').metric!;
    expect(i.query.period).toEqual({ from: '2026-11-01', to: '2026-11-18', label: 'this month so far (Sun 1 Nov – Wed 18 Nov 2026)' });
    expect(i.query.compareTo).toEqual({ from: '2026-10-01', to: '2026-10-18', label: 'the same days of last month (Thu 1 Oct – Sun 18 Oct 2026)' });
    expect(i.remarks).toEqual(['This month (November 2026) is still running, so both periods are counted over their first 18 days.']);
    // an average is compared whole; a finished period too
    expect(ask('CSI this month vs last month').metric?.query.compareTo).toEqual(days(period('last month')));
    expect(ask('how many complaints last month vs the month before').metric?.remarks).toBeUndefined();
  });

  it('shows each weekday when weekends are compared with weekdays, and reads what the bot contained', () => {
    const i = ask('What was the handoff rate on weekends compared to weekdays last month?').metric!;
    expect(i.query).toMatchObject({ measure: 'handoffRate', groupBy: 'weekday', filters: [] });
    expect(ask('What percent of sessions did the bot contain yesterday?').metric?.query).toMatchObject({ measure: 'containment' });
  });

  it('reads "excluding the bot" as the humans, and a period compared after pages compared', () => {
    expect(ask('What is the average first response time excluding the bot last month?').metric?.query.measure).toBe('humanFirstResponse');
    expect(ask('response time without agents last week').metric?.query).toMatchObject({ measure: 'responseTime', filters: f('sender', 'bot') });
    expect(ask('CSI for Voltix vs Stride Shoes this week compared to last week').metric?.query).toMatchObject({
      groupBy: 'page', filters: f('page', 'Stride Shoes', 'Voltix'), period: asked(period('this week')), compareTo: days(period('last week')),
    });
  });

  it('does not take a lead-in or a follow-up for a second question', () => {
    const first = ask('CSI last week');
    expect(ask('ok, and what about Voltix?', first).metric?.notApplied).toEqual([]);
    expect(ask('and what about last month', first).metric?.notApplied).toEqual([]);
  });

  it('leaves words that are not QA words alone: failed jobs are not QA reviews', () => {
    expect(ask('how many jobs failed last week').metric?.query.measure).not.toBe('reviews');
  });
});

describe('CSAT (issue 19): the survey answers, not the CSI', () => {
  const rows: Row[] = [
    ['What was our CSAT last week by page?', { measure: 'csatScore', groupBy: 'page', period: 'last week' }],
    ['average CSAT score by agent last month', { measure: 'csatScore', statistic: 'mean', groupBy: 'agent', period: 'last month' }],
    ['customer satisfaction by sender last week', { measure: 'csatScore', groupBy: 'sender', period: 'last week' }],
    ['survey response rate by page last week', { measure: 'csatResponseRate', groupBy: 'page', period: 'last week' }],
    ['CSAT share last month', { measure: 'csatSatisfied', period: 'last month' }],
    ['customer satisfaction index last week', { measure: 'csi', period: 'last week' }],
  ];
  it.each(rows)('%s', (...row) => check(row));
});

describe('refusals', () => {
  const refused = (q: string) => {
    const i = ask(q);
    expect(i.kind).toBe('refuse');
    return i.refusal ?? '';
  };

  it.each([
    ['how many refunds did we process last month', 'refunds'],
    ['revenue by page last month', 'revenue'],
    ['how many orders last week', 'orders'],
    ['churn this month', 'churn'],
    ['NPS last quarter', 'NPS'],
    ['money lost to slow replies', 'money'],
    ['how many customers left us last month', 'customers left'],
  ])('data not held: %s', (q, word) => {
    expect(refused(q)).toContain(`I don't have ${word} data`);
  });

  it.each([
    ['p95 response time last week', 'not the 95th percentile'],
    ['p99 first response time', 'not the 99th percentile'],
    ['median containment last week', 'bot containment has no median'],
    ['average handoffs last week', 'handoffs has no mean'],
  ])('statistic not offered: %s', (q, reason) => {
    expect(refused(q)).toContain(reason);
  });

  it.each([
    ['CSI by hour last week', 'CSI cannot be broken down by hour'],
    ['CSI by topic last week', 'CSI cannot be broken down by topic'],
    ['handoff rate by agent last week', 'handoff rate cannot be broken down by agent'],
    ['handoffs by topic last week', 'handoffs cannot be broken down by topic'],
    ['CSI for complaints last week', 'CSI cannot be filtered by topic'],
    ['average messages per conversation last week', '"per conversation" asks for one count divided by another'],
    ['CSI per customer last month', '"per customer" is not a breakdown I have'],
  ])('breakdown or filter the measure cannot take: %s', (q, reason) => {
    expect(refused(q)).toContain(reason);
  });

  it.each([
    ['CSI in the year of the dragon', 'in the year of the dragon'],
    ['how many conversations since the launch', 'since the launch'],
    ['CSI during black friday', 'during black friday'],
  ])('a period it cannot read is never replaced by the default: %s', (q, cue) => {
    expect(refused(q)).toContain(`I could not read the period ("${cue}")`);
  });

  it.each([
    'CSI on Monday', 'CSI since Monday', 'messages 3 days ago', 'handoffs two weeks ago', 'CSI this morning', 'CSI next week',
    'CSI on the weekend before Christmas', 'how many sessions since the relaunch', 'CSI in spring',
  ])('reads "%s" with its period or refuses it, never with the default period', (q) => {
    const i = ask(q);
    if (i.kind === 'refuse') expect(i.refusal).toMatch(/I could not read the period|has not happened yet/);
    else expect(i.metric?.periodDefaulted).toBe(false);
  });

  it('does not count what stands right now as a count over the last 7 days', () => {
    expect(ask('how many sessions are waiting for review right now')).toEqual({ kind: 'qa_backlog' });
    expect(refused('how many handoffs right now')).toContain('handoffs are counted over a period, not as they stand now');
    expect(refused('how many conversations are open right now')).toContain('not as they stand now ("are open")');
  });

  it('reads the handoff queue as it stands now, with no period, and refuses a period for it', () => {
    const now = (q: string) => ask(q).metric;
    for (const q of ['how many handoffs are waiting right now', 'how many handoffs are waiting?', 'how many customers are waiting for an agent at the moment']) {
      expect(now(q)?.query, q).toMatchObject({ measure: 'handoffsWaiting', filters: [] });
      expect(now(q)?.query, q).not.toHaveProperty('period');
      expect(now(q)?.notApplied, q).toEqual([]);
      expect(now(q)?.periodDefaulted, q).toBe(false);
    }
    expect(now('handoffs assigned now by agent')?.query).toEqual({ measure: 'handoffsAssigned', groupBy: 'agent', filters: [] });
    expect(now('how many handoffs are assigned to James Carter')?.query).toEqual({ measure: 'handoffsAssigned', statistic: 'count', filters: f('agent', 'James Carter') });
    expect(refused('how many handoffs were waiting last week')).toContain('handoffs waiting is how things stand now and cannot be counted over a period');
    expect(refused('handoffs waiting by day')).toContain('handoffs waiting cannot be broken down by day');
    // the follow-up keeps the question's slots, not a period the queue cannot have
    expect(ask('and by page?', ask('how many handoffs are assigned right now')).metric?.query).toEqual({ measure: 'handoffsAssigned', statistic: 'count', groupBy: 'page', filters: [] });
  });

  it('reads a word of data not held as a topic only where it names customer messages', () => {
    expect(ask('topics among refunds').metric?.query.filters).toEqual(f('topic', 'return_request'));
    expect(ask('how many refund requests last week').metric?.query).toMatchObject({ measure: 'customerMessages', filters: f('topic', 'return_request') });
    expect(refused('how many refunds last week')).toContain("I don't have refunds data");
  });
});

describe('follow-ups change one slot', () => {
  const thread: [first: string, ...Row][] = [
    ['CSI by page last week', 'and for Voltix?', { measure: 'csi', filters: f('page', 'Voltix'), period: 'last week' }],
    ['CSI last week', 'median', { measure: 'csi', statistic: 'median', period: 'last week' }],
    ['CSI last week', 'and the median?', { measure: 'csi', statistic: 'median', period: 'last week' }],
    ['handoffs last week', 'by page', { measure: 'handoffs', groupBy: 'page', period: 'last week' }],
    ['handoffs by page last week', 'overall', { measure: 'handoffs', period: 'last week' }],
    ['CSI for Voltix last week', 'now for Stride Shoes', { measure: 'csi', filters: f('page', 'Stride Shoes'), period: 'last week' }],
    ['response time last week', 'what about the bot?', { measure: 'responseTime', filters: f('sender', 'bot'), period: 'last week' }],
    ['CSI last month', 'and last week?', { measure: 'csi', period: 'last week' }],
    ['top 3 topics last week', 'by page', { measure: 'customerMessages', groupBy: 'page', period: 'last week' }],
    ['CSI by page last week', 'and the handoff rate?', { measure: 'handoffRate', groupBy: 'page', period: 'last week' }],
    ['CSI by page last week', 'which is best?', { measure: 'csi', groupBy: 'page', order: 'desc', limit: 5, period: 'last week' }, { winner: 'best' }],
    ['CSI by page last week', 'top 2', { measure: 'csi', groupBy: 'page', order: 'desc', limit: 2, period: 'last week' }],
    ['CSI for Voltix last week', 'for all pages', { measure: 'csi', period: 'last week' }],
    ['handoffs by page last week', 'same for containment', { measure: 'containment', groupBy: 'page', period: 'last week' }],
    ['which page has the best CSI this month', 'and the worst?', { measure: 'csi', groupBy: 'page', order: 'asc', limit: 5, period: 'this month' }, { winner: 'worst' }],
    [
      'complaints by page last week', 'and CSI?', { measure: 'csi', groupBy: 'page', period: 'last week' },
      { notApplied: ['topic complaint (from the question before: CSI cannot be filtered by it)'] },
    ],
  ];
  it.each(thread)('%s → %s', (first, ...row) => check(row, ask(first)));

  it('refuses in a follow-up what it would refuse in a fresh question', () => {
    const previous = ask('CSI last week');
    expect(ask('p95', previous).refusal).toContain('not the 95th percentile');
    expect(ask('and refunds?', previous).refusal).toContain("I don't have refunds data");
    expect(ask('in the year of the dragon', previous).refusal).toContain('I could not read the period');
  });
});

describe('QA scorecard words', () => {
  it('"by QA category" groups the category score by the scorecard category, while "by category" stays the topic', () => {
    expect(ask('QA category score by QA category last week').metric?.query).toMatchObject({ measure: 'qaCategoryScore', groupBy: 'qa_category' });
    expect(ask('QA score by reviewer last week').metric?.query).toMatchObject({ measure: 'qaScore', groupBy: 'reviewer' });
    expect(ask('customer messages by category last week').metric?.query).toMatchObject({ measure: 'customerMessages', groupBy: 'topic' });
  });
});

describe('words no slot read', () => {
  // A word the reader does not know may be a condition: the figure of everything would drop it.
  it.each([
    ['average response time for urgent tickets last week', 'urgent'],
    ['how many conversations in spanish last week', 'spanish'],
    ['csi on mobile last month', 'mobile'],
    ['what was the CSI for premium members in October', 'premium'],
    ['average csi for long conversations last week', 'long'],
    ['how many short conversations did we have last week', 'short'],
    ['CSI for conversations tagged urgent', '"tagged", "urgent"'],
    ['how many messages did the bot send in german', 'german'],
    ['average CSI for escalated chats in November', 'escalated'],
  ])('%s is refused, naming "%s"', (q, word) => {
    const i = ask(q);
    expect(i.kind).toBe('refuse');
    expect(i.refusal).toContain(word.startsWith('"') ? word : `"${word}"`);
    expect(i.refusal).toContain('ask again without');
  });

  it('names an unread word that qualifies nothing, and says nothing of the words of asking', () => {
    expect(ask('With the new bot live, how is CSI?').metric?.notApplied).toContain('"new", "live" (words I did not read: nothing was filtered by them)');
    for (const q of [
      'What was our overall CSI performance last week?', 'can you pls show me avg csi for last week', 'give me the numbers on handoffs this month',
      "I'd like to know the median first response time in October", 'roughly how many messages came in last week',
      'Could you tell me how many sessions were handed off to humans last week?', "What's the avg CSI across all brands for the last 30 days, thanks",
      'hey, quick one: how many convos did we get yesterday?',
    ]) {
      const i = ask(q);
      expect(i.kind, q).toBe('metric');
      expect(i.metric?.notApplied.filter((n) => n.includes('did not read')), q).toEqual([]);
    }
    expect(ask('hey, quick one: how many convos did we get yesterday?').metric?.query.measure).toBe('conversations');
  });

  it('reads the words around what is counted without refusing them ("messages mentioned shipping", "came through")', () => {
    expect(ask('How many customer messages mentioned shipping last month?').metric).toMatchObject({
      query: { measure: 'customerMessages', filters: [{ dimension: 'topic', values: ['shipping_question'] }] }, notApplied: [],
    });
    expect(ask('how many chats came through on Voltix yesterday').metric?.notApplied).toEqual([]);
    expect(ask('has response time improved this month compared to last?').metric).toMatchObject({
      query: { measure: 'responseTime', compareTo: { from: '2026-10-01', to: '2026-10-31' } }, notApplied: [],
    });
    const escalated = ask('how many conversations got escalated to a human last week').metric;
    expect(escalated?.query.measure).toBe('handoffs');
    expect(escalated?.notApplied[0]).toContain('handoffs are counted per session');
  });

  it('leaves out what a "not" names when it can, and refuses a negation it cannot read', () => {
    expect(ask('CSI for conversations not handled by James Carter last month').metric?.query.filters).toEqual([{ dimension: 'agent', values: ['James Carter'], exclude: true }]);
    // customers write messages too: "not from the bot" keeps theirs, where "from humans" would not
    expect(ask('how many messages were not from the bot last week').metric?.query.filters).toEqual([{ dimension: 'sender', values: ['bot'], exclude: true }]);
    expect(ask('how many messages excluding the bot last week').metric?.query.filters).toEqual([{ dimension: 'sender', values: ['bot'], exclude: true }]);
    for (const q of ['how many sessions were not handed over last week', 'how many conversations did not involve a human last week', "CSI for chats that didn't reach an agent last week"]) {
      expect(ask(q).refusal, q).toContain('leaves out here');
    }
    expect(ask("which sessions didn't pass QA last week").metric?.query.filters).toEqual([{ dimension: 'qa_state', values: ['issue'] }]);
  });

  it('does not name again what another slot names ("by shift", a comparison it could not read)', () => {
    expect(ask('CSI by shift last week').metric?.notApplied).toEqual(['"by shift" (not a breakdown I have: page, agent, reviewer, topic, QA state, day, week, month, hour or weekday)']);
    expect(ask('CSI last week compared to our competitors').metric?.notApplied).toEqual(['"our competitors" (not a period or page I could compare with)']);
  });
});

describe('phrasings found by asking from the outside (7 December, afternoon)', () => {
  const filtersOf = (q: string) => ask(q).metric?.query.filters;

  it('reads "excl", "excl." and "w/o" as leaving out, never as keeping only', () => {
    expect(filtersOf('CSI excl Voltix last month')).toEqual([{ dimension: 'page', values: ['Voltix'], exclude: true }]);
    expect(filtersOf('CSI excl. James Carter last month')).toEqual([{ dimension: 'agent', values: ['James Carter'], exclude: true }]);
    expect(filtersOf('handoffs w/o Voltix last week')).toEqual([{ dimension: 'page', values: ['Voltix'], exclude: true }]);
    expect(filtersOf('avg sentiment for voltix excl weekends last month')).toEqual([
      { dimension: 'page', values: ['Voltix'] },
      { dimension: 'weekday', values: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] },
    ]);
    expect(ask('average first response time excl the bot last week').metric?.query.measure).toBe('humanFirstResponse');
  });

  it('splits CSAT and the QA score by who handled the session when "bot" or "human" is said', () => {
    expect(filtersOf('CSAT for human agents last month')).toEqual([{ dimension: 'sender', values: ['human_agent'] }]);
    expect(ask("what's the average csat score for bot handled sessions in november").metric).toMatchObject({
      query: { measure: 'csatScore', filters: [{ dimension: 'sender', values: ['bot'] }] },
      notApplied: [],
    });
    expect(filtersOf('QA score for bot-handled sessions last month')).toEqual([{ dimension: 'sender', values: ['bot'] }]);
  });

  it('takes the number of a "worst N", "best N" or "which N" ranking', () => {
    expect(ask('worst 2 pages by CSI last month').metric?.query).toMatchObject({ groupBy: 'page', order: 'asc', limit: 2 });
    expect(ask('best 2 pages by CSAT in october').metric?.query).toMatchObject({ groupBy: 'page', order: 'desc', limit: 2 });
    expect(ask('which 3 agents had the worst CSAT last month').metric?.query).toMatchObject({ groupBy: 'agent', order: 'asc', limit: 3 });
  });

  it('reads the abbreviations "msgs" and "FRT", and a typo one edit from a product word or name, saying so', () => {
    expect(ask('how many msgs yesterday').metric?.query.measure).toBe('messages');
    expect(ask('avg FRT last week').metric?.query).toMatchObject({ measure: 'firstResponse', statistic: 'mean' });
    const typo = ask('how many handofs yesterday').metric;
    expect(typo?.query.measure).toBe('handoffs');
    expect(typo?.remarks).toContain('Read "handofs" as "handoffs".');
    expect(ask('reponse time last week').metric?.query.measure).toBe('responseTime');
    expect(filtersOf('CSI for voltx last month')).toEqual([{ dimension: 'page', values: ['Voltix'] }]);
    // two words one edit away ("stide" → "stride", "side"?): only a single candidate is taken
    expect(ask('CSI for zzzzz last month').kind).toBe('refuse');
  });

  it('refuses a part of the day said in words, and reads hours that run over midnight', () => {
    for (const q of ['response time in the mornings', 'response time in the evening last week', 'human response time for Voltix on weekday evenings last month', 'response time at night last week']) {
      expect(ask(q).refusal, q).toContain('is a part of the day');
    }
    expect(filtersOf('response time between 6pm and 9am last week')).toEqual([
      { dimension: 'hour', values: ['18', '19', '20', '21', '22', '23', '0', '1', '2', '3', '4', '5', '6', '7', '8'] },
    ]);
  });
});

describe('shares, rates, breakdowns and follow-ups found by asking from the outside (7 December, afternoon)', () => {
  const q = (text: string, previous?: Intent) => ask(text, previous).metric?.query;

  it('gives the share of one group among all of its dimension, and the rate of an event over its base', () => {
    expect(ask('share of messages sent by the bot last week').metric).toMatchObject({ query: { measure: 'messages', statistic: 'share', groupBy: 'sender', filters: [] }, focus: 'bot' });
    expect(ask('what share of handoffs were on Voltix last month').metric).toMatchObject({ query: { measure: 'handoffs', groupBy: 'page', filters: [] }, focus: 'Voltix' });
    expect(q('what share of CSAT answers were 4 or 5 last month')).toMatchObject({ measure: 'csatSatisfied' });
    expect(q('what percentage of sessions had a QA issue in november')).toMatchObject({ measure: 'issueRate' });
    expect(q('how many QA issues did we find last week')).toMatchObject({ measure: 'reviews', filters: [{ dimension: 'qa_state', values: ['issue'] }] });
    const handedOver = ask('% of conversations handed to a human yesterday').metric;
    expect(handedOver?.query.measure).toBe('handoffRate');
    expect(handedOver?.notApplied[0]).toContain('counted over sessions');
  });

  it('names a target as a threshold in a yes-or-no question', () => {
    expect(ask('did we hit 75 CSI in november?').metric?.notApplied).toEqual(['"hit 75" (compare it with the figure above: nothing was filtered by it)']);
  });

  it('reads the breakdown asked: weekdays ranked, QA categories, two weekdays or the bot and humans compared, pages combined', () => {
    expect(q('worst day of the week for CSAT in the last 3 months')).toMatchObject({ groupBy: 'weekday', order: 'asc' });
    expect(q('avg QA score per category in november')).toMatchObject({ measure: 'qaCategoryScore', groupBy: 'qa_category' });
    expect(q('QA category scores by category last month')).toMatchObject({ measure: 'qaCategoryScore', groupBy: 'qa_category' });
    expect(ask('CSI mondays vs fridays last month').metric).toMatchObject({ query: { groupBy: 'weekday', filters: [{ dimension: 'weekday', values: ['Monday', 'Friday'] }] }, notApplied: [] });
    expect(ask('bot response time vs human response time last week').metric).toMatchObject({ query: { measure: 'responseTime', groupBy: 'sender' }, notApplied: [] });
    const combined = ask('avg csi for Voltix and Stride Shoes combined last month').metric;
    expect(combined?.query.groupBy).toBeUndefined();
    expect(combined?.query.filters).toEqual([{ dimension: 'page', values: ['Stride Shoes', 'Voltix'] }]);
    expect(ask('top topic for each page last month').refusal).toContain('would need two breakdowns');
  });

  it('keeps the thread in follow-ups whose measure is only implied', () => {
    const byAgent = ask('avg human response time by agent last month');
    expect(q("who's the slowest", byAgent)).toMatchObject({ measure: 'humanResponseTime', groupBy: 'agent', order: 'desc', period: { from: '2026-10-01', to: '2026-10-31' } });
    expect(q("who's the fastest", ask('handling time by agent in october'))).toMatchObject({ measure: 'totalHandlingTime', order: 'asc', period: { from: '2026-10-01' } });
    expect(q('and the rate?', ask('how many handoffs last week'))).toMatchObject({ measure: 'handoffRate' });
    const oakhaven = ask('only for Stride Shoes', ask('top topics this month'));
    expect(q('excluding complaints', oakhaven)).toMatchObject({
      measure: 'customerMessages', groupBy: 'topic',
      filters: [{ dimension: 'page', values: ['Stride Shoes'] }, { dimension: 'topic', values: ['complaint'], exclude: true }],
    });
    expect(q('compare with same day last week', ask('how many handoffs yesterday'))).toMatchObject({ period: { from: '2026-11-17' }, compareTo: { from: '2026-11-10', to: '2026-11-10' } });
  });
});

describe('a comparison named relative to the period of the question', () => {
  it('"the day before yesterday vs a week ago" compares that day with the same day a week earlier', () => {
    expect(ask('how many conversations the day before yesterday vs a week ago').metric?.query).toMatchObject({
      period: { from: '2026-11-16', to: '2026-11-16' }, compareTo: { from: '2026-11-09', to: '2026-11-09' },
    });
  });
});

describe('negations, conditions and follow-ups found by asking from the outside (7 December, second round)', () => {
  const q = (text: string, previous?: Intent) => ask(text, previous).metric?.query;

  it('leaves out what "non-", "everyone but", "not including" and "not from customers" name', () => {
    expect(q('CSI for non-Voltix pages last week')?.filters).toEqual([{ dimension: 'page', values: ['Voltix'], exclude: true }]);
    expect(q('non-bot response time yesterday')?.measure).toBe('humanResponseTime');
    expect(q('handoff rate for everyone but Voltix in november')?.filters).toEqual([{ dimension: 'page', values: ['Voltix'], exclude: true }]);
    expect(q('CSI not including weekends last month')?.filters).toEqual([{ dimension: 'weekday', values: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] }]);
    expect(q('messages not from customers yesterday')?.filters).toEqual([{ dimension: 'sender', values: ['customer'], exclude: true }]);
  });

  it('reads QA states said with "not", and refuses a figure left out of another', () => {
    expect(q('how many sessions were reviewed but not passed in november')?.filters).toEqual([{ dimension: 'qa_state', values: ['issue', 'fixed'] }]);
    expect(q('how many sessions have not been reviewed yet from november')?.filters).toEqual([{ dimension: 'qa_state', values: ['unchecked'] }]);
    expect(ask('sessions without a handoff yesterday').refusal).toContain('"without a handoff" is a condition');
    expect(ask('number of sessions without a bot reply last week').refusal).toContain('"without a bot reply"');
    expect(q('how many sessions were escalated last week')?.measure).toBe('handoffs');
  });

  it('refuses two breakdowns, a time asked of a count, and templates as a breakdown', () => {
    expect(ask('how many handoffs per page per week this month').refusal).toContain('one question gives one breakdown');
    expect(ask('how long do sessions wait before QA review').refusal).toContain('"how long" asks for a time');
    expect(ask('which template is used most').refusal).toContain('"which template" is not a breakdown');
  });

  it('answers what the catalogue holds in other words', () => {
    expect(q('which QA category scores lowest last month')).toMatchObject({ measure: 'qaCategoryScore', groupBy: 'qa_category', order: 'asc' });
    expect(q('which reviewer is most aligned with the team last month')).toMatchObject({ measure: 'reviewerAlignment', groupBy: 'reviewer' });
    expect(q('how long does it take on average to close a handoff case')?.measure).toBe('handoffResolveTime');
    expect(q('what fraction of CSAT surveys got answered on Voltix last month')).toMatchObject({ measure: 'csatResponseRate', filters: [{ dimension: 'page', values: ['Voltix'] }] });
    expect(ask('average CES on weekends vs weekdays last month').metric).toMatchObject({ query: { groupBy: 'weekday' }, notApplied: [] });
  });

  it('keeps the thread: the ranking the way round, QA states, who replied, what a score is over', () => {
    const worst = ask('which was worst', ask('break that down by agent', ask("how's CSI looking this month")));
    expect(q('what about last month', worst)).toMatchObject({ groupBy: 'agent', order: 'asc' });
    expect(ask('what about last month', worst).metric?.winner).toBe('worst');
    expect(q('what about issues', ask('and Sam Quinn?', ask('how many sessions did Olga Berg review last week')))?.filters).toEqual([
      { dimension: 'reviewer', values: ['Sam Quinn'] }, { dimension: 'qa_state', values: ['issue'] },
    ]);
    expect(q('bot only', ask('response time by hour yesterday'))).toMatchObject({ measure: 'responseTime', groupBy: 'hour', filters: [{ dimension: 'sender', values: ['bot'] }] });
    expect(q('and for bot-handled sessions', ask('QA score by agent last month'))).toMatchObject({ measure: 'qaScore', filters: [{ dimension: 'sender', values: ['bot'] }] });
  });
});

describe('QA categories, what stands now, disputes (7 December, second round)', () => {
  const withCategories = (q: string) => understand(q, { ...ctx, qaCategories: ['Tone', 'Policy', 'Accuracy', 'Resolution'] });

  it('filters by a scorecard category named with "category" or "score"', () => {
    expect(withCategories('qa score for the Tone category last month').metric?.query).toMatchObject({ measure: 'qaCategoryScore', filters: [{ dimension: 'qa_category', values: ['Tone'] }] });
    expect(withCategories('policy category average score last month').metric?.query.filters).toEqual([{ dimension: 'qa_category', values: ['Policy'] }]);
    // an everyday word that happens to be a category's label is no filter
    expect(withCategories('average resolution last month').metric?.query).toMatchObject({ measure: 'resolutionAchieved', filters: [] });
  });

  it('refuses a wait "right now", handoffs assigned over a period, and disputes as a figure', () => {
    expect(ask("what's the handoff wait at the moment").refusal).toContain('the human wait after a handoff is measured when a human answers');
    expect(ask('how many handoffs were assigned yesterday').refusal).toContain('how things stand now');
    expect(ask('how many qa reviews were disputed last month').refusal).toContain('/qa disputes');
    expect(ask('how many sessions are happening now').refusal).toContain('not as they stand now');
  });
});

describe('everyday questions found by asking from the outside (7 December, third round)', () => {
  const q = (text: string, previous?: Intent) => ask(text, previous).metric?.query;

  it('refuses a page named with the QA backlog instead of giving the whole queue', () => {
    expect(ask("what's the QA backlog on Voltix").refusal).toContain('I cannot split it by "Voltix"');
    expect(ask("what's the QA backlog").kind).toBe('qa_backlog');
  });

  it('reads the everyday words for CSAT, handoffs resolved, held handoffs and topics asked about', () => {
    for (const text of ['average customer rating last week', 'how satisfied were customers last week', 'avg star rating last month']) expect(q(text)?.measure, text).toBe('csatScore');
    expect(q('what % of customers were satisfied last month')?.measure).toBe('csatSatisfied');
    expect(q('how many surveys were answered yesterday')?.measure).toBe('csatResponses');
    expect(q('how long did it take us to resolve handoffs yesterday')?.measure).toBe('handoffResolveTime');
    expect(q('how quickly are handoffs resolved')?.measure).toBe('handoffResolveTime');
    expect(q('who is holding handoffs right now')).toMatchObject({ measure: 'handoffsAssigned', groupBy: 'agent' });
    expect(q('which page hands off the most last week')).toMatchObject({ measure: 'handoffs', groupBy: 'page', order: 'desc' });
    expect(q('what were customers asking about most last week')).toMatchObject({ measure: 'customerMessages', groupBy: 'topic' });
    expect(ask('what share of messages were about shipping last month').metric).toMatchObject({ query: { measure: 'customerMessages', groupBy: 'topic' }, focus: 'shipping_question' });
  });

  it('ranks days, weeks and QA categories, and reads "week over week"', () => {
    expect(q('bottom 5 days for CSI in October')).toMatchObject({ groupBy: 'day', order: 'asc', limit: 5 });
    expect(q('bottom 3 days by handoffs last month')).toMatchObject({ measure: 'handoffs', groupBy: 'day', order: 'asc', limit: 3 });
    expect(q('csi week over week for the last 4 weeks')).toMatchObject({ groupBy: 'week' });
    expect(q('lowest scoring QA category last month')).toMatchObject({ measure: 'qaCategoryScore', groupBy: 'qa_category', order: 'asc' });
    // "the last 5 days" stays a period
    expect(q('CSI for the last 5 days')?.groupBy).toBeUndefined();
  });

  it('follows a thread through pronouns, "only customers" and "overall"', () => {
    const handedOff = ask('how many of them were handed off', ask('how many sessions last week'));
    expect(handedOff.metric?.query).toMatchObject({ measure: 'handoffs', period: { from: '2026-11-09', to: '2026-11-15' } });
    expect(q('what percentage is that', handedOff)).toMatchObject({ measure: 'handoffRate' });
    expect(q('only customers', ask('by sender', ask('messages yesterday')))).toMatchObject({ measure: 'messages', filters: [{ dimension: 'sender', values: ['customer'] }] });
    const james = ask('and James Carter?', ask('avg human response time for Emma Novak last week'));
    expect(q('who was fastest overall', james)).toMatchObject({ groupBy: 'agent', order: 'asc', filters: [] });
  });
});

describe('readings said plainly (7 December, third round)', () => {
  it('reads CSAT responses after CSAT, "quick numbers" as no figure, and time spent as handling time', () => {
    const responses = ask('how many responses did they get', ask('CSAT by agent last month')).metric;
    expect(responses).toMatchObject({ query: { measure: 'csatResponses', groupBy: 'agent' }, notApplied: [] });
    expect(ask('quick numbers for this week so far').metric).toBeUndefined();
    expect(ask('how much time are we spending on conversations this month').metric?.query.measure).toBe('totalHandlingTime');
  });
});

describe('the share of what the question before counted', () => {
  it('"what share of all messages is that" after one sender\'s messages: that sender among all', () => {
    const humans = ask('human agent messages last week');
    expect(ask('what share of all messages is that', humans).metric).toMatchObject({
      query: { measure: 'messages', statistic: 'share', groupBy: 'sender', filters: [] }, focus: 'human_agent',
    });
    expect(ask('what percentage of all handoffs is that', ask('handoffs for Voltix last month')).metric).toMatchObject({
      query: { measure: 'handoffs', groupBy: 'page', filters: [], period: { from: '2026-10-01' } }, focus: 'Voltix',
    });
  });
});

describe('the chat around a question (7 December, fourth round)', () => {
  const q = (text: string) => ask(text).metric;

  it('answers everyday questions wrapped in greetings, thanks, idioms and abbreviations, with no note', () => {
    for (const text of [
      'which reviewer gave the lowest QA scores last month, if you don\'t mind', 'hey so basically i just need the overall CSI for last week, nothing fancy',
      'no rush, but can I get the QA issue rate by page for the last 30 days?', "out of interest, what's the bot containment been like this month",
      'in a nutshell, how many conversations did Voltix get this week', 'for the record, how many conversations did we handle in October?',
      'morning! what was the CSI in general for November, ta', 'afternoon all, CSI last week', 'many thanks, CSI last week', 'bottom line: CSI last week',
      'not sure if you can, but CSI last week', 'by and large how\'s our CSI this month', 'hiya, could you pull the handoff rate for last week',
    ]) {
      const m = q(text);
      expect(m, text).toBeDefined();
      expect(m?.notApplied, text).toEqual([]);
      expect((m?.query.filters ?? []).filter((f) => f.dimension !== 'page'), text).toEqual([]);
      expect(m?.query.statistic, text).not.toBe('min');
    }
    expect(q('thanks in advance, how many messages did customers send us yesterday')?.query).toMatchObject({ measure: 'customerMessages', filters: [] });
    expect(q('CSI last wk')?.query.period).toMatchObject({ from: '2026-11-09', to: '2026-11-15' });
    expect(q('handoffs last mth')?.query.period).toMatchObject({ from: '2026-10-01' });
    expect(q('cld u get me CSI by wk for the last 6 wks')?.query.groupBy).toBe('week');
    expect(q('how many customer msgs came in per hour yesterday')?.query).toMatchObject({ measure: 'customerMessages', groupBy: 'hour' });
  });

  it('reads more everyday words for figures, and ranks "the 3 slowest days"', () => {
    expect(q('on average, how long did it take us to get back to folks yesterday?')?.query.measure).toBe('responseTime');
    expect(q('how responsive were we last week')?.query.measure).toBe('responseTime');
    expect(q('what percentage of customers were happy last month')?.query.measure).toBe('csatSatisfied');
    expect(q('how many CSAT surveys did we get back last week')).toMatchObject({ query: { measure: 'csatResponses' }, notApplied: [] });
    expect(q('fwiw, how many sessions ended up with a human last week')?.query.measure).toBe('handoffs');
    expect(q('what were the 3 slowest days for first response last month')?.query).toMatchObject({ groupBy: 'day', order: 'desc', limit: 3 });
    expect(q('how did CSI compare between Voltix and Stride Shoes last month?')?.query).toMatchObject({ groupBy: 'page' });
    expect(q('how did CSI compare between Voltix and Stride Shoes last month?')?.query.compareTo).toBeUndefined();
  });

  it('still refuses what qualifies what is counted: words with digits, "marked as", "resolved handoffs"', () => {
    expect(ask('average handling time for P1 cases this month').refusal).toContain('"p1"');
    expect(ask('CSI for B2B clients this month').refusal).toContain('"b2b"');
    expect(ask('conversations marked as spam this month').refusal).toContain('"spam"');
    // (resolved handoffs are a figure now: the desk's closed cases)
    expect(ask('how many resolved handoffs last week').metric?.query.measure).toBe('handoffsClosed');
    // thanks said as what customers wrote stays the gratitude topic
    const withGratitude = understand('how many customer messages said thanks last week', { ...ctx, topics: [...(ctx.topics ?? []), 'gratitude'] });
    expect(withGratitude.metric?.query.filters).toEqual([{ dimension: 'topic', values: ['gratitude'] }]);
  });
});

describe('long and chatty messages (7 December, fourth round)', () => {
  it('answers a long message naming its chatter rather than refusing on it, and reads "first replies" and a spaced greeting', () => {
    const long = ask("Apologies for the long message but I've been asked to look at our QA process - basically I'd like to see how many QA changes each reviewer made last month, because I've got a feeling a couple of people are doing most of the work and I'd like to check that before I say anything");
    expect(long.metric?.query).toMatchObject({ measure: 'reviews', groupBy: 'reviewer' });
    expect(long.metric?.notApplied.at(-1)).toContain('I did not read');
    expect(ask('to be fair how quick were we at first replies on Monday').metric?.query.measure).toBe('firstResponse');
    expect(ask('morning all - could you tell me the CSI for Voltix last week').metric?.query.filters).toEqual([{ dimension: 'page', values: ['Voltix'] }]);
    expect(ask("Hey! Hope you're well. What was our CSI for November, by page? Thanks a million!").metric).toMatchObject({ query: { measure: 'csi', groupBy: 'page', filters: [] }, notApplied: [] });
  });
});

describe('daily averages of counts (7 December, fifth round)', () => {
  it('reads "average … per day", "daily average", "a day on average" as a daily average, and "per day" alone as a breakdown', () => {
    for (const q of ['average sessions per day last week', 'how many messages per day on average last week', 'daily average of conversations last week', 'average daily handoffs last week']) {
      expect(ask(q).metric?.query, q).toMatchObject({ statistic: 'perDay', period: { from: '2026-11-09', to: '2026-11-15' } });
      expect(ask(q).metric?.query.groupBy, q).toBeUndefined();
    }
    expect(ask('messages per day last week').metric?.query).toMatchObject({ groupBy: 'day' });
    expect(ask('messages per day last week').metric?.query.statistic).not.toBe('perDay');
    expect(ask('average response time per day last week').metric?.query).toMatchObject({ statistic: 'mean', groupBy: 'day' });
    expect(ask('average sessions per day by page last week').metric?.query).toMatchObject({ statistic: 'perDay', groupBy: 'page' });
  });

  it('divides a period still running by the days gone: "this month" on the 18th is 1–18 November', () => {
    const q = ask('average sessions per day this month').metric!;
    expect(q.query.period).toMatchObject({ from: '2026-11-01', to: '2026-11-18' });
    expect(q.query.period!.label).toContain('so far');
    // (every figure of a running period is counted to today, not only a daily average)
    expect(ask('sessions this month').metric?.query.period?.to).toBe('2026-11-18');
  });
});

describe('the future, forecasts and statistics not offered (7 December, fifth round)', () => {
  it('refuses a period still to come rather than counting 0, and forecasts and statistics it does not compute', () => {
    const refused = (q: string) => ask(q).refusal ?? '';
    expect(refused('how many sessions tomorrow')).toContain('has not happened yet');
    expect(refused('handoffs next month')).toContain('has not happened yet');
    expect(refused('predict csat for next month')).toContain('make no forecasts');
    expect(refused('will we hit 75 csi this month')).toContain('make no forecasts');
    expect(refused('standard deviation of response time last month')).toContain('"standard deviation" is a statistic I do not compute');
    expect(refused("what's the spread of CSI last week")).toContain('is a statistic I do not compute');
    // this week is running, not to come
    expect(ask('sessions this week').metric).toBeDefined();
  });
});

describe('conditions, verbs, filters and threads found in the fifth round (7 December)', () => {
  const q = (text: string, previous?: Intent) => ask(text, previous).metric?.query;
  it('refuses a figure said as a condition with "had", and a verb of what is counted it does not read', () => {
    expect(ask('how many unique conversations had a handoff last month').refusal).toContain('"had a handoff" is a condition');
    expect(ask('how many handoffs were resolved in november').metric?.query.measure).toBe('handoffsClosed');
    expect(ask('how many handoffs did James Carter resolve last week').metric?.query).toMatchObject({ measure: 'handoffsClosed', filters: f('agent', 'James Carter') });
    expect(ask('how many handoffs were reassigned last week').refusal).toContain('"reassigned"');
  });

  it('ranks topics by the response time when the speed is asked, and reads "holding" as the queue now', () => {
    expect(ask('which topic had the slowest response last month').metric?.query).toMatchObject({ measure: 'responseTime', groupBy: 'topic', order: 'desc' });
    expect(ask("who's holding the most handoffs").metric?.query).toMatchObject({ measure: 'handoffsAssigned', groupBy: 'agent' });
  });

  it('keeps every filter and breakdown said: "all pages but X", "top 2 weekdays", "per-weekday", "for the bot only", "only from customers"', () => {
    expect(ask('empathy for all pages but voltix last week').metric?.query.filters).toEqual([{ dimension: 'page', values: ['Voltix'], exclude: true }]);
    expect(ask('top 2 weekdays for handoff rate last month').metric?.query).toMatchObject({ groupBy: 'weekday', filters: [], limit: 2 });
    expect(ask('weekdays handoff rate last month').metric?.query.filters).toEqual(f('weekday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'));
    expect(ask('per-weekday median first response time in october').metric?.query).toMatchObject({ statistic: 'median', groupBy: 'weekday' });
    expect(ask('response time for the bot only last week').metric).toMatchObject({ query: { measure: 'responseTime', filters: f('sender', 'bot') }, notApplied: [] });
    expect(q('only from customers', ask('messages yesterday'))?.filters).toEqual(f('sender', 'customer'));
  });

  it('reads QA moves and fixes: "moved to fixed", "how many sessions did Olga fix"', () => {
    expect(ask('how many sessions moved to fixed last week').metric).toMatchObject({ query: { measure: 'reviewedSessions', filters: f('qa_state', 'fixed') }, notApplied: [] });
    expect(ask('how many sessions did Olga fix in october').metric?.query).toMatchObject({ measure: 'reviewedSessions', filters: [...f('reviewer', 'Olga Berg'), ...f('qa_state', 'fixed')] });
  });

  it('takes "what % were handed off" after a count of sessions as the handoff rate of those sessions', () => {
    expect(q('what % were handed off', ask('sessions on voltix yesterday'))).toMatchObject({ measure: 'handoffRate', filters: f('page', 'Voltix') });
  });
});

describe('questions refused that the catalogue answers (7 December, fifth round)', () => {
  const q = (text: string, previous?: Intent) => ask(text, previous).metric?.query;
  it('reads corrections as follow-ups: "no, I meant …", "no wait, …", "by agent, not page"', () => {
    expect(q('no, I meant the handoff rate', ask('csi last week'))).toMatchObject({ measure: 'handoffRate', period: { from: '2026-11-09', to: '2026-11-15' } });
    expect(q('no wait, last month', ask('csi last week'))).toMatchObject({ measure: 'csi', period: { from: '2026-10-01', to: '2026-10-31' } });
    expect(q('and break it down by agent, not page', ask('csi by page last week'))).toMatchObject({ measure: 'csi', groupBy: 'agent' });
    expect(ask('no handoffs last week?').refusal).toBeDefined();
  });

  it('reads "her", "p50", survey answers, issues a reviewer found, whole clock hours, a sort order and who resolves handoffs fastest', () => {
    expect(q('what about her csat', ask('csi for Maria Lopez last week'))).toMatchObject({ measure: 'csatScore', filters: f('agent', 'Maria Lopez') });
    expect(q('p50 csat last month')).toMatchObject({ measure: 'csatScore', statistic: 'median' });
    expect(ask('p75 csat last month').refusal).toContain('75th percentile');
    expect(q('how many people answered the survey on voltix last month')).toMatchObject({ measure: 'csatResponses', filters: f('page', 'Voltix') });
    expect(q('how many issues did Olga find last month')).toMatchObject({ measure: 'reviews', filters: [...f('reviewer', 'Olga Berg'), ...f('qa_state', 'issue')] });
    expect(q('messages at 3pm yesterday')?.filters).toEqual(f('hour', '15'));
    expect(q('messages in the 10am hour yesterday')?.filters).toEqual(f('hour', '10'));
    expect(q('csi by page last week in descending order')).toMatchObject({ groupBy: 'page', order: 'desc' });
    expect(q('csi by page last week in descending order')?.limit).toBeUndefined();
    expect(q('which agent resolves handoffs fastest last month')).toMatchObject({ measure: 'handoffResolveTime', groupBy: 'agent', order: 'asc' });
    expect(q('who is quickest to resolve handoffs last month')).toMatchObject({ measure: 'handoffResolveTime', groupBy: 'agent', order: 'asc' });
  });
});

describe('refused for the wrong reason, or read with a note that misleads (7 December, fifth round)', () => {
  const q = (text: string, previous?: Intent) => ask(text, previous).metric;
  it('reads the day ranked, handoffs taken before now, surveys sent, sort words, "the peak" in a thread; says causes are not told', () => {
    expect(q('highest number of messages in a single day last month')).toMatchObject({ query: { measure: 'messages', groupBy: 'day', order: 'desc' }, winner: 'highest' });
    expect(q('fewest handoffs in a day last month')).toMatchObject({ query: { groupBy: 'day', order: 'asc' }, winner: 'fewest' });
    expect(q('how many messages in a day on average last month')?.query.statistic).toBe('perDay');
    expect(q("what portion of last week's handoffs were taken by james carter")).toMatchObject({ query: { measure: 'handoffs', statistic: 'share', groupBy: 'agent' }, focus: 'James Carter' });
    expect(q('how many handoffs are taken by James Carter')?.query.measure).toBe('handoffsAssigned');
    expect(q('how many csat surveys were sent last month')?.query).toMatchObject({ measure: 'csatSurveys', statistic: 'count' });
    expect(q('csi by page last week sorted low to high')).toMatchObject({ query: { groupBy: 'page', order: 'asc' }, notApplied: [] });
    expect(q('how much did csi drop last week, by how much')?.notApplied).toEqual([]);
    expect(q('why did csi drop last week')?.remarks?.at(-1)).toContain('not why');
    expect(q('just the peak', ask('messages by hour yesterday'))).toMatchObject({ query: { groupBy: 'hour', order: 'desc' }, winner: 'highest' });
    expect(ask('how many distinct agents replied last week').refusal).toContain('not the people themselves');
  });
});

describe('threads that lost their context (7 December, fifth round)', () => {
  const q = (text: string, previous?: Intent) => ask(text, previous).metric;
  it('compares "vs James" with the agent before, breaks "by page" down over every page, and keeps weekdays for "the best day?"', () => {
    expect(q('vs james', ask('handling time for Maria Lopez last month'))).toMatchObject({
      query: { groupBy: 'agent', filters: [{ dimension: 'agent', values: ['Maria Lopez', 'James Carter'] }] }, notApplied: [],
    });
    const byPage = ask('by page', ask('csi for voltix last week'));
    expect(byPage.metric?.query).toMatchObject({ groupBy: 'page', filters: [] });
    expect(q('the worst one?', byPage)).toMatchObject({ query: { groupBy: 'page', order: 'asc' }, winner: 'worst' });
    expect(q('the best day?', ask('csi by weekday last month'))).toMatchObject({ query: { groupBy: 'weekday', order: 'desc' }, winner: 'best' });
  });
});

describe('the sixth outside round (7 December)', () => {
  const q = (text: string, previous?: Intent) => ask(text, previous).metric;
  it('compares two weekdays of a period named beside them, and the bot with humans where the figure splits by who replied', () => {
    expect(q('customer messages: monday vs friday last month')?.query).toMatchObject({ groupBy: 'weekday', filters: f('weekday', 'Monday', 'Friday'), period: { from: '2026-10-01', to: '2026-10-31' } });
    expect(q('compare bot and human csat last month')?.query).toMatchObject({ measure: 'csatScore', groupBy: 'sender' });
    expect(q('compare bot and human csat last month')?.query.compareTo).toBeUndefined();
    expect(ask('bot vs human first response last week').refusal).toContain('two figures');
  });

  it('takes the share of sessions said first, of "those" in a thread, and of one agent\'s CSAT answers', () => {
    expect(q('of all the sessions voltix had last month, what % got handed to a human')?.query).toMatchObject({ measure: 'handoffRate', filters: f('page', 'Voltix') });
    expect(q('what % of those were handed off', ask('voltix sessions last week'))?.query).toMatchObject({ measure: 'handoffRate', filters: f('page', 'Voltix') });
    expect(q("what share of James Carter's csat answers were satisfied last month")).toMatchObject({ query: { measure: 'csatSatisfied', filters: f('agent', 'James Carter') }, notApplied: [] });
    expect(q("how much of last week's customer messages were price questions")).toMatchObject({ query: { statistic: 'share', groupBy: 'topic' }, focus: 'price_inquiry' });
  });

  it('ranks "the agent with the highest …", "next to last", "bottom two", "slowest two", "top three"', () => {
    expect(q('the agent with the highest p90 handling time last month')).toMatchObject({ query: { statistic: 'p90', groupBy: 'agent', order: 'desc' }, winner: 'highest' });
    expect(q('next to last agent on handoffs last month')).toMatchObject({ query: { groupBy: 'agent', order: 'asc' }, place: 2 });
    expect(q('bottom two agents on csat last month')?.query).toMatchObject({ groupBy: 'agent', order: 'asc', limit: 2 });
    expect(q('slowest two pages for response time last week')?.query).toMatchObject({ groupBy: 'page', order: 'desc', limit: 2 });
    expect(q('top three agents for csi last month')?.query).toMatchObject({ groupBy: 'agent', order: 'desc', limit: 3 });
  });

  it('another channel than Messenger is refused as data not held; Messenger itself is read', () => {
    for (const question of ['how many messages from instagram last week', 'email response time last week', 'whatsapp messages yesterday']) {
      expect(ask(question).refusal).toMatch(/^I don't have data from other channels/);
    }
    expect(q('messenger response time last week')).toMatchObject({ query: { measure: 'responseTime' }, notApplied: [] });
  });

  it('a page, agent or reviewer named but not applied is refused, never answered for everyone', () => {
    expect(q('how many handoffs is emma novak holding right now')?.query.filters).toEqual(f('agent', 'Emma Novak'));
    expect(q('handling time for agents other than maria lopez last month')?.query.filters).toEqual(f('agent', 'James Carter', 'Maria Chen', 'Emma Novak'));
    // the guard itself: a name no slot used, unless it is the breakdown, the focus or said in a note
    const vocab = { pages: ctx.pages ?? [], agents: ctx.agents ?? [], reviewers: ctx.reviewers ?? [] };
    expect(nameLost('csi for voltix last week', vocab, { measure: 'csi', filters: [] }, undefined, [])).toBe('Voltix');
    expect(nameLost('csi for voltix last week', vocab, { measure: 'csi', filters: [], groupBy: 'page' }, undefined, [])).toBeUndefined();
    expect(nameLost('csi for voltix last week', vocab, { measure: 'csi', filters: [] }, 'Voltix', [])).toBeUndefined();
    expect(nameLost('csi for voltix last week', vocab, { measure: 'csi', filters: [] }, undefined, ['"voltix" (not read)'])).toBeUndefined();
  });

  it('reads follow-ups about the breakdown before: "who\'s worst?" after reviewers, "which day" after weekdays, "how many of those were issues?"', () => {
    const byReviewer = ask('issue rate by reviewer last month');
    expect(q("who's worst?", byReviewer)?.query).toMatchObject({ groupBy: 'reviewer', order: 'desc' });
    const byWeekday = ask('p90 first response time last month by weekday');
    expect(q('which day was worst?', byWeekday)?.query.groupBy).toBe('weekday');
    const changes = ask('qa changes by reviewer last month');
    expect(q('how many of those were issues?', changes)?.query).toMatchObject({ groupBy: 'reviewer', filters: f('qa_state', 'issue') });
  });

  it('reads comparatives, typos of short words and statistics it does not offer', () => {
    expect(q('how many fewer handoffs did stride have than voltix last month')?.query).toMatchObject({ groupBy: 'page', order: 'asc' });
    expect(q('csat more than last month')?.query.statistic).toBeUndefined();
    expect(q('handoff rat on voltix in november')?.query.measure).toBe('handoffRate');
    expect(q('how did bot csat compare with human csat in november')?.query.groupBy).toBe('sender');
    for (const question of ['geometric mean of handling time last month', 'skewness of response times', 'the correlation between csi and handoff rate']) {
      expect(ask(question).refusal).toContain('is a statistic I do not compute');
    }
    expect(ask('complaints about delivery last week').refusal).toContain('each customer message has one topic');
  });

  it('reads the question inside a long chatty message, says which words it read, and keeps a name said only in the chat', () => {
    const chatty = ask('hi there, hope your weekend was good! we had a rough few days with the new bot rollout; anyway could you tell me how many handoffs we had on stride shoes last week? no rush');
    expect(chatty.metric?.query).toMatchObject({ measure: 'handoffs', filters: f('page', 'Stride Shoes') });
    expect(chatty.metric?.remarks?.[0]).toMatch(/^I read "could you tell me how many handoffs we had on stride shoes last week\?( no rush)?" and took the rest of the message as conversation\.$/);
    expect(q('just checking in — nothing urgent — what was the average csat for humans last week?')?.query).toMatchObject({ measure: 'csatScore', filters: f('sender', 'human_agent') });
    expect(q('ok so I am prepping for the Monday standup and need the handoff rate for last week')?.query.measure).toBe('handoffRate');
    // a page named only in the chat stays in the question
    expect(q('Stride Shoes is struggling. What was the CSI last week?')?.query.filters).toEqual(f('page', 'Stride Shoes'));
    // a sentence of slot words only belongs to the question
    expect(q('CSI for Voltix: last week')?.query).toMatchObject({ measure: 'csi', filters: f('page', 'Voltix') });
  });

  it('refuses with the right reason, and reads QA acts said with "who"', () => {
    expect(ask('templates by success rate').refusal).toContain('"templates by" is not a breakdown I have');
    expect(q('qa isue rate last week')?.query.measure).toBe('issueRate');
    expect(ask('average customer messages per conversation last month').refusal).toContain('asks for one count divided by another');
    expect(ask('handling time for the bot vs humans last month').refusal).toContain('handling time is not split by who replied');
    expect(ask('bot first response vs human first response last week').refusal).toContain('are two figures, asked one at a time');
    expect(ask("what's the best page").refusal).toMatch(/^Best or worst by which figure\?/);
    expect(q('who fixed the most sessions in november')?.query).toMatchObject({ measure: 'reviewedSessions', groupBy: 'reviewer', filters: f('qa_state', 'fixed') });
    expect(q('who has the most handoffs last month')?.query.groupBy).toBe('agent');
  });

  it('the eighth outside round: left out "those taken by", bot vs human said with "compare … with", places, desk verbs, typos, thresholds', () => {
    expect(q('handoffs last week apart from those taken by james')?.query.filters).toEqual([{ dimension: 'agent', values: ['James Carter'], exclude: true }]);
    expect(q('handoffs last week excluding those taken by james')?.query.filters).toEqual([{ dimension: 'agent', values: ['James Carter'], exclude: true }]);
    expect(q('compare csat for the bot with csat for humans in october')?.query.groupBy).toBe('sender');
    expect(q("how does the bot's csat compare with the humans' last month")?.query.groupBy).toBe('sender');
    expect(q('which page is third?', ask('csi by page last week'))?.place).toBe(3);
    expect(q('which agent resolved the most handoffs last month')).toMatchObject({ query: { measure: 'handoffsClosed', groupBy: 'agent' }, notApplied: [] });
    expect(q('how many handoff cases did emma close last month')?.query).toMatchObject({ measure: 'handoffsClosed', filters: f('agent', 'Emma Novak') });
    expect(q('how many csat surveys did emma get last month')?.query).toMatchObject({ measure: 'csatSurveys', filters: f('agent', 'Emma Novak') });
    expect(ask('csi between 50 and 70 last week').refusal).toContain('"between 50 and 70" is a threshold');
    expect(q('handoffs between 1 and 15 november')?.query.period).toMatchObject({ from: '2026-11-01', to: '2026-11-15' });
    expect(q('firts respons time yday')?.query.measure).toBe('firstResponse');
    expect(q('handling time for jmes last month')?.query.filters).toEqual(f('agent', 'James Carter'));
    expect(q('csi lst wk')?.query.measure).toBe('csi');
  });

  it('the eighth outside round, threads and QA: "who\'s third?" after pages, "of those were flagged", a bare "csat?", "flag as issue", "aren\'t issues", no figure named', () => {
    expect(q("who's third?", ask('csi by page last week'))?.query.groupBy).toBe('page');
    expect(q('how many of those were flagged as issue?', ask('sessions reviewed last month'))?.query).toMatchObject({
      measure: 'reviewedSessions', period: { from: '2026-10-01', to: '2026-10-31' }, filters: f('qa_state', 'issue'),
    });
    expect(q('csat?', ask('and voltix', ask('handoffs last week')))?.query).toMatchObject({ measure: 'csatScore', filters: f('page', 'Voltix') });
    expect(q('how many sessions did olga flag as issue last month')?.query).toMatchObject({ measure: 'reviewedSessions', filters: [...f('reviewer', 'Olga Berg'), ...f('qa_state', 'issue')] });
    expect(q("sessions that aren't issues last month")?.query.filters).toEqual(f('qa_state', 'unchecked', 'passed', 'fixed'));
    expect(q("sessions that aren't in issue state last month")?.query.filters).toEqual(f('qa_state', 'unchecked', 'passed', 'fixed'));
    expect(ask('and voltix').refusal).toMatch(/^Which figure do you mean\?/);
    expect(ask('was last week good?').refusal).toMatch(/^Which figure do you mean\?/);
  });

  it('the ninth outside round: "leaving out those picked up by", "a real person", "only issues", "issues by reviewer", "and the week before", "and second?", a correction of a short part', () => {
    expect(q('handoffs last week leaving out those picked up by james')?.query.filters).toEqual([{ dimension: 'agent', values: ['James Carter'], exclude: true }]);
    expect(q('share of voltix sessions that needed a real person last month')?.query).toMatchObject({ measure: 'handoffRate', filters: f('page', 'Voltix') });
    expect(q('only issues', ask('qa changes by reviewer last month'))?.query).toMatchObject({ measure: 'reviews', groupBy: 'reviewer', filters: f('qa_state', 'issue') });
    expect(q('how many issues did each reviewer find last month')?.query).toMatchObject({ measure: 'reviews', groupBy: 'reviewer', filters: f('qa_state', 'issue') });
    expect(q('handoffs last week... and the week before??')?.query).toMatchObject({ period: { from: '2026-11-09' }, compareTo: { from: '2026-11-02', to: '2026-11-08' } });
    const quickest = ask("who's quickest?", ask('median human first response by agent last month'));
    expect(q('and second?', quickest)).toMatchObject({ place: 2, query: { groupBy: 'agent' } });
    expect(q('csi last week, stride shoes, no sorry, voltix')?.query.filters).toEqual(f('page', 'Voltix'));
    // a page corrected by a page: the one after "no" replaces it, never both pages (tests/understand-leave-out.test.ts)
    expect(q('handoffs for voltix, no, stride shoes')?.query.filters).toEqual(f('page', 'Stride Shoes'));
    expect(q('hanoffs lats week')?.query.measure).toBe('handoffs');
    expect(q('handoffs by pgae last month')?.query.groupBy).toBe('page');
    expect(ask('give me everything for last week').refusal).toMatch(/^Which figure do you mean\?/);
  });

  it('a paraphrase grid (measure × period × filter × breakdown × word order): "by James by page", "by Noah the week before last", "on Voltix each month", "by day of week 2 weeks ago"', () => {
    expect(q('handoffs handled by james by page in october')?.query).toMatchObject({ groupBy: 'page', filters: f('agent', 'James Carter') });
    expect(q('sessions by james per brand last week')?.query).toMatchObject({ groupBy: 'page', filters: f('agent', 'James Carter') });
    expect(q('csi handled by emma by weekday last week')?.query).toMatchObject({ groupBy: 'weekday', filters: f('agent', 'Emma Novak') });
    const noah = q('mean csi by james the week before last');
    expect(noah?.query.groupBy).toBeUndefined();
    expect(noah?.query.period).toMatchObject({ from: '2026-11-02', to: '2026-11-08' });
    expect(q('csi on voltix each month this year')?.query).toMatchObject({ groupBy: 'month', filters: f('page', 'Voltix'), period: { from: '2026-01-01' } });
    expect(q('csi on weekends each month this year')?.query).toMatchObject({ groupBy: 'month', filters: f('weekday', 'Saturday', 'Sunday') });
    expect(q('customer messages by day of week 2 weeks ago')?.query).toMatchObject({ groupBy: 'weekday', period: { from: '2026-11-02', to: '2026-11-08' } });
    expect(q('handoffs for voltix by week 3 days ago')?.query).toMatchObject({ groupBy: 'week', period: { from: '2026-11-15', to: '2026-11-15' } });
    // a week of the year is still read
    expect(q('handoffs in week 40')?.query.period).toMatchObject({ from: '2026-09-28', to: '2026-10-04' });
    // a breakdown after a name and "for every": kept (and refused where the figure has none), never dropped
    expect(ask('qa changes yesterday by olga for every agent').refusal).toMatch(/cannot be broken down by agent/);
    expect(q('% satisfied broken down by weekday last month')?.query).toMatchObject({ measure: 'csatSatisfied', groupBy: 'weekday' });
    expect(q('share satisfied in october')?.query.measure).toBe('csatSatisfied');
  });

  it('reads verbs of the desk and QA states said with "not"', () => {
    expect(q('handoffs resolved by james carter in november')?.query).toMatchObject({ measure: 'handoffsClosed', filters: f('agent', 'James Carter') });
    expect(q('which agent wraps up handoffs the fastest')?.query).toMatchObject({ measure: 'handoffResolveTime', groupBy: 'agent' });
    expect(q('how many handoffs did emma pick up last week')?.query).toMatchObject({ measure: 'handoffs', filters: f('agent', 'Emma Novak') });
    expect(q("sessions that aren't fixed last month")?.query.filters).toEqual(f('qa_state', 'unchecked', 'passed', 'issue'));
    expect(q('qa changes in november apart from those by olga')?.query.filters).toEqual([{ dimension: 'reviewer', values: ['Olga Berg'], exclude: true }]);
  });

  it('keeps filters the right way round: "other than by", "not in issue state", "agents other than Maria", "bot-handled" named', () => {
    expect(q('qa changes other than by olga last month')?.query.filters).toEqual([{ dimension: 'reviewer', values: ['Olga Berg'], exclude: true }]);
    expect(q('reviewed sessions not in issue state last month')?.query.filters).toEqual(f('qa_state', 'passed', 'fixed'));
    expect(q('handling time for agents other than maria lopez last month')?.query).toMatchObject({ filters: f('agent', 'James Carter', 'Maria Chen', 'Emma Novak') });
    expect(q('handling time for agents other than maria lopez last month')?.query.groupBy).toBeUndefined();
    expect(q('issue rate for bot-handled sessions last month')?.notApplied[0]).toContain('"bot"');
    expect(ask('customer messages answered by the bot last week').refusal).toContain('written by customers');
  });

  it('reads units, topics left out with "not about", thanks and "analyse" around a question, one-word questions, "busier, Tuesday or Wednesday"', () => {
    expect(q('average response time in minutes last week')).toMatchObject({ query: { measure: 'responseTime', statistic: 'mean' }, notApplied: [] });
    expect(q('first response in seconds yesterday')).toMatchObject({ query: { measure: 'firstResponse' }, notApplied: [] });
    expect(q('customer messages not about shipping last week')?.query.filters).toEqual([{ dimension: 'topic', values: ['shipping_question'], exclude: true }]);
    expect(q("customer messages that weren't about shipping last week")?.query.filters).toEqual([{ dimension: 'topic', values: ['shipping_question'], exclude: true }]);
    expect(q('great thanks a ton, how many handoffs last week')).toMatchObject({ query: { measure: 'handoffs', filters: [] }, notApplied: [] });
    expect(q('can you analyse csi last week')?.notApplied).toEqual([]);
    expect(q('queue?')?.query.measure).toBe('handoffsWaiting');
    expect(q('templates')?.query.measure).toBe('templateUses');
    expect(q('which was busier, tuesday or wednesday last week')?.query).toMatchObject({ groupBy: 'weekday', filters: f('weekday', 'Tuesday', 'Wednesday') });
  });

  it('reads "picked up by", "closes handoffs quickest", "no — Oakhaven", "between 8pm and midnight", "got a CSAT survey"', () => {
    expect(q('handoffs picked up by james carter last week')).toMatchObject({ query: { measure: 'handoffs', filters: f('agent', 'James Carter') }, notApplied: [] });
    expect(q('which agent closes handoffs quickest last month')?.query).toMatchObject({ measure: 'handoffResolveTime', groupBy: 'agent', order: 'asc' });
    expect(q('no — voltix', ask('handoff rate by page last week'))?.query).toMatchObject({ measure: 'handoffRate', filters: f('page', 'Voltix') });
    expect(q('messages between 8pm and midnight yesterday')?.query.filters).toEqual(f('hour', '20', '21', '22', '23'));
    expect(q('and how many of them got a csat survey?', ask('sessions last week'))?.query).toMatchObject({ measure: 'csatSurveys', statistic: 'count' });
  });

  it('counts closed handoff cases; reads "how many minutes", "the most active reviewer"; refuses the CSAT answers of one score', () => {
    expect(q('how many handoff cases were closed last week')?.query).toMatchObject({ measure: 'handoffsClosed', statistic: 'count' });
    expect(q('how long does it take to resolve handoffs last month')?.query.measure).toBe('handoffResolveTime');
    expect(q('how many minutes was first response last week')).toMatchObject({ query: { measure: 'firstResponse' }, notApplied: [] });
    expect(q('who was the second most active reviewer last month')).toMatchObject({ query: { measure: 'reviews', groupBy: 'reviewer', order: 'desc' }, place: 2 });
    expect(ask('what proportion of csat answers were a 5 last month').refusal).toContain('a given score ("5")');
    expect(q('what share of csat answers were 4 or 5 last month')?.query.measure).toBe('csatSatisfied');
  });

  it('reads "the second one?" after a breakdown as its second row, and refuses counts of templates and calibrations saying what it has', () => {
    expect(q('the second one?', ask('handoff rate by page last week'))).toMatchObject({ query: { groupBy: 'page', order: 'desc' }, place: 2 });
    expect(ask('the second one?').kind).not.toBe('metric');
    expect(ask('how many templates do we have').refusal).toContain('their uses and success rate');
    expect(ask('how many calibrations were closed last month').refusal).toContain('reviewer alignment');
  });

  it('refuses the state now counted over a period, the mode and a standard deviation; reads "which reviewer passes the most"', () => {
    expect(ask('how many issue sessions are there now').refusal).toContain('not as they stand now');
    expect(ask('most common csat score last month').refusal).toContain('a statistic I do not compute');
    expect(ask('standard dev of csi last week').refusal).toContain('a statistic I do not compute');
    expect(q('which reviewer passes the most last month')?.query).toMatchObject({ measure: 'reviews', groupBy: 'reviewer', filters: f('qa_state', 'passed') });
  });
});

describe('places in a ranking (7 December, fifth round)', () => {
  it('reads "second best", "third busiest", "came second", "runner-up" as that place, and "came last" as the worst', () => {
    expect(ask('which was the second best page for csi last month').metric).toMatchObject({ query: { groupBy: 'page', order: 'desc' }, winner: 'best', place: 2 });
    expect(ask('the fourth best agent for csi last month').metric).toMatchObject({ query: { groupBy: 'agent', order: 'desc', limit: 6 }, place: 4 });
    expect(ask('which agent came second for handoffs last month').metric).toMatchObject({ query: { measure: 'handoffs', groupBy: 'agent', order: 'desc' }, place: 2 });
    expect(ask('the runner-up agent on csat last month').metric).toMatchObject({ query: { measure: 'csatScore', groupBy: 'agent', order: 'desc' }, place: 2 });
    expect(ask('which page came last on csi last month').metric).toMatchObject({ query: { groupBy: 'page', order: 'asc' }, winner: 'worst' });
    expect(ask('which page was best for csi last month').metric?.place).toBeUndefined();
  });
});

describe('what a share is of, and the part asked about (7 December, fifth round)', () => {
  it('takes the names in "share of X" as what the share is of, and the part after as the group shown first', () => {
    const ofStride = ask("what share of stride's customer messages were about shipping last month").metric!;
    expect(ofStride.query).toMatchObject({ measure: 'customerMessages', statistic: 'share', groupBy: 'topic', filters: f('page', 'Stride Shoes') });
    expect(ofStride.focus).toBe('shipping_question');
    // a page said with "on" beside the part is where the share is taken
    expect(ask('share of customer messages that were complaints on voltix last month').metric).toMatchObject({ query: { groupBy: 'topic', filters: f('page', 'Voltix') }, focus: 'complaint' });
    // … and a page that is the part itself stays the part
    expect(ask('what share of handoffs were on Voltix last month').metric).toMatchObject({ query: { measure: 'handoffs', groupBy: 'page', filters: [] }, focus: 'Voltix' });
    expect(ask('what share of Voltix messages last week').metric).toMatchObject({ query: { groupBy: 'page' }, focus: 'Voltix' });
  });

  it('reads the share of a page\'s sessions handed over as that page\'s handoff rate, and refuses a share of several values together', () => {
    expect(ask("what % of voltix's sessions went to a human last week").metric?.query).toMatchObject({ measure: 'handoffRate', filters: f('page', 'Voltix') });
    expect(ask('share of voltix sessions with a handoff yesterday').metric?.query).toMatchObject({ measure: 'handoffRate', filters: f('page', 'Voltix') });
    expect(ask('what share of complaints were on weekends last month').refusal).toContain('Saturday and Sunday together');
  });
});

describe('the handoff queue and the wait after a handoff, said plainly', () => {
  it('"sitting in the queue" is the queue now; "how long are people waiting for a human after a handoff" the wait', () => {
    expect(ask('how many handoffs are sitting in the queue at the moment').metric?.query.measure).toBe('handoffsWaiting');
    expect(ask('how long on average are people waiting for a human after a handoff this month?').metric?.query).toMatchObject({ measure: 'handoffWait', statistic: 'mean' });
  });
});
