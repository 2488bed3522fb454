import pg from 'pg';

/**
 * A node-postgres pool that survives its idle connections being cut (server restart,
 * pg_terminate_backend, a dropped test database): pg emits those as 'error' events, which
 * would crash the process without a listener. The pool discards such clients by itself.
 */
export function createPool(connectionString: string, max: number, onError?: (err: Error) => void): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  pool.on('error', (err) => onError?.(err));
  return pool;
}
