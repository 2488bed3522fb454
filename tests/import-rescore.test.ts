import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createOfflineScorer } from '../src/domain/scoring/offline-scorer.ts';
import { importPath } from '../src/import/index.ts';
import type { AnalysisPipeline } from '../src/jobs/analysis/pipeline.ts';
import { openAnalysisPipeline } from '../src/root/analysis.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// Import and analysis together: an overlapping export adds only its new messages, and only
// the conversation-days that got them are scored again.

const fixture = (name: string) => path.join(import.meta.dirname, 'fixtures/import', name);
let db: TestDatabase;
let pipeline: AnalysisPipeline;

beforeAll(async () => {
  db = await createTestDatabase('rescore');
  pipeline = await openAnalysisPipeline(db.url, { config: loadConfig({}), scorer: createOfflineScorer() });
});
afterAll(async () => {
  await pipeline?.stop();
  await db?.drop();
});

async function analysedAt(): Promise<Map<string, number>> {
  const { rows } = await db.pool.query<{ key: string; at: Date }>(
    `SELECT conversation_id || ':' || day AS key, analyzed_at AS at FROM daily_analyses`,
  );
  return new Map(rows.map((r) => [r.key, r.at.getTime()]));
}

describe('overlapping import', () => {
  it('re-scores exactly the days that got new messages', async () => {
    const first = await importPath(db.pool, fixture('inbox.csv'), { timezone: 'UTC' });
    await pipeline.plan({ conversationIds: first.conversationIds, uploadId: first.uploadId });
    await pipeline.waitForIdle();
    const before = await analysedAt();
    const importedAt = new Date();

    const again = await importPath(db.pool, fixture('inbox.csv'), { timezone: 'UTC' });
    expect(again.inserted).toBe(0);
    expect((await pipeline.plan({ conversationIds: again.conversationIds })).days).toBe(0);

    const overlap = await importPath(db.pool, fixture('inbox-overlap.csv'), { timezone: 'UTC' });
    expect(overlap.inserted).toBeGreaterThan(0);
    expect(overlap.duplicates).toBeGreaterThan(0);
    await pipeline.plan({ conversationIds: overlap.conversationIds, uploadId: overlap.uploadId });
    await pipeline.waitForIdle();
    const after = await analysedAt();

    // The days holding a message stored by the overlapping import, and no other.
    const { rows } = await db.pool.query<{ key: string }>(
      `SELECT DISTINCT conversation_id || ':' || (social_create_time AT TIME ZONE 'UTC')::date AS key
       FROM messages WHERE created_at >= $1`,
      [importedAt],
    );
    const touched = new Set(rows.map((r) => r.key));
    expect(touched.size).toBeGreaterThan(0);
    const rescored = [...after].filter(([key, at]) => before.get(key) !== at).map(([key]) => key);
    expect(new Set(rescored)).toEqual(touched);
    for (const key of before.keys()) if (!touched.has(key)) expect(after.get(key)).toBe(before.get(key));
  });
});
