import type pg from 'pg';
import { releaseImportLease, tryImportLease } from './locks.js';

// Secondary indexes a large import drops before its load and builds again after it, as
// pg_restore and bulk loaders do: one sorted build per index instead of one B-tree descent per
// row, in random order for the time-ordered ones (docs/IMPORT.md, "7 December: deferred
// indexes"). The primary keys and the unique `mid` stay (dedupe relies on it), and so do the
// per-conversation indexes every single-conversation read (webhook sessions, lookups) follows.
//
// Crash safety: the drops commit together with one import_deferred_indexes row per index,
// holding its exact definition (pg_get_indexdef), and each build commits together with the
// deletion of its row. Whatever stops the importer in between, every index still missing is
// listed there, and recovery (src/import/recover.ts) builds it again once the upload's import
// lease is free.

/** The indexes a bulk load may defer, in the order they are built (largest first). */
export const DEFERRABLE_INDEXES = [
  'messages_time_idx',
  'message_replies_asked_at_idx',
  'messages_human_reply_time_idx',
] as const;

/**
 * How long the drop may wait for its ACCESS EXCLUSIVE locks. Past it the import keeps every
 * index and maintains them as it goes: queueing behind a long reader would block every other
 * query on messages behind the import's lock request meanwhile.
 */
export const DEFER_LOCK_TIMEOUT_MS = 2_000;

/**
 * Memory for one index build (the session's own setting when it is larger): the sort of the
 * million messages' time index fits in it, so the build does not spill to temporary files.
 */
const BUILD_MEMORY_KB = 256 * 1024;

export interface DeferredIndex {
  indexName: string;
  tableName: string;
  definition: string;
}

/**
 * Drops the indexes of `names` that exist and are valid, recording each under `uploadId`; returns
 * what it dropped. Nothing when the locks are not granted within DEFER_LOCK_TIMEOUT_MS (the
 * import then keeps its indexes), or when another import deferred them already (their rows
 * are that import's, which builds them when it finishes).
 */
export async function deferIndexes(client: pg.ClientBase, uploadId: number, names: readonly string[] = DEFERRABLE_INDEXES): Promise<DeferredIndex[]> {
  await client.query(`BEGIN; SET LOCAL lock_timeout = ${DEFER_LOCK_TIMEOUT_MS}`);
  try {
    // Locks first, in one statement and a fixed order, so two importers cannot deadlock; the
    // catalog is read after they are granted, so an import that deferred them just before is seen.
    const tables = await client.query<{ name: string }>(
      `SELECT DISTINCT t.relname AS name FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        WHERE i.relname = ANY($1::text[]) AND i.relnamespace = current_schema()::regnamespace ORDER BY 1`,
      [names],
    );
    if (tables.rows.length === 0) {
      await client.query('COMMIT');
      return [];
    }
    await client.query(`LOCK TABLE ${tables.rows.map((t) => client.escapeIdentifier(t.name)).join(', ')} IN ACCESS EXCLUSIVE MODE`);
    const found = await client.query<DeferredIndex>(
      `INSERT INTO import_deferred_indexes (index_name, table_name, definition, upload_id)
       SELECT i.relname, t.relname, pg_get_indexdef(i.oid), $2
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        WHERE i.relname = ANY($1::text[]) AND i.relnamespace = current_schema()::regnamespace AND x.indisvalid
       ON CONFLICT (index_name) DO NOTHING
       RETURNING index_name AS "indexName", table_name AS "tableName", definition`,
      [names, uploadId],
    );
    if (found.rows.length > 0) await client.query(`DROP INDEX ${found.rows.map((r) => client.escapeIdentifier(r.indexName)).join(', ')}`);
    await client.query('COMMIT');
    return found.rows;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    if ((err as { code?: string }).code === '55P03') return []; // lock_not_available: keep the indexes
    throw err;
  }
}

