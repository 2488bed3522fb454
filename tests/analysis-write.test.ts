import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveDayResults, type DayResult } from '../src/db/analysis-repo.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// How an analysis job writes its days: new days with one binary COPY, days that have a row with
// an upsert. Both must store exactly the same values, and a day that gained a row meanwhile
// must fail the COPY (the job retries and updates it) rather than be written twice.

let db: TestDatabase;
let client: pg.PoolClient;
let conversations: number[];
const SCORER = { name: 'offline', version: '9.9.9' };

beforeAll(async () => {
  db = await createTestDatabase('analysiswrite');
  await seedDemoData(db.url, { conversations: 3, seed: 5, now: TEST_NOW, timezone: 'UTC' });
  client = await db.pool.connect();
  conversations = (await db.pool.query<{ id: number }>('SELECT id FROM conversations ORDER BY id')).rows.map((r) => r.id);
});

afterAll(async () => {
  client?.release();
  await db?.drop();
});

function results(): DayResult[] {
  const [a, b] = conversations as [number, number];
  const metrics = { sentimentScore: 0.25, sentimentShift: -0.5, resolutionAchieved: 1, fcrScore: 0, ces: 3.5, firstResponseTime: 12.5, avgResponseTime: 40, totalHandlingTime: 900 };
  return [
    // unsorted on purpose, with every kind of value: nulls, empty and non-ASCII arrays, extremes
    { conversationId: b, dayNo: 9_000, messageCount: 2, humanAgents: [], metrics: { ...metrics, ces: null, fcrScore: null }, csi: { effectiveness: null, effort: 0.1, efficiency: 1e-9, empathy: 0, csi: null, missing: ['ces', 'fcrScore'] } as never },
    { conversationId: a, dayNo: 9_001, messageCount: 7, humanAgents: ['Ann', 'Zoë Ødegård'], metrics, csi: { effectiveness: 0.5, effort: 0.75, efficiency: 0.125, empathy: 1, csi: 61.0625, missing: [] } as never },
    { conversationId: a, dayNo: -3, messageCount: 1, humanAgents: ['x'.repeat(300)], metrics, csi: { effectiveness: 1, effort: 1, efficiency: 1, empathy: 1, csi: 100, missing: [] } as never },
  ];
}

/** as a job calls it: inside its transaction */
async function save(rows: DayResult[], hasRow: (c: number, d: number) => boolean): Promise<void> {
  await client.query('BEGIN');
  try {
    await saveDayResults(client, rows, SCORER, hasRow);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

const stored = async () =>
  (
    await db.pool.query(
      `SELECT conversation_id, (day - DATE '2000-01-01') AS day_no, message_count, human_agents, sentiment_score, sentiment_shift,
         resolution_achieved, fcr_score, ces, first_response_time, avg_response_time, total_handling_time, effectiveness, effort,
         efficiency, empathy, csi, missing_metrics, scorer_name, scorer_version, analyzed_at = updated_at AND analyzed_at = created_at AS same_time,
         analyzed_at IS NOT NULL AND analyzed_at > now() - interval '1 day' AS analyzed
       FROM daily_analyses ORDER BY conversation_id, day`,
    )
  ).rows;

describe('saveDayResults', () => {
  it('stores new days with COPY exactly as the upsert stores them', async () => {
    await db.pool.query('DELETE FROM daily_analyses');
    await save(results(), () => false);
    const copied = await stored();
    await db.pool.query('DELETE FROM daily_analyses');
    await save(results(), () => true);
    const upserted = await stored();
    expect(copied).toHaveLength(3);
    expect(copied).toEqual(upserted);
    expect(copied[0]).toMatchObject({ day_no: -3, human_agents: ['x'.repeat(300)], same_time: true, analyzed: true, scorer_version: '9.9.9' });
    expect(copied[1]).toMatchObject({ human_agents: ['Ann', 'Zoë Ødegård'], csi: 61.0625, missing_metrics: [] });
    expect(copied[2]).toMatchObject({ human_agents: [], ces: null, effectiveness: null, missing_metrics: ['ces', 'fcrScore'] });
  });

  it('updates the days that have a row and adds the others, in one call', async () => {
    await db.pool.query('DELETE FROM daily_analyses');
    const [first, ...rest] = results();
    await save([{ ...first!, messageCount: 99 }], () => false);
    await save([first!, ...rest], (c, d) => c === first!.conversationId && d === first!.dayNo);
    const rows = await stored();
    expect(rows).toHaveLength(3);
    expect(rows.find((r) => r.day_no === first!.dayNo)).toMatchObject({ message_count: 2 });
  });

  it('fails rather than write a day twice when its row appeared after the job read', async () => {
    await db.pool.query('DELETE FROM daily_analyses');
    await save(results(), () => false);
    await expect(save(results(), () => false)).rejects.toThrow(/daily_analyses_conversation_id_day_key/);
    expect(await stored()).toHaveLength(3);
  });
});
