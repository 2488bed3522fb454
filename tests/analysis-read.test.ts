import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConversations } from '../src/db/analysis-repo.ts';
import { copyOutBinary } from '../src/db/copy-out.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { refreshTopics, refreshTopicsFrom, saveLabels } from '../src/db/topics-repo.ts';
import { labelCustomerMessages, topicsByConversation } from '../src/domain/topics.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// What an analysis job reads and derives without asking the database again: every message of its
// conversations (read with binary COPY, so each value must come out of its bytes exactly), and the
// conversations' topics counted from those messages, which must equal refreshTopics' SQL count.

const TZ = 'Europe/Berlin';
let db: TestDatabase;
let ids: number[];

/** Texts a COPY format could mangle: escapes, NULL look-alikes, control and multi-byte characters. */
const TRICKY = ['tab\there', 'line\nbreak\r\nend', 'back\\slash \\N and \\t', '\\N', '', 'emoji 👍🏽 and ü', '\u000b\b\f\u0001', '\\'];

beforeAll(async () => {
  db = await createTestDatabase('analysisread');
  await seedDemoData(db.url, { conversations: 30, seed: 11, now: TEST_NOW, timezone: TZ });
  ids = (await db.pool.query<{ id: number }>('SELECT id FROM conversations ORDER BY id')).rows.map((r) => r.id);
  // tricky texts on customer messages of the first conversation, and one message without text
  const { rows } = await db.pool.query<{ id: number }>(
    `SELECT id FROM messages WHERE conversation_id = $1 ORDER BY social_create_time, id LIMIT $2`,
    [ids[0], TRICKY.length + 1],
  );
  for (const [i, text] of [...TRICKY, null].entries()) await db.pool.query('UPDATE messages SET text = $2 WHERE id = $1', [rows[i]!.id, text]);
  // a label outside today's label set, and a human agent's name that is not ASCII
  await db.pool.query(`UPDATE messages SET classification = 'étiquette' WHERE id = $1`, [rows[0]!.id]);
  await db.pool.query(
    `UPDATE messages SET agent_info = '{"name": "Zoë Ødegård"}' WHERE id = (SELECT min(id) FROM messages WHERE sender_kind = 'human_agent')`,
  );
});

afterAll(async () => {
  await db?.drop();
});

describe('copy binary format', () => {
  it('reads each type as stored, NULLs, and known strings without decoding them', async () => {
    const client = await db.pool.connect();
    try {
      const rows = await copyOutBinary(
        client,
        `SELECT * FROM (VALUES
           (1, true, timestamptz '1999-12-31 23:59:59.999+00', 'customer'::"SenderKind", 'ü 👍🏽'::text, 'shipping'::text),
           (-7, false, timestamptz '2026-11-25 14:30:00.123+00', 'human_agent'::"SenderKind", NULL, 'shipping2'),
           (2147483647, false, timestamptz '2026-11-25 14:30:00+00', 'bot'::"SenderKind", '', 'Ã©')) AS v
         ORDER BY 1`,
      );
      const read: unknown[][] = [];
      while (rows.next()) read.push([rows.int4(), rows.bool(), rows.timestampMs(), rows.oneOf(['bot', 'customer', 'human_agent']), rows.text(), rows.oneOf(['shipping', 'returns'])]);
      expect(read).toEqual([
        [-7, false, Date.parse('2026-11-25T14:30:00.123Z'), 'human_agent', null, 'shipping2'],
        [1, true, Date.parse('1999-12-31T23:59:59.999Z'), 'customer', 'ü 👍🏽', 'shipping'],
        [2147483647, false, Date.parse('2026-11-25T14:30:00Z'), 'bot', '', 'Ã©'],
      ]);
      const nulls = await copyOutBinary(client, 'SELECT NULL::int, NULL::text');
      expect(nulls.next()).toBe(true);
      expect(() => nulls.int4()).toThrow(/NULL where int4/);
    } finally {
      client.release();
    }
  });
});

