import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION_DAYS, loadConfig } from '../src/config.ts';
import { retentionPlan } from '../src/domain/retention.ts';
import { runRetention } from '../src/jobs/retention/run.ts';
import { retentionTaskProvider } from '../src/jobs/retention/tasks.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// Retention on a real database: only rows older than the configured days go, only from the
// configured tables, never messages by default, unfinished work is kept, counts are audited;
// when messages are configured, conversation counters stay true.

const NOW = new Date('2026-12-01T03:30:00Z');
const DAY = 86_400_000;
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);

let db: TestDatabase;
let conversationId: number;

const count = async (sql: string) => (await db.pool.query<{ n: number }>(sql)).rows[0]!.n;

beforeAll(async () => {
  db = await createTestDatabase('retention');
  for (const [age, source] of [[100, 'old'], [91, 'old'], [89, 'recent'], [1, 'recent']] as const) {
    await db.pool.query(`INSERT INTO error_logs (source, message, created_at) VALUES ($1, 'x', $2)`, [source, daysAgo(age)]);
    await db.pool.query(`INSERT INTO audit_logs (action, created_at) VALUES ('test.entry', $1)`, [daysAgo(age)]);
  }
  for (const [key, state, age] of [['e1', 'done', 40], ['e2', 'pending', 40], ['e3', 'failed', 31], ['e4', 'done', 29]] as const) {
    await db.pool.query(
      `INSERT INTO messenger_events (event_key, page_id, psid, kind, timestamp, payload, state, received_at) VALUES ($1, 'P1', 'U1', 'message', $2, '{}', $3, $2)`,
      [key, daysAgo(age), state],
    );
  }
  for (const [at, status] of [[40, 'done'], [35, 'done'], [33, 'done']] as const) {
    await db.pool.query(`INSERT INTO scheduled_runs (task_key, scheduled_for, instance, status, started_at) VALUES ('alerts', $1, 'i1', $2, $1)`, [daysAgo(at), status]);
  }
  await db.pool.query(`INSERT INTO scheduled_runs (task_key, scheduled_for, instance, status, started_at) VALUES ('digest:1', $1, 'i1', 'done', $1)`, [daysAgo(60)]);

  const page = await db.pool.query<{ id: number }>(`INSERT INTO pages (fb_page_id, name, updated_at, message_count, conversation_count) VALUES ('P1', 'Page', now(), 4, 1) RETURNING id`);
  const conv = await db.pool.query<{ id: number }>(
    `INSERT INTO conversations (fb_chat_id, page_id, total_messages, customer_messages, agent_messages, first_message_at, last_message_at, updated_at)
     VALUES ('chat-r', $1, 4, 2, 2, $2, $3, now()) RETURNING id`,
    [page.rows[0]!.id, daysAgo(400), daysAgo(2)],
  );
  conversationId = conv.rows[0]!.id;
  for (const [i, kind, age] of [[1, 'customer', 400], [2, 'bot', 399], [3, 'customer', 3], [4, 'bot', 2]] as const) {
    await db.pool.query(
      `INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time) VALUES ($1, $2, $3, $4, 'hi', $5)`,
      [conversationId, `m-r-${i}`, kind === 'customer' ? 'to_company' : 'to_client', kind, daysAgo(age)],
    );
  }
  await db.pool.query(`INSERT INTO processed_chats (fb_chat_id, message_count) VALUES ('chat-r', 4)`);
  // a customer's attachments forwarded into a handoff thread: finished ones age out, an unfinished one stays
  for (const [key, state, age] of [['in:a:0', 'shared', 40], ['in:b:0', 'linked', 35], ['in:c:0', 'uploading', 40], ['in:d:0', 'shared', 10]] as const) {
    await db.pool.query(
      `INSERT INTO handoff_files (key, conversation_id, kind, source_url, state, created_at, updated_at) VALUES ($1, $2, 'image', 'https://cdn.example/x', $3, $4, $4)`,
      [key, conversationId, state, daysAgo(age)],
    );
  }
});

afterAll(async () => {
  await db?.drop();
});

describe('retentionPlan', () => {
  it('plans only tables with days, messages last, and never messages unless configured', () => {
    const config = loadConfig({});
    expect(config.retentionDays).toEqual(DEFAULT_RETENTION_DAYS);
    const plan = retentionPlan(config.retentionDays, NOW);
    expect(plan.map((t) => t.table)).not.toContain('messages');
    expect(plan.find((t) => t.table === 'error_logs')).toEqual({ table: 'error_logs', column: 'created_at', days: 90, cutoff: daysAgo(90) });
    const withMessages = retentionPlan(loadConfig({ RETENTION_DAYS: 'messages=365,error_logs=never' }).retentionDays, NOW);
    expect(withMessages.at(-1)).toMatchObject({ table: 'messages', column: 'social_create_time', days: 365 });
    expect(withMessages.map((t) => t.table)).not.toContain('error_logs');
  });
});

