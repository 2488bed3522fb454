import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildSessions } from '../src/db/sessions-rebuild.ts';
import { buildReplies, buildSessions, type BuildMessage } from '../src/domain/session-build.ts';
import { importPath } from '../src/import/index.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// An import writes the sessions and reply facts of the conversations a batch creates with
// that batch, computed in memory (issue 21, import throughput). They must be exactly what the
// SQL rebuild (sessions-rebuild.ts, reply-facts.ts) makes of the same messages: after the
// import, the rebuild finds nothing to change.

const NOW = Date.parse('2026-11-25T14:30:00Z');
const H = 3_600_000;

describe('buildSessions / buildReplies (pure)', () => {
  const msg = (id: number, atMs: number, senderKind: BuildMessage['senderKind'], extra: Partial<BuildMessage> = {}): BuildMessage => ({
    id, atMs, senderKind, direction: senderKind === 'customer' ? 'to_company' : 'to_client', text: 'x', classification: null, agentName: null, ...extra,
  });

  it('starts a session after a silence longer than the gap, and numbers them', () => {
    const t0 = NOW - 48 * H;
    const messages = [
      msg(3, t0 + 12 * H, 'bot'), // exactly the gap after the first: same session
      msg(1, t0, 'customer'),
      msg(4, t0 + 24 * H + 1, 'customer', { text: 'thanks a lot!' }), // more than the gap after the previous
      msg(5, t0 + 24 * H + 60_000, 'human_agent', { agentName: 'Ann' }),
    ];
    const s = buildSessions(messages, NOW);
    expect(s.map((x) => [x.sequence, x.messages, x.ai, x.handoff, x.firstHumanAgent])).toEqual([[1, 2, 1, false, null], [2, 2, 0, true, 'Ann']]);
    expect(s[0]).toMatchObject({ startedMs: t0, endedMs: t0 + 12 * H, firstReplyMs: t0 + 12 * H, firstBotReplyMs: t0 + 12 * H, completion: 'incomplete' });
    expect(s[1]).toMatchObject({ firstHumanReplyMs: t0 + 24 * H + 60_000, completion: 'complete' });
  });

  it('answers a customer message with the first reply at or after it, a same-time reply with a lower id included', () => {
    const t = NOW - H;
    const messages = [msg(2, t, 'bot'), msg(3, t, 'customer'), msg(4, t + 5_000, 'human_agent', { agentName: 'Bob' }), msg(5, t + 9_000, 'customer')];
    buildSessions(messages, NOW);
    expect(buildReplies(messages)).toEqual([{ messageId: 3, askedMs: t, repliedMs: t, kind: 'bot', agent: null }]);
  });
});

describe('an import builds what the rebuild would', () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('built_sessions');
    dir = await mkdtemp(path.join(tmpdir(), 'pulse-built-'));
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const snapshot = async () => ({
    sessions: (await db.pool.query(
      `SELECT conversation_id, sequence, started_at, ended_at, message_count, ai_engaged, ai_message_count, human_handoff, completion_status,
              first_reply_at, first_human_reply_at, first_bot_reply_at, first_human_agent FROM sessions ORDER BY conversation_id, sequence`,
    )).rows,
    replies: (await db.pool.query('SELECT * FROM message_replies ORDER BY message_id')).rows,
    conversations: (await db.pool.query('SELECT id, total_messages, customer_messages, agent_messages, first_message_at, last_message_at FROM conversations ORDER BY id')).rows,
    pages: (await db.pool.query('SELECT id, conversation_count, message_count FROM pages ORDER BY id')).rows,
  });

  it('sessions, reply facts and counters of chats with gaps, bots, agents, same-time messages and interleaved rows', async () => {
    const header = 'fb_chat_id,message_id,direction,sender_type,message_content,social_create_time,agent_info,page_id,page_name';
    const at = (h: number, s = 0) => new Date(Date.parse('2026-11-20T08:00:00Z') + h * H + s * 1000).toISOString();
    const ann = '"{""id"":""U01"",""name"":""Ann""}"';
    const lines = [
      header,
      // two sessions (a 13 h silence), a bot and a human agent, a thank-you
      `c1,c1.1,to_company,customer,Hi where is my order,${at(0)},,p1,Page One`,
      `c1,c1.2,to_client,bot,Let me check,${at(0, 5)},,p1,Page One`,
      `c1,c1.3,to_company,customer,Any news?,${at(13)},,p1,Page One`,
      `c1,c1.4,to_client,agent,It ships today,${at(13, 30)},${ann},p1,Page One`,
      `c1,c1.5,to_company,customer,thanks!,${at(13, 40)},,p1,Page One`,
      // interleaved with c1's rows: a same-time reply and question, an unanswered last question
      `c2,c2.1,to_client,bot,Welcome,${at(1)},,p2,Page Two`,
      `c2,c2.2,to_company,customer,Price?,${at(1)},,p2,Page Two`,
      `c1,c1.6,to_company,customer,one more thing,${at(40)},,p1,Page One`,
      `c2,c2.3,to_company,customer,Hello?,${at(2)},,p2,Page Two`,
      // a human agent's name that is a number
      `c3,c3.1,to_company,customer,help,${at(3)},,p1,Page One`,
      `c3,c3.2,to_client,agent,on it,${at(3, 1)},"{""name"":42}",p1,Page One`,
    ];
    const file = path.join(dir, 'built.csv');
    await writeFile(file, `${lines.join('\n')}\n`);
    const result = await importPath(db.pool, file, { timezone: 'UTC' });
    expect(result.inserted).toBe(11);

    const imported = await snapshot();
    expect(imported.sessions.map((s) => [s.conversation_id, s.sequence, s.message_count])).toEqual([
      [result.conversationIds[0], 1, 2], [result.conversationIds[0], 2, 3], [result.conversationIds[0], 3, 1],
      [result.conversationIds[1], 1, 3], [result.conversationIds[2], 1, 2],
    ]);
    expect(imported.replies.length).toBe(4);
    // written with the messages, in the batch's transaction: not by the rebuild after the load
    const { rows: same } = await db.pool.query<{ ok: boolean }>(
      `SELECT bool_and(s.xmin::text = (SELECT m.xmin::text FROM messages m WHERE m.conversation_id = s.conversation_id LIMIT 1)) AS ok FROM sessions s`,
    );
    expect(same[0]!.ok).toBe(true);

    // the SQL rebuild of the same conversations (counters included) changes no session, no fact, no counter
    const client = await db.pool.connect();
    try {
      const changed = await rebuildSessions(client, result.conversationIds, new Date(), undefined, { counters: true });
      expect(changed).toBe(0);
    } finally {
      client.release();
    }
    expect(await snapshot()).toEqual(imported);
  });
});
