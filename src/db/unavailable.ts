// Whether an error means the database cannot be reached right now (down, restarting, refusing
// connections, no connection free in time), as opposed to a query that failed on its own. The
// HTTP edge answers these 503 with Retry-After instead of a 500: the request may be sent again.

/** node's and pg-pool's words for a connection that could not be made or was cut */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);
/** PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections (class 08 is checked by prefix) */
const PG_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Prisma: can't reach the server, timed out reaching it, operation timed out, server closed the connection, pool timeout */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** node-postgres and pg-pool raise these as plain errors without a code; Prisma's raw queries (P2010) quote its adapter's */
const MESSAGES = /Can't reach database server|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection refused|the database system is (starting up|shutting down|in recovery mode)/i;

function unavailableHere(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { code, message } = e as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || PG_CODES.has(code) || PRISMA_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  return typeof message === 'string' && MESSAGES.test(message);
}

/** True when `err`, or an error it wraps (`cause`, an AggregateError's `errors`), says the database is out of reach. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.size < 20) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    if (unavailableHere(e)) return true;
    const { cause, errors } = e as { cause?: unknown; errors?: unknown };
    queue.push(cause);
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
  return false;
}
