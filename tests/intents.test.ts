import { describe, expect, it } from 'vitest';
import { REPERTOIRE, understand, type Intent, type IntentContext, type IntentKind } from '../src/domain/intents.ts';
import { TOPIC_WORDS } from '../src/domain/intent-words.ts';
import { parsePeriod, previousPeriod, shiftBack, type Period } from '../src/domain/periods.ts';

// A Wednesday; 11:00 in Berlin.
const NOW = new Date('2026-11-18T10:00:00Z');
const TZ = 'Europe/Berlin';
const PAGES = ['Acme Home', 'Acme Outlet', 'Stride Shoes'];
const AGENTS = ['Maria Lopez', 'James Carter', 'Maria Chen', 'Emma Novak'];

const base: IntentContext = { now: NOW, timeZone: TZ, pages: PAGES, agents: AGENTS };
const ask = (question: string, extra: Partial<IntentContext> = {}) => understand(question, { ...base, ...extra });
const period = (text: string, now = NOW, timeZone = TZ): Period => {
  const p = parsePeriod(text, now, timeZone);
  if (!p) throw new Error(`no period in "${text}"`);
  return p;
};
const after = (previousQuestion: string, question: string) => ask(question, { previous: ask(previousQuestion) });

describe('understand: CSI', () => {
  it('reads the CSI for a named period', () => {
    expect(ask('What was the CSI last week?')).toEqual({ kind: 'csi', period: period('last week') });
  });

  it.each([
    ['CSI by page this month', 'page'],
    ['CSI by agent this month', 'agent'],
    ['CSI per day this month', 'day'],
    ['daily CSI this month', 'day'],
    ['csi broken down by pages this month', 'page'],
  ])('%s → groupBy %s', (question, groupBy) => {
    expect(ask(question)).toEqual({ kind: 'csi', groupBy, period: period('this month') });
  });

  it('defaults to the last 7 days and says so', () => {
    expect(ask('how is our CSI?')).toEqual({ kind: 'csi', period: period('last 7 days'), periodDefaulted: true });
  });

  it('marks a chart request on a grouped CSI without turning it into a trend', () => {
    expect(ask('CSI by page as a chart last week')).toMatchObject({ kind: 'csi', groupBy: 'page', chart: true });
  });
});

describe('understand: CSI trend', () => {
  it('reads the trend over a period as a chart', () => {
    expect(ask('Show the CSI trend for the last 30 days')).toEqual({ kind: 'csi_trend', chart: true, period: period('last 30 days') });
  });

  it('defaults the trend to the last 30 days', () => {
    expect(ask('CSI trend')).toEqual({ kind: 'csi_trend', chart: true, period: period('last 30 days'), periodDefaulted: true });
  });

  it('takes a chart of CSI without grouping as a trend', () => {
    expect(ask('plot CSI since 1 October')).toMatchObject({ kind: 'csi_trend', chart: true, period: period('since 1 October') });
  });
});

describe('understand: CSI comparisons', () => {
  it.each([
    ["Compare this week's CSI with last week's", 'this week', 'last week'],
    ['compare CSI in October vs September', 'October', 'September'],
    ['CSI this month vs last month', 'this month', 'last month'],
    ['CSI this month versus last month', 'this month', 'last month'],
    ['How does CSI this week compare to last week?', 'this week', 'last week'],
  ])('%s', (question, first, second) => {
    expect(ask(question)).toEqual({ kind: 'csi_compare', period: period(first), comparePeriod: period(second) });
  });

  it('compares one named period with the one before it', () => {
    const lastMonth = period('last month');
    expect(ask('compare CSI last month')).toEqual({ kind: 'csi_compare', period: lastMonth, comparePeriod: previousPeriod(lastMonth) });
    expect(ask('What was our CSI last week compared to usual?').comparePeriod).toEqual(previousPeriod(period('last week')));
  });

  it('reads a relative second period against the first', () => {
    const i = ask('CSI last week compared to the week before');
    expect(i.comparePeriod).toEqual(shiftBack(period('last week'), 'week'));
  });

  it('keeps a range written with "and" whole', () => {
    const i = ask('compare CSI between 1 Oct and 15 Oct vs the period before');
    expect([i.period?.from, i.period?.to]).toEqual(['2026-10-01', '2026-10-15']);
    expect([i.comparePeriod?.from, i.comparePeriod?.to]).toEqual(['2026-09-16', '2026-09-30']);
  });

  it('defaults to the last 7 days against the 7 days before', () => {
    const p = period('last 7 days');
    expect(ask('compare CSI')).toEqual({ kind: 'csi_compare', period: p, comparePeriod: previousPeriod(p), periodDefaulted: true });
  });
});