/**
 * Builds the indexes `uploadId` deferred, one per connection of `clients` at a time, each in
 * one transaction with the deletion of its row. A plain CREATE INDEX: it holds a SHARE lock on
 * its table while it runs (readers go on; inserts, updates and deletes of that table wait), a
 * few seconds per million rows, and does not leave an INVALID index behind if it is killed,
 * as CREATE INDEX CONCURRENTLY would. Returns the names built.
 */
export async function restoreDeferredIndexes(clients: pg.ClientBase[], uploadId: number): Promise<string[]> {
  const { rows } = await clients[0]!.query<DeferredIndex>(
    `SELECT index_name AS "indexName", table_name AS "tableName", definition FROM import_deferred_indexes WHERE upload_id = $1`,
    [uploadId],
  );
  const order = new Map<string, number>(DEFERRABLE_INDEXES.map((name, i) => [name, i]));
  const queue = rows.sort((a, b) => (order.get(a.indexName) ?? order.size) - (order.get(b.indexName) ?? order.size));
  const built: string[] = [];
  await Promise.all(
    clients.map(async (client) => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        await buildOne(client, next, clients.length > 1);
        built.push(next.indexName);
      }
    }),
  );
  return built;
}

async function buildOne(client: pg.ClientBase, ix: DeferredIndex, sideBySide: boolean): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT set_config('maintenance_work_mem', '${BUILD_MEMORY_KB}kB', true) FROM pg_settings WHERE name = 'maintenance_work_mem' AND setting::bigint < ${BUILD_MEMORY_KB}`);
    // Builds on several connections are the parallelism already: their own parallel workers
    // only added processes on the 2-core host (index phase 2.2 s with them, 1.4 s without).
    if (sideBySide) await client.query('SET LOCAL max_parallel_maintenance_workers = 0');
    // Locked before the catalog is read: no other build of the same row can be under way.
    const row = await client.query('SELECT 1 FROM import_deferred_indexes WHERE index_name = $1 FOR UPDATE', [ix.indexName]);
    if (row.rows.length > 0) {
      const existing = await client.query<{ valid: boolean }>(
        `SELECT x.indisvalid AS valid FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
          WHERE i.relname = $1 AND i.relnamespace = current_schema()::regnamespace`,
        [ix.indexName],
      );
      // A valid index of that name is there already (a migration made it anew meanwhile): it
      // wins. An invalid one (a CREATE INDEX CONCURRENTLY that died) is replaced.
      const valid = existing.rows[0]?.valid;
      if (valid === false) await client.query(`DROP INDEX ${client.escapeIdentifier(ix.indexName)}`);
      if (valid !== true) await client.query(ix.definition);
      await client.query('DELETE FROM import_deferred_indexes WHERE index_name = $1', [ix.indexName]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/**
 * Builds the deferred indexes of every upload whose import lease is free: its importer died
 * between the drop and the build. A live importer builds its own when its load ends. Nothing
 * (and no error) before the migration that makes import_deferred_indexes has run.
 */
export async function restoreAbandonedIndexes(client: pg.ClientBase): Promise<string[]> {
  const exists = await client.query<{ ok: boolean }>(`SELECT to_regclass('import_deferred_indexes') IS NOT NULL AS ok`);
  if (exists.rows[0]?.ok !== true) return [];
  const { rows } = await client.query<{ upload_id: number }>('SELECT DISTINCT upload_id FROM import_deferred_indexes ORDER BY upload_id');
  const built: string[] = [];
  for (const { upload_id: id } of rows) {
    if (!(await tryImportLease(client, id))) continue;
    try {
      built.push(...(await restoreDeferredIndexes([client], id)));
    } finally {
      await releaseImportLease(client, id);
    }
  }
  return built;
}

/**
 * Rows in `messages` as the planner knows them (pg_class.reltuples, kept by autovacuum, ANALYZE
 * and index builds), counted when the table was never analysed.
 */
export async function messageRowsEstimate(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT (CASE WHEN c.reltuples < 0 THEN (SELECT count(*) FROM messages) ELSE c.reltuples END)::bigint::text AS n
       FROM pg_class c WHERE c.oid = 'messages'::regclass`,
  );
  return Number(rows[0]?.n ?? 0);
}