describe('runRetention', () => {
  it('with the defaults deletes only old rows of the configured tables, keeps unfinished work and messages, and audits the counts', async () => {
    const config = loadConfig({});
    const results = await runRetention({ pool: db.pool, config, now: () => NOW, batchSize: 1 });
    const deleted = Object.fromEntries(results.map((r) => [r.table, r.deleted]));
    expect(deleted).toMatchObject({ error_logs: 2, messenger_events: 2, scheduled_runs: 2, handoff_files: 2 });
    expect(deleted).not.toHaveProperty('messages');
    expect(deleted).not.toHaveProperty('audit_logs');
    expect(await count(`SELECT count(*)::int AS n FROM error_logs WHERE source = 'old'`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM error_logs WHERE source = 'recent'`)).toBe(2);
    expect(await count(`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'test.entry'`)).toBe(4);
    // the pending event stays however old; the 29-day one is inside the window
    expect((await db.pool.query(`SELECT event_key FROM messenger_events ORDER BY event_key`)).rows.map((r) => r.event_key)).toEqual(['e2', 'e4']);
    // each task keeps its newest claim (the scheduler's memory), older ones past 30 days go
    expect((await db.pool.query(`SELECT task_key, scheduled_for FROM scheduled_runs ORDER BY task_key`)).rows).toEqual([
      { task_key: 'alerts', scheduled_for: daysAgo(33) },
      { task_key: 'digest:1', scheduled_for: daysAgo(60) },
    ]);
    expect(await count(`SELECT count(*)::int AS n FROM messages`)).toBe(4);
    expect((await db.pool.query(`SELECT key FROM handoff_files ORDER BY key`)).rows.map((r) => r.key)).toEqual(['in:c:0', 'in:d:0']);

    const audit = await db.pool.query(`SELECT target, details FROM audit_logs WHERE action = 'retention.delete' ORDER BY target`);
    expect(audit.rows.map((r) => [r.target, r.details.count, r.details.days])).toEqual([
      ['error_logs', 2, 90],
      ['handoff_files', 2, 30],
      ['messenger_events', 2, 30],
      ['scheduled_runs', 2, 30],
    ]);
    expect(audit.rows[0].details.cutoff).toBe(daysAgo(90).toISOString());

    const again = await runRetention({ pool: db.pool, config, now: () => NOW });
    expect(again.every((r) => r.deleted === 0)).toBe(true);
    expect(await count(`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'retention.delete'`)).toBe(4);
  });

  it('deletes old messages only when configured, and keeps the conversation counters and analysis memory true', async () => {
    const config = loadConfig({ RETENTION_DAYS: 'messages=365' });
    const results = await runRetention({ pool: db.pool, config, now: () => NOW });
    expect(results.find((r) => r.table === 'messages')?.deleted).toBe(2);
    expect((await db.pool.query(`SELECT mid FROM messages ORDER BY mid`)).rows.map((r) => r.mid)).toEqual(['m-r-3', 'm-r-4']);
    const conv = await db.pool.query(`SELECT total_messages, customer_messages, agent_messages, first_message_at, last_message_at FROM conversations WHERE id = $1`, [conversationId]);
    expect(conv.rows[0]).toEqual({ total_messages: 2, customer_messages: 1, agent_messages: 1, first_message_at: daysAgo(3), last_message_at: daysAgo(2) });
    expect(await count(`SELECT message_count AS n FROM pages`)).toBe(2);
    // not re-planned for scoring: deleting history is not new data
    expect(await count(`SELECT message_count AS n FROM processed_chats WHERE fb_chat_id = 'chat-r'`)).toBe(2);
  });

  it('finds old messages through their conversations, over several batches, including a conversation with no first time recorded', async () => {
    const page = (await db.pool.query<{ id: number }>(`SELECT id FROM pages WHERE fb_page_id = 'P1'`)).rows[0]!.id;
    const chats: [string, number[], boolean][] = [['chat-all-old', [500, 450, 420], true], ['chat-mixed', [700, 380, 10], true], ['chat-no-first', [600, 5], false]];
    for (const [chat, ages, recordFirst] of chats) {
      const c = await db.pool.query<{ id: number }>(
        `INSERT INTO conversations (fb_chat_id, page_id, total_messages, customer_messages, agent_messages, first_message_at, last_message_at, updated_at)
         VALUES ($1, $2, $3, $3, 0, $4, $5, now()) RETURNING id`,
        [chat, page, ages.length, recordFirst ? daysAgo(Math.max(...ages)) : null, daysAgo(Math.min(...ages))],
      );
      for (const [i, age] of ages.entries()) {
        await db.pool.query(
          `INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time) VALUES ($1, $2, 'to_company', 'customer', 'hi', $3)`,
          [c.rows[0]!.id, `${chat}-${i}`, daysAgo(age)],
        );
      }
    }
    const results = await runRetention({ pool: db.pool, config: loadConfig({ RETENTION_DAYS: 'messages=365' }), now: () => NOW, batchSize: 2 });
    expect(results.find((r) => r.table === 'messages')?.deleted).toBe(6);
    expect((await db.pool.query(`SELECT mid FROM messages ORDER BY mid`)).rows.map((r) => r.mid)).toEqual(['chat-mixed-2', 'chat-no-first-1', 'm-r-3', 'm-r-4']);
    const firsts = await db.pool.query(`SELECT fb_chat_id, total_messages, first_message_at FROM conversations WHERE fb_chat_id IN ('chat-all-old', 'chat-mixed', 'chat-no-first') ORDER BY fb_chat_id`);
    expect(firsts.rows).toEqual([
      { fb_chat_id: 'chat-all-old', total_messages: 0, first_message_at: null },
      { fb_chat_id: 'chat-mixed', total_messages: 1, first_message_at: daysAgo(10) },
      { fb_chat_id: 'chat-no-first', total_messages: 1, first_message_at: daysAgo(5) },
    ]);
  });
});

describe('retentionTaskProvider', () => {
  it('offers a daily 03:30 task in the business timezone', async () => {
    const config = loadConfig({ BUSINESS_TIMEZONE: 'Europe/Berlin' });
    const [task] = await retentionTaskProvider({ pool: db.pool, config }).tasks();
    expect([task!.key, task!.cron, task!.timezone]).toEqual(['retention', '30 3 * * *', 'Europe/Berlin']);
  });
});
