import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFERRABLE_INDEXES } from '../src/db/deferred-indexes.ts';
import { takeImportLease } from '../src/db/locks.ts';
import { rebuildSessions } from '../src/db/sessions-rebuild.ts';
import { conversationsWithoutSessions } from '../src/db/sessions-repair.ts';
import { createUpload, importPath, readUpload } from '../src/import/index.ts';
import { recoverImports } from '../src/import/recover.ts';
import { startUpload } from '../src/import/uploads.ts';
import { runValidation } from '../src/jobs/validation/run.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { freePort } from './helpers/net.ts';
import { killAllServices, startService } from './helpers/service.ts';
import { unstartedQueue } from './helpers/root.ts';

// Issue 17, finding 6: an import killed with SIGKILL mid-way left its upload `processing`
// forever, wrong counts, and conversations with messages but no sessions (invisible to
// /api/sessions and QA) that a re-import did not repair; validation scored integrity 100.
// Here a real `pulse import` child is killed after some batches committed; validation must see
// the damage, start-up recovery must finish the upload as failed with the true counts and
// rebuild every conversation the killed run wrote to, and a re-import must complete it.

const root = path.resolve(import.meta.dirname, '..');
const CHATS = 6_000;
const PER_CHAT = 20;
const ROWS = CHATS * PER_CHAT; // 120,000 rows: 12 batches of 10,000
/** chats that already have two older messages (another session) before the killed import */
const EARLIER = 50;
const config = { analysis: { batchSize: 100, concurrency: 1, maxAttempts: 2, jobTimeoutSeconds: 300 }, businessTimezone: 'UTC' };

let db: TestDatabase;
let scratch: string;
const big = () => path.join(scratch, 'chats.csv');
const uploadDir = () => path.join(scratch, 'data', 'uploads');
const HEADER = 'fb_chat_id,message_id,direction,message_content,social_create_time,agent_info,page_id,page_name\n';
const line = (chat: number, mid: string, k: number, at: number) =>
  `t_kill_${chat},${mid},${k % 2 === 0 ? 'to_company' : 'to_client'},${k % 2 === 0 ? 'where is my order?' : 'on its way'},${new Date(at).toISOString()},${k % 2 === 0 ? '' : '"{""id"":""U01"",""name"":""Ann""}"'},104882371956210,Sunny Shop\n`;

beforeAll(async () => {
  db = await createTestDatabase('import_kill');
  scratch = await mkdtemp(path.join(tmpdir(), 'pulse-import-kill-'));
  async function* rows() {
    let chunk = HEADER;
    const start = Date.parse('2026-08-01T08:00:00Z');
    for (let c = 0; c < CHATS; c++) {
      for (let k = 0; k < PER_CHAT; k++) chunk += line(c, `m_kill_${c}_${k}`, k, start + c * 60_000 + k * 120_000);
      if (chunk.length > 1 << 20) {
        yield chunk;
        chunk = '';
      }
    }
    yield chunk;
  }
  await pipeline(Readable.from(rows()), createWriteStream(big()));
  // The first chats already exist with an older episode: the killed run appends to them.
  let earlier = HEADER;
  for (let c = 0; c < EARLIER; c++) for (let k = 0; k < 2; k++) earlier += line(c, `m_early_${c}_${k}`, k, Date.parse('2026-07-01T10:00:00Z') + k * 60_000);
  await writeFile(path.join(scratch, 'earlier.csv'), earlier);
  await importPath(db.pool, path.join(scratch, 'earlier.csv'), { timezone: 'UTC' });
});

afterAll(async () => {
  killAllServices();
  await db?.drop();
  await rm(scratch, { recursive: true, force: true });
});

function pulseImport(url: string, file: string): { proc: ChildProcess; done: Promise<{ code: number | null; output: string }> } {
  const proc = spawn(process.execPath, ['bin/pulse.js', 'import', file], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: '/tmp', DATABASE_URL: url, BUSINESS_TIMEZONE: 'UTC', LOG_LEVEL: 'warn' },
  });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return { proc, done: new Promise((resolve) => proc.on('exit', (code) => resolve({ code, output }))) };
}

