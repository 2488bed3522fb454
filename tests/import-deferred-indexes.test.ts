import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFERRABLE_INDEXES, deferIndexes } from '../src/db/deferred-indexes.ts';
import { takeImportLease } from '../src/db/locks.ts';
import { migrate } from '../src/db/migrator.ts';
import { rebuildSessions } from '../src/db/sessions-rebuild.ts';
import { DEFER_MIN_ROWS, estimateRows, shouldDeferIndexes } from '../src/import/bulk-load.ts';
import { createUpload, importPath, readUpload } from '../src/import/index.ts';
import { describeRecovery, recoverImports } from '../src/import/recover.ts';
import { startUpload } from '../src/import/uploads.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// A large import into a smaller table drops the secondary indexes it may defer and builds them
// after its load (docs/IMPORT.md, "7 December: deferred indexes"). What must hold: the rule
// both ways, the same rows as an import that kept its indexes, the same index definitions
// afterwards, and every index back after an importer died between the drop and the build.

const HEADER = 'fb_chat_id,message_id,direction,message_content,social_create_time,agent_info,page_id,page_name\n';
const START = Date.parse('2026-08-01T08:00:00Z');
const AGENTS = ['', '"{""id"":""U01"",""name"":""Ann""}"', '"{""id"":""bot"",""name"":""Sunny Bot"",""type"":""bot""}"'];

/** `chats` chats of `perChat` messages, alternating customer and agent, spread over months in random-looking order. */
function csv(prefix: string, chats: number, perChat: number): string {
  let out = HEADER;
  for (let c = 0; c < chats; c++) {
    const first = START + ((c * 7_919) % 90) * 86_400_000 + c * 1_000;
    for (let k = 0; k < perChat; k++) {
      const toCompany = k % 2 === 0;
      // a gap of 13 h after the fourth message: two sessions per chat
      const at = first + k * 90_000 + (k >= 4 ? 13 * 3_600_000 : 0);
      out += `${prefix}_${c},m_${prefix}_${c}_${k},${toCompany ? 'to_company' : 'to_client'},${toCompany ? 'where is my order?' : 'on its way'},${new Date(at).toISOString()},${toCompany ? '' : AGENTS[1 + ((c + k) % 2)]},104882371956210,Sunny Shop\n`;
    }
  }
  return out;
}

let db: TestDatabase;
let scratch: string;
/** pg_indexes.indexdef of the deferrable indexes as the migrations made them */
let migrated: Record<string, string>;

async function indexDefs(pool: pg.Pool): Promise<Record<string, string>> {
  const { rows } = await pool.query<{ indexname: string; indexdef: string }>(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid
      WHERE i.schemaname = current_schema() AND i.tablename IN ('messages', 'message_replies') AND x.indisvalid ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef]));
}

const deferredRows = async (pool: pg.Pool) =>
  (await pool.query<{ index_name: string; upload_id: number }>('SELECT index_name, upload_id FROM import_deferred_indexes ORDER BY 1')).rows;

/** What an import leaves in the tables it writes, for comparing two databases. */
async function contents(pool: pg.Pool) {
  const q = async (sql: string) => (await pool.query(sql)).rows;
  return {
    messages: await q(`SELECT c.fb_chat_id, m.mid, m.sender_kind, m.social_create_time FROM messages m JOIN conversations c ON c.id = m.conversation_id ORDER BY m.mid`),
    replies: await q(`SELECT q.mid, r.asked_at, r.replied_at, r.reply_kind, r.reply_agent FROM message_replies r JOIN messages q ON q.id = r.message_id ORDER BY q.mid`),
    sessions: await q(`SELECT c.fb_chat_id, s.sequence, s.started_at, s.ended_at, s.message_count, s.completion_status, s.first_reply_at,
                              s.first_human_reply_at, s.first_bot_reply_at, s.first_human_agent
                         FROM sessions s JOIN conversations c ON c.id = s.conversation_id ORDER BY 1, 2`),
    conversations: await q(`SELECT fb_chat_id, total_messages, customer_messages, agent_messages, first_message_at, last_message_at FROM conversations ORDER BY 1`),
  };
}

/** Sessions and reply facts a rebuild from the messages would change (0: they follow the messages). */
async function staleSessions(pool: pg.Pool): Promise<number> {
  const ids = (await pool.query<{ id: number }>('SELECT id FROM conversations ORDER BY id')).rows.map((r) => r.id);
  const client = await pool.connect();
  try {
    return await rebuildSessions(client, ids, new Date('2026-12-01T00:00:00Z'));
  } finally {
    client.release();
  }
}

