import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;

/**
 * The Prisma 7 client over node-postgres: no query engine binary, fully offline. Given a pool
 * (the composition root's requests pool), it runs on those connections and never ends them;
 * given a URL (tests, scripts), on a pool of its own of `max`.
 */
export function createPrisma(source: string | pg.Pool, opts: { max?: number } = {}): Db {
  const adapter = typeof source === 'string' ? new PrismaPg({ connectionString: source, max: opts.max ?? 10 }) : new PrismaPg(source);
  return new PrismaClient({ adapter });
}
