// The offline model's playbook: which tool to call next for an understood question, and the
// answer once the results are in. It is driven one step at a time by the agent loop, exactly
// like an LLM, so it exercises the same tools, memory and channels.
import type { Intent } from '../../../domain/intents.ts';
import { addDays } from '../../../domain/period-words.ts';
import type { Period } from '../../../domain/periods.ts';
import type { CsiLookupResult, QaQueueResult, SupportStatsResult, WorstConversationDay, ConversationLookupResult } from '../../../db/read/index.ts';
import * as A from './answers.ts';
import { metricChart, metricText, type MetricToolData } from './metric-answer.ts';
import type { MetricIntent } from '../../../domain/semantic/understand.ts';
import type { ToolOutcome } from './answers.ts';

export interface Call {
  name: string;
  args: Record<string, unknown>;
}

export type Step = { call: Call } | { answer: string };

const range = (p: Period | undefined) => (p ? `${p.from} to ${p.to}` : undefined);

function defined(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
}

/** The first tool call for an intent, or undefined when it needs none. */
function firstCall(i: Intent): Call | undefined {
  const period = range(i.period);
  const scope = { period, page: i.page };
  switch (i.kind) {
    case 'metric':
      return { name: 'metric_query', args: metricArgs(i.metric!) };
    case 'csi':
      return { name: 'csi_lookup', args: defined({ ...scope, agent: i.agent, group_by: i.groupBy, conversation_id: i.conversationId }) };
    case 'csi_trend':
      return { name: 'csi_lookup', args: defined({ ...scope, agent: i.agent, group_by: 'day' }) };
    case 'csi_compare':
      return { name: 'csi_lookup', args: defined({ ...scope, agent: i.agent, compare_to: range(i.comparePeriod) }) };
    case 'topics':
      return { name: 'support_stats', args: defined({ ...scope, topics_in: i.topicsIn, top_n: i.topN, sections: ['topics'] }) };
    case 'response_times':
      return { name: 'support_stats', args: defined({ ...scope, sections: ['responseTimes'] }) };
    case 'slowest_agents':
      return { name: 'support_stats', args: defined({ ...scope, agent_limit: i.topN, sections: ['slowestAgents'] }) };
    case 'volumes':
      return { name: 'support_stats', args: defined({ ...scope, sections: ['volumes'] }) };
    case 'containment':
      return { name: 'support_stats', args: defined({ ...scope, sections: ['sessions'] }) };
    case 'worst_conversations':
      return { name: 'worst_conversations', args: defined({ ...scope, limit: i.topN }) };
    case 'qa_backlog':
      return { name: 'qa_queue', args: i.qaOrder ? { order: i.qaOrder } : {} };
    case 'conversation':
      return { name: 'conversation_lookup', args: { conversation_id: i.conversationId } };
    case 'sql':
      return { name: 'sql_query', args: { sql: i.sql ?? '' } };
    case 'qa_update':
      return { name: 'qa_update', args: defined({ session_id: i.sessionId, to: i.qaTo, text: i.qaText }) };
    default:
      return undefined;
  }
}

function metricArgs(m: MetricIntent): Record<string, unknown> {
  const q = m.query;
  return defined({
    measure: q.measure, statistic: q.statistic, group_by: q.groupBy, filters: q.filters?.length ? q.filters : undefined,
    period: q.period, compare_to: q.compareTo, order: q.order, top_n: q.limit,
  });
}

/** One point per day of the period up to `today`; days without data stay null (a gap, not a zero). */
export function trendPoints(p: Period, r: CsiLookupResult, today: string): { x: string; y: number | null }[] {
  const byDay = new Map((r.groups ?? []).map((g) => [g.key, g.csi]));
  const last = p.to < today ? p.to : today;
  const points: { x: string; y: number | null }[] = [];
  for (let d = p.from; d <= last && points.length < 1000; d = addDays(d, 1)) {
    const v = byDay.get(d);
    points.push({ x: d, y: v === undefined || v === null ? null : Math.round(v * 10) / 10 });
  }
  return points;
}