beforeAll(async () => {
  db = await createTestDatabase('import_deferred');
  scratch = await mkdtemp(path.join(tmpdir(), 'pulse-import-deferred-'));
  migrated = await indexDefs(db.pool);
  await writeFile(path.join(scratch, 'big.csv'), csv('t_big', 300, 10));
  await writeFile(path.join(scratch, 'small.csv'), csv('t_small', 20, 10));
});

afterAll(async () => {
  await db?.drop();
  await rm(scratch, { recursive: true, force: true });
});

describe('the rule', () => {
  it('defers for a large file at least as large as the table, never for a small one or into a larger table', () => {
    expect(shouldDeferIndexes(1_000_000, 0)).toBe(true);
    expect(shouldDeferIndexes(1_000_000, 1_000_000)).toBe(true);
    expect(shouldDeferIndexes(1_000_000, 1_000_001)).toBe(false); // the rebuild would read more than twice the import
    expect(shouldDeferIndexes(DEFER_MIN_ROWS - 1, 0)).toBe(false); // small: not worth the locks
    expect(shouldDeferIndexes(DEFER_MIN_ROWS, 0)).toBe(true);
  });

  it('estimates a line format by its first lines, and does not estimate a Facebook export', async () => {
    const file = path.join(scratch, 'estimate.csv');
    await writeFile(file, csv('t_est', 3_000, 10)); // 30,000 rows, 3.6 MB: estimated from the first 256 KB
    const rows = await estimateRows(file, 'csv');
    expect(rows).toBeGreaterThan(27_000);
    expect(rows).toBeLessThan(33_000);
    expect(await estimateRows(path.join(scratch, 'small.csv'), 'csv')).toBe(200); // read whole: exact, header left out
    expect(await estimateRows(file, 'facebook-dyi')).toBe(0);
  });
});

describe('an import that defers indexes', () => {
  it('builds them again with the same definitions and stores what an import keeping them stores', async () => {
    const r = await importPath(db.pool, path.join(scratch, 'big.csv'), { timezone: 'UTC', deferIndexesMinRows: 1_000 });
    expect(r).toMatchObject({ accepted: 3_000, inserted: 3_000, rejected: 0 });
    expect([...r.deferredIndexes].sort()).toEqual([...DEFERRABLE_INDEXES].sort());
    expect(await indexDefs(db.pool)).toEqual(migrated);
    expect(await deferredRows(db.pool)).toEqual([]);
    expect(await staleSessions(db.pool)).toBe(0);

    // The same file into a database that keeps its indexes as it goes: the same rows everywhere.
    const kept = await createTestDatabase('import_kept');
    try {
      const k = await importPath(kept.pool, path.join(scratch, 'big.csv'), { timezone: 'UTC' });
      expect(k.deferredIndexes).toEqual([]);
      expect(await contents(db.pool)).toEqual(await contents(kept.pool));
    } finally {
      await kept.drop();
    }
  });

  it('keeps them for a small import into a larger table, and a second import of the same file changes nothing', async () => {
    const before = await contents(db.pool);
    const small = await importPath(db.pool, path.join(scratch, 'small.csv'), { timezone: 'UTC', deferIndexesMinRows: 100 });
    expect(small).toMatchObject({ inserted: 200, deferredIndexes: [] }); // 200 rows into 3,000
    const again = await importPath(db.pool, path.join(scratch, 'big.csv'), { timezone: 'UTC', deferIndexesMinRows: 1_000 });
    expect(again).toMatchObject({ accepted: 3_000, inserted: 0, duplicates: 3_000 });
    const after = await contents(db.pool);
    const notSmall = <T extends Record<string, unknown>>(rows: T[]) => rows.filter((row) => !JSON.stringify(row).includes('t_small'));
    expect({ ...after, messages: notSmall(after.messages), replies: notSmall(after.replies), sessions: notSmall(after.sessions), conversations: notSmall(after.conversations) })
      .toEqual(before);
    expect(await indexDefs(db.pool)).toEqual(migrated);
    expect(await staleSessions(db.pool)).toBe(0);
  });

  it('keeps them when the drop cannot have its locks at once (a long reader on messages)', async () => {
    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    const importer = new pg.Client({ connectionString: db.url });
    await importer.connect();
    try {
      await reader.query('BEGIN; SELECT count(*) FROM messages');
      const uploadId = await createUpload(db.pool, 'locked.csv', 1);
      expect(await deferIndexes(importer, uploadId)).toEqual([]);
      expect(await indexDefs(db.pool)).toEqual(migrated);
      expect(await deferredRows(db.pool)).toEqual([]);
    } finally {
      await reader.end();
      await importer.end();
    }
  });
});

