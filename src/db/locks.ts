import pg from 'pg';

// Keys for session-level advisory locks. The migrator uses Prisma's own key (72707369).
export const LockKeys = {
  demoSeed: 72707370,
  metricsRefresh: 72707371,
  /** the class of the per-upload import leases (two-key locks: this, upload id) */
  importLease: 72707372,
  /** one start-up sweep for sessions missing after a crash at a time */
  sessionsRepair: 72707373,
  /** with a conversation id as second key, transaction-level: see db/topics-repo.ts */
  conversationTopics: 72707374,
  /** transaction-level: one analysis plan at a time (jobs/analysis/plan.ts) */
  analysisPlan: 72707375,
} as const;

/**
 * The lease of an import: held on the importing process's own connection from before the
 * upload turns `processing` until it is finished. PostgreSQL releases it when that connection
 * ends, however the process ended (kill -9 closes its sockets), so a `processing` upload whose
 * lease is free has no live importer, whichever process or machine ran it.
 */
export async function takeImportLease(client: pg.ClientBase, uploadId: number): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1, $2)', [LockKeys.importLease, uploadId]);
}

/** The lease if nobody holds it (then the caller owns the upload until it unlocks or disconnects). */
export async function tryImportLease(client: pg.ClientBase, uploadId: number): Promise<boolean> {
  const res = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LockKeys.importLease, uploadId]);
  return res.rows[0]?.ok === true;
}

export async function releaseImportLease(client: pg.ClientBase, uploadId: number): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1, $2)', [LockKeys.importLease, uploadId]);
}

/**
 * SQL true when upload `idExpr` has a live importer: a granted two-key advisory lock of the
 * lease class in this database (pg_locks is readable by every role; reading it takes nothing).
 */
export const importLeaseHeld = (idExpr: string) => `EXISTS (SELECT 1 FROM pg_locks l
   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = ${LockKeys.importLease}::oid
     AND l.objid = (${idExpr})::oid AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))`;

/**
 * Runs fn while holding a Postgres advisory lock, so concurrent starters take turns. The lock is
 * held by one connection of `pool` for the whole of fn (fn's own queries use others).
 */
export async function withAdvisoryLock<T>(pool: pg.Pool, key: number, fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let unlocked = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [key]);
    return await fn();
  } finally {
    unlocked = await client.query('SELECT pg_advisory_unlock($1)', [key]).then(() => true, () => false);
    // a connection that could not unlock (it broke) is closed, which frees the lock with it
    client.release(!unlocked);
  }
}
