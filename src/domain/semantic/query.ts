// A question for the catalogue, as slots: {measure, statistic, group by, filters, period,
// compare to, order, top N}. The offline parser and the LLM's metric_query tool both fill this
// shape; checkQuery says whether the catalogue can answer it, and why not when it cannot.
import { DIMENSIONS, SOURCES, STATISTICS, WEEKDAY_NAMES, dimensionsOf, measureByName, type Dimension, type Measure, type Statistic } from './catalogue.ts';

/** Inclusive business-day range, YYYY-MM-DD, with its words for the answer. */
export interface DayRange {
  from: string;
  to: string;
  label: string;
}

export interface Filter {
  dimension: Dimension;
  values: string[];
  /** leave these values out ("all pages except Stride Shoes") instead of keeping only them */
  exclude?: boolean;
}

export interface MetricQuery {
  measure: string;
  statistic?: Statistic;
  groupBy?: Dimension;
  filters?: Filter[];
  /** required, except for a measure of how things stand now, which takes none */
  period?: DayRange;
  compareTo?: DayRange;
  order?: 'asc' | 'desc';
  limit?: number;
}

export interface CheckedQuery extends MetricQuery {
  statistic: Statistic;
  filters: Filter[];
}

export type QueryCheck = { ok: true; query: CheckedQuery; measure: Measure } | { ok: false; reason: string };

const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const MAX_LIMIT = 100;

/** Whether the catalogue can answer `q` exactly as asked; never adjusts a slot silently. */
export function checkQuery(q: MetricQuery): QueryCheck {
  const measure = measureByName(q.measure);
  if (!measure) return { ok: false, reason: `"${q.measure}" is not a measure I have` };
  const statistic = q.statistic ?? measure.defaultStatistic;
  if (!STATISTICS.includes(statistic)) return { ok: false, reason: `"${String(statistic)}" is not a statistic I know` };
  if (!measure.statistics.includes(statistic)) {
    return { ok: false, reason: `${measure.label} has no ${statistic}; it can be given as ${measure.statistics.join(', ')}` };
  }
  const dims = dimensionsOf(measure);
  const badDim = (d: Dimension) => !DIMENSIONS.includes(d) || !dims.includes(d);
  if (q.groupBy && badDim(q.groupBy)) return { ok: false, reason: `${measure.label} cannot be broken down by ${q.groupBy}; it can by ${dims.join(', ')}` };
  if (statistic === 'share' && !q.groupBy) return { ok: false, reason: 'a share needs a breakdown (by page, topic, …)' };
  if (statistic === 'perDay' && (SOURCES[measure.source].current || !SOURCES[measure.source].dimensions.day)) {
    return { ok: false, reason: `${measure.label} is not counted over days, so it has no daily average` };
  }
  if (statistic === 'perDay' && (q.groupBy === 'day' || q.groupBy === 'week' || q.groupBy === 'month')) {
    return { ok: false, reason: `a daily average is over the whole period, not by ${q.groupBy}; ask for the count by day to see each day` };
  }
  const filters = q.filters ?? [];
  for (const f of filters) {
    if (badDim(f.dimension)) return { ok: false, reason: `${measure.label} cannot be filtered by ${f.dimension}; it can by ${dims.join(', ')}` };
    if (f.values.length === 0) return { ok: false, reason: `the ${f.dimension} filter names nothing` };
  }
  if (SOURCES[measure.source].current) {
    // a count of the queue as it stands is not a count over a period: never quietly the one or the other
    if (q.period || q.compareTo) return { ok: false, reason: `${measure.label} is how things stand now and cannot be counted over a period; ask without a period ("how many … now")` };
  } else if (!q.period) {
    return { ok: false, reason: `${measure.label} needs a period` };
  }
  for (const p of [q.period, q.compareTo]) {
    if (p && (!DAY.test(p.from) || !DAY.test(p.to) || p.from > p.to)) return { ok: false, reason: `"${p.from} to ${p.to}" is not a period` };
  }
  if (q.limit !== undefined && (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_LIMIT)) {
    return { ok: false, reason: `top N must be 1–${MAX_LIMIT}` };
  }
  return { ok: true, measure, query: { ...q, statistic, filters } };
}

const DAY_MS = 86_400_000;

/**
 * How many days of `p` a daily average divides by: every day, or those of the weekdays kept by
 * a weekday filter; by weekday (ISO 1–7) when the figure is broken down by weekday.
 */
export function daysIn(p: DayRange, filters: readonly Filter[]): number[] {
  const byWeekday = [0, 0, 0, 0, 0, 0, 0];
  for (let t = Date.parse(`${p.from}T00:00:00Z`); t <= Date.parse(`${p.to}T00:00:00Z`); t += DAY_MS) byWeekday[(new Date(t).getUTCDay() + 6) % 7]!++;
  const weekdays = filters.filter((f) => f.dimension === 'weekday');
  return byWeekday.map((n, i) => (weekdays.every((f) => f.values.some((v) => weekdayNumber(v) === i + 1) !== (f.exclude === true)) ? n : 0));
}

/** A weekday filter's value as its ISO number (1 = Monday): a name in any case, or the number itself. */
export const weekdayNumber = (v: string): number => {
  const i = WEEKDAY_NAMES.findIndex((w) => w.toLowerCase() === v.toLowerCase());
  return i >= 0 ? i + 1 : Number(v);
};
