import type pg from 'pg';
import { AGENT_ROLE } from './agent-role.ts';
import { checkSql } from './guard.ts';

export const DEFAULT_ROW_CAP = 500;
export const DEFAULT_TIMEOUT_MS = 5000;

export type QueryResult =
  | { sql: string; columns: string[]; rows: Record<string, unknown>[]; truncated: boolean }
  | { refused: string };

/**
 * Runs one SELECT for the sql_query tool: guard, then a READ ONLY transaction on a pulse_agent
 * connection with a statement timeout, rows fetched through a cursor up to `rowCap`, and always
 * rolled back. Every failure (guard, connection, database, timeout) comes back as `{ refused }`
 * for the model to read; only a programming error throws.
 */
export async function runReadOnlyQuery(
  agentPool: pg.Pool,
  sql: string,
  opts: { rowCap?: number; timeoutMs?: number } = {},
): Promise<QueryResult> {
  const rowCap = Math.max(1, Math.floor(opts.rowCap ?? DEFAULT_ROW_CAP));
  const timeoutMs = Math.max(1, Math.floor(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS));
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
    const declare: pg.QueryConfig & { queryMode: 'extended' } = {
      text: `DECLARE pulse_q NO SCROLL CURSOR FOR ${checked.normalized}`,
      queryMode: 'extended',
    };
    await client.query(declare);
    const res = await client.query<unknown[]>({ text: `FETCH FORWARD ${rowCap + 1} FROM pulse_q`, rowMode: 'array' });
    const columns = uniqueNames(res.fields.map((f) => f.name));
    const rows2 = res.rows.slice(0, rowCap).map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
    return { sql: checked.normalized, columns, rows: rows2, truncated: res.rows.length > rowCap };
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
