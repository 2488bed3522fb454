import type pg from 'pg';

// Rows stored once under a token's Idempotency-Key (routes/idempotency.ts): error reports and
// uploads. Each table's statement inserts under the key with ON CONFLICT DO NOTHING on its unique
// partial index and, in the same statement, reads the row already stored under it.

/**
 * Runs `sql` (an INSERT … ON CONFLICT DO NOTHING … RETURNING …, true AS inserted, UNION ALL the
 * stored row, false AS inserted) until it returns a row: the one inserted, or the one found.
 * A statement that conflicts with a row committed after it began cannot see that row in its own
 * snapshot; the next statement can (each runs in a snapshot of its own). Deleted in between
 * (retention), the key is free again and the next round stores the new row.
 */
export async function insertOrFindByKey<R extends { inserted: boolean }>(db: pg.Pool | pg.ClientBase, sql: string, params: unknown[], what: string): Promise<R> {
  for (let round = 0; round < 3; round++) {
    const row = (await db.query<R>(sql, params)).rows[0];
    if (row) return row;
  }
  throw new Error(`${what}: the row under this idempotency key was neither stored nor found in 3 rounds`);
}
