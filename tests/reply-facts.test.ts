import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillDayAgents } from '../src/db/reply-facts.ts';
import { importPath, toPulseJsonl, type PulseMessage } from '../src/import/index.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// The reply facts the metrics catalogue reads (src/db/reply-facts.ts) must say exactly what the
// measures' definitions say, computed the slow way here: each customer message's first reply at
// or after it (time, then id), and each session's first replies.

const T0 = Date.parse('2026-11-20T09:00:00Z');
const S = 1_000;

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase('reply_facts');
  dir = await mkdtemp(path.join(tmpdir(), 'pulse-reply-facts-'));
});
afterAll(async () => {
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const msg = (mid: string, at: number, senderKind: PulseMessage['senderKind'], agent?: string): PulseMessage => ({
  fbChatId: 't_facts',
  mid,
  direction: senderKind === 'customer' ? 'to_company' : 'to_client',
  senderKind,
  text: `${senderKind} ${mid}`,
  attachments: null,
  socialCreateTime: new Date(at),
  agentInfo: agent ? { id: agent.toLowerCase(), name: agent } : null,
  pageFbId: '777',
  pageName: 'Facts Shop',
  customerPsid: '4242',
  customerName: 'Ann',
});

async function importMessages(name: string, messages: PulseMessage[]) {
  const file = path.join(dir, name);
  await writeFile(file, messages.map(toPulseJsonl).join(''));
  return importPath(db.pool, file, { timezone: 'UTC' });
}

/** The definitions, evaluated message by message and session by session. */
const expectedReplies = async () =>
  (
    await db.pool.query(
      `SELECT m.mid, r.mid AS reply_mid, r.sender_kind::text AS kind, r.agent_info ->> 'name' AS agent
         FROM messages m JOIN LATERAL (SELECT x.* FROM messages x WHERE x.conversation_id = m.conversation_id AND x.direction = 'to_client'
                                        AND x.social_create_time >= m.social_create_time ORDER BY x.social_create_time, x.id LIMIT 1) r ON true
        WHERE m.sender_kind = 'customer' ORDER BY m.mid`,
    )
  ).rows;
const keptReplies = async () =>
  (
    await db.pool.query(
      `SELECT m.mid, r.mid AS reply_mid, f.reply_kind::text AS kind, f.reply_agent AS agent
         FROM message_replies f JOIN messages m ON m.id = f.message_id
         JOIN messages r ON r.conversation_id = f.conversation_id AND r.social_create_time = f.replied_at AND r.direction = 'to_client'
                        AND r.sender_kind::text = f.reply_kind
        WHERE f.asked_at = m.social_create_time ORDER BY m.mid`,
    )
  ).rows;
const sessionFirsts = async () =>
  (
    await db.pool.query(
      `SELECT s.sequence, s.first_reply_at, s.first_human_reply_at, s.first_bot_reply_at, s.first_human_agent,
              (SELECT min(x.social_create_time) FROM messages x WHERE x.conversation_id = s.conversation_id AND x.direction = 'to_client'
                 AND x.social_create_time BETWEEN s.started_at AND s.ended_at) AS any_at,
              (SELECT min(x.social_create_time) FROM messages x WHERE x.conversation_id = s.conversation_id AND x.sender_kind = 'human_agent'
                 AND x.social_create_time BETWEEN s.started_at AND s.ended_at) AS human_at,
              (SELECT min(x.social_create_time) FROM messages x WHERE x.conversation_id = s.conversation_id AND x.sender_kind = 'bot'
                 AND x.social_create_time BETWEEN s.started_at AND s.ended_at) AS bot_at,
              (SELECT x.agent_info ->> 'name' FROM messages x WHERE x.conversation_id = s.conversation_id AND x.sender_kind = 'human_agent'
                 AND x.social_create_time BETWEEN s.started_at AND s.ended_at ORDER BY x.social_create_time, x.id LIMIT 1) AS human_agent
         FROM sessions s ORDER BY s.sequence`,
    )
  ).rows;

describe('reply facts', () => {
  it('follow the definitions through an import, a tie in time and a reply that arrives later', async () => {
    await importMessages('a.jsonl', [
      msg('c1', T0, 'customer'),
      msg('c2', T0 + 1 * S, 'customer'),
      msg('b1', T0 + 5 * S, 'bot'),
      msg('h1', T0 + 60 * S, 'human_agent', 'Mia'),
      // a reply stamped the same millisecond as the customer message it answers
      msg('h2', T0 + 100 * S, 'human_agent', 'Leo'),
      msg('c3', T0 + 100 * S, 'customer'),
      msg('c4', T0 + 200 * S, 'customer'),
      // a second session, 20 hours later, answered by a human only
      msg('c5', T0 + 20 * 3600 * S, 'customer'),
      msg('h3', T0 + 20 * 3600 * S + 30 * S, 'human_agent', 'Leo'),
    ]);
    const expected = await expectedReplies();
    expect(expected.map((r) => [r.mid, r.reply_mid])).toEqual([
      ['c1', 'b1'],
      ['c2', 'b1'],
      ['c3', 'h2'],
      // the next reply in the conversation, even one in the next session
      ['c4', 'h3'],
      ['c5', 'h3'],
    ]);
    expect(await keptReplies()).toEqual(expected);
    let firsts = await sessionFirsts();
    expect(firsts).toHaveLength(2);
    for (const s of firsts) {
      expect([s.first_reply_at, s.first_human_reply_at, s.first_bot_reply_at, s.first_human_agent]).toEqual([s.any_at, s.human_at, s.bot_at, s.human_agent]);
    }
    expect(firsts.map((s) => s.first_human_agent)).toEqual(['Mia', 'Leo']);

    // an earlier answer to c4 arrives in a later import: its fact changes, the others stay
    await importMessages('b.jsonl', [msg('b2', T0 + 300 * S, 'bot')]);
    expect((await keptReplies()).map((r) => [r.mid, r.reply_mid])).toEqual([
      ['c1', 'b1'],
      ['c2', 'b1'],
      ['c3', 'h2'],
      ['c4', 'b2'],
      ['c5', 'h3'],
    ]);
    expect(await keptReplies()).toEqual(await expectedReplies());
    firsts = await sessionFirsts();
    for (const s of firsts) expect(s.first_reply_at).toEqual(s.any_at);
  });

  it('fills the human agents of conversation-days planned before they were recorded', async () => {
    const conv = (await db.pool.query<{ id: number }>(`SELECT id FROM conversations WHERE fb_chat_id = 't_facts'`)).rows[0]!.id;
    await db.pool.query(
      `INSERT INTO daily_analyses (conversation_id, day, message_count, human_agents, updated_at)
       VALUES ($1, '2026-11-20', 9, NULL, now()), ($1, '2026-11-21', 2, NULL, now()), ($1, '2026-11-19', 0, NULL, now())
       ON CONFLICT (conversation_id, day) DO UPDATE SET human_agents = NULL`,
      [conv],
    );
    expect(await fillDayAgents(db.pool, 'UTC', 2)).toBe(3);
    const rows = (await db.pool.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day, human_agents FROM daily_analyses WHERE conversation_id = $1 ORDER BY day`, [conv])).rows;
    expect(rows).toEqual([
      { day: '2026-11-19', human_agents: [] },
      { day: '2026-11-20', human_agents: ['Leo', 'Mia'] },
      { day: '2026-11-21', human_agents: ['Leo'] },
    ]);
    expect(await fillDayAgents(db.pool, 'UTC')).toBe(0);
  });
});
