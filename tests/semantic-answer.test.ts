// The words of a catalogue answer (src/domain/semantic/answer.ts) for comparisons: the change is
// written in the figure's own unit, a breakdown compared with another period puts each group's
// two figures on one line, and the base of both periods is said. Pure: rows are given.
import { describe, expect, it } from 'vitest';
import { hourRanges, metricAnswer, type MetricRow } from '../src/domain/semantic/answer.ts';
import { MEASURES, SOURCES, measureByName, type Measure } from '../src/domain/semantic/catalogue.ts';
import { counted, formatDelta, formatValue, singular } from '../src/domain/semantic/format.ts';
import { responseTimesAnswer, volumesAnswer } from '../src/agents/assistant/offline/answers.ts';
import { metricChart } from '../src/agents/assistant/offline/metric-answer.ts';
import type { Intent } from '../src/domain/intents.ts';
import type { MetricIntent } from '../src/domain/semantic/understand.ts';
import type { SupportStatsResult } from '../src/db/read/index.ts';
import type { CheckedQuery } from '../src/domain/semantic/query.ts';

const NOVEMBER = { from: '2026-11-01', to: '2026-11-30', label: 'November 2026' };
const OCTOBER = { from: '2026-10-01', to: '2026-10-31', label: 'October 2026' };
const THIS_WEEK = { from: '2026-11-16', to: '2026-11-22', label: 'this week (Mon 16 Nov – Sun 22 Nov 2026)' };
const LAST_WEEK = { from: '2026-11-09', to: '2026-11-15', label: 'last week (Mon 9 Nov – Sun 15 Nov 2026)' };

function answer(measure: string, query: Omit<CheckedQuery, 'measure' | 'filters'>, rows: MetricRow[], figure: string): string {
  const m = measureByName(measure)!;
  return metricAnswer({ measure: m, query: { measure, filters: [], ...query }, figure, rows, timeZone: 'UTC', today: '2026-11-18' });
}

const row = (measure: string, statistic: CheckedQuery['statistic'], value: number, base: number, extra: Partial<MetricRow> = {}): MetricRow => ({
  value, base, display: formatValue(value, measureByName(measure)!.unit, statistic), ...extra,
});

describe('the change between two periods', () => {
  it('is written in the unit of the figures: a duration, not a bare number of seconds', () => {
    const text = answer(
      'responseTime',
      { statistic: 'mean', period: NOVEMBER, compareTo: OCTOBER },
      [row('responseTime', 'mean', 13_140, 2000, { period: 'current' }), row('responseTime', 'mean', 14_830.5, 2061, { period: 'previous' })],
      'average response time',
    );
    expect(text.split('\n')[0]).toBe('Average response time, November 2026: 3 h 39 min, against 4 h 7 min October 2026 (−28 min 11 s)');
    expect(text).toContain('Based on 2,000 answered customer messages November 2026 and 2,061 October 2026; days in UTC.');
  });

  it('counts change by whole numbers, shares by percentage points', () => {
    expect(formatDelta(12, 'count', 'count')).toBe('+12');
    expect(formatDelta(-0.034, 'share', 'rate')).toBe('−3.4 pts');
    expect(formatDelta(1.25, 'csi', 'mean')).toBe('+1.3');
    expect(formatDelta(-95, 'seconds', 'median')).toBe('−1 min 35 s');
    expect(formatDelta(0.5, 'ces', 'mean')).toBe('+0.50');
  });
});

describe('a breakdown compared with another period', () => {
  const rows: MetricRow[] = [
    // as the query orders them: by value, both periods mixed
    { key: 'Oakhaven', period: 'current', value: 87.1, base: 5, display: '87.1' },
    { key: 'Voltix', period: 'current', value: 72.3, base: 11, display: '72.3' },
    { key: 'Voltix', period: 'previous', value: 71.9, base: 115, display: '71.9' },
    { key: 'Stride', period: 'current', value: 71.7, base: 12, display: '71.7' },
    { key: 'Stride', period: 'previous', value: 71.5, base: 156, display: '71.5' },
    { key: 'Oakhaven', period: 'previous', value: 71.2, base: 57, display: '71.2' },
    { key: 'Closed shop', period: 'previous', value: 60, base: 3, display: '60.0' },
  ];

  it('names both periods, puts each group on one line with its change, and bases both periods', () => {
    const text = answer('csi', { statistic: 'mean', period: THIS_WEEK, compareTo: LAST_WEEK, groupBy: 'page', order: 'desc' }, rows, 'average CSI');
    expect(text.split('\n').slice(0, 5)).toEqual([
      `Average CSI, ${THIS_WEEK.label} against ${LAST_WEEK.label}, by page:`,
      '• Oakhaven: 87.1 (5 conversation-days), against 71.2 (57) (+15.9)',
      '• Voltix: 72.3 (11 conversation-days), against 71.9 (115) (+0.4)',
      '• Stride: 71.7 (12 conversation-days), against 71.5 (156) (+0.2)',
      '• Closed shop: no data, against 60.0 (3)',
    ]);
    expect(text).toContain(`Based on 28 conversation-days ${THIS_WEEK.label} and 331 ${LAST_WEEK.label}; days in UTC.`);
  });
});

