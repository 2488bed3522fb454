import { describe, expect, it } from 'vitest';
import { REPERTOIRE, understand, type Intent, type IntentContext, type IntentKind } from '../src/domain/intents.ts';
import { TOPIC_WORDS } from '../src/domain/intent-words.ts';
import { parsePeriod, previousPeriod, shiftBack, type Period } from '../src/domain/periods.ts';
import type { MetricIntent } from '../src/domain/semantic/understand.ts';
import type { MetricQuery } from '../src/domain/semantic/query.ts';

// A Wednesday; 11:00 in Berlin.
const NOW = new Date('2026-11-18T10:00:00Z');
const TZ = 'Europe/Berlin';
const PAGES = ['Acme Home', 'Acme Outlet', 'Stride Shoes'];
const AGENTS = ['Maria Lopez', 'James Carter', 'Maria Chen', 'Emma Novak'];

// topic names as the classifier writes them (messages.classification)
const TOPICS = ['complaint', 'shipping_question', 'return_request', 'price_inquiry', 'availability_check', 'account_issue', 'human_request', 'general_inquiry'];

const base: IntentContext = { now: NOW, timeZone: TZ, pages: PAGES, agents: AGENTS, topics: TOPICS };
const ask = (question: string, extra: Partial<IntentContext> = {}) => understand(question, { ...base, ...extra });
const period = (text: string, now = NOW, timeZone = TZ): Period => {
  const p = parsePeriod(text, now, timeZone);
  if (!p) throw new Error(`no period in "${text}"`);
  return p;
};
const after = (previousQuestion: string, question: string) => ask(question, { previous: ask(previousQuestion) });

