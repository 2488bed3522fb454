import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMetric, type MetricInput } from '../src/db/alerts-metrics-repo.ts';
import type { AlertMetric } from '../src/domain/alerts.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// Each alert metric's SQL on a small hand-made database, at a fixed instant: the value and
// the sessions behind it.

const AT = new Date('2026-11-20T12:00:00Z');
const TZ = 'Europe/Berlin';
let db: TestDatabase;
const sessions: number[] = [];
const convs: number[] = [];

const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
const minutesBefore = (m: number) => new Date(AT.getTime() - m * 60_000);
const read = (metric: AlertMetric, windowMinutes = 60, params: Record<string, unknown> = {}) => readMetric(db.pool, { metric, windowMinutes, params } satisfies MetricInput, AT, TZ);

beforeAll(async () => {
  db = await createTestDatabase('alertmetrics');
  const [page] = await q<{ id: number }>(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ('P1', 'Shop', now()) RETURNING id`);
  for (let c = 0; c < 4; c++) {
    const [conv] = await q<{ id: number }>(`INSERT INTO conversations (fb_chat_id, page_id, updated_at) VALUES ($1, $2, now()) RETURNING id`, [`m-${c}`, page!.id]);
    convs.push(conv!.id);
    // a session today (Berlin), ended c hours before AT
    const [s] = await q<{ id: number }>(
      `INSERT INTO sessions (conversation_id, sequence, started_at, ended_at, ai_engaged, updated_at) VALUES ($1, 1, $2, $3, true, now()) RETURNING id`,
      [conv!.id, minutesBefore(c * 60 + 30), minutesBefore(c * 60)],
    );
    sessions.push(s!.id);
    // first response today: 60, 120, 180, 3600 s
    await q(`INSERT INTO daily_analyses (conversation_id, day, first_response_time, updated_at) VALUES ($1, '2026-11-20', $2, now())`, [conv!.id, [60, 120, 180, 3600][c]]);
  }
});
afterAll(async () => {
  await db?.drop();
});

describe('alert metrics', () => {
  it('first_response_p90 over the window’s days, listing the slowest', async () => {
    const r = await read('first_response_p90', 1440);
    // percentile_cont(0.9) of 60, 120, 180, 3600 = 180 + 0.7 × 3420
    expect(r.value).toBeCloseTo(2574, 6);
    expect(r.sessionIds).toEqual([sessions[3]]);
  });

  it('csi_drop needs a baseline; none gives no data', async () => {
    expect(await read('csi_drop', 1440)).toEqual({ value: null, sessionIds: [] });
  });

  it('error_rate is errors per hour in the window', async () => {
    for (const m of [5, 50, 70, 200]) await q(`INSERT INTO error_logs (source, message, created_at) VALUES ('n8n', 'x', $1)`, [minutesBefore(m)]);
    expect((await read('error_rate', 60)).value).toBe(2);
    expect((await read('error_rate', 120)).value).toBe(1.5);
  });

  it('failed_jobs and import_failures count failures inside the window only', async () => {
    await q(`INSERT INTO jobs (status, completed_at) VALUES ('failed', $1), ('failed', $2), ('completed', $1)`, [minutesBefore(10), minutesBefore(90)]);
    await q(`INSERT INTO uploads (file_name, status, finished_at) VALUES ('a.csv', 'failed', $1), ('b.csv', 'completed', $1)`, [minutesBefore(10)]);
    expect((await read('failed_jobs', 60)).value).toBe(1);
    expect((await read('failed_jobs', 120)).value).toBe(2);
    expect((await read('import_failures', 60)).value).toBe(1);
  });

  it('qa_backlog_age is the oldest unchecked AI session’s age in hours, listing the oldest first', async () => {
    const r = await read('qa_backlog_age');
    expect(r.value).toBe(3);
    expect(r.sessionIds).toEqual([...sessions].reverse());
    await q(`UPDATE sessions SET qa_status = 'passed' WHERE id = $1`, [sessions[3]]);
    expect((await read('qa_backlog_age')).value).toBe(2);
  });

  it('handoff_wait counts conversations waiting longer than the window', async () => {
    await q(`UPDATE conversations SET handoff_state = 'waiting', handoff_at = $2 WHERE id = $1`, [convs[0], minutesBefore(45)]);
    await q(`UPDATE conversations SET handoff_state = 'waiting', handoff_at = $2 WHERE id = $1`, [convs[1], minutesBefore(10)]);
    await q(`UPDATE conversations SET handoff_state = 'human', handoff_at = $2 WHERE id = $1`, [convs[2], minutesBefore(120)]);
    expect(await read('handoff_wait', 30)).toEqual({ value: 1, sessionIds: [sessions[0]] });
    expect((await read('handoff_wait', 5)).value).toBe(2);
  });

  it('health_score is the latest validation run at that time', async () => {
    expect((await read('health_score')).value).toBeNull();
    await q(`INSERT INTO validation_runs (health_score, component_scores, issues, recommendations, created_at) VALUES (91, '{}', '[]', '[]', $1), (64, '{}', '[]', '[]', $2), (99, '{}', '[]', '[]', $3)`, [
      minutesBefore(120), minutesBefore(60), new Date(AT.getTime() + 60_000),
    ]);
    expect((await read('health_score')).value).toBe(64);
  });
});
