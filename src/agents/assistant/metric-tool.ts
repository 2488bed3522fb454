// metric_query: the catalogue as a tool. Its JSON schema enumerates the measures, statistics and
// dimensions, so a model chooses slots instead of writing SQL; the one compiled statement it
// ran comes back with the rows, for "show me the SQL" and for pasting into `sql:`.
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { runMetricQuery } from '../../db/semantic/run.ts';
import { DIMENSIONS, MEASURES, SOURCES, STATISTICS, measureByName } from '../../domain/semantic/catalogue.ts';
import type { DayRange, MetricQuery } from '../../domain/semantic/query.ts';
import { resolvePeriod, type ToolContext } from './context.ts';
import type { ToolArtifact } from './tools.ts';

type Output = [string, ToolArtifact];

const MEASURE_NAMES = MEASURES.map((m) => m.name) as [string, ...string[]];
const periodArg = z
  .union([z.string(), z.object({ from: z.string(), to: z.string(), label: z.string().optional() })])
  .describe('a phrase in the business timezone ("last week", "October", "since Monday") or {from, to} as YYYY-MM-DD, inclusive');

const schema = z.object({
  measure: z.enum(MEASURE_NAMES).describe(MEASURES.map((m) => `${m.name}: ${m.definition}`).join('; ')),
  statistic: z.enum(STATISTICS).optional().describe('default: the measure\'s own (mean for scores and times, count for counts, rate for rates)'),
  group_by: z.enum(DIMENSIONS).optional(),
  filters: z
    .array(z.object({ dimension: z.enum(DIMENSIONS), values: z.array(z.string()).min(1), exclude: z.boolean().optional().describe('true: leave these values out') }))
    .optional(),
  period: periodArg.optional().describe('leave out for the measures of how things stand now (handoffsWaiting, handoffsAssigned)'),
  compare_to: periodArg.optional(),
  order: z.enum(['asc', 'desc']).optional(),
  top_n: z.number().int().min(1).max(100).optional(),
});

export function metricQueryTool(ctx: ToolContext, gate: (config: unknown) => Output | undefined) {
  const range = (p: z.infer<typeof periodArg> | undefined): DayRange => {
    if (p && typeof p === 'object') return { from: p.from, to: p.to, label: p.label ?? `${p.from} to ${p.to}` };
    const r = resolvePeriod(p, ctx);
    return { from: r.from, to: r.to, label: r.label };
  };
  return tool(
    async (a, config): Promise<Output> => {
      const denied = gate(config);
      if (denied) return denied;
      try {
        const m = measureByName(a.measure);
        // a measure of how things stand now takes no period; one given is refused by checkQuery, not dropped
        const asOfNow = m !== undefined && SOURCES[m.source].current === true && a.period === undefined;
        const q: MetricQuery = {
          measure: a.measure,
          ...(asOfNow ? {} : { period: range(a.period) }),
          ...(a.statistic ? { statistic: a.statistic } : {}),
          ...(a.group_by ? { groupBy: a.group_by } : {}),
          ...(a.filters ? { filters: a.filters } : {}),
          ...(a.compare_to ? { compareTo: range(a.compare_to) } : {}),
          ...(a.order ? { order: a.order } : {}),
          ...(a.top_n ? { limit: a.top_n } : {}),
        };
        const r = await runMetricQuery(ctx.pool, q, ctx.timeZone);
        if (!r.ok) return [JSON.stringify({ refused: r.reason }), { sql: [], error: `refused: ${r.reason}` }];
        const data = {
          figure: r.figure, measure: r.measure.name, definition: r.measure.definition, unit: r.measure.unit, query: r.query,
          rows: r.rows, sql: r.sql, timeZone: ctx.timeZone, ...(r.dataFrom !== undefined ? { dataFrom: r.dataFrom } : {}),
          ...(r.recordedFrom !== undefined ? { recordedFrom: r.recordedFrom } : {}),
        };
        return [JSON.stringify(data), { sql: [{ text: r.sql, values: [] }], data }];
      } catch (err) {
        const message = `failed: ${(err as Error).message}`;
        return [JSON.stringify({ error: message }), { sql: [], error: message }];
      }
    },
    {
      name: 'metric_query',
      description:
        'Every support figure comes from this catalogue: choose a measure, optionally a statistic, a breakdown (group_by), filters, ' +
        'a period, a comparison period, an order and top N. It returns rows with display strings and the one SQL statement that ' +
        'computed them. If the catalogue cannot answer as asked it says so: tell the person, never answer a nearby question.',
      schema,
      responseFormat: 'content_and_artifact',
    },
  );
}