async function one<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T> {
  return (await db.pool.query<T>(sql, params)).rows[0]!;
}

const validate = () =>
  runValidation({ pool: db.pool, boss: unstartedQueue(db.url), config, windows: { missingSessionsAfterMinutes: 0 } }, { fix: false, trigger: 'manual' });

/** Conversations whose counters or sessions disagree with their messages (0 when all is rebuilt). */
async function staleConversations(): Promise<number> {
  const ids = (await db.pool.query<{ id: number }>('SELECT id FROM conversations ORDER BY id')).rows.map((r) => r.id);
  const counters = await one<{ n: number }>(
    `SELECT count(*)::int AS n FROM conversations c
      WHERE c.total_messages <> (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)`,
  );
  const client = await db.pool.connect();
  try {
    // A rebuild of everything changes nothing when the sessions already follow the messages.
    const changed = await rebuildSessions(client, ids, new Date('2026-12-01T00:00:00Z'));
    return counters.n + changed;
  } finally {
    client.release();
  }
}

/** pg_indexes.indexdef of every valid index of the tables an import writes */
async function indexDefs(): Promise<Record<string, string>> {
  const { rows } = await db.pool.query<{ indexname: string; indexdef: string }>(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid
      WHERE i.schemaname = current_schema() AND i.tablename IN ('messages', 'message_replies', 'sessions', 'conversations') AND x.indisvalid ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef]));
}

