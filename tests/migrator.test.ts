import { createHash } from 'node:crypto';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, migrate, migrationStatus, readMigrations } from '../src/db/migrator.ts';
import { createEmptyDatabase } from './helpers/db.ts';

const dbs: { drop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

async function emptyDb() {
  const db = await createEmptyDatabase('mig');
  dbs.push(db);
  return db.url;
}

async function rows(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(
      'SELECT id, migration_name, checksum, finished_at, applied_steps_count, rolled_back_at FROM "_prisma_migrations"',
    );
    return r.rows;
  } finally {
    await c.end();
  }
}

describe('migrator', () => {
  it('records migrations exactly as Prisma does and a second run is a no-op', async () => {
    const url = await emptyDb();
    const files = await readMigrations();
    const first = await migrate(url);
    expect(first.applied).toEqual(files.map((f) => f.name));
    const recorded = await rows(url);
    expect(recorded).toHaveLength(files.length);
    for (const f of files) {
      const row = recorded.find((r) => r.migration_name === f.name)!;
      // Prisma's checksum: SHA-256 hex of the migration.sql bytes.
      expect(row.checksum).toBe(createHash('sha256').update(f.sql).digest('hex'));
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
      expect(row.rolled_back_at).toBeNull();
    }
    expect(await migrate(url)).toEqual({ applied: [] });
    expect(await rows(url)).toEqual(recorded);
    expect(await migrationStatus(url)).toMatchObject({ pending: [], modified: [], failed: [] });
  });

  it('refuses to start when an applied migration file was edited, naming it', async () => {
    const url = await emptyDb();
    const dir = await mkdtemp(path.join(tmpdir(), 'pulse-mig-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await migrate(url, { dir });
    const [first] = await readMigrations(dir);
    await writeFile(path.join(dir, first!.name, 'migration.sql'), first!.sql + '\n-- edited\n');
    await expect(migrate(url, { dir })).rejects.toThrow(new RegExp(`${first!.name}.*changed after it was applied`));
    expect((await migrationStatus(url, dir)).modified).toEqual([first!.name]);
  });

  it('applies new migrations only, and rolls back a failing one completely', async () => {
    const url = await emptyDb();
    const dir = await mkdtemp(path.join(tmpdir(), 'pulse-mig-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await migrate(url, { dir });
    const bad = path.join(dir, '29990101000000_bad');
    await cp(path.join(dir, (await readMigrations(dir))[0]!.name), bad, { recursive: true });
    await writeFile(path.join(bad, 'migration.sql'), 'CREATE TABLE "probe" (id int);\nSELECT * FROM no_such_table;\n');
    await expect(migrate(url, { dir })).rejects.toThrow(/29990101000000_bad failed/);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const probe = await c.query(`SELECT to_regclass('probe') AS t`);
    await c.end();
    expect(probe.rows[0].t).toBeNull();
    expect((await rows(url)).map((r) => r.migration_name)).not.toContain('29990101000000_bad');
    expect((await migrationStatus(url, dir)).pending).toEqual(['29990101000000_bad']);
  });

  it('lets concurrent starters race: both succeed, each migration is applied once', async () => {
    const url = await emptyDb();
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    const files = await readMigrations();
    expect(results.flatMap((r) => r.applied).sort()).toEqual(files.map((f) => f.name).sort());
    expect(await rows(url)).toHaveLength(files.length);
  });
});

// The analytics views are plain views (they pin the columns they select); the migrator sets
// them aside around each migration so later migrations can still change those columns.
describe('migrator and the analytics views', () => {
  async function withMigration(sql: string) {
    const url = await emptyDb();
    const dir = await mkdtemp(path.join(tmpdir(), 'pulse-mig-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await migrate(url, { dir });
    const next = path.join(dir, '29990101000000_next');
    await cp(path.join(dir, (await readMigrations(dir))[0]!.name), next, { recursive: true });
    await writeFile(path.join(next, 'migration.sql'), sql);
    return { url, dir };
  }
  async function one<T>(url: string, sql: string): Promise<T> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(sql)).rows[0] as T;
    } finally {
      await c.end();
    }
  }
  const messageColumns = (url: string) =>
    one<{ cols: string }>(url, `SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) AS cols
      FROM pg_attribute WHERE attrelid = 'analytics.messages'::regclass AND attnum > 0 AND NOT attisdropped`);

  it('lets a migration change the type of a column a view selects, and puts the view back with its grants', async () => {
    const { url, dir } = await withMigration('ALTER TABLE messages ALTER COLUMN processing_time_ms TYPE bigint;\n');
    expect((await messageColumns(url)).cols).toContain('processing_time_ms integer');
    expect(await migrate(url, { dir })).toEqual({ applied: ['29990101000000_next'] });
    expect((await messageColumns(url)).cols).toContain('processing_time_ms bigint');
    expect(await one(url, `SELECT has_table_privilege('pulse_agent', 'analytics.messages', 'SELECT') AS can,
                                  has_table_privilege('pulse_agent', 'public.messages', 'SELECT') AS table_can`)).toEqual({ can: true, table_can: false });
  });

  it('fails a migration that drops a selected column, naming the view, and leaves the old view in place', async () => {
    const { url, dir } = await withMigration('ALTER TABLE messages DROP COLUMN classification_confidence;\n');
    const before = await messageColumns(url);
    await expect(migrate(url, { dir })).rejects.toThrow(/29990101000000_next failed: view analytics\.messages no longer fits the tables/);
    expect(await messageColumns(url)).toEqual(before);
  });

  it('keeps the view a migration defines itself', async () => {
    const { url, dir } = await withMigration(`ALTER TABLE messages DROP COLUMN classification_confidence;
      CREATE VIEW analytics.messages AS SELECT m.id, m.classification FROM public.messages m;
      GRANT SELECT ON analytics.messages TO pulse_agent;\n`);
    await migrate(url, { dir });
    expect(await messageColumns(url)).toEqual({ cols: 'id integer, classification text' });
  });
});
