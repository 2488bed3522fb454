import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnalysisPlanner } from '../src/jobs/messenger/plan-closed-days.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { capturingLogger } from './helpers/slack-harness.ts';

// Realtime conversations join the analysis pipeline once their business day has ended: the
// planner hands plan() the conversations with webhook traffic on closed days, once per day.

let db: TestDatabase;
const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.pool.query(sql, params)).rows as T[];

beforeAll(async () => {
  db = await createTestDatabase('messenger_plan');
});
afterAll(async () => {
  await db?.drop();
});

async function conversationWithEvent(chat: string, at: Date): Promise<number> {
  const [page] = await q<{ id: number }>(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ('PLAN1', 'Plan', now()) ON CONFLICT (fb_page_id) DO UPDATE SET name = 'Plan' RETURNING id`);
  const [conv] = await q<{ id: number }>(`INSERT INTO conversations (fb_chat_id, page_id, updated_at) VALUES ($1, $2, now()) RETURNING id`, [chat, page!.id]);
  await q(`INSERT INTO messenger_events (event_key, page_id, psid, kind, timestamp, payload, conversation_id, state) VALUES ($1, 'PLAN1', $2, 'message', $3, '{}', $4, 'done')`, [`m_${chat}`, chat, at, conv!.id]);
  return conv!.id;
}

describe('planning closed days', () => {
  it('plans conversations of days that have ended in the business timezone, once per day', async () => {
    const now = { at: new Date('2026-11-30T10:00:00Z') };
    const yesterday = await conversationWithEvent('plan-a', new Date('2026-11-29T20:00:00Z'));
    const today = await conversationWithEvent('plan-b', new Date('2026-11-30T08:00:00Z'));
    // 23:30 UTC on the 29th is already the 30th in Berlin: not closed there
    const lateEvening = await conversationWithEvent('plan-c', new Date('2026-11-29T23:30:00Z'));
    const calls: number[][] = [];
    const planner = startAnalysisPlanner({
      pool: db.pool, timeZone: 'Europe/Berlin', logger: capturingLogger('fatal').logger, now: () => now.at, everyMs: 3_600_000,
      plan: async (ids) => {
        calls.push([...ids].sort((a, b) => a - b));
      },
    });
    await planner.tick();
    expect(calls).toEqual([[yesterday]]);
    await planner.tick();
    expect(calls).toHaveLength(1); // same day: nothing again
    now.at = new Date('2026-12-01T06:00:00Z');
    await planner.tick();
    expect(calls[1]).toEqual([yesterday, today, lateEvening].sort((a, b) => a - b));
    await planner.stop();
  });

  it('recounts the counters of pages whose conversations changed', async () => {
    await q(`INSERT INTO pages (fb_page_id, name, updated_at, conversation_count, message_count) VALUES ('PLAN2', 'Counted', now(), 0, 0)`);
    await q(`INSERT INTO conversations (fb_chat_id, page_id, total_messages, updated_at)
             SELECT 'count-' || n, (SELECT id FROM pages WHERE fb_page_id = 'PLAN2'), n, now() FROM generate_series(1, 3) n`);
    const planner = startAnalysisPlanner({
      pool: db.pool, timeZone: 'UTC', logger: capturingLogger('fatal').logger, now: () => new Date(), everyMs: 3_600_000, plan: async () => {},
    });
    await planner.tick();
    await planner.stop();
    expect(await q(`SELECT conversation_count, message_count FROM pages WHERE fb_page_id = 'PLAN2'`)).toEqual([{ conversation_count: 3, message_count: 6 }]);
  });
});
