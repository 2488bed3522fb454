import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Prisma, PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;
/** The client inside `prisma.$transaction(async (tx) => …)`. */
export type Tx = Prisma.TransactionClient;

/**
 * The Prisma 7 client over node-postgres: no query engine binary, fully offline. Given a pool,
 * it runs on that pool's connections (PrismaPg takes an existing pg.Pool and does not end it on
 * $disconnect), so Prisma adds no connections of its own; given a URL it opens its own pool.
 */
export function createPrisma(source: string | pg.Pool, opts: { max?: number } = {}): Db {
  const adapter = typeof source === 'string' ? new PrismaPg({ connectionString: source, max: opts.max ?? 10 }) : new PrismaPg(source);
  return new PrismaClient({ adapter });
}

/**
 * Raw SQL inside a Prisma interactive transaction, shaped like pg's `client.query`: pg-boss's
 * `{ db }` option (jobs/queue.ts inTransaction) then inserts its job in that transaction.
 */
export interface TxSql {
  query<R = unknown>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

export const txSql = (tx: Tx): TxSql => ({
  query: async <R>(text: string, values: unknown[] = []) => ({ rows: await tx.$queryRawUnsafe<R[]>(text, ...values) }),
});

const overPool = new WeakMap<pg.Pool, Db>();

/**
 * The Prisma client over `pool` (one per pool, made on first use). Entity repositories take the
 * pool their callers already hold and query it through this typed client: threading a second
 * handle through every caller would buy nothing, since both share the same connections.
 */
export function prismaOf(pool: pg.Pool | Db): Db {
  if ('$transaction' in pool) return pool;
  // PrismaPg takes anything else for a pool config and would open a pool of its own
  if (!(pool instanceof pg.Pool)) throw new TypeError('prismaOf needs a pg.Pool (or a Prisma client)');
  let prisma = overPool.get(pool);
  if (!prisma) {
    prisma = createPrisma(pool);
    overPool.set(pool, prisma);
  }
  return prisma;
}

/** Prisma's error code (P2002 unique violation, P2025 record not found…), if `err` is a known request error. */
export function prismaCode(err: unknown): string | undefined {
  return err instanceof Prisma.PrismaClientKnownRequestError ? err.code : undefined;
}

/**
 * Interactive transactions wait for a connection and run as long as a pg transaction would:
 * Prisma's defaults (2 s to start, 5 s to finish) would turn a busy pool or a slow hook into
 * errors that the hand-written BEGIN … COMMIT never had.
 */
export const TX_OPTIONS = { maxWait: 30_000, timeout: 60_000 } as const;
