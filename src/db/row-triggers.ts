import type pg from 'pg';

/**
 * Whether this session may skip per-row triggers (session_replication_role = replica) when
 * writing `tables`: the role must be allowed to set the parameter (superuser, or GRANT SET on
 * PG 15+), and the tables must carry no triggers of their own, which replica mode would
 * silence along with the foreign-key checks it is meant to skip. Bulk loaders then do the
 * foreign keys' job set-based.
 */
export async function mayDisableRowTriggers(client: pg.ClientBase, tables: readonly string[]): Promise<boolean> {
  const own = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = ANY($1::regclass[]) AND NOT tgisinternal',
    [tables],
  );
  if ((own.rows[0]?.n ?? 1) > 0) return false;
  try {
    await client.query('SET session_replication_role = replica; RESET session_replication_role');
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === '42501') return false; // insufficient_privilege
    throw err;
  }
}