describe('groups ranked by their change', () => {
  const week = { statistic: 'mean' as const, period: THIS_WEEK, compareTo: LAST_WEEK, groupBy: 'page' as const };
  const rows = (pairs: [string, number, number][]): MetricRow[] =>
    pairs.flatMap(([key, now, before]) => [
      { key, period: 'current' as const, value: now, base: 10, display: now.toFixed(1) },
      { key, period: 'previous' as const, value: before, base: 20, display: before.toFixed(1) },
    ]);

  it('leads with the group that dropped most, then the others by their change', () => {
    const text = answer('csi', week, rows([['Oakhaven', 87.1, 71.2], ['Voltix', 70.0, 74.5], ['Stride', 71.7, 72.0]]), 'average CSI');
    const m = measureByName('csi')!;
    const withChange = metricAnswer({
      measure: m, query: { measure: 'csi', filters: [], ...week }, figure: 'average CSI', timeZone: 'UTC', today: '2026-11-18',
      rows: rows([['Oakhaven', 87.1, 71.2], ['Voltix', 70.0, 74.5], ['Stride', 71.7, 72.0]]),
      winner: 'biggest', change: { order: 'asc', noun: 'drop', wanted: 'down' },
    });
    expect(text.split('\n')[0]).toContain('by page:'); // without a change asked, the figures' order
    expect(withChange.split('\n').slice(0, 4)).toEqual([
      `Biggest drop in average CSI by page, ${THIS_WEEK.label} against ${LAST_WEEK.label}: Voltix, −4.5 (70.0 against 74.5)`,
      '• Voltix: 70.0 (10 conversation-days), against 74.5 (20) (−4.5)',
      '• Stride: 71.7 (10 conversation-days), against 72.0 (20) (−0.3)',
      '• Oakhaven: 87.1 (10 conversation-days), against 71.2 (20) (+15.9)',
    ]);
  });

  it('says so when no group changed the way asked, instead of naming a rise as the biggest drop', () => {
    const text = metricAnswer({
      measure: measureByName('csi')!, query: { measure: 'csi', filters: [], ...week }, figure: 'average CSI', timeZone: 'UTC', today: '2026-11-18',
      rows: rows([['Oakhaven', 80, 71.2], ['Voltix', 75, 74.5]]), winner: 'biggest', change: { order: 'asc', noun: 'drop', wanted: 'down' },
    });
    expect(text.split('\n')[0]).toBe(
      `No page had a drop in average CSI, ${THIS_WEEK.label} against ${LAST_WEEK.label}: every one rose or held; the closest, Voltix: +0.5`,
    );
  });
});

describe('a share question about one group', () => {
  it('leads with that group\'s share and its base, then the other groups', () => {
    const text = metricAnswer({
      measure: measureByName('customerMessages')!, query: { measure: 'customerMessages', statistic: 'share', filters: [], period: NOVEMBER, groupBy: 'topic' },
      figure: 'share of customer messages', timeZone: 'UTC', today: '2026-12-07', focus: 'complaint',
      rows: [
        { key: 'general_inquiry', value: 0.6, base: 60, display: '60.0%' },
        { key: 'complaint', value: 0.4, base: 40, display: '40.0%' },
      ],
    });
    expect(text.split('\n').slice(0, 3)).toEqual([
      'Share of customer messages for topic complaint, November 2026: 40.0% (40 of 100 messages)',
      '• general_inquiry: 60.0% (60 messages)',
      '• complaint: 40.0% (40 messages)',
    ]);
  });
});

