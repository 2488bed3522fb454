import pg from 'pg';
import { AGENT_ROLE } from './agent-role.ts';
import { checkSql } from './guard.ts';

export const DEFAULT_ROW_CAP = 500;
export const DEFAULT_TIMEOUT_MS = 5000;
/** A cell longer than this (UTF-8 bytes of its text form) is cut and marked. */
export const DEFAULT_CELL_BYTES = 4_000;
/** The whole result (rows as JSON) stops before this many bytes; the model and thread memory see no more. */
export const DEFAULT_RESULT_BYTES = 64_000;
/** Ends a cut cell: what was kept is a prefix, and how long the value was. */
export const CUT_MARK = '…[cut: ';

export interface QueryRows {
  sql: string;
  columns: string[];
  rows: Record<string, unknown>[];
  /** rows were left out (the row cap or the byte cap was reached) */
  truncated: boolean;
  /** cells cut to the cell cap (their text ends with CUT_MARK … "bytes]") */
  cutCells: number;
  /** what was bounded, in words, for the answer; absent when nothing was */
  note?: string;
}

export type QueryResult = QueryRows | { refused: string };

export interface QueryLimits {
  rowCap?: number;
  timeoutMs?: number;
  cellBytes?: number;
  resultBytes?: number;
}

/**
 * Runs one SELECT for the sql_query tool: guard, then a READ ONLY transaction on a pulse_agent
 * connection with a statement timeout, rows fetched through a cursor up to `rowCap`, and always
 * rolled back. Every failure (guard, connection, database, timeout) comes back as `{ refused }`
 * for the model to read; only a programming error throws.
 */
export async function runReadOnlyQuery(
  agentPool: pg.Pool,
  sql: string,
  opts: QueryLimits = {},
): Promise<QueryResult> {
  const rowCap = Math.max(1, Math.floor(opts.rowCap ?? DEFAULT_ROW_CAP));
  const timeoutMs = Math.max(1, Math.floor(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS));
  const cellBytes = Math.max(64, Math.floor(opts.cellBytes ?? DEFAULT_CELL_BYTES));
  const resultBytes = Math.max(cellBytes, Math.floor(opts.resultBytes ?? DEFAULT_RESULT_BYTES));
  const checked = await checkSql(sql);
  if (!checked.ok) return { refused: checked.reason };

  let client: pg.PoolClient;
  try {
    client = await agentPool.connect();
  } catch (err) {
    return { refused: `query failed: cannot connect as ${AGENT_ROLE}: ${(err as Error).message}` };
  }
  let broken: Error | undefined;
  try {
    await client.query('BEGIN READ ONLY');
    const { rows } = await client.query<{ who: string }>(
      // pg_catalog first would let a catalog table shadow a view; pg_temp last keeps temp objects out.
      `SELECT set_config('statement_timeout', $1, true), set_config('search_path', 'analytics, pg_catalog, pg_temp', true),
              current_user AS who`,
      [`${timeoutMs}ms`],
    );
    // The role is the boundary: on any other connection the views would not be the only door.
    if (rows[0]?.who !== AGENT_ROLE) {
      return { refused: `not run: the agent pool connects as ${rows[0]?.who ?? '?'}, not ${AGENT_ROLE}` };
    }
    // A cursor (not a LIMIT wrapper) keeps the query's own ORDER BY and column names, stops
    // after rowCap + 1 rows, and PostgreSQL itself rejects anything but SELECT/VALUES in it.
    // The extended protocol (queryMode) refuses a second statement smuggled past the guard.
    // queryMode exists in pg 8.23 but not yet in @types/pg, hence the widened type.
    const extended = (text: string): pg.QueryConfig & { queryMode: 'extended' } => ({ text, queryMode: 'extended' });
    // The query's columns first (planned, not run): variable-size ones are then read through
    // a prefix and a length, so a 100 MB cell is cut in the database and never reaches node.
    const probe = await client.query(extended(`SELECT * FROM (${checked.normalized}\n) AS pulse_p LIMIT 0`));
    const fields = probe.fields.map((f) => ({ name: f.name, type: f.dataTypeID }));
    const plan = cellPlan(fields, cellBytes, parserOf(agentPool));
    await client.query(extended(`DECLARE pulse_q NO SCROLL CURSOR FOR ${plan.wrap(checked.normalized)}`));
    const columns = uniqueNames(fields.map((f) => f.name));
    const out: Record<string, unknown>[] = [];
    let bytes = 2;
    let cutCells = 0;
    let truncated = false;
    // batches small enough that one batch of widest-possible rows stays near the byte cap
    const batch = Math.max(1, Math.min(rowCap + 1, Math.floor(resultBytes / plan.maxRowBytes)));
    fetching: while (out.length <= rowCap) {
      const res = await client.query<unknown[]>({ text: `FETCH FORWARD ${batch} FROM pulse_q`, rowMode: 'array' });
      for (const raw of res.rows) {
        if (out.length === rowCap) {
          truncated = true;
          break fetching;
        }
        const { values, cut } = plan.read(raw);
        const row = Object.fromEntries(columns.map((c, i) => [c, values[i]]));
        const size = Buffer.byteLength(JSON.stringify(row)) + 1;
        if (bytes + size > resultBytes) {
          truncated = true;
          break fetching;
        }
        bytes += size;
        cutCells += cut;
        out.push(row);
      }
      if (res.rows.length < batch) break;
    }
    const notes = [
      truncated ? `only the first ${out.length} rows are shown (limits: ${rowCap} rows, ${resultBytes} bytes)` : undefined,
      cutCells ? `${cutCells} cell${cutCells === 1 ? ' was' : 's were'} longer than ${cellBytes} bytes and cut (marked "${CUT_MARK}N bytes]")` : undefined,
    ].filter((n): n is string => n !== undefined);
    return { sql: checked.normalized, columns, rows: out, truncated, cutCells, ...(notes.length ? { note: `${notes.join('; ')}.` } : {}) };
  } catch (err) {
    const e = err as Error & { code?: string };
    const hint = e.code === '57014' ? ` (limit ${timeoutMs} ms)` : '';
    return { refused: `query failed: ${e.message}${hint}` };
  } finally {
    await client.query('ROLLBACK').catch((err: Error) => {
      broken = err;
    });
    // A connection that cannot roll back must not go back to the pool.
    client.release(broken);
  }
}

