import pg from 'pg';

/**
 * A node-postgres pool that survives its idle connections being cut (server restart,
 * pg_terminate_backend, a dropped test database): pg emits those as 'error' events, which
 * would crash the process without a listener. The pool discards such clients by itself, and so
 * does every caller that holds one when it is cut (no 'error' listener of their own needed).
 * `applicationName` shows in pg_stat_activity (and `pulse db status`): who holds which connection.
 */
/**
 * How long a pool keeps an idle connection (pg's default: 10 s). A new one costs a TCP and SCRAM
 * handshake, a backend process, and its statements prepared and catalogue caches filled again:
 * tens of ms of CPU on two cores, paid by the first requests of a burst after a lull (the
 * messenger bench's floods began with 70–90 ms acknowledgements after each 12 s drain). Every
 * pool stays within its connection budget; idle connections only live longer.
 */
export const POOL_IDLE_MS = 60_000;

export function createPool(
  connectionString: string, max: number, onError?: (err: Error) => void, applicationName?: string,
  options: Pick<pg.PoolConfig, 'connectionTimeoutMillis'> = {},
): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: POOL_IDLE_MS, ...options, ...(applicationName ? { application_name: applicationName } : {}) });
  pool.on('error', (err) => onError?.(err));
  // The pool listens only while a client is idle: one checked out and cut between two queries
  // (a restart, shutdown while a transaction waits on other work) would emit an unheard 'error'.
  // Heard here and dropped: the next query on it fails, and the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * One pooled connection for `fn`, given back afterwards. `discard` closes it instead: for work
 * that takes session-level advisory locks, which must never outlive `fn` on a reused connection.
 * A connection whose `fn` failed is discarded too (it may be the connection that broke).
 */
export async function withPooledClient<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>, opts: { discard?: boolean } = {}): Promise<T> {
  const client = await pool.connect();
  let failed = false;
  try {
    return await fn(client);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    client.release(failed || opts.discard === true);
  }
}

/**
 * One short-lived connection for `fn`, closed afterwards whatever happens. A cut connection is
 * also reported through the pending query, which fails `fn`; as an unheard 'error' event it
 * would take the whole process down with it.
 */
export async function withClient<T>(connectionString: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * `fn` inside BEGIN … COMMIT on a connection the caller holds; ROLLBACK and rethrow when it
 * fails (a failed ROLLBACK, on a connection that is gone, is not the error worth reporting).
 */
export async function transaction<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
