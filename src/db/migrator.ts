import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { AppError } from '../errors.js';
import { restoreViews, setAsideViews } from './analytics-views.js';
import { restoreAbandonedIndexes } from './deferred-indexes.js';

// Applies prisma/migrations/*/migration.sql the way `prisma migrate deploy` does and records
// them in `_prisma_migrations` with Prisma's own table layout and checksums, so that
// `prisma migrate status` agrees on a machine where the Prisma schema engine can run.

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../prisma/migrations');

// Prisma's own advisory lock key: a `prisma migrate deploy` run elsewhere waits for us too.
const ADVISORY_LOCK_KEY = 72707369;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Applied migrations whose file no longer matches the recorded checksum. */
  modified: string[];
  /** Recorded as started but never finished (a failed `prisma migrate deploy`). */
  failed: string[];
  /** Recorded in the database but absent from prisma/migrations. */
  unknown: string[];
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

interface Row {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

async function recorded(client: pg.ClientBase): Promise<Row[]> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"') AS t`);
  if (!exists.rows[0]?.t) return [];
  const res = await client.query<Row>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
  );
  return res.rows;
}

function compare(files: MigrationFile[], rows: Row[]): MigrationStatus {
  const live = rows.filter((r) => r.rolled_back_at === null);
  const done = new Map(live.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r]));
  const fileNames = new Set(files.map((f) => f.name));
  return {
    applied: files.filter((f) => done.has(f.name)).map((f) => f.name),
    pending: files.filter((f) => !live.some((r) => r.migration_name === f.name)).map((f) => f.name),
    modified: files.filter((f) => done.has(f.name) && done.get(f.name)!.checksum !== f.checksum).map((f) => f.name),
    failed: live.filter((r) => r.finished_at === null).map((r) => r.migration_name),
    unknown: [...done.keys()].filter((n) => !fileNames.has(n)),
  };
}

export async function migrationStatus(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<MigrationStatus> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return compare(await readMigrations(dir), await recorded(client));
  } finally {
    await client.end();
  }
}

/**
 * Applies pending migrations under Prisma's advisory lock. Refuses to run when an applied
 * migration's file has changed or a migration is recorded as failed: silently continuing
 * would leave the database and schema.prisma disagreeing.
 */
export async function migrate(
  databaseUrl: string,
  opts: { dir?: string; log?: (msg: string) => void } = {},
): Promise<{ applied: string[] }> {
  const log = opts.log ?? (() => {});
  const files = await readMigrations(opts.dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_KEY]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const status = compare(files, await recorded(client));
    if (status.modified.length > 0) {
      throw new AppError(
        'MIGRATION_MODIFIED',
        `Migration ${status.modified.join(', ')} was changed after it was applied (checksum mismatch). ` +
          'Restore the original file and put the change in a new migration.',
      );
    }
    if (status.failed.length > 0) {
      throw new AppError(
        'MIGRATION_FAILED',
        `Migration ${status.failed.join(', ')} is recorded as started but not finished. ` +
          'Inspect the database, then resolve it (prisma migrate resolve) before starting again.',
      );
    }
    const applied: string[] = [];
    const pending = files.filter((f) => status.pending.includes(f.name));
    // A migration may name an index a killed import had dropped for its load: built again first.
    if (pending.length > 0) {
      for (const name of await restoreAbandonedIndexes(client)) log(`built again index ${name}, dropped by an import that stopped before its end`);
    }
    for (const file of pending) {
      // Record and apply in one transaction: a failing migration leaves no trace to resolve.
      await client.query('BEGIN');
      try {
        const id = randomUUID();
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), 0)`,
          [id, file.checksum, file.name],
        );
        // Plain analytics views pin the columns they select: set them aside so the migration
        // may change those columns, then put back each one it did not redefine (analytics-views.ts).
        const views = await setAsideViews(client);
        await client.query(file.sql);
        await restoreViews(client, views);
        await client.query(
          `UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
          [id],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new AppError('MIGRATION_ERROR', `Migration ${file.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(file.name);
      log(`applied migration ${file.name}`);
    }
    return { applied };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]).catch(() => {});
    await client.end();
  }
}
