import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentPassword } from '../src/agents/assistant/open.ts';
import { openAssistant } from '../src/root/assistant.ts';
import { createAgentPool } from '../src/agents/sql/agent-pool.ts';
import { prepareAgentLogin } from '../src/agents/sql/agent-role.ts';
import { runReadOnlyQuery } from '../src/agents/sql/run-query.ts';
import { loadConfig } from '../src/config.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { createOfflineScorer } from '../src/domain/scoring/offline-scorer.ts';
import { TOPIC_LABELS, topicsOf } from '../src/domain/topics.ts';
import { importPath } from '../src/import/index.ts';
import type { AnalysisPipeline } from '../src/jobs/analysis/pipeline.ts';
import { openAnalysisPipeline } from '../src/root/analysis.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// Imported chats arrive without labels; the analysis pipeline labels their customer messages
// with the offline classifier and fills common_topics, with the rule and labels the demo data
// and live traffic use (src/domain/topics.ts).

const TZ = 'Europe/Berlin';
const fixture = (name: string) => path.join(import.meta.dirname, 'fixtures/import', name);
let db: TestDatabase;
let pipeline: AnalysisPipeline;
let agentPool: pg.Pool;
let imported: number[];
let demoBefore: { labels: string; topics: string };

const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];

/** Every demo conversation's topics and every demo message's label, as one fingerprint each. */
async function demoFingerprint(): Promise<{ labels: string; topics: string }> {
  const [r] = await q<{ labels: string; topics: string }>(
    `SELECT (SELECT md5(string_agg(m.id || ':' || coalesce(m.classification, '-') || ':' || coalesce(m.classification_confidence::text, '-'), ',' ORDER BY m.id))
               FROM messages m WHERE m.conversation_id <> ALL ($1::int[])) AS labels,
            (SELECT md5(string_agg(c.id || ':' || coalesce(c.common_topics::text, '-'), ',' ORDER BY c.id))
               FROM conversations c WHERE c.id <> ALL ($1::int[])) AS topics`,
    [imported],
  );
  return r!;
}

beforeAll(async () => {
  db = await createTestDatabase('topics');
  await seedDemoData(db.url, { conversations: 40, seed: 5, now: TEST_NOW, timezone: TZ });
  const result = await importPath(db.pool, fixture('inbox.csv'), { timezone: 'UTC' });
  imported = result.conversationIds;
  demoBefore = await demoFingerprint();
  pipeline = await openAnalysisPipeline(db.url, { config: loadConfig({ BUSINESS_TIMEZONE: TZ, ANALYSIS_BATCH_SIZE: '7' }),
    scorer: createOfflineScorer(),
  });
  const login = await prepareAgentLogin(db.url, { password: agentPassword(db.url) }); // the password every file on this cluster uses: the role is cluster-wide
  if (!('url' in login)) throw new Error(`pulse_agent unavailable: ${login.unavailable}`);
  agentPool = createAgentPool(login.url, TZ, 1);
});

afterAll(async () => {
  await agentPool?.end();
  await pipeline?.stop();
  await db?.drop();
});

