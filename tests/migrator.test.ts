import { createHash } from 'node:crypto';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
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

describe('migration 20261206100000_one_topic_label_set', () => {
  it('maps the demo-era labels and topics onto the customer agent\'s labels', async () => {
    const url = await emptyDb();
    const dir = await mkdtemp(path.join(tmpdir(), 'pulse-mig-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    const later = (await readMigrations(dir)).filter((m) => m.name >= '20261206100000');
    for (const m of later) await rm(path.join(dir, m.name), { recursive: true });
    await migrate(url, { dir });
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(`INSERT INTO pages (id, fb_page_id, name, updated_at) VALUES (1, 'p1', 'Shop', now())`);
      await c.query(`INSERT INTO conversations (id, fb_chat_id, page_id, common_topics, updated_at) VALUES
        (1, 't1', 1, '["shipping", "complaints"]', now()), (2, 't2', 1, '["account"]', now()), (3, 't3', 1, NULL, now())`);
      await c.query(`INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time, classification, classification_confidence) VALUES
        (1, 'a', 'to_company', 'customer', 'hi', '2026-11-01T10:00Z', 'first_contact', 0.9),
        (1, 'b', 'to_company', 'customer', 'where is it', '2026-11-01T10:01Z', 'shipping_question', 0.9),
        (1, 'c', 'to_company', 'customer', 'still nothing', '2026-11-01T10:02Z', 'complaint', 0.9),
        (1, 'd', 'to_company', 'customer', 'and now?', '2026-11-01T10:03Z', 'shipping_question', 0.9),
        (2, 'e', 'to_company', 'customer', 'thanks', '2026-11-01T10:00Z', 'gratitude', 0.9),
        (3, 'f', 'to_company', 'customer', 'my login', '2026-11-01T10:00Z', 'account_issue', 0.9),
        (3, 'g', 'to_company', 'customer', 'refund', '2026-11-01T10:01Z', 'return_request', 0.9)`);
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await migrate(url, { dir });
      const labels = await c.query(`SELECT mid, classification FROM messages ORDER BY mid`);
      expect(labels.rows.map((r) => r.classification)).toEqual([
        'first_contact', 'shipping', 'complaint', 'shipping', 'gratitude', 'general_inquiry', 'returns',
      ]);
      const topics = await c.query(`SELECT id, common_topics FROM conversations ORDER BY id`);
      expect(topics.rows).toEqual([
        { id: 1, common_topics: ['shipping', 'complaint'] },
        { id: 2, common_topics: [] },
        { id: 3, common_topics: ['general_inquiry', 'returns'] },
      ]);
    } finally {
      await c.end();
    }
  });
});