const days = (p: Period) => ({ from: p.from, to: p.to, label: p.label });
/** The query's period: a period still running is counted to today (Wed 18 Nov) and labelled "so far". */
const asked = (p: Period) => (p.from <= '2026-11-18' && p.to > '2026-11-18' ? { from: p.from, to: '2026-11-18', label: expect.stringMatching(/ so far \(/) as string } : days(p));

/** The catalogue query a question must read as: measure and period, then the other slots. */
const query = (measure: string, p: Period, slots: Omit<Partial<MetricQuery>, 'measure' | 'period'> = {}): MetricQuery => ({
  measure, period: asked(p), filters: [], ...slots,
});

/** The whole intent of a catalogue question; `more` for winner, notApplied, a default period or a chart. */
const metric = (q: MetricQuery, p: Period, more: Partial<MetricIntent> = {}): Intent => ({
  kind: 'metric',
  metric: { query: q, period: p, notApplied: [], periodDefaulted: false, chart: false, ...more },
  ...(more.chart ? { chart: true } : {}),
});


describe('understand: CSI', () => {
  it('reads the CSI for a named period', () => {
    expect(ask('What was the CSI last week?')).toEqual(metric(query('csi', period('last week')), period('last week')));
  });

  it.each([
    ['CSI by page this month', 'page'],
    ['CSI by agent this month', 'agent'],
    ['CSI per day this month', 'day'],
    ['daily CSI this month', 'day'],
    ['csi broken down by pages this month', 'page'],
  ] as const)('%s → groupBy %s', (question, groupBy) => {
    expect(ask(question)).toEqual(metric(query('csi', period('this month'), { groupBy }), period('this month')));
  });

  it('defaults to the last 7 days and says so', () => {
    const p = period('last 7 days');
    expect(ask('how is our CSI?')).toEqual(metric(query('csi', p), p, { periodDefaulted: true }));
  });

  it('marks a chart request on a grouped CSI without turning it into a trend', () => {
    const p = period('last week');
    expect(ask('CSI by page as a chart last week')).toEqual(metric(query('csi', p, { groupBy: 'page' }), p, { chart: true }));
  });
});

describe('understand: CSI trend', () => {
  it('reads the trend over a period as CSI per day', () => {
    const p = period('last 30 days');
    expect(ask('Show the CSI trend for the last 30 days')).toEqual(metric(query('csi', p, { groupBy: 'day' }), p));
  });

  it('defaults a trend to the last 30 days, since a week shows too little', () => {
    const p = period('last 30 days');
    expect(ask('CSI trend')).toEqual(metric(query('csi', p, { groupBy: 'day' }), p, { periodDefaulted: true }));
  });

  it('takes a chart of CSI without grouping as CSI per day', () => {
    const p = period('since 1 October');
    expect(ask('plot CSI since 1 October')).toEqual(metric(query('csi', p, { groupBy: 'day' }), p, { chart: true }));
  });
});

describe('understand: CSI comparisons', () => {
  // a running period is compared whole with the one before, and a remark says so (Wed 18 Nov: 3 days of the week, 18 of the month)
  const WEEK_SO_FAR = 'This week is still running: its figure covers its first 3 days, against all 7 days of last week.';
  const MONTH_SO_FAR = 'This month is still running: its figure covers its first 18 days, against all 31 days of last month.';
  it.each([
    ["Compare this week's CSI with last week's", 'this week', 'last week', WEEK_SO_FAR],
    ['compare CSI in October vs September', 'October', 'September', undefined],
    ['CSI this month vs last month', 'this month', 'last month', MONTH_SO_FAR],
    ['CSI this month versus last month', 'this month', 'last month', MONTH_SO_FAR],
    ['How does CSI this week compare to last week?', 'this week', 'last week', WEEK_SO_FAR],
  ])('%s', (question, first, second, remark) => {
    expect(ask(question)).toEqual(metric(query('csi', period(first), { compareTo: days(period(second)) }), period(first), remark ? { remarks: [remark] } : {}));
  });

  it('compares one named period with the one before it, also against "usual"', () => {
    const lastMonth = period('last month');
    expect(ask('compare CSI last month')).toEqual(metric(query('csi', lastMonth, { compareTo: days(previousPeriod(lastMonth)) }), lastMonth));
    const lastWeek = period('last week');
    expect(ask('What was our CSI last week compared to usual?')).toEqual(
      metric(query('csi', lastWeek, { compareTo: days(previousPeriod(lastWeek)) }), lastWeek),
    );
  });

  it('reads a relative second period against the first', () => {
    const i = ask('CSI last week compared to the week before');
    expect(i.metric?.query.compareTo).toEqual(days(shiftBack(period('last week'), 'week')));
  });

  it('keeps a range written with "and" whole', () => {
    const q = ask('compare CSI between 1 Oct and 15 Oct vs the period before').metric?.query;
    expect([q?.period?.from, q?.period?.to]).toEqual(['2026-10-01', '2026-10-15']);
    expect([q?.compareTo?.from, q?.compareTo?.to]).toEqual(['2026-09-16', '2026-09-30']);
  });

  it('defaults to the last 7 days against the 7 days before', () => {
    const p = period('last 7 days');
    expect(ask('compare CSI')).toEqual(metric(query('csi', p, { compareTo: days(previousPeriod(p)) }), p, { periodDefaulted: true }));
  });

  it('names a compare target it cannot read instead of dropping it', () => {
    expect(ask('CSI last week compared to our competitors').metric?.notApplied).toEqual(['"our competitors" (not a period or page I could compare with)']);
  });
});

describe('understand: topics', () => {
  const topics = (p: Period, slots: Omit<Partial<MetricQuery>, 'measure' | 'period'> = {}) =>
    query('customerMessages', p, { groupBy: 'topic', order: 'desc', ...slots });

  it('reads top N topics in complaints as customer messages by topic, filtered to complaints', () => {
    const p = period('this month');
    expect(ask('Top 5 topics in complaints this month')).toEqual(
      metric(topics(p, { filters: [{ dimension: 'topic', values: ['complaint'] }], limit: 5 }), p),
    );
  });

  it('defaults to the top 5 of the last 7 days', () => {
    const p = period('last 7 days');
    expect(ask('top topics')).toEqual(metric(topics(p, { limit: 5 }), p, { periodDefaulted: true }));
  });

  it.each([
    ['top 3 topics in complaints', 'complaint', 3],
    ['top ten topics about shipping', 'shipping_question', 10],
    ['topics in delivery questions', 'shipping_question', undefined],
    ['topics in returns', 'return_request', undefined],
    ['topics among refunds', 'return_request', undefined],
    ['topics about prices', 'price_inquiry', undefined],
    ['topics about stock', 'availability_check', undefined],
    ['topics for account problems', 'account_issue', undefined],
    ['topics in human requests', 'human_request', undefined],
    ['topics in human_request', 'human_request', undefined],
    ['what do customers complain about?', 'complaint', undefined],
  ])('%s → topic filter %s', (question, topic, limit) => {
    const p = period('last 7 days');
    expect(ask(question)).toEqual(
      metric(topics(p, { filters: [{ dimension: 'topic', values: [topic] }], ...(limit ? { limit } : {}) }), p, { periodDefaulted: true }),
    );
  });

  it('maps words only to classifications the seed writes', () => {
    // src/db/seed/phrases.ts and extras.ts; general_inquiry comes from dialogue.ts.
    const seeded = [
      'price_inquiry', 'availability_check', 'shipping_question', 'return_request', 'complaint',
      'account_issue', 'human_request', 'gratitude', 'general_inquiry', 'first_contact',
    ];
    expect(TOPIC_WORDS.every(([, c]) => seeded.includes(c))).toBe(true);
  });

  it('reads a topic word as a filter only on topics the data has, and refuses one it does not have', () => {
    // answering every topic would drop the word: it is named back instead
    const i = ask('topics about shipping', { topics: ['complaint'] });
    expect(i.kind).toBe('refuse');
    expect(i.refusal).toContain('I don\'t know the word "shipping" here');
    const p = period('last 7 days');
    expect(ask('topics about complaints', { topics: ['complaint'] })).toEqual(
      metric(topics(p, { filters: [{ dimension: 'topic', values: ['complaint'] }] }), p, { periodDefaulted: true }),
    );
  });
});

describe('understand: response times and agents', () => {
  it.each([
    ['What is the average response time this week?', 'responseTime', 'mean'],
    ['What is the first response time this week?', 'firstResponse', undefined],
    ['first-response time this week', 'firstResponse', undefined],
  ] as const)('%s → %s', (q, measure, statistic) => {
    const p = period('this week');
    expect(ask(q)).toEqual(metric(query(measure, p, statistic ? { statistic } : {}), p));
  });

  it('reads "how fast do we reply" with the default period', () => {
    const p = period('last 7 days');
    expect(ask('how fast do we reply')).toEqual(metric(query('responseTime', p), p, { periodDefaulted: true }));
  });

  it('ranks the slowest agents by their own replies, 5 unless a number is asked', () => {
    const p = period('last 7 days');
    expect(ask('top 3 slowest agents')).toEqual(
      metric(query('humanResponseTime', p, { groupBy: 'agent', order: 'desc', limit: 3 }), p, { periodDefaulted: true }),
    );
    expect(ask('slowest agents')).toEqual(
      metric(query('humanResponseTime', p, { groupBy: 'agent', order: 'desc', limit: 5 }), p, { periodDefaulted: true }),
    );
    const y = period('yesterday');
    expect(ask('who were the 2 slowest to reply yesterday')).toEqual(
      metric(query('humanResponseTime', y, { groupBy: 'agent', order: 'desc', limit: 2 }), y),
    );
  });

  it('ranks agents by human first response: a session counts for the first human who replied in it', () => {
    expect(ask('Which agent had the slowest first response time last month?')).toMatchObject({
      kind: 'metric', metric: { query: { measure: 'humanFirstResponse', groupBy: 'agent', order: 'desc', period: days(period('last month')) }, winner: 'slowest' },
    });
  });
});

describe('understand: other kinds', () => {
  it('reads the QA backlog without a period', () => {
    expect(ask('How many sessions are waiting for QA?')).toEqual({ kind: 'qa_backlog' });
    expect(ask('QA backlog')).toEqual({ kind: 'qa_backlog' });
    expect(ask('oldest 20 sessions waiting for QA')).toEqual({ kind: 'qa_backlog', topN: 20 });
    expect(ask('how many sessions are waiting for review right now')).toEqual({ kind: 'qa_backlog' });
    expect(ask('how is QA going?')).toEqual({ kind: 'qa_backlog' });
  });

  it('reads "which sessions should we review first" as the risk-ranked queue, not a count of sessions', () => {
    expect(ask('Which sessions should we review first?')).toEqual({ kind: 'qa_backlog', qaOrder: 'risk' });
    expect(ask('show me the riskiest sessions in the QA queue')).toEqual({ kind: 'qa_backlog', qaOrder: 'risk' });
    expect(ask('what should I review next?')).toEqual({ kind: 'qa_backlog', qaOrder: 'risk' });
    expect(ask('top 3 risky sessions')).toEqual({ kind: 'qa_backlog', qaOrder: 'risk', topN: 3 });
  });

  it('reads a QA question with a period as a catalogue query, not the backlog', () => {
    const p = period('this month');
    expect(ask('how many unchecked sessions this month')).toEqual(
      metric(query('qaSessions', p, { statistic: 'count', filters: [{ dimension: 'qa_state', values: ['unchecked'] }] }), p),
    );
    expect(ask('QA issue rate last month')).toEqual(metric(query('issueRate', period('last month')), period('last month')));
  });

  it('reads volumes', () => {
    const y = period('yesterday');
    expect(ask('How many conversations did we have yesterday?')).toEqual(metric(query('conversations', y, { statistic: 'count' }), y));
    const w = period('last week');
    expect(ask('message volume last week')).toEqual(metric(query('messages', w), w));
  });

  it('reads containment and the handoff rate', () => {
    const m = period('this month');
    expect(ask('bot containment rate this month')).toEqual(metric(query('containment', m), m));
    const d = period('last 7 days');
    expect(ask('handoff rate')).toEqual(metric(query('handoffRate', d), d, { periodDefaulted: true }));
  });

  it('reads the worst conversations, 10 by default', () => {
    expect(ask('worst conversations last week')).toEqual({ kind: 'worst_conversations', topN: 10, period: period('last week') });
    expect(ask('lowest CSI chats')).toMatchObject({ kind: 'worst_conversations', topN: 10, periodDefaulted: true });
    expect(ask('the 3 worst chats this month')).toMatchObject({ kind: 'worst_conversations', topN: 3 });
  });

  it.each([
    ['summarise conversation 42', 42],
    ['show chat #42', 42],
    ['Show me conversation no. 7', 7],
    ['#15', 15],
  ])('%s → conversation %i', (question, conversationId) => {
    expect(ask(question)).toEqual({ kind: 'conversation', conversationId });
  });

  it('does not take any "#n" for a conversation: "the #1 topic" is the winning topic', () => {
    const p = period('this week');
    expect(ask('what is the #1 topic this week?')).toEqual(
      metric(query('customerMessages', p, { groupBy: 'topic', order: 'desc', limit: 5 }), p, { winner: 'top' }),
    );
  });
});

describe('understand: SQL', () => {
  it('strips the "sql:" prefix', () => {
    expect(ask('sql: select count(*) from analytics.messages')).toEqual({ kind: 'sql', sql: 'select count(*) from analytics.messages' });
    expect(ask('SQL select 1')).toEqual({ kind: 'sql', sql: 'select 1' });
  });

  it('takes a question that is a SELECT or a WITH query whole', () => {
    expect(ask('  SELECT page, count(*) FROM analytics.conversations GROUP BY 1 ')).toEqual({
      kind: 'sql',
      sql: 'SELECT page, count(*) FROM analytics.conversations GROUP BY 1',
    });
    const cte = 'with recent as (select * from analytics.messages) select count(*) from recent';
    expect(ask(cte)).toEqual({ kind: 'sql', sql: cte });
  });

  it('does not take an English sentence beginning with "with" for SQL', () => {
    expect(ask('With the new bot live, how is CSI?').metric?.query.measure).toBe('csi');
  });
});

describe('understand: help and unknown', () => {
  it.each(['help', 'Help!', 'What can you do?', 'what can I ask?', 'hi, help please'])('%s → help', (q) => {
    expect(ask(q)).toEqual({ kind: 'help' });
  });

  it('does not understand what it cannot answer', () => {
    expect(ask("what's the weather?")).toEqual({ kind: 'unknown' });
    expect(ask('')).toEqual({ kind: 'unknown' });
    expect(ask("what's the weather?", { previous: ask('CSI last week') })).toEqual({ kind: 'unknown' });
  });
});

describe('understand: pages and agents', () => {
  const lastWeek = period('last week');
  const page = (name: string) => [{ dimension: 'page' as const, values: [name] }];

  it('filters by a page named in full, in its own spelling', () => {
    expect(ask('CSI for acme outlet last week')).toEqual(metric(query('csi', lastWeek, { filters: page('Acme Outlet') }), lastWeek));
  });

  it('filters by a word only one page has', () => {
    const y = period('yesterday');
    expect(ask('How many conversations on Outlet yesterday?')).toEqual(
      metric(query('conversations', y, { statistic: 'count', filters: page('Acme Outlet') }), y),
    );
    expect(ask('CSI for stride last week').metric?.query.filters).toEqual(page('Stride Shoes'));
  });

  it('names back a word several pages share instead of guessing', () => {
    expect(ask('CSI for Acme last week')).toEqual(
      metric(query('csi', lastWeek), lastWeek, { notApplied: ['"acme" (several pages are called that: Acme Home, Acme Outlet — name one)'] }),
    );
  });

  it('reads two pages as a comparison between them', () => {
    expect(ask('CSI for Acme Home and Acme Outlet last week')).toEqual(
      metric(query('csi', lastWeek, { groupBy: 'page', filters: [{ dimension: 'page', values: ['Acme Outlet', 'Acme Home'] }] }), lastWeek),
    );
  });

  it('prefers the longer of two names that contain each other', () => {
    expect(ask('CSI for Acme Home Outlet', { pages: ['Acme Home', 'Acme Home Outlet'] }).metric?.query.filters).toEqual(page('Acme Home Outlet'));
  });

  it('filters by an agent named in full or by a unique first name', () => {
    const w = period('this week');
    const agent = (name: string) => [{ dimension: 'agent' as const, values: [name] }];
    expect(ask('CSI for Maria Lopez this week')).toEqual(metric(query('csi', w, { filters: agent('Maria Lopez') }), w));
    expect(ask('CSI for emma this week')).toEqual(metric(query('csi', w, { filters: agent('Emma Novak') }), w));
    expect(ask('CSI for Maria this week')).toEqual(
      metric(query('csi', w), w, { notApplied: ['"maria" (several agents are called that: Maria Chen, Maria Lopez — name one)'] }),
    );
  });

  it('needs the known names to filter, and refuses a name it does not know rather than drop it', () => {
    const r = ask('CSI for Acme Outlet', { pages: undefined });
    expect(r.metric).toBeUndefined();
    expect(r.refusal).toContain('I don\'t know "Acme"');
  });
});

describe('understand: follow-ups', () => {
  const lastWeek = period('last week');
  const csiByPage = (p: Period) => metric(query('csi', p, { groupBy: 'page' }), p);

  it.each([
    ['and the week before?', 'week'],
    ['what about the week before?', 'week'],
    ['and the month before', 'month'],
    ['before that?', undefined],
  ] as const)('%s steps back from the previous period', (question, unit) => {
    const p = shiftBack(lastWeek, unit);
    // (a step back to the period just before keeps the one it left, which "which page dropped most?" compares with)
    expect(after('What was the CSI by page last week?', question)).toEqual(metric(query('csi', p, { groupBy: 'page' }), p, unit === 'month' ? {} : { movedFrom: lastWeek }));
  });

  it('takes a new period phrase', () => {
    const m = period('last month');
    expect(after('CSI by agent last week', 'and last month?')).toEqual(metric(query('csi', m, { groupBy: 'agent' }), m));
    const t = period('this month');
    expect(after('top 3 topics in complaints last week', 'how about this month?')).toEqual(
      metric(query('customerMessages', t, { groupBy: 'topic', order: 'desc', limit: 3, filters: [{ dimension: 'topic', values: ['complaint'] }] }), t),
    );
    expect(after('worst conversations last week', 'and the week before last?').period).toEqual(period('the week before last'));
  });

  it('regroups', () => {
    expect(after('CSI last week', 'now by page')).toEqual(csiByPage(lastWeek));
    expect(after('CSI by page last week', 'by agent instead')).toEqual(metric(query('csi', lastWeek, { groupBy: 'agent' }), lastWeek));
  });

  it('turns a trend into a breakdown', () => {
    const p = period('last 30 days');
    expect(after('Show the CSI trend for the last 30 days', 'now by page')).toEqual(csiByPage(p));
  });

  it('shows the previous answer as a chart', () => {
    for (const q of ['as a chart', 'show that as a chart', 'Can you plot it?']) {
      expect(after('CSI by page last week', q)).toEqual(metric(query('csi', lastWeek, { groupBy: 'page' }), lastWeek, { chart: true }));
    }
  });

  it('narrows to a page or an agent', () => {
    expect(after('CSI last week', 'what about Acme Outlet?')).toEqual(
      metric(query('csi', lastWeek, { filters: [{ dimension: 'page', values: ['Acme Outlet'] }] }), lastWeek),
    );
    expect(after('response times last week', 'and for James?')).toEqual(
      metric(query('responseTime', lastWeek, { filters: [{ dimension: 'agent', values: ['James Carter'] }] }), lastWeek),
    );
  });

  it('steps a comparison back as a whole', () => {
    const thisWeek = period('this week');
    expect(after("Compare this week's CSI with last week's", 'and the week before?')).toEqual(
      metric(query('csi', shiftBack(thisWeek, 'week'), { compareTo: days(shiftBack(lastWeek, 'week')) }), shiftBack(thisWeek, 'week')),
    );
    const m = period('last month');
    expect(after('CSI this week vs last week', 'and last month?')).toEqual(
      metric(query('csi', m, { compareTo: days(previousPeriod(m)) }), m),
    );
  });

  it('drops periodDefaulted once a period is given', () => {
    const p = shiftBack(period('last 30 days'), 'month');
    expect(after('CSI trend', 'and the month before?')).toEqual(metric(query('csi', p, { groupBy: 'day' }), p));
  });

  it('keeps the previous period and filters for a new measure asked as a follow-up', () => {
    expect(after('CSI for Acme Outlet last week', 'and the response times?')).toEqual(
      metric(query('responseTime', lastWeek, { filters: [{ dimension: 'page', values: ['Acme Outlet'] }] }), lastWeek),
    );
  });

  it('does not carry the period over to a new question that does not continue the last', () => {
    const p = period('last 7 days');
    expect(after('CSI last week', 'response times')).toEqual(metric(query('responseTime', p), p, { periodDefaulted: true }));
  });

  it('is unknown without a previous question to follow, or asks which figure a period named alone is for', () => {
    // "the week before" is counted from a period nobody named
    expect(ask('and the week before?')).toEqual({ kind: 'unknown' });
    expect(after('How many sessions are waiting for QA?', 'and the week before?')).toEqual({ kind: 'unknown' });
    const lastMonth = after("what's the weather?", 'and last month?');
    expect(lastMonth.kind).toBe('refuse');
    expect(lastMonth.refusal).toMatch(/^Which figure do you mean\?/);
  });
});

describe('understand: robustness', () => {
  it('ignores case, punctuation and extra whitespace', () => {
    const expected = ask('what was the csi last week');
    for (const q of ['  WHAT   was the CSI,   LAST week?? ', 'What was the CSI last week?!', 'what\twas the csi\nlast week.']) {
      expect(ask(q)).toEqual(expected);
    }
  });

  it('reads periods in the business timezone', () => {
    // 23:30 UTC on 30 Nov is already 1 December in Berlin.
    const late = new Date('2026-11-30T23:30:00Z');
    expect(ask('CSI this month', { now: late }).metric?.query.period?.from).toBe('2026-12-01');
    expect(ask('CSI this month', { now: late, timeZone: 'UTC' }).metric?.period).toEqual(period('this month', late, 'UTC'));
    expect(ask('CSI this month', { now: late, timeZone: 'UTC' }).metric?.query.period?.from).toBe('2026-11-01');
  });

  it('is deterministic', () => {
    const q = 'Top 5 topics in complaints this month';
    expect(ask(q)).toEqual(ask(q));
  });

  it('does not change the previous intent', () => {
    const previous: Intent = ask('CSI last week');
    const copy = structuredClone(previous);
    understand('now by page', { ...base, previous });
    expect(previous).toEqual(copy);
  });
});

describe('REPERTOIRE', () => {
  it('covers every kind but unknown', () => {
    const kinds: IntentKind[] = [
      'csi', 'csi_trend', 'csi_compare', 'topics', 'response_times', 'slowest_agents', 'worst_conversations',
      'qa_backlog', 'volumes', 'containment', 'conversation', 'sql', 'qa_update', 'help',
    ];
    expect(REPERTOIRE.map((r) => r.kind).sort()).toEqual([...kinds].sort());
  });

  // The older figure kinds are now answered by the catalogue: their examples read as catalogue queries
  const FIGURES: ReadonlySet<IntentKind> = new Set(['csi', 'csi_trend', 'csi_compare', 'topics', 'response_times', 'slowest_agents', 'volumes', 'containment']);
  it.each(REPERTOIRE.flatMap((r) => r.examples.map((e) => [e, r.kind] as const)))('%s → %s', (example, kind) => {
    const expected = FIGURES.has(kind) ? 'metric' : kind;
    expect(ask(example).kind).toBe(expected);
  });
});
