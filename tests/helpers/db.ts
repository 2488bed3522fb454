import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createPrisma, type Db } from '../../src/db/client.ts';
import { createPool } from '../../src/db/pool.ts';
import { KEPT_PREFIX, failedFile } from './keep.ts';

export interface TestDatabase {
  /** URL of this file's own database, already migrated (a copy of the template). */
  url: string;
  name: string;
  prisma: Db;
  pool: pg.Pool;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Drops a test database, unless a test of the running file failed: then it stays, with a
 * comment saying why (global-setup keeps the server's data for it), and stderr says how to look.
 */
async function dropOrKeep(name: string, url: string): Promise<void> {
  const failed = failedFile();
  if (!failed) {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    return;
  }
  await admin((c) => c.query(`COMMENT ON DATABASE ${name} IS ${pg.escapeLiteral(KEPT_PREFIX + failed)}`));
  process.stderr.write(`[test db] a test failed in ${failed}: its database ${name} is kept for inspection, psql '${url}' (while the run's server is up; see README, Tests)\n`);
}

/** An empty database with nothing in it (not even migrations). */
export async function createEmptyDatabase(prefix = 'empty'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(inject('pgAdminUrl'), name);
  return { url, drop: () => dropOrKeep(name, url) };
}

/** A migrated database of this test file's own, copied from the run's template. */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${inject('pgTemplate')}`));
  const url = withDatabase(inject('pgAdminUrl'), name);
  const prisma = createPrisma(url, { max: 4 });
  const pool = createPool(url, 4);
  return {
    url,
    name,
    prisma,
    pool,
    drop: async () => {
      await prisma.$disconnect();
      await pool.end();
      await dropOrKeep(name, url);
    },
  };
}

/** A copy of a database (CREATE DATABASE … TEMPLATE): nobody may be connected to the source. */
export async function cloneDatabase(sourceUrl: string, prefix = 'clone'): Promise<{ url: string; drop(): Promise<void> }> {
  const source = new URL(sourceUrl).pathname.slice(1);
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${source}`));
  const url = withDatabase(inject('pgAdminUrl'), name);
  return { url, drop: () => dropOrKeep(name, url) };
}

/** One query on a short-lived connection, for tests that look into a database they do not own. */
export async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}