/** A chart to draw after the data arrived, when the question asked for one. */
function chartCall(i: Intent, first: ToolOutcome, today: string): Call | undefined {
  if (i.kind === 'metric') return metricChart(i.metric!, first.data as unknown as MetricToolData, today);
  if (i.kind === 'csi_trend' && i.period) {
    const r = first.data as unknown as CsiLookupResult;
    if (!r.groups?.some((g) => g.csi !== null)) return undefined;
    return { name: 'chart', args: { kind: 'line', title: `CSI per day${i.page ? `, ${i.page}` : ''}`, subtitle: i.period.label, value_title: 'CSI', points: trendPoints(i.period, r, today) } };
  }
  if (!i.chart) return undefined;
  const bars = barsFor(i, first);
  if (!bars?.length) return undefined;
  return { name: 'chart', args: { kind: 'bar', title: bars.title, subtitle: i.period?.label, value_title: bars.value, bars: bars.items } };
}

function barsFor(i: Intent, o: ToolOutcome): ({ title: string; value: string; items: { label: string; value: number }[] } & { length: number }) | undefined {
  const make = (title: string, value: string, items: { label: string; value: number }[]) => ({ title, value, items, length: items.length });
  if (i.kind === 'csi' && i.groupBy) {
    const r = o.data as unknown as CsiLookupResult;
    return make(`CSI by ${i.groupBy}`, 'CSI', (r.groups ?? []).filter((g) => g.csi !== null).map((g) => ({ label: g.label, value: Math.round(g.csi! * 10) / 10 })));
  }
  if (i.kind === 'topics') {
    const r = o.data as unknown as SupportStatsResult;
    return make('Top topics', 'customer messages', (r.topics?.top ?? []).map((t) => ({ label: t.topic, value: t.count })));
  }
  if (i.kind === 'slowest_agents') {
    const r = o.data as unknown as SupportStatsResult;
    return make('Median wait before agent reply', 'minutes', (r.slowestAgents ?? []).filter((a) => a.medianWaitSeconds !== null).map((a) => ({ label: a.name, value: Math.round(a.medianWaitSeconds! / 6) / 10 })));
  }
  return undefined;
}

function failure(o: ToolOutcome): string | undefined {
  const e = o.data.error ?? o.data.refused;
  return typeof e === 'string' ? e : undefined;
}

function answer(i: Intent, o: ToolOutcome, tz: string, today: string): string {
  const d = o.data as unknown;
  switch (i.kind) {
    case 'metric':
      return metricText(i.metric!, d as MetricToolData, tz, today);
    case 'csi':
      return A.csiAnswer(i, d as CsiLookupResult, tz);
    case 'csi_trend':
      return A.trendAnswer(i, d as CsiLookupResult, tz);
    case 'csi_compare':
      return A.compareAnswer(i, d as CsiLookupResult, tz);
    case 'topics':
      return A.topicsAnswer(i, d as SupportStatsResult, tz);
    case 'response_times':
      return A.responseTimesAnswer(i, d as SupportStatsResult, tz);
    case 'slowest_agents':
      return A.slowestAgentsAnswer(i, d as SupportStatsResult, tz);
    case 'volumes':
      return A.volumesAnswer(i, d as SupportStatsResult, tz);
    case 'containment':
      return A.containmentAnswer(i, d as SupportStatsResult, tz);
    case 'worst_conversations':
      return A.worstAnswer(i, (d as { conversations: WorstConversationDay[] }).conversations, tz);
    case 'qa_backlog':
      return A.qaAnswer(d as QaQueueResult, tz);
    case 'conversation':
      return A.conversationAnswer(d as ConversationLookupResult, tz);
    default:
      return A.sqlAnswer(d as Parameters<typeof A.sqlAnswer>[0]);
  }
}

/**
 * The next step for `intent` given the results of this turn's tool calls so far. A refused or
 * failed tool ends the turn with its reason: repeating the same call cannot succeed.
 */
export function nextStep(intent: Intent, outcomes: readonly ToolOutcome[], tz: string, today: string): Step | undefined {
  if (outcomes.length === 0) {
    if (intent.kind === 'refuse') return { answer: intent.refusal ?? '' };
    const call = firstCall(intent);
    return call ? { call } : undefined;
  }
  const first = outcomes[0]!;
  if (intent.kind === 'qa_update') return { answer: A.qaUpdateAnswer(intent, first.data) };
  if (typeof first.data.denied === 'string') return { answer: A.deniedAnswer(first.data.denied, first.data.instead) };
  const failed = failure(first);
  if (failed) return { answer: `I could not get that: ${failed}` };
  let text = answer(intent, first, tz, today);
  if (outcomes.length === 1) {
    const chart = chartCall(intent, first, today);
    if (chart) return { call: chart };
  } else {
    const chartError = failure(outcomes[1]!);
    text += chartError ? `\n(The chart could not be drawn: ${chartError})` : '\nChart attached.';
  }
  return { answer: text };
}
