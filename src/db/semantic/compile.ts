// The query compiler: a checked catalogue query → one SQL statement over the analytics views.
// Values are inlined as quoted literals (not bind parameters) so that the statement shown to a
// lead is complete: pasted into `sql:` it returns the same rows. Everything inlined is either
// catalogue text or a value quoted by `literal`, which doubles quotes and drops NUL.
import { SOURCES, type Dimension, type Measure, type Statistic } from '../../domain/semantic/catalogue.ts';
import { daysIn, weekdayNumber, type CheckedQuery, type DayRange } from '../../domain/semantic/query.ts';

export const literal = (s: string): string => `'${s.replace(/\0/g, '').replace(/'/g, "''")}'`;

const TIME_DIMENSIONS: ReadonlySet<Dimension> = new Set(['day', 'week', 'month', 'hour', 'weekday']);

/**
 * A daily average's divisor: the days of the period, by weekday when grouped by it, per period
 * when compared. Days before the measure's data starts (`recordedFrom`) are not counted: nothing
 * was recorded on them, which is not the same as none happening.
 */
function dayCount(q: CheckedQuery, source: (typeof SOURCES)[keyof typeof SOURCES], current: string, sub: (s: string) => string, recordedFrom?: string): string {
  const one = (p: DayRange): string => {
    const days = daysIn(recordedFrom && recordedFrom > p.from ? { ...p, from: recordedFrom } : p, q.filters);
    if (q.groupBy !== 'weekday') return String(days.reduce((a, b) => a + b, 0));
    return `(CASE ${sub(source.dimensions.weekday!)} ${days.map((n, i) => `WHEN ${i + 1} THEN ${n}`).join(' ')} END)`;
  };
  return q.compareTo ? `(CASE WHEN ${current} THEN ${one(q.period!)} ELSE ${one(q.compareTo)} END)` : one(q.period!);
}

function aggregate(statistic: Statistic, value: string, periodExpr: string | undefined, distinct: boolean, perDay?: { days: string; day: string }): string {
  // each day's distinct values, summed over the days: the mean of the daily counts
  if (perDay) return `${distinct ? `count(DISTINCT (${perDay.day}, ${value}))` : 'count(*)'}::float8 / nullif(${perDay.days}, 0)`;
  if (distinct) return `count(DISTINCT ${value})`;
  switch (statistic) {
    case 'mean':
    case 'rate':
      return `avg(${value})`;
    case 'median':
      return `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${value})`;
    case 'p90':
      return `percentile_cont(0.9) WITHIN GROUP (ORDER BY ${value})`;
    case 'min':
    case 'max':
    case 'sum':
      return `${statistic}(${value})`;
    case 'count':
    case 'perDay':
      return 'count(*)';
    case 'share':
      return `count(*)::float8 / sum(count(*)) OVER (${periodExpr ? `PARTITION BY ${periodExpr}` : ''})`;
  }
}