describe('an importer that died between the drop and the build', () => {
  it('leaves the indexes listed with their definitions; recovery builds them again, also over an INVALID one', async () => {
    const uploadId = await createUpload(db.pool, 'dead.csv', 1);
    // A stand-in importer: the lease, the upload started, the indexes dropped; then it dies.
    const importer = new pg.Client({ connectionString: db.url });
    await importer.connect();
    await takeImportLease(importer, uploadId);
    await startUpload(importer, uploadId, path.join(scratch, 'dead.csv'));
    const dropped = await deferIndexes(importer, uploadId);
    expect(dropped.map((d) => d.indexName).sort()).toEqual([...DEFERRABLE_INDEXES].sort());
    expect(dropped.map((d) => d.definition).sort()).toEqual(DEFERRABLE_INDEXES.map((n) => migrated[n]).sort());

    // While its importer lives, recovery leaves them to it.
    const live = await recoverImports(db.pool, new Date('2026-12-01T00:00:00Z'));
    expect(live.indexesRebuilt).toEqual([]);
    expect(await deferredRows(db.pool)).toHaveLength(DEFERRABLE_INDEXES.length);
    for (const name of DEFERRABLE_INDEXES) expect(await indexDefs(db.pool)).not.toHaveProperty(name);

    await importer.end(); // killed: its lease goes with its connection
    // A CREATE INDEX CONCURRENTLY that failed leaves an INVALID index under the name.
    await db.pool.query('CREATE UNIQUE INDEX CONCURRENTLY messages_time_idx ON messages (conversation_id)').catch(() => {});
    expect((await db.pool.query(`SELECT x.indisvalid FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE c.relname = 'messages_time_idx'`)).rows)
      .toEqual([{ indisvalid: false }]);

    const recovered = await recoverImports(db.pool, new Date('2026-12-01T00:00:00Z'));
    expect([...recovered.indexesRebuilt].sort()).toEqual([...DEFERRABLE_INDEXES].sort());
    expect(describeRecovery(recovered)).toContainEqual(expect.stringMatching(/^built again 3 index\(es\) a stopped import had dropped for its load: /));
    expect(recovered.failed).toEqual([expect.objectContaining({ id: uploadId })]);
    expect((await readUpload(db.pool, uploadId))!.status).toBe('failed');
    expect(await indexDefs(db.pool)).toEqual(migrated);
    expect(await deferredRows(db.pool)).toEqual([]);
    // Nothing left to do the next time.
    expect((await recoverImports(db.pool, new Date('2026-12-01T00:00:00Z'))).indexesRebuilt).toEqual([]);
  });
});

describe('a migration after an importer died between the drop and the build', () => {
  it('finds the index by its name: the migrator builds it again first', async () => {
    const uploadId = await createUpload(db.pool, 'dead-before-deploy.csv', 1);
    const importer = new pg.Client({ connectionString: db.url });
    await importer.connect();
    await takeImportLease(importer, uploadId);
    expect((await deferIndexes(importer, uploadId)).length).toBe(DEFERRABLE_INDEXES.length);
    await importer.end();

    // The next release's migration names one of them.
    const dir = path.join(scratch, 'migrations');
    await cp(path.resolve(import.meta.dirname, '../prisma/migrations'), dir, { recursive: true });
    await mkdir(path.join(dir, '20261207036099_name_the_time_index'));
    await writeFile(path.join(dir, '20261207036099_name_the_time_index', 'migration.sql'), `COMMENT ON INDEX "messages_time_idx" IS 'a period''s messages by time';`);
    const log: string[] = [];
    const { applied } = await migrate(db.url, { dir, log: (m) => log.push(m) });
    expect(applied).toEqual(['20261207036099_name_the_time_index']);
    expect(log).toContain('built again index messages_time_idx, dropped by an import that stopped before its end');
    expect(await indexDefs(db.pool)).toEqual(migrated);
    expect(await deferredRows(db.pool)).toEqual([]);
  });
});