describe('understand: topics', () => {
  it('reads top N topics in complaints', () => {
    expect(ask('Top 5 topics in complaints this month')).toEqual({ kind: 'topics', topN: 5, topicsIn: 'complaint', period: period('this month') });
  });

  it('defaults to the top 5 of the last 7 days', () => {
    expect(ask('top topics')).toEqual({ kind: 'topics', topN: 5, period: period('last 7 days'), periodDefaulted: true });
  });

  it.each([
    ['top 3 topics in complaints', 'complaint', 3],
    ['top ten topics about shipping', 'shipping_question', 10],
    ['topics in delivery questions', 'shipping_question', 5],
    ['topics in returns', 'return_request', 5],
    ['topics among refunds', 'return_request', 5],
    ['topics about prices', 'price_inquiry', 5],
    ['topics about stock', 'availability_check', 5],
    ['topics for account problems', 'account_issue', 5],
    ['topics in human requests', 'human_request', 5],
    ['topics in human_request', 'human_request', 5],
    ['what do customers complain about?', 'complaint', 5],
  ])('%s → topicsIn %s', (question, topicsIn, topN) => {
    expect(ask(question)).toMatchObject({ kind: 'topics', topicsIn, topN });
  });

  it('maps words only to classifications the seed writes', () => {
    // src/db/seed/phrases.ts and extras.ts; general_inquiry comes from dialogue.ts.
    const seeded = [
      'price_inquiry', 'availability_check', 'shipping_question', 'return_request', 'complaint',
      'account_issue', 'human_request', 'gratitude', 'general_inquiry', 'first_contact',
    ];
    expect(TOPIC_WORDS.every(([, c]) => seeded.includes(c))).toBe(true);
  });
});

describe('understand: response times and agents', () => {
  it.each([
    'What is the average response time this week?',
    'What is the first response time this week?',
    'first-response time this week',
  ])('%s', (q) => {
    expect(ask(q)).toEqual({ kind: 'response_times', period: period('this week') });
  });

  it('reads "how fast do we reply" with the default period', () => {
    expect(ask('how fast do we reply')).toEqual({ kind: 'response_times', period: period('last 7 days'), periodDefaulted: true });
  });

  it('ranks the slowest agents, 5 by default', () => {
    expect(ask('Which agent had the slowest first response time last month?')).toEqual({
      kind: 'slowest_agents', topN: 5, period: period('last month'),
    });
    expect(ask('top 3 slowest agents')).toMatchObject({ kind: 'slowest_agents', topN: 3, periodDefaulted: true });
    expect(ask('who were the 2 slowest to reply yesterday')).toMatchObject({ kind: 'slowest_agents', topN: 2, period: period('yesterday') });
  });
});