describe('an import killed mid-way (SIGKILL)', () => {
  it('is seen by validation, finished as failed with true counts at start, its conversations rebuilt; a re-import completes it', { timeout: 300_000 }, async () => {
    const indexesBefore = await indexDefs();
    const killed = pulseImport(db.url, big());
    // Wait for committed batches, then kill: no cleanup runs, exactly as with kill -9.
    for (;;) {
      const { batches } = await one<{ batches: number }>('SELECT count(*)::int AS batches FROM upload_batches');
      if (batches >= 3) break;
      if (killed.proc.exitCode !== null) throw new Error(`the import finished before it could be killed:\n${(await killed.done).output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    killed.proc.kill('SIGKILL');
    await killed.done;

    const { id: uploadId } = await one<{ id: number }>(`SELECT max(id) AS id FROM uploads`);
    const stored = await one<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE mid LIKE 'm_kill_%'`);
    expect(stored.n).toBeLessThan(ROWS); // really killed mid-way
    // The journal holds exactly the committed batches (each ends at a chat boundary: ~10,000 rows).
    const journal = await one<{ batches: number; accepted: number }>(
      'SELECT count(*)::int AS batches, sum(rows_accepted)::int AS accepted FROM upload_batches WHERE upload_id = $1',
      [uploadId],
    );
    expect(journal.batches).toBeGreaterThanOrEqual(3);
    expect(journal.accepted).toBe(stored.n);
    expect((await readUpload(db.pool, uploadId))!.status).toBe('processing');
    // 120,000 rows into a table of 100: it loaded without the indexes it may defer (docs/IMPORT.md,
    // deferred indexes), which are missing now and listed with their definitions.
    const deferred = await db.pool.query<{ index_name: string; definition: string }>(
      'SELECT index_name, definition FROM import_deferred_indexes WHERE upload_id = $1 ORDER BY 1', [uploadId]);
    expect(deferred.rows).toEqual([...DEFERRABLE_INDEXES].sort().map((name) => ({ index_name: name, definition: indexesBefore[name] })));
    for (const name of DEFERRABLE_INDEXES) expect(await indexDefs()).not.toHaveProperty(name);
    // The conversations its batches created got their sessions with their batch, in the same
    // transaction (issue 21); the earlier chats it appended to wait for recovery, which finds
    // them in the journal: their counters and sessions still know only the older episode.
    expect(await conversationsWithoutSessions(db.pool)).toEqual([]);
    expect(await one(`SELECT total_messages AS n, (SELECT count(*)::int FROM sessions s WHERE s.conversation_id = c.id) AS sessions
                        FROM conversations c WHERE fb_chat_id = 't_kill_0'`)).toEqual({ n: 2, sessions: 1 });

    // Validation reports the upload.
    const before = await validate();
    const issue = (check: string) => before.report.issues.find((i) => i.check === check);
    expect(issue('abandoned_uploads')).toMatchObject({ count: 1, samples: [uploadId] });
    expect(issue('missing_deferred_indexes')).toMatchObject({ count: DEFERRABLE_INDEXES.length });

    // Start-up recovery: the lease is free (its connection died with the process).
    const recovered = await recoverImports(db.pool, new Date('2026-12-01T00:00:00Z'), { uploadDir: uploadDir() });
    expect(recovered.running).toEqual([]);
    expect([...recovered.indexesRebuilt].sort()).toEqual([...DEFERRABLE_INDEXES].sort());
    expect(await indexDefs()).toEqual(indexesBefore);
    expect(await one('SELECT count(*)::int AS n FROM import_deferred_indexes')).toEqual({ n: 0 });
    expect(recovered.failed).toEqual([
      expect.objectContaining({ id: uploadId, accepted: stored.n, inserted: stored.n, rejected: 0, journaled: true }),
    ]);
    const upload = (await readUpload(db.pool, uploadId))!;
    expect(upload).toMatchObject({ status: 'failed', rowsAccepted: stored.n, rowsRejected: 0 });
    expect(upload.finishedAt).not.toBeNull();
    expect(upload.errors.at(-1)!.reason).toMatch(/^import interrupted: .*Import the same file again/);
    expect(await one('SELECT count(*)::int AS n FROM upload_batches')).toEqual({ n: 0 });

    // Every conversation with messages has sessions, and they and the counters follow the
    // messages: also the earlier chats the killed run appended to, which had sessions already.
    expect(await conversationsWithoutSessions(db.pool)).toEqual([]);
    expect(await staleConversations()).toBe(0);
    expect(await one(`SELECT total_messages AS n, (SELECT count(*)::int FROM sessions s WHERE s.conversation_id = c.id) AS sessions
                        FROM conversations c WHERE fb_chat_id = 't_kill_0'`)).toEqual({ n: 2 + PER_CHAT, sessions: 2 });
    const after = await validate();
    expect(after.report.issues.map((i) => i.check)).not.toContain('conversations_without_sessions');
    expect(after.report.issues.map((i) => i.check)).not.toContain('abandoned_uploads');
    expect(after.report.issues.map((i) => i.check)).not.toContain('missing_deferred_indexes');

    // Importing the same file again finishes it (the user's own file, outside DATA_DIR/uploads,
    // is still there): the stored rows are skipped by mid.
    const again = pulseImport(db.url, big());
    const done = await again.done;
    expect(done.code, done.output).toBe(0);
    expect(done.output).toContain(`accepted ${ROWS.toLocaleString('en-US')} rows: ${(ROWS - stored.n).toLocaleString('en-US')} new messages`);
    expect(await one(`SELECT count(*)::int AS n FROM messages`)).toEqual({ n: ROWS + 2 * EARLIER });
    expect(await conversationsWithoutSessions(db.pool)).toEqual([]);
    expect(await staleConversations()).toBe(0);
    expect(await indexDefs()).toEqual(indexesBefore);
  });

  it('leaves an upload alone while its importer holds the lease, and recovers it once the importer is gone', async () => {
    // An API upload: the service's copy of the file lives in DATA_DIR/uploads.
    await mkdir(uploadDir(), { recursive: true });
    const copy = path.join(uploadDir(), '1764590400000-ab12cd34-live.csv');
    await writeFile(copy, HEADER);
    const uploadId = await createUpload(db.pool, 'live.csv', HEADER.length);
    // A stand-in importer: its own connection takes the lease and starts the upload.
    const importer = new pg.Client({ connectionString: db.url });
    await importer.connect();
    await takeImportLease(importer, uploadId);
    await startUpload(importer, uploadId, copy);

    const live = await recoverImports(db.pool, new Date('2026-12-01T00:00:00Z'), { uploadDir: uploadDir() });
    expect(live.running).toEqual([uploadId]);
    expect(live.failed).toEqual([]);
    expect((await readUpload(db.pool, uploadId))!.status).toBe('processing');
    expect((await validate()).report.issues.map((i) => i.check)).not.toContain('abandoned_uploads');

    expect(existsSync(copy)).toBe(true);

    await importer.end(); // the importer's process is gone: PostgreSQL frees its lease
    // This time through `pulse validate --fix` (also the hourly run's): the same recovery.
    const fixed = await runValidation(
      { pool: db.pool, boss: unstartedQueue(db.url), config: { ...config, dataDir: path.join(scratch, 'data') } },
      { fix: true, trigger: 'manual' },
    );
    expect(fixed.report.issues.find((i) => i.check === 'abandoned_uploads')).toMatchObject({ count: 1, samples: [uploadId] });
    expect(fixed.fixes).toEqual([{ fix: 'recover_imports', ok: true, affected: [`upload:${uploadId}`, 'conversations:0'] }]);
    const upload = (await readUpload(db.pool, uploadId))!;
    expect(upload).toMatchObject({ status: 'failed', rowsAccepted: 0 });
    expect(upload.errors.at(-1)!.reason).toMatch(/^import interrupted: .* 0 row\(s\) of its 0 committed batch\(es\) are stored/);
    expect(existsSync(copy)).toBe(false); // its copy does not outlive it
  });

  it('a re-import of the same file rebuilds sessions missing from conversations it names, though every message is a duplicate', async () => {
    const earlier = path.join(scratch, 'earlier.csv');
    // What an import killed before its recount leaves behind, with no journal to go by.
    await db.pool.query(`DELETE FROM sessions WHERE conversation_id IN (SELECT id FROM conversations WHERE fb_chat_id IN ('t_kill_1', 't_kill_2'))`);
    expect(await conversationsWithoutSessions(db.pool)).toHaveLength(2);
    const r = await importPath(db.pool, earlier, { timezone: 'UTC' });
    expect(r).toMatchObject({ inserted: 0, duplicates: 2 * EARLIER });
    expect(await conversationsWithoutSessions(db.pool)).toEqual([]);
    expect(await staleConversations()).toBe(0);
  });
});

describe('the service at start', () => {
  it('finishes an upload a dead importer left processing, deletes its copy, and builds missing sessions', { timeout: 180_000 }, async () => {
    const own = await createTestDatabase('import_kill_service');
    try {
      await importPath(own.pool, path.join(scratch, 'earlier.csv'), { timezone: 'UTC' });
      // What a killed run leaves: conversations without sessions, and an upload whose importer is gone.
      await own.pool.query(`DELETE FROM sessions WHERE conversation_id IN (SELECT id FROM conversations WHERE fb_chat_id IN ('t_kill_3', 't_kill_4'))`);
      const dataDir = path.join(scratch, 'service-data');
      await mkdir(path.join(dataDir, 'uploads'), { recursive: true });
      const copy = path.join(dataDir, 'uploads', '1764590400000-0badc0de-chats.csv');
      await writeFile(copy, HEADER);
      const uploadId = await createUpload(own.pool, 'chats.csv', HEADER.length);
      const importer = new pg.Client({ connectionString: own.url });
      await importer.connect();
      await takeImportLease(importer, uploadId);
      await startUpload(importer, uploadId, copy);
      await importer.end();

      const svc = startService({ DATABASE_URL: own.url, DATA_DIR: dataDir, DEMO_DATA: 'false', SCHEDULER_ENABLED: 'false' }, await freePort());
      await svc.waitReady();
      expect(svc.output()).toContain(`upload #${uploadId} (chats.csv) was left processing by a process that died: marked failed`);
      expect(svc.output()).toContain('built the missing sessions of 2 conversation(s)');
      expect((await readUpload(own.pool, uploadId))!.status).toBe('failed');
      expect(existsSync(copy)).toBe(false);
      expect(await conversationsWithoutSessions(own.pool)).toEqual([]);
      svc.proc.kill('SIGTERM');
      await svc.waitExit();
    } finally {
      await own.drop();
    }
  });
});