function inPeriod(time: { expr: string; kind: 'date' | 'instant' }, p: DayRange, tz: string): string {
  if (time.kind === 'date') return `${time.expr} BETWEEN DATE ${literal(p.from)} AND DATE ${literal(p.to)}`;
  const next = new Date(Date.parse(`${p.to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  // local midnights written with the zone, so the index on the instant column can be used
  return `${time.expr} >= ${literal(`${p.from} 00:00:00 ${tz}`)}::timestamptz AND ${time.expr} < ${literal(`${next} 00:00:00 ${tz}`)}::timestamptz`;
}

function filterValue(dimension: Dimension, value: string): string {
  if (dimension === 'weekday') return String(weekdayNumber(value));
  if (dimension === 'hour') return String(Number(value));
  return `lower(${literal(value)})`;
}

function filterSql(measure: Measure, dimension: Dimension, values: string[]): string {
  const source = SOURCES[measure.source];
  const list = values.map((v) => filterValue(dimension, v)).join(', ');
  // a conversation-day has several agents: it matches when any of them is named
  if (measure.source === 'conversation_days' && dimension === 'agent') {
    return `EXISTS (SELECT 1 FROM unnest(d.human_agents) a WHERE lower(a) IN (${list}))`;
  }
  const expr = source.dimensions[dimension]!;
  return TIME_DIMENSIONS.has(dimension) ? `${expr} IN (${list})` : `lower(${expr}) IN (${list})`;
}

/** The business day of the measure's first record (its source's, before any filter): where its data starts. */
export function compileDataStart(measure: Measure, tz: string): string | undefined {
  const source = SOURCES[measure.source];
  if (!source.time) return undefined;
  const sub = (s: string) => s.replaceAll('{tz}', literal(tz));
  const day = source.time.kind === 'date' ? `min(${source.time.expr})` : `(min(${source.time.expr}) AT TIME ZONE ${literal(tz)})::date`;
  return `SELECT ${day}::text AS day FROM ${sub(source.from)}${source.where ? ` WHERE ${sub(source.where)}` : ''}`;
}

export interface CompiledQuery {
  sql: string;
  /** the result columns: key (when grouped), period (when compared), value, base */
  grouped: boolean;
  compared: boolean;
}

/**
 * One SQL statement answering `q` exactly; `tz` is the business timezone, `recordedFrom` the day
 * the measure's data starts (compileDataStart), which a daily average's divisor starts from.
 */
export function compileQuery(q: CheckedQuery, measure: Measure, tz: string, opts: { recordedFrom?: string } = {}): CompiledQuery {
  const source = SOURCES[measure.source];
  const sub = (s: string) => s.replaceAll('{tz}', literal(tz));
  const compared = q.compareTo !== undefined;
  const grouped = q.groupBy !== undefined;
  const select: string[] = [];
  if (grouped) select.push(`${sub(source.dimensions[q.groupBy!]!)} AS key`);
  // a source of how things stand now has no time, and its queries no period (checkQuery)
  const current = source.time && q.period ? sub(inPeriod(source.time, q.period, tz)) : 'true';
  const periodExpr = compared ? `CASE WHEN ${current} THEN 'current' ELSE 'previous' END` : undefined;
  if (periodExpr) select.push(`${periodExpr} AS period`);
  const value = sub(measure.value);
  // a rate of totals (template success): one division of sums, not a mean of per-row rates
  const ratio = measure.denominator && q.statistic === 'rate' ? `sum(${value})::float8 / nullif(sum(${sub(measure.denominator)}), 0)` : undefined;
  const perDay = q.statistic === 'perDay' && q.period ? { days: dayCount(q, source, current, sub, opts.recordedFrom), day: sub(source.dimensions.day!) } : undefined;
  select.push(`${ratio ?? aggregate(q.statistic, value, periodExpr, measure.distinct === true, perDay)} AS value`);
  select.push(`${q.statistic === 'count' || q.statistic === 'share' || q.statistic === 'perDay' ? 'count(*)' : `count(${value})`} AS base`);

  const where = [source.where, measure.where].filter((w): w is string => Boolean(w)).map((w) => `(${sub(w)})`);
  where.push(compared ? `((${current}) OR (${sub(inPeriod(source.time!, q.compareTo!, tz))}))` : `(${current})`);
  // a value left out keeps the rows without one (a bot's message has no agent): IS NOT TRUE, not NOT
  for (const f of q.filters) where.push(f.exclude ? `((${sub(filterSql(measure, f.dimension, f.values))}) IS NOT TRUE)` : `(${sub(filterSql(measure, f.dimension, f.values))})`);
  // a ranking of people ("the top 2 agents") ranks people: bot-only rows have no agent and take no place
  if (grouped && q.limit && (q.groupBy === 'agent' || q.groupBy === 'reviewer')) where.push(`(${sub(source.dimensions[q.groupBy]!)}) IS NOT NULL`);

  // joins only for the dimensions used, so a count stays a scan of one view
  const used = new Set<Dimension>([...(grouped ? [q.groupBy!] : []), ...q.filters.map((f) => f.dimension)]);
  const joins = [...used].map((d) => source.joins?.[d]).filter((j): j is string => j !== undefined);
  if (grouped && source.groupJoins?.[q.groupBy!]) joins.push(source.groupJoins[q.groupBy!]!);

  const groupBy = [grouped ? '1' : '', compared ? String(grouped ? 2 : 1) : ''].filter(Boolean);
  const order = grouped && TIME_DIMENSIONS.has(q.groupBy!) && !q.order
    ? 'key'
    : grouped
      ? `value ${q.order === 'asc' ? 'ASC' : 'DESC'} NULLS LAST, key`
      : compared ? 'period' : '';
  const lines = [
    `SELECT ${select.join(',\n       ')}`,
    `FROM ${[source.from, ...new Set(joins)].map(sub).join('\n')}`,
    `WHERE ${where.join('\n  AND ')}`,
    groupBy.length ? `GROUP BY ${groupBy.join(', ')}` : '',
    order ? `ORDER BY ${order}${compared && grouped ? ', period' : ''}` : '',
    q.limit && grouped && !compared ? `LIMIT ${q.limit}` : '',
  ];
  return { sql: lines.filter(Boolean).join('\n'), grouped, compared };
}
