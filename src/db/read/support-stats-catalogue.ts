import type pg from 'pg';
import { metricRows } from '../../db/semantic/value.ts';
import { formatCount, formatDuration, formatPercent } from '../../domain/format.ts';
import type { Filter as MetricFilter, MetricQuery } from '../../domain/semantic/query.ts';
import { count, rows } from './sql.ts';
import type { SupportStatsInput, SupportStatsResult } from './support-stats.ts';

// support_stats' figures that the metrics catalogue defines, so App Home, the digests and the
// assistant's answers cannot drift apart (docs/ASSISTANT.md, "one definition per number").

/** The page filter as catalogue filters; undefined when the page's name is shared (the catalogue filters by name). */
export async function catalogueFilters(pool: pg.Pool, pageId: number | undefined): Promise<MetricFilter[] | undefined> {
  if (pageId === undefined) return [];
  const names = await rows<{ name: string; n: unknown }>(pool, `SELECT p.name, (SELECT count(*) FROM pages o WHERE o.name = p.name) AS n FROM pages p WHERE p.id = $1`, [pageId]);
  return names.length === 1 && count(names[0]!.n) === 1 ? [{ dimension: 'page', values: [names[0]!.name] }] : undefined;
}

/**
 * The figures the metrics catalogue defines, read through its compiler (the numbers metric_query
 * gives): messages, customer messages and conversations; the CSI's first response time (median,
 * p90) and average response time (median); sessions, AI sessions, handoffs, the handoff rate and
 * bot containment (the contained sessions are its rate times its base, the AI sessions). The
 * distinct conversation-days with messages stay on their SQL (support-stats.ts reads the topic mix
 * and the slowest agents through the catalogue itself).
 */
export async function fromCatalogue(
  pool: pg.Pool,
  input: SupportStatsInput,
  filters: MetricFilter[],
  rt: boolean,
  v: SupportStatsResult['volumes'],
  s: boolean,
): Promise<[SupportStatsResult['volumes'], SupportStatsResult['responseTimes'], SupportStatsResult['sessions']]> {
  const q = (measure: string, more: Partial<MetricQuery> = {}) =>
    metricRows(pool, { measure, period: { from: input.period.from, to: input.period.to, label: input.period.label }, filters, ...more }, input.timezone).then((r) => r[0]);
  const none = Promise.resolve(undefined);
  const [messages, customerMessages, conversations, frt50, frt90, art50, total, ai, handoff, handoffRate, containment] = await Promise.all([
    v ? q('messages') : none, v ? q('customerMessages') : none, v ? q('conversations') : none,
    rt ? q('firstResponseTime', { statistic: 'median' }) : none, rt ? q('firstResponseTime', { statistic: 'p90' }) : none,
    rt ? q('avgResponseTime', { statistic: 'median' }) : none,
    s ? q('sessions') : none, s ? q('qaSessions') : none, s ? q('handoffs') : none, s ? q('handoffRate') : none,
    s ? q('containment') : none,
  ]);
  const n = (r: { value: number | null } | undefined) => r?.value ?? 0;
  const volumesOut = v && {
    ...v, messages: n(messages), customerMessages: n(customerMessages), conversations: n(conversations),
    display: { ...v.display, messages: formatCount(n(messages)), customerMessages: formatCount(n(customerMessages)), conversations: formatCount(n(conversations)) },
  };
  const times = { firstResponseP50: frt50?.value ?? null, firstResponseP90: frt90?.value ?? null, avgResponseP50: art50?.value ?? null };
  const timesOut = !rt ? undefined : {
    ...times, days: frt50?.base ?? 0,
    display: { firstResponseP50: formatDuration(times.firstResponseP50), firstResponseP90: formatDuration(times.firstResponseP90), avgResponseP50: formatDuration(times.avgResponseP50) },
  };
  const rate = n(total) === 0 ? null : handoffRate?.value ?? null;
  const contained = n(ai) === 0 ? null : containment?.value ?? null;
  const sessionsOut = !s ? undefined : {
    total: n(total), aiEngaged: n(ai), contained: Math.round((containment?.value ?? 0) * (containment?.base ?? 0)), handoff: n(handoff),
    botContainmentRate: contained, handoffRate: rate,
    display: { total: formatCount(n(total)), botContainmentRate: formatPercent(contained), handoffRate: formatPercent(rate) },
  };
  return [volumesOut, timesOut, sessionsOut];
}