describe('a tie for the winner', () => {
  it('names every group tied for first, not the first name in alphabetical order', () => {
    const answer = (values: number[]) => metricAnswer({
      measure: measureByName('csatScore')!, figure: 'average CSAT score', timeZone: 'UTC', today: '2026-12-07', winner: 'best',
      query: { measure: 'csatScore', filters: [], statistic: 'mean', period: NOVEMBER, groupBy: 'agent', order: 'desc', limit: 5 },
      rows: values.map((v, n) => ({ key: ['Emma Novak', 'Fatima Zahra', 'James Carter'][n]!, value: v, base: 3, display: `${v.toFixed(2)} / 5` })),
    }).split('\n')[0];
    expect(answer([5, 5, 4])).toContain(': Emma Novak, Fatima Zahra (tied), 5.00 / 5');
    expect(answer([5, 4.5, 4])).toContain(': Emma Novak, 5.00 / 5');
  });
});

describe('two groups named to compare', () => {
  it('says the difference between them in the figure\'s unit, and nothing for a whole breakdown', () => {
    const answer = (values: string[], filters: CheckedQuery['filters']) => metricAnswer({
      measure: measureByName('responseTime')!, figure: 'average response time', timeZone: 'UTC', today: '2026-12-07',
      query: { measure: 'responseTime', filters, statistic: 'mean', period: NOVEMBER, groupBy: 'page' },
      rows: [['Stride', 600], ['Voltix', 840]].filter(([k]) => values.includes(k as string)).map(([k, v]) => ({ key: k as string, value: v as number, base: 10, display: formatValue(v as number, 'seconds', 'mean') })),
    });
    expect(answer(['Stride', 'Voltix'], [{ dimension: 'page', values: ['Stride', 'Voltix'] }])).toContain('Difference: Stride −4 min 0 s against Voltix.');
    expect(answer(['Stride', 'Voltix'], [])).not.toContain('Difference');
  });
});

describe('weeks and months a period cuts', () => {
  it('marks a row that is only part of its week or month, and leaves whole ones alone', () => {
    const text = metricAnswer({
      measure: measureByName('csi')!, figure: 'average CSI', timeZone: 'UTC', today: '2026-11-18',
      query: { measure: 'csi', filters: [], statistic: 'mean', period: { from: '2026-10-21', to: '2026-11-18', label: 'last 4 weeks' }, groupBy: 'week' },
      rows: [['2026-10-19', 70], ['2026-10-26', 71], ['2026-11-16', 72]].map(([k, v]) => ({ key: k as string, value: v as number, base: 10, display: String(v) })),
    });
    expect(text).toContain('• 2026-10-19 (21 Oct–25 Oct only): 70');
    expect(text).toContain('• 2026-10-26: 71');
    expect(text).toContain('• 2026-11-16 (16 Nov–18 Nov only): 72');
    const months = metricAnswer({
      measure: measureByName('csi')!, figure: 'average CSI', timeZone: 'UTC', today: '2026-11-18',
      query: { measure: 'csi', filters: [], statistic: 'mean', period: { from: '2026-10-01', to: '2026-11-30', label: 'Oct–Nov' }, groupBy: 'month' },
      rows: [['2026-10', 70], ['2026-11', 72]].map(([k, v]) => ({ key: k as string, value: v as number, base: 10, display: String(v) })),
    });
    expect(months).toContain('• 2026-10: 70');
    expect(months).toContain('• 2026-11 (1 Nov–18 Nov only): 72');
  });
});

describe('a place in a ranking other than the first', () => {
  it('leads with the row at the place asked, a tie there named, and says when there is no such place', () => {
    const answer = (values: number[], place: number) => metricAnswer({
      measure: measureByName('csi')!, figure: 'average CSI', timeZone: 'UTC', today: '2026-12-07', winner: 'best', place,
      query: { measure: 'csi', filters: [], statistic: 'mean', period: NOVEMBER, groupBy: 'page', order: 'desc', limit: place + 2 },
      rows: values.map((v, n) => ({ key: ['Stride', 'Oakhaven', 'Voltix'][n]!, value: v, base: 30, display: v.toFixed(1) })),
    }).split('\n')[0];
    expect(answer([72.5, 71.1, 70.2], 2)).toBe('Second best page by average CSI, November 2026: Oakhaven, 71.1');
    expect(answer([72.5, 71.1, 71.1], 3)).toContain(': Oakhaven, Voltix (tied), 71.1');
    expect(answer([72.5, 71.1], 4)).toContain('none — only 2 pages had a figure');
  });
});

