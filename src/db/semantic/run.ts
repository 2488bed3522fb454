// Runs a catalogue query: check, compile, execute the one statement read-only, and return rows
// with display strings. Every figure in the result is a column of that statement.
import type pg from 'pg';
import type { Measure } from '../../domain/semantic/catalogue.ts';
import type { MetricRow } from '../../domain/semantic/answer.ts';
import { describeFigure, formatKey, formatValue } from '../../domain/semantic/format.ts';
import { checkQuery, type CheckedQuery, type MetricQuery } from '../../domain/semantic/query.ts';
import { compileDataStart, compileQuery } from './compile.ts';

export type { MetricRow };

export type MetricResult =
  | {
    ok: true; query: CheckedQuery; measure: Measure; figure: string; sql: string; rows: MetricRow[];
    /** nothing was counted and the period ends before the measure's data starts: the day it starts (null: no data at all) */
    dataFrom?: string | null;
    /** the measure's data starts inside the period (or the compared one): the day it starts */
    recordedFrom?: string;
  }
  | { ok: false; reason: string };

export async function runMetricQuery(pool: pg.Pool, q: MetricQuery, timeZone: string): Promise<MetricResult> {
  const checked = checkQuery(q);
  if (!checked.ok) return checked;
  const { query, measure } = checked;
  const client = await pool.connect();
  try {
    await client.query('BEGIN READ ONLY');
    const first = await dataStart(client, query, measure, timeZone);
    const compiled = compileQuery(query, measure, timeZone, first ? { recordedFrom: first } : {});
    const raw = (await client.query<RawRow>({ text: compiled.sql, types: TYPES })).rows;
    return {
      ok: true, query, measure, figure: describeFigure(measure, query.statistic), sql: compiled.sql, rows: toRows(raw, query, measure, compiled),
      ...coverage(query, first, raw),
    };
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}

/**
 * The same, for the product's own readers (db/semantic/value.ts): a plain `pool.query` for the
 * figure, so a pool that records the statements it runs (the assistant's tools) records it too.
 * The statement is the compiler's, so it needs no read-only transaction around it. A daily
 * average first reads where its data starts, which its divisor starts from.
 */
export async function runCatalogueQuery(pool: pg.Pool | pg.ClientBase, q: MetricQuery, timeZone: string): Promise<MetricResult> {
  const checked = checkQuery(q);
  if (!checked.ok) return checked;
  const { query, measure } = checked;
  const first = query.statistic === 'perDay' ? await dataStart(pool, query, measure, timeZone) : undefined;
  const compiled = compileQuery(query, measure, timeZone, first ? { recordedFrom: first } : {});
  const raw = (await pool.query<RawRow>({ text: compiled.sql, types: TYPES })).rows;
  return { ok: true, query, measure, figure: describeFigure(measure, query.statistic), sql: compiled.sql, rows: toRows(raw, query, measure, compiled) };
}

/** The business day the measure's data starts (null: none recorded); undefined without a period. */
async function dataStart(db: pg.Pool | pg.ClientBase, query: CheckedQuery, measure: Measure, timeZone: string): Promise<string | null | undefined> {
  const sql = query.period ? compileDataStart(measure, timeZone) : undefined;
  if (!sql) return undefined;
  return (await db.query<{ day: string | null }>(sql)).rows[0]?.day ?? null;
}

/**
 * What the answer must say about where the data starts: a 0 over days before any data was
 * recorded would read as measured, and a figure over a period the data covers only in part as
 * the whole period's.
 */
function coverage(query: CheckedQuery, first: string | null | undefined, raw: RawRow[]): { dataFrom?: string | null; recordedFrom?: string } {
  if (first === undefined || !query.period) return {};
  const nothing = raw.every((r) => Number(r.base) === 0);
  if (nothing && (first === null || query.period.to < first)) return { dataFrom: first };
  if (first !== null && (first > query.period.from || (query.compareTo !== undefined && first > query.compareTo.from))) return { recordedFrom: first };
  return {};
}

type RawRow = { key?: unknown; period?: 'current' | 'previous'; value: number | string | null; base: number | string };

// date keys come back as text: a Date object would shift a business day into UTC
const TYPES = { getTypeParser: (oid: number) => (v: string) => (oid === 1082 ? v : parseScalar(oid, v)) };

function toRows(raw: RawRow[], query: CheckedQuery, measure: Measure, compiled: { grouped: boolean; compared: boolean }): MetricRow[] {
  return raw.map((r): MetricRow => {
    const value = r.value === null ? null : Number(r.value);
    return {
      ...(compiled.grouped ? { key: formatKey(query.groupBy, r.key) } : {}),
      ...(compiled.compared ? { period: r.period } : {}),
      value,
      base: Number(r.base),
      display: formatValue(value, measure.unit, query.statistic),
    };
  });
}

// int2/int4/int8/numeric/float4/float8 as numbers, everything else as text
const NUMERIC = new Set([20, 21, 23, 700, 701, 1700]);
function parseScalar(oid: number, v: string): unknown {
  return NUMERIC.has(oid) ? Number(v) : v;
}