/** `SELECT a.id, b.id` yields two columns named id: keep both as id and id_2. */
function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const count = (seen.get(n) ?? 0) + 1;
    seen.set(n, count);
    return count === 1 ? n : `${n}_${count}`;
  });
}

// Types whose text form has a small fixed bound: read as they are, never wrapped.
const FIXED_SIZE_TYPES = new Set([
  16, // bool
  20, 21, 23, 26, // int8, int2, int4, oid
  700, 701, 790, // float4, float8, money
  1082, 1083, 1114, 1184, 1186, 1266, // date, time, timestamp, timestamptz, interval, timetz
  2950, // uuid
]);
const FIXED_ROW_BYTES = 64;

interface CellPlan {
  /** the cursor's query: the original, or a wrapper reading variable-size columns as prefix + length */
  wrap(sql: string): string;
  /** one fetched row back to the original columns, with cut cells marked */
  read(raw: unknown[]): { values: unknown[]; cut: number };
  /** the most bytes one fetched row can take */
  maxRowBytes: number;
}

/**
 * How to read the columns within `cellBytes` each. A variable-size column (text, json, arrays,
 * numeric…) is fetched as `left(c::text, cellBytes)` and `octet_length(c::text)`: at most
 * `cellBytes` characters travel, and a value that fits is parsed back with node-postgres's own
 * parser for its type, so it reads exactly as the query's own column would. The derived
 * table's column list (`AS pulse_r(c1, c2…)`) renames by position, so repeated or odd column
 * names need no quoting, and a subquery scan keeps the query's ORDER BY.
 */
type Parser = (value: string) => unknown;

/** The pool's own type parsers (createAgentPool keeps dates as text), else node-postgres's. */
function parserOf(pool: pg.Pool): (oid: number) => Parser {
  const types = (pool as unknown as { options?: { types?: pg.CustomTypesConfig } }).options?.types;
  const get = (types?.getTypeParser ?? pg.types.getTypeParser) as (oid: number, format: 'text') => Parser;
  return (oid) => get(oid, 'text');
}

function cellPlan(fields: { name: string; type: number }[], cellBytes: number, parser: (oid: number) => Parser): CellPlan {
  const variable = fields.map((f) => !FIXED_SIZE_TYPES.has(f.type));
  // a character is at most 4 bytes in UTF-8, plus JSON escaping of the worst kind (\uXXXX)
  const maxRowBytes = variable.reduce((n, v) => n + (v ? cellBytes * 6 + 64 : FIXED_ROW_BYTES), 2);
  if (!variable.some(Boolean)) return { wrap: (sql) => sql, read: (raw) => ({ values: raw, cut: 0 }), maxRowBytes };
  const names = fields.map((_, i) => `c${i + 1}`);
  const select = names.flatMap((c, i) => (variable[i] ? [`left(${c}::text, ${cellBytes})`, `octet_length(${c}::text)`] : [c]));
  const parsers = fields.map((f) => parser(f.type));
  return {
    maxRowBytes,
    wrap: (sql) => `SELECT ${select.join(', ')} FROM (${sql}\n) AS pulse_r(${names.join(', ')})`,
    read: (raw) => {
      const values: unknown[] = [];
      let cut = 0;
      let at = 0;
      fields.forEach((_, i) => {
        if (!variable[i]) {
          values.push(raw[at++]);
          return;
        }
        const text = raw[at++] as string | null;
        const length = Number(raw[at++]);
        if (text === null) values.push(null);
        else if (length <= cellBytes) values.push(parsers[i]!(text));
        else {
          cut += 1;
          values.push(`${cutToBytes(text, cellBytes)}${CUT_MARK}${length} bytes]`);
        }
      });
      return { values, cut };
    },
  };
}

/** The longest prefix of `s` within `max` UTF-8 bytes, never splitting a character. */
export function cutToBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > max) break;
    bytes += n;
    end += ch.length;
  }
  return s.slice(0, end);
}
