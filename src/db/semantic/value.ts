// The catalogue for the product's other readers (/api/stats, /csi, App Home, digests, alerts):
// each of their headline figures is one catalogue query run through the same compiler as
// metric_query, so a figure there and the assistant's answer to the same question cannot drift.
import type pg from 'pg';
import type { MetricRow } from '../../domain/semantic/answer.ts';
import type { DayRange, MetricQuery } from '../../domain/semantic/query.ts';
import { runCatalogueQuery } from './run.ts';

/** Every day there is: for readers whose figures have no period unless one is asked for. */
export const ALL_TIME: DayRange = { from: '0001-01-01', to: '9999-12-30', label: 'all time' };

/** A catalogue query a reader asks in code: a refusal is a programming error, not an answer. */
export async function metricRows(pool: pg.Pool | pg.ClientBase, q: MetricQuery, timeZone: string): Promise<MetricRow[]> {
  const r = await runCatalogueQuery(pool, q, timeZone);
  if (!r.ok) throw new Error(`catalogue query ${JSON.stringify(q)} refused: ${r.reason}`);
  return r.rows;
}

/** The one figure of an ungrouped, uncompared query (null: no data). */
export async function metricValue(pool: pg.Pool | pg.ClientBase, q: MetricQuery, timeZone: string): Promise<number | null> {
  return (await metricRows(pool, q, timeZone))[0]?.value ?? null;
}

/** A grouped query as key → value. */
export async function metricByKey(pool: pg.Pool | pg.ClientBase, q: MetricQuery, timeZone: string): Promise<Map<string, number | null>> {
  return new Map((await metricRows(pool, q, timeZone)).map((r) => [r.key ?? '', r.value]));
}
