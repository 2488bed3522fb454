import type pg from 'pg';
import { buildReplies, buildSessions, type BuildMessage } from '../domain/session-build.ts';
import type { ImportRow } from './types.ts';
import { BinaryCopy } from '../db/copy-binary.ts';

// A batch's new conversations get their sessions and reply facts in the batch's own
// transaction, computed from the batch's rows (domain/session-build.ts): a conversation the
// batch created has no other messages. Reading a million messages back after the load to
// rebuild them was a third of a first import's time. The messages then need their ids before
// the COPY, so the batch takes them from the sequence itself.

/** messages.id's sequence, looked up once: per row, pg_get_serial_sequence cost 17 ms a thousand ids. */
const idSequences = new WeakMap<pg.ClientBase, string>();
async function messageIdSequence(client: pg.ClientBase): Promise<string> {
  let seq = idSequences.get(client);
  if (seq === undefined) {
    seq = (await client.query<{ seq: string }>(`SELECT pg_get_serial_sequence('messages', 'id') AS seq`)).rows[0]!.seq;
    idSequences.set(client, seq);
  }
  return seq;
}

/** ids for `n` new messages, in order; messages.id's own sequence, so nothing else changes. */
export async function reserveMessageIds(client: pg.ClientBase, n: number): Promise<number[]> {
  // Usually the ids are one run (no other writer took any meanwhile): then only its ends come
  // back, not n rows for the client to parse; otherwise every id, in order.
  const res = await client.query<{ first: number; last: number; ids: number[] | null }>(
    `SELECT min(id) AS first, max(id) AS last, CASE WHEN max(id) - min(id) + 1 <> count(*) THEN array_agg(id ORDER BY id) END AS ids
       FROM (SELECT nextval($2::regclass)::int AS id FROM generate_series(1, $1)) x`,
    [n, await messageIdSequence(client)],
  );
  const { first, ids } = res.rows[0]!;
  return ids ?? Array.from({ length: n }, (_, i) => first + i);
}

export const SESSION_COLUMNS =
  'conversation_id, sequence, started_at, ended_at, message_count, ai_engaged, ai_message_count, human_handoff, completion_status, ' +
  'first_reply_at, first_human_reply_at, first_bot_reply_at, first_human_agent, updated_at';
export const REPLY_COLUMNS = 'message_id, conversation_id, asked_at, replied_at, reply_kind, reply_agent';

/** Whether the rows of a chat can be built in memory: every time whole milliseconds and every agent name plain. */
export const buildable = (r: ImportRow): boolean => Number.isInteger(r.atMs) && r.agentName !== undefined;

/**
 * COPY data (binary) of the sessions and reply facts of the conversations in `chats`
 * (conversation id → the batch's rows of it, with their reserved message ids), in the column
 * order of SESSION_COLUMNS and REPLY_COLUMNS.
 */
export function builtSessionsCopy(chats: Map<number, { rows: ImportRow[]; ids: number[] }>, nowMs: number): { sessions: BinaryCopy; replies: BinaryCopy } {
  let messageCount = 0;
  for (const chat of chats.values()) messageCount += chat.rows.length;
  const sessions = new BinaryCopy(64 * chats.size);
  const replies = new BinaryCopy(48 * messageCount);
  for (const [conversationId, chat] of chats) {
    const messages: BuildMessage[] = chat.rows.map((r, i) => ({
      id: chat.ids[i]!, atMs: r.atMs, senderKind: r.senderKind, direction: r.direction, text: r.text, classification: r.classification ?? null, agentName: r.agentName ?? null,
    }));
    for (const s of buildSessions(messages, nowMs)) {
      sessions.row(14).int4(conversationId).int4(s.sequence).timestamptz(s.startedMs).timestamptz(s.endedMs).int4(s.messages).bool(s.ai > 0).int4(s.ai)
        .bool(s.handoff).text(s.completion).timestamptz(s.firstReplyMs).timestamptz(s.firstHumanReplyMs).timestamptz(s.firstBotReplyMs)
        .text(s.firstHumanAgent).timestamptz(nowMs);
    }
    for (const r of buildReplies(messages)) replies.row(6).int4(r.messageId).int4(conversationId).timestamptz(r.askedMs).timestamptz(r.repliedMs).text(r.kind).text(r.agent);
  }
  return { sessions, replies };
}