describe('an analysis job reads its conversations', () => {
  it('gets every message exactly as stored, in conversation, time, id order', async () => {
    const client = await db.pool.connect();
    try {
      const { messages } = await loadConversations(client, ids, TZ, { all: true });
      const direct = await client.query<Record<string, unknown>>(
        `SELECT conversation_id, id, direction = 'to_client' AS to_client, sender_kind, text,
           round(date_part('epoch', date_trunc('milliseconds', social_create_time)) * 1000)::float8 AS at_ms,
           classification, (social_create_time AT TIME ZONE $2)::date - DATE '2000-01-01' AS day_no, agent_info ->> 'name' AS agent
         FROM messages WHERE conversation_id = ANY($1::int[]) ORDER BY conversation_id, social_create_time, id`,
        [ids, TZ],
      );
      expect(messages.id.length).toBe(direct.rows.length);
      expect(messages.conversationId).toEqual(direct.rows.map((r) => r.conversation_id));
      expect(messages.id).toEqual(direct.rows.map((r) => r.id));
      expect(messages.toClient).toEqual(direct.rows.map((r) => r.to_client));
      expect(messages.senderKind).toEqual(direct.rows.map((r) => r.sender_kind));
      expect(messages.text).toEqual(direct.rows.map((r) => r.text));
      expect(messages.atMs).toEqual(direct.rows.map((r) => r.at_ms));
      expect(messages.classification).toEqual(direct.rows.map((r) => r.classification));
      expect(messages.dayNo).toEqual(direct.rows.map((r) => r.day_no));
      expect(messages.agent).toEqual(direct.rows.map((r) => r.agent));
      for (const t of [...TRICKY, null]) expect(messages.text).toContain(t);
      expect(messages.classification).toContain('étiquette');
      expect(messages.agent).toContain('Zoë Ødegård');
    } finally {
      client.release();
    }
  });

  it('counts topics from those messages exactly as refreshTopics counts them in SQL', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      // unlabelled customer messages, corrections (one to a label left out of topics), ties
      await client.query(
        `UPDATE messages SET classification = NULL WHERE id IN (SELECT id FROM messages WHERE sender_kind = 'customer' AND text IS NOT NULL ORDER BY id LIMIT 60)`,
      );
      await client.query(
        `INSERT INTO message_label_corrections (message_id, label, model_label)
         SELECT id, (ARRAY['returns', 'gratitude', 'shipping'])[1 + id % 3], classification FROM messages
         WHERE sender_kind = 'customer' AND classification IS NOT NULL ORDER BY id DESC LIMIT 25`,
      );
      const loaded = await loadConversations(client, ids, TZ, { all: true });
      const { labels } = labelCustomerMessages(loaded.days);
      expect(labels.length).toBeGreaterThan(0);
      // the customer agent labels one of them first: its label, not the analysis', must count
      const raced = labels[0]!;
      await client.query(`UPDATE messages SET classification = 'agent_label' WHERE id = $1`, [raced.messageId]);
      const stored = await saveLabels(client, labels);
      expect(stored.has(raced.messageId)).toBe(false);
      expect(stored.size).toBe(labels.length - 1);

      await refreshTopicsFrom(client, ids, loaded.messages, labels, stored);
      const fromMessages = await client.query<{ id: number; t: unknown }>('SELECT id, common_topics AS t FROM conversations ORDER BY id');
      await client.query(`UPDATE conversations SET common_topics = '["stale"]'`);
      await refreshTopics(client, ids);
      const fromSql = await client.query<{ id: number; t: unknown }>('SELECT id, common_topics AS t FROM conversations ORDER BY id');
      expect(fromMessages.rows).toEqual(fromSql.rows);
      expect(fromSql.rows.filter((r) => JSON.stringify(r.t).includes('agent_label'))).toHaveLength(1);
      expect(fromSql.rows.some((r) => Array.isArray(r.t) && r.t.length > 1)).toBe(true);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });

  it('gives a conversation without labelled customer messages no topics', () => {
    const topics = topicsByConversation(
      { conversationId: [1, 1, 2], id: [10, 11, 12], senderKind: ['customer', 'bot', 'customer'], classification: [null, 'shipping', 'gratitude'] },
      new Set([1, 2, 3]),
      new Map([[12, 'returns']]),
    );
    expect(topics).toEqual(new Map([[1, []], [2, ['returns']], [3, []]]));
  });
});