describe('the winner of a ranking', () => {
  const NOV = { statistic: 'count' as const, period: NOVEMBER, groupBy: 'page' as const, order: 'desc' as const, limit: 1 };
  const first = (measure: string, query: Omit<CheckedQuery, 'measure' | 'filters'>, figure: string, winner: string, groupBy = query.groupBy) =>
    metricAnswer({
      measure: measureByName(measure)!, query: { measure, filters: [], ...query, groupBy }, figure, timeZone: 'UTC', today: '2026-12-07', winner,
      rows: [{ key: 'Voltix', value: 12, base: 12, display: query.statistic === 'count' ? '12' : '12.0' }],
    }).split('\n')[0];

  it.each([
    // a count: the group with the most (or fewest) of what is counted
    ['conversations', NOV, 'number of conversations', 'most', 'Page with the most conversations, November 2026: Voltix, 12'],
    ['conversations', NOV, 'number of conversations', 'more', 'Page with the most conversations, November 2026: Voltix, 12'],
    ['conversations', NOV, 'number of conversations', 'top', 'Page with the most conversations, November 2026: Voltix, 12'],
    ['conversations', NOV, 'number of conversations', 'highest', 'Page with the most conversations, November 2026: Voltix, 12'],
    ['conversations', NOV, 'number of conversations', 'least', 'Page with the fewest conversations, November 2026: Voltix, 12'],
    ['conversations', NOV, 'number of conversations', 'fewest', 'Page with the fewest conversations, November 2026: Voltix, 12'],
    ['conversations', NOV, 'number of conversations', 'bottom', 'Page with the fewest conversations, November 2026: Voltix, 12'],
    ['reviews', { ...NOV, groupBy: 'reviewer' as const }, 'number of QA changes', 'most', 'Reviewer with the most QA changes, November 2026: Voltix, 12'],
    // any other figure: the highest or lowest of it, or the word asked when it is an adjective of amount
    ['csi', { ...NOV, statistic: 'mean' as const, groupBy: 'day' as const }, 'average CSI', 'highest', 'Day with the highest average CSI, November 2026: Voltix, 12.0'],
    ['csi', { ...NOV, statistic: 'mean' as const, groupBy: 'day' as const }, 'average CSI', 'most', 'Day with the highest average CSI, November 2026: Voltix, 12.0'],
    ['csi', { ...NOV, statistic: 'mean' as const, groupBy: 'agent' as const }, 'average CSI', 'lowest', 'Agent with the lowest average CSI, November 2026: Voltix, 12.0'],
    ['csi', { ...NOV, statistic: 'mean' as const, groupBy: 'agent' as const }, 'average CSI', 'least', 'Agent with the lowest average CSI, November 2026: Voltix, 12.0'],
    ['totalHandlingTime', { ...NOV, statistic: 'mean' as const, groupBy: 'agent' as const }, 'average handling time', 'longest', 'Agent with the longest average handling time, November 2026: Voltix, 12.0'],
    ['totalHandlingTime', { ...NOV, statistic: 'mean' as const, groupBy: 'agent' as const }, 'average handling time', 'shortest', 'Agent with the shortest average handling time, November 2026: Voltix, 12.0'],
    ['totalHandlingTime', { ...NOV, statistic: 'mean' as const, groupBy: 'agent' as const }, 'average handling time', 'biggest', 'Agent with the biggest average handling time, November 2026: Voltix, 12.0'],
    // words that describe the winner itself
    ['csi', { ...NOV, statistic: 'mean' as const }, 'average CSI', 'best', 'Best page by average CSI, November 2026: Voltix, 12.0'],
    ['csi', { ...NOV, statistic: 'mean' as const }, 'average CSI', 'worst', 'Worst page by average CSI, November 2026: Voltix, 12.0'],
    ['responseTime', { ...NOV, statistic: 'median' as const, groupBy: 'agent' as const }, 'median response time', 'slowest', 'Slowest agent by median response time, November 2026: Voltix, 12.0'],
    ['conversations', { ...NOV, groupBy: 'hour' as const }, 'number of conversations', 'busiest', 'Busiest hour of day by number of conversations, November 2026: Voltix, 12'],
    ['conversations', { ...NOV, groupBy: 'day' as const }, 'number of conversations', 'most busy', 'Busiest day by number of conversations, November 2026: Voltix, 12'],
    ['conversations', { ...NOV, groupBy: 'weekday' as const }, 'number of conversations', 'least busy', 'Quietest weekday by number of conversations, November 2026: Voltix, 12'],
  ])('%s, "%s"', (measure, query, figure, winner, headline) => {
    expect(first(measure, query, figure, winner)).toBe(headline);
  });
});

