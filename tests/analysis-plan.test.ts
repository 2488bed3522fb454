import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { batchConversations } from '../src/domain/analysis-batches.ts';
import { createOfflineScorer } from '../src/domain/scoring/offline-scorer.ts';
import type { AnalysisPipeline } from '../src/jobs/analysis/pipeline.ts';
import { openAnalysisPipeline } from '../src/root/analysis.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// A large plan commits in chunks of conversations (src/jobs/analysis/plan.ts): every changed
// conversation-day is planned exactly once across the chunks, and a plan that dies between two
// chunks leaves the committed ones enqueued and the rest for the next plan, nothing half-done.

const TZ = 'Europe/Berlin';
// batches of 3 days: chunks of 6 conversations, then 24
const config = loadConfig({ BUSINESS_TIMEZONE: TZ, ANALYSIS_BATCH_SIZE: '3' });
let db: TestDatabase;
let pipeline: AnalysisPipeline;

const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
/** Every conversation-day the messages have, in the business time zone. */
const messageDays = () =>
  q<{ n: number }>(`SELECT count(DISTINCT (conversation_id, (social_create_time AT TIME ZONE $1)::date))::int AS n FROM messages`, [TZ]).then((r) => r[0]!.n);

beforeAll(async () => {
  db = await createTestDatabase('analysisplan');
  await seedDemoData(db.url, { conversations: 70, seed: 9, now: new Date('2026-11-20T12:00:00Z'), timezone: TZ });
  // the demo data comes analysed: forget that, so every day is planned again
  await q('DELETE FROM daily_analyses');
  await q('DELETE FROM processed_chats');
  pipeline = await openAnalysisPipeline(db.url, { config, scorer: createOfflineScorer() });
});
afterAll(async () => {
  await pipeline?.stop();
  await db?.drop();
});

describe('planning in chunks', () => {
  it('survives a plan that dies between chunks, and plans every day exactly once overall', async () => {
    const expected = await messageDays();
    // the third jobs insert fails: after two chunks committed, inside the third
    await q(`CREATE TABLE plan_inserts (n int); INSERT INTO plan_inserts VALUES (0);
      CREATE FUNCTION fail_third_plan_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN UPDATE plan_inserts SET n = n + 1; IF (SELECT n FROM plan_inserts) = 3 THEN RAISE EXCEPTION 'planner died'; END IF; RETURN NULL; END $$;
      CREATE TRIGGER fail_third AFTER INSERT ON jobs FOR EACH STATEMENT EXECUTE FUNCTION fail_third_plan_insert();`);
    await expect(pipeline.plan()).rejects.toThrow(/planner died/);
    const [first] = await q<{ jobs: number; conversations: number; remembered: number; queued: number }>(
      `SELECT count(*)::int AS jobs, (SELECT count(*)::int FROM jobs, unnest(conversation_ids)) AS conversations,
         (SELECT count(*)::int FROM processed_chats) AS remembered,
         (SELECT count(*)::int FROM pgboss.job WHERE name = 'analysis') AS queued FROM jobs`,
    );
    // the two committed chunks' jobs are there and queued, with their conversations remembered
    expect(first!.jobs).toBeGreaterThan(0);
    expect(first!.queued).toBe(first!.jobs);
    expect(first!.remembered).toBeGreaterThanOrEqual(first!.conversations);
    expect(first!.remembered).toBeLessThan(70);
    await q('DROP TRIGGER fail_third ON jobs');

    const again = await pipeline.plan();
    expect(again.jobIds.length).toBeGreaterThan(0);
    await pipeline.waitForIdle();
    const [rows] = await q<{ n: number; dup: number; jobs: number; days: number }>(
      `SELECT count(*)::int AS n, (SELECT count(*)::int FROM (SELECT 1 FROM jobs, unnest(conversation_ids) c GROUP BY c HAVING count(*) > 1) d) AS dup,
         (SELECT count(*)::int FROM jobs WHERE status <> 'completed') AS jobs, (SELECT sum(days)::int FROM jobs) AS days FROM daily_analyses`,
    );
    expect(rows).toEqual({ n: expected, dup: 0, jobs: 0, days: expected });
    expect(await q('SELECT 1 FROM conversations c LEFT JOIN processed_chats p ON p.fb_chat_id = c.fb_chat_id WHERE p.message_count IS DISTINCT FROM c.total_messages')).toEqual([]);
    expect((await pipeline.plan()).jobIds).toEqual([]);
  });

  it('cuts the conversations into the same jobs as one plan over all of them would', async () => {
    await q('DELETE FROM daily_analyses');
    await q('DELETE FROM processed_chats');
    await q('DELETE FROM jobs');
    const planned = await pipeline.plan();
    expect(planned.days).toBe(await messageDays());
    const perConversation = await q<{ conversationId: number; days: number }>(
      `SELECT conversation_id AS "conversationId", count(DISTINCT (social_create_time AT TIME ZONE $1)::date)::int AS days
       FROM messages GROUP BY 1 ORDER BY 1`,
      [TZ],
    );
    const jobs = await q<{ conversationIds: number[]; days: number }>('SELECT conversation_ids AS "conversationIds", days FROM jobs ORDER BY id');
    expect(jobs.length).toBeGreaterThan(4);
    expect(jobs).toEqual(batchConversations(perConversation, 3));
    await pipeline.waitForIdle();
    expect((await q<{ n: number }>('SELECT count(*)::int AS n FROM daily_analyses'))[0]!.n).toBe(planned.days);
  });
});