describe('understand: other kinds', () => {
  it('reads the QA backlog without a period', () => {
    expect(ask('How many sessions are waiting for QA?')).toEqual({ kind: 'qa_backlog' });
    expect(ask('QA backlog')).toEqual({ kind: 'qa_backlog' });
    expect(ask('oldest 20 sessions waiting for QA')).toEqual({ kind: 'qa_backlog', topN: 20 });
  });

  it('reads volumes', () => {
    expect(ask('How many conversations did we have yesterday?')).toEqual({ kind: 'volumes', period: period('yesterday') });
    expect(ask('message volume last week')).toEqual({ kind: 'volumes', period: period('last week') });
  });

  it('reads containment', () => {
    expect(ask('bot containment rate this month')).toEqual({ kind: 'containment', period: period('this month') });
    expect(ask('handoff rate')).toEqual({ kind: 'containment', period: period('last 7 days'), periodDefaulted: true });
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

  it('does not take any "#n" for a conversation', () => {
    expect(ask('what is the #1 topic this week?').kind).toBe('topics');
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
    expect(ask('With the new bot live, how is CSI?').kind).toBe('csi');
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
  it('filters by a page named in full, as typed', () => {
    expect(ask('CSI for acme outlet last week')).toMatchObject({ kind: 'csi', page: 'acme outlet' });
  });

  it('filters by a word only one page has', () => {
    expect(ask('How many conversations on Outlet yesterday?')).toMatchObject({ kind: 'volumes', page: 'Outlet' });
    expect(ask('CSI for stride last week')).toMatchObject({ page: 'stride' });
  });

  it('does not filter on a word several pages share, or on two pages', () => {
    expect(ask('CSI for Acme last week').page).toBeUndefined();
    expect(ask('CSI for Acme Home and Acme Outlet last week').page).toBeUndefined();
  });

  it('prefers the longer of two names that contain each other', () => {
    expect(ask('CSI for Acme Home Outlet', { pages: ['Acme Home', 'Acme Home Outlet'] }).page).toBe('Acme Home Outlet');
  });

  it('filters by an agent named in full or by a unique first name', () => {
    expect(ask('CSI for Maria Lopez this week')).toMatchObject({ kind: 'csi', agent: 'Maria Lopez' });
    expect(ask('CSI for emma this week')).toMatchObject({ kind: 'csi', agent: 'emma' });
    expect(ask('CSI for Maria this week').agent).toBeUndefined();
  });

  it('needs the known names to filter', () => {
    expect(ask('CSI for Acme Outlet', { pages: undefined }).page).toBeUndefined();
  });
});

describe('understand: follow-ups', () => {
  const lastWeek = period('last week');

  it.each([
    ['and the week before?', 'week'],
    ['what about the week before?', 'week'],
    ['and the month before', 'month'],
    ['before that?', undefined],
  ] as const)('%s steps back from the previous period', (question, unit) => {
    expect(after('What was the CSI by page last week?', question)).toEqual({
      kind: 'csi', groupBy: 'page', period: shiftBack(lastWeek, unit), followUp: true,
    });
  });

  it('takes a new period phrase', () => {
    expect(after('CSI by agent last week', 'and last month?')).toEqual({
      kind: 'csi', groupBy: 'agent', period: period('last month'), followUp: true,
    });
    expect(after('top 3 topics in complaints last week', 'how about this month?')).toEqual({
      kind: 'topics', topN: 3, topicsIn: 'complaint', period: period('this month'), followUp: true,
    });
    expect(after('worst conversations last week', 'and the week before last?').period).toEqual(period('the week before last'));
  });

  it('regroups', () => {
    expect(after('CSI last week', 'now by page')).toEqual({ kind: 'csi', groupBy: 'page', period: lastWeek, followUp: true });
    expect(after('CSI by page last week', 'by agent instead')).toEqual({ kind: 'csi', groupBy: 'agent', period: lastWeek, followUp: true });
  });

  it('turns a trend into a grouped CSI', () => {
    expect(after('Show the CSI trend for the last 30 days', 'now by page')).toMatchObject({
      kind: 'csi', groupBy: 'page', period: period('last 30 days'), followUp: true,
    });
  });

  it('shows the previous answer as a chart', () => {
    for (const q of ['as a chart', 'show that as a chart', 'Can you plot it?']) {
      expect(after('CSI by page last week', q)).toEqual({ kind: 'csi', groupBy: 'page', period: lastWeek, chart: true, followUp: true });
    }
  });

  it('narrows to a page or an agent', () => {
    expect(after('CSI last week', 'what about Acme Outlet?')).toEqual({ kind: 'csi', page: 'Acme Outlet', period: lastWeek, followUp: true });
    expect(after('response times last week', 'and for James?')).toMatchObject({ kind: 'response_times', agent: 'James', followUp: true });
  });

  it('steps a comparison back as a whole', () => {
    expect(after("Compare this week's CSI with last week's", 'and the week before?')).toEqual({
      kind: 'csi_compare',
      period: shiftBack(period('this week'), 'week'),
      comparePeriod: shiftBack(lastWeek, 'week'),
      followUp: true,
    });
    expect(after('CSI this week vs last week', 'and last month?')).toEqual({
      kind: 'csi_compare', period: period('last month'), comparePeriod: previousPeriod(period('last month')), followUp: true,
    });
  });

  it('drops periodDefaulted once a period is given', () => {
    expect(after('CSI trend', 'and the month before?')).toEqual({
      kind: 'csi_trend', chart: true, period: shiftBack(period('last 30 days'), 'month'), followUp: true,
    });
  });

  it('keeps the previous period and filters for a new metric asked as a follow-up', () => {
    expect(after('CSI for Acme Outlet last week', 'and the response times?')).toEqual({
      kind: 'response_times', page: 'Acme Outlet', period: lastWeek, followUp: true,
    });
  });

  it('does not carry the period over to a new question that does not continue the last', () => {
    expect(after('CSI last week', 'response times')).toMatchObject({ period: period('last 7 days'), periodDefaulted: true });
  });

  it('is unknown without a previous question to follow', () => {
    expect(ask('and the week before?')).toEqual({ kind: 'unknown' });
    expect(after('How many sessions are waiting for QA?', 'and the week before?')).toEqual({ kind: 'unknown' });
    expect(after("what's the weather?", 'and last month?')).toEqual({ kind: 'unknown' });
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
    expect(ask('CSI this month', { now: late }).period?.from).toBe('2026-12-01');
    expect(ask('CSI this month', { now: late, timeZone: 'UTC' }).period).toEqual(period('this month', late, 'UTC'));
    expect(ask('CSI this month', { now: late, timeZone: 'UTC' }).period?.from).toBe('2026-11-01');
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

  it.each(REPERTOIRE.flatMap((r) => r.examples.map((e) => [e, r.kind] as const)))('%s → %s', (example, kind) => {
    expect(ask(example).kind).toBe(kind);
  });
});