describe('counts of one', () => {
  it('say the noun in the singular wherever a base is written', () => {
    const csat = (query: Partial<CheckedQuery>, rows: MetricRow[]) => metricAnswer({
      measure: measureByName('csatScore')!, query: { measure: 'csatScore', statistic: 'mean', filters: [], period: NOVEMBER, ...query },
      figure: 'average CSAT score', rows, timeZone: 'UTC', today: '2026-12-07',
    });
    expect(csat({}, [{ value: 4, base: 1, display: '4.00 / 5' }])).toContain('Based on 1 CSAT survey; days in UTC.');
    expect(csat({ groupBy: 'page' }, [{ key: 'Voltix', value: 4, base: 1, display: '4.00 / 5' }, { key: 'Stride', value: 5, base: 2, display: '5.00 / 5' }]))
      .toContain('• Voltix: 4.00 / 5 (1 CSAT survey)\n• Stride: 5.00 / 5 (2 CSAT surveys)');
    expect(csat({ compareTo: OCTOBER, groupBy: 'page' }, [{ key: 'Voltix', period: 'current', value: 4, base: 1, display: '4.00 / 5' }, { key: 'Voltix', period: 'previous', value: 5, base: 1, display: '5.00 / 5' }]))
      .toContain('• Voltix: 4.00 / 5 (1 CSAT survey), against 5.00 / 5 (1)');
    const share = metricAnswer({
      measure: measureByName('conversationDays')!, query: { measure: 'conversationDays', statistic: 'share', filters: [], period: NOVEMBER, groupBy: 'page' },
      figure: 'share of conversation-days', timeZone: 'UTC', today: '2026-12-07', focus: 'Voltix', rows: [{ key: 'Voltix', value: 1, base: 1, display: '100.0%' }],
    });
    expect(share.split('\n')[0]).toBe('Share of conversation-days for page Voltix, November 2026: 100.0% (1 of 1 conversation-day)');
  });

  it('makes every base noun of the catalogue singular', () => {
    expect(Object.values(SOURCES).map((s) => counted(1, s.grain))).toEqual(Object.values(SOURCES).map((s) => `1 ${s.grain.replace(/s$/, '')}`));
    expect([singular('conversation-days'), singular('QA changes'), singular('closed handoff cases'), singular('replies'), singular('days')]).toEqual(['conversation-day', 'QA change', 'closed handoff case', 'reply', 'day']);
    expect(counted(2, 'CSAT surveys')).toBe('2 CSAT surveys');
    expect(counted(0, 'CSAT surveys')).toBe('0 CSAT surveys');
  });

  it('in the offline answers too', () => {
    const intent = { kind: 'volumes', period: { from: '2026-11-01', to: '2026-11-30', label: 'November 2026', granularity: 'month' } } as unknown as Intent;
    const volumes = volumesAnswer(intent, { volumes: { conversations: 1, messages: 1, customerMessages: 1, conversationDays: 1, display: { conversations: '1', messages: '1', customerMessages: '1', conversationDays: '1' } } } as SupportStatsResult, 'UTC');
    expect(volumes).toBe('November 2026 (times in UTC): 1 conversation with messages, 1 message (1 from customers), 1 conversation-day.');
    const times = responseTimesAnswer(intent, { responseTimes: { days: 1, display: { firstResponseP50: '1 s', firstResponseP90: '1 s', avgResponseP50: '1 s' } } } as unknown as SupportStatsResult, 'UTC');
    expect(times.split('\n')[0]).toBe('Response times November 2026 (times in UTC), over 1 conversation-day:');
  });
});

