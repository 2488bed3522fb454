// The offline model's words and chart for a metric_query result (the catalogue's answer shape,
// src/domain/semantic/answer.ts), and the chart it draws when asked or for a trend.
import { addDays } from '../../../domain/period-words.ts';
import { measureByName, type Dimension } from '../../../domain/semantic/catalogue.ts';
import { metricAnswer, type MetricRow } from '../../../domain/semantic/answer.ts';
import type { CheckedQuery } from '../../../domain/semantic/query.ts';
import type { MetricIntent } from '../../../domain/semantic/understand.ts';

export interface MetricToolData {
  figure: string;
  measure: string;
  query: CheckedQuery;
  rows: MetricRow[];
  timeZone: string;
  /** nothing counted, the period before the data: where it starts (null: no data yet) */
  dataFrom?: string | null;
  /** the data starts inside the period or the compared one: the day it starts */
  recordedFrom?: string;
}

const TIME: ReadonlySet<Dimension> = new Set(['day', 'week']);

/** One point per day of the period up to today: a day without data is a gap (null), not zero. */
function everyDay(d: MetricToolData, today: string, value: (v: number) => number): { x: string; y: number | null }[] {
  const byDay = new Map(d.rows.map((r) => [r.key, r.value]));
  const period = d.query.period ?? { from: today, to: today };
  const last = period.to < today ? period.to : today;
  const points: { x: string; y: number | null }[] = [];
  for (let day = period.from; day <= last && points.length < 1000; day = addDays(day, 1)) {
    const v = byDay.get(day);
    points.push({ x: day, y: v === undefined || v === null ? null : value(v) });
  }
  return points;
}

export function metricText(i: MetricIntent, d: MetricToolData, tz: string, today: string): string {
  const measure = measureByName(d.measure)!;
  const notes = [...(i.periodDefaulted && d.query.period ? [`No period was named, so this is ${d.query.period.label}.`] : []), ...(i.remarks ?? [])];
  return metricAnswer({
    measure, query: d.query, figure: d.figure, rows: d.rows, timeZone: tz, today, notApplied: i.notApplied, notes,
    ...(i.winner ? { winner: i.winner } : {}), ...(i.place ? { place: i.place } : {}), ...(i.change ? { change: i.change } : {}), ...(i.focus ? { focus: i.focus } : {}),
    ...(d.dataFrom !== undefined ? { dataFrom: d.dataFrom } : {}),
    ...(d.recordedFrom !== undefined ? { recordedFrom: d.recordedFrom } : {}),
  });
}

/** A line over time or bars per group, titled with the figure and the timezone. */
export function metricChart(i: MetricIntent, d: MetricToolData, today: string): { name: string; args: Record<string, unknown> } | undefined {
  const dim = d.query.groupBy;
  if (!dim || d.query.compareTo || !d.rows.some((r) => r.value !== null)) return undefined;
  // a ranking of days ("the highest CSI day") is its first rows in rank order, not a series over time
  const trend = TIME.has(dim) && d.query.order === undefined;
  if (!i.chart && !trend) return undefined;
  const percent = d.query.statistic === 'share' || d.query.statistic === 'rate';
  // one decimal, as the answer's text shows it
  const value = (v: number) => Math.round((percent ? v * 100 : v) * 10) / 10;
  const title = `${d.figure.charAt(0).toUpperCase()}${d.figure.slice(1)} by ${dim} (${d.timeZone})`;
  const valueTitle = percent ? `${d.figure} (%)` : d.figure;
  if (trend) {
    const points = dim === 'day' ? everyDay(d, today, value) : d.rows.map((r) => ({ x: r.key, y: r.value === null ? null : value(r.value) }));
    return { name: 'chart', args: { kind: 'line', title, subtitle: d.query.period?.label ?? 'now', value_title: valueTitle, points } };
  }
  const bars = d.rows.filter((r) => r.value !== null).map((r) => ({ label: r.key ?? '', value: value(r.value!) }));
  return { name: 'chart', args: { kind: 'bar', title, subtitle: d.query.period?.label ?? 'now', value_title: valueTitle, bars } };
}