describe('topics for imported chats', () => {
  it('arrive unlabelled, and analysis labels their customer messages with the offline classifier', async () => {
    const before = await q<{ n: string }>(
      `SELECT count(*) AS n FROM messages WHERE conversation_id = ANY ($1) AND classification IS NOT NULL`,
      [imported],
    );
    expect(before[0]!.n).toBe('0');

    await pipeline.plan();
    const done = await pipeline.waitForIdle();
    expect(done.failedJobs).toBe(0);

    const labels = await q<{ mid: string; kind: string; label: string | null; confidence: number | null }>(
      `SELECT mid, sender_kind::text AS kind, classification AS label, classification_confidence AS confidence
       FROM messages WHERE conversation_id = ANY ($1) ORDER BY mid`,
      [imported],
    );
    const byMid = new Map(labels.map((l) => [l.mid, l]));
    expect(byMid.get('m_1001_1')).toMatchObject({ label: 'shipping' }); // "Hi, is my order shipped?"
    expect(byMid.get('m_1001_3')).toMatchObject({ label: 'gratitude', confidence: 0.95 }); // "Thanks"
    expect(byMid.get('m_1003_1')).toMatchObject({ label: 'shipping' }); // "Do you ship to Spain?"
    expect(byMid.get('m_1003_3')).toMatchObject({ label: null }); // "👍": no words to read
    // Replies are never labelled; every label is one of the customer agent's.
    expect(labels.filter((l) => l.kind !== 'customer' && l.label !== null)).toEqual([]);
    expect(labels.filter((l) => l.label !== null && !TOPIC_LABELS.includes(l.label as never))).toEqual([]);
  });

  it('fills common_topics: each label once, most frequent first, greetings and thanks left out', async () => {
    const rows = await q<{ chat: string; topics: string[] }>(
      `SELECT fb_chat_id AS chat, common_topics AS topics FROM conversations WHERE id = ANY ($1) ORDER BY 1`,
      [imported],
    );
    expect(Object.fromEntries(rows.map((r) => [r.chat, r.topics]))).toMatchObject({
      t_1001: ['shipping'],
      t_1003: ['shipping'],
    });
    for (const r of rows) {
      const labels = await q<{ label: string | null }>(
        `SELECT m.classification AS label FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE c.fb_chat_id = $1 AND m.sender_kind = 'customer'`,
        [r.chat],
      );
      expect(r.topics).toEqual(topicsOf(labels.map((l) => l.label)));
    }
  });

  it('answers "top topics" over analytics.messages for the imported page', async () => {
    const r = await runReadOnlyQuery(
      agentPool,
      `SELECT m.classification AS topic, count(*) AS n FROM analytics.messages m
       JOIN analytics.conversations c ON c.id = m.conversation_id
       WHERE c.fb_chat_id IN ('t_1001', 't_1002', 't_1003') AND m.sender_kind = 'customer' AND m.classification IS NOT NULL
       GROUP BY 1 ORDER BY 2 DESC, 1`,
    );
    if (!('rows' in r)) throw new Error(r.refused);
    const expected = await q<{ topic: string; n: string }>(
      `SELECT classification AS topic, count(*)::text AS n FROM messages
       WHERE conversation_id = ANY ($1) AND sender_kind = 'customer' AND classification IS NOT NULL
       GROUP BY 1 ORDER BY 2 DESC, 1`,
      [imported],
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(r.rows).toEqual(expected.map((e) => ({ topic: e.topic, n: e.n })));
    expect(r.rows).toContainEqual({ topic: 'shipping', n: '2' });
  });

  it('the assistant answers "top topics" on the imported chats\' page, counting the labels analysis gave them', async () => {
    // the log's page id is the demo's Stride Shoes: its November topics mix demo and imported messages
    const [page] = await q<{ name: string }>(`SELECT DISTINCT p.name FROM conversations c JOIN pages p ON p.id = c.page_id WHERE c.id = ANY ($1)`, [imported]);
    const topTopics = (alsoImported: boolean) => q<{ topic: string; n: number }>(
      `SELECT m.classification AS topic, count(*)::int AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id
         JOIN pages p ON p.id = c.page_id
        WHERE p.name = $1 AND m.sender_kind = 'customer' AND ($2 OR c.id <> ALL ($3::int[]))
          AND m.social_create_time >= '2026-11-01 00:00 ${TZ}'::timestamptz AND m.social_create_time < '2026-12-01 00:00 ${TZ}'::timestamptz
        GROUP BY 1 ORDER BY 2 DESC, 1 NULLS LAST LIMIT 5`,
      [page!.name, alsoImported, imported],
    );
    const expected = await topTopics(true);
    expect(expected).not.toEqual(await topTopics(false));
    const opened = await openAssistant(loadConfig({ BUSINESS_TIMEZONE: TZ }), db.url, { pool: db.pool, now: () => TEST_NOW });
    try {
      const reply = await opened.assistant.ask({ channel: 'test', threadKey: 'imported-topics' }, `Top topics on ${page!.name} in November 2026`);
      // November is still running at the suite's clock: counted to today, and said so
      expect(reply.text.split('\n')[0]).toBe(`Number of customer messages for page ${page!.name}, November 2026 so far (Sun 1 Nov – Wed 25 Nov 2026), by topic:`);
      for (const e of expected) expect(reply.text).toContain(`• ${e.topic ?? 'unknown'}: ${e.n} (`);
    } finally {
      await opened.close();
    }
  });

  it('leaves the demo data as seeded: its labels kept, its topics the same rule computes', async () => {
    expect(await demoFingerprint()).toEqual(demoBefore);
    const [analysed] = await q<{ n: string }>(
      `SELECT count(*) AS n FROM daily_analyses WHERE conversation_id <> ALL ($1) AND analyzed_at IS NOT NULL`,
      [imported],
    );
    expect(Number(analysed!.n)).toBeGreaterThan(0);
  });
});