describe('a ranking cut to its first rows', () => {
  const days: MetricRow[] = [
    { key: '2026-11-12', value: 81.2, base: 40, display: '81.2' },
    { key: '2026-11-03', value: 80.9, base: 45, display: '80.9' },
    { key: '2026-11-20', value: 80.1, base: 44, display: '80.1' },
    { key: '2026-11-07', value: 79.8, base: 43, display: '79.8' },
    { key: '2026-11-25', value: 79.5, base: 45, display: '79.5' },
  ];
  const query: CheckedQuery = { measure: 'csi', statistic: 'mean', filters: [], period: NOVEMBER, groupBy: 'day', order: 'desc', limit: 5 };
  const text = (rows: MetricRow[]) => metricAnswer({ measure: measureByName('csi')!, query, figure: 'average CSI', rows, timeZone: 'UTC', today: '2026-12-07', winner: 'highest' });

  it('says its base is that of the rows shown, not of everything ranked', () => {
    expect(text(days)).toContain('Based on 217 conversation-days of the 5 days shown; days in UTC.');
    // fewer rows than asked for: every group is shown, so the base is the whole base
    expect(text(days.slice(0, 3))).toContain('Based on 129 conversation-days; days in UTC.');
  });

  it('draws no series over time with the unranked days as gaps: bars in rank order, when a chart is asked', () => {
    const data = { figure: 'average CSI', measure: 'csi', query, rows: days, timeZone: 'UTC' };
    const intent = (chart: boolean) => ({ kind: 'metric', query, chart, notApplied: [], periodDefaulted: false }) as unknown as MetricIntent;
    expect(metricChart(intent(false), data, '2026-12-07')).toBeUndefined();
    const chart = metricChart(intent(true), data, '2026-12-07');
    expect(chart?.args).toMatchObject({ kind: 'bar', bars: days.map((r) => ({ label: r.key, value: r.value })) });
    // a series by day is still drawn over every day of the period
    const series = metricChart(intent(false), { ...data, query: { ...query, order: undefined, limit: undefined } }, '2026-12-07');
    expect(series?.args).toMatchObject({ kind: 'line' });
    expect((series?.args.points as unknown[]).length).toBe(30);
  });
});

describe('the definition line', () => {
  const line = (m: Measure, statistic: CheckedQuery['statistic']) => metricAnswer({
    measure: m, query: { measure: m.name, statistic, filters: [], period: NOVEMBER }, figure: 'x', rows: [{ value: 3, base: 2, display: '3' }],
    timeZone: 'UTC', today: '2026-12-07',
  }).split('\n')[1]!;
  const WORD: Partial<Record<CheckedQuery['statistic'], string>> = { mean: 'average', median: 'median', p90: '90th percentile', min: 'minimum', max: 'maximum', sum: 'total' };

  it('says the statistic asked, and no other, for a median CSAT score', () => {
    expect(line(measureByName('csatScore')!, 'median')).toBe(
      'CSAT score: the customer\'s own rating of a resolved Messenger session, 1 (poor) to 5 (excellent), from the survey sent after it, by when the survey was asked; the figure is their median. Based on 2 CSAT surveys; days in UTC.',
    );
  });

  it.each(MEASURES.flatMap((m) => m.statistics.filter((s) => WORD[s]).map((s) => [m.name, s] as const)))('%s, %s', (name, statistic) => {
    const text = line(measureByName(name)!, statistic);
    expect(text).toContain(`; the figure is their ${WORD[statistic]}.`);
    expect(text).not.toMatch(/\b(?:mean|average|median|total|maximum|minimum) of (?:the|all) (?:answers|values|ratings|scores)\b/);
  });

  it('keeps a definition that is the figure itself (counts and rates) as it is', () => {
    expect(line(measureByName('handoffRate')!, 'rate')).toBe('Handoff rate: share of sessions handed to a human. Based on 2 sessions; days in UTC.');
    expect(line(measureByName('messages')!, 'count')).toBe('Messages: messages stored (customer, bot and human). Based on 2 messages; days in UTC.');
  });
});

describe('hours of the day in an answer', () => {
  it('reads as clock ranges, also over midnight', () => {
    expect(hourRanges(['9', '10', '11', '12', '13', '14', '15', '16'])).toBe('between 09:00 and 17:00');
    expect(hourRanges(['18', '19', '20', '21', '22', '23', '0', '1', '2', '3', '4', '5', '6', '7', '8'])).toBe('between 18:00 and 09:00');
    expect(hourRanges(['9', '14'])).toBe('between 09:00 and 10:00 or between 14:00 and 15:00');
  });
});

describe('wording found by the tenth outside round', () => {
  it('a difference under a second is said in tenths, never "−0 s"', () => {
    expect(formatDelta(-0.4, 'seconds', 'median')).toBe('−0.4 s');
    expect(formatDelta(0, 'seconds', 'median')).toBe('+0 s');
  });

  it('an empty queue says none is in that state now, not that nothing was handed off', () => {
    const m = measureByName('handoffsWaiting')!;
    const text = metricAnswer({ measure: m, query: { measure: m.name, statistic: 'count', filters: [] }, figure: 'number of handoffs waiting', rows: [{ value: 0, base: 0, display: '0' }], timeZone: 'UTC', today: '2026-11-25' });
    expect(text).toContain('No handed-off conversations are in that state now.');
    expect(text).not.toContain('Based on no');
  });
});
