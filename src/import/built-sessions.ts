import type pg from 'pg';
import { buildReplies, buildSessions, type BuildMessage } from '../domain/session-build.ts';
import type { ImportRow } from './types.ts';

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
  const res = await client.query<{ id: number }>('SELECT nextval($2::regclass)::int AS id FROM generate_series(1, $1)', [n, await messageIdSequence(client)]);
  return res.rows.map((r) => r.id);
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const cell = (v: string | null): string => (v === null ? '\\N' : SPECIAL.test(v) ? v.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : v);
const time = (ms: number | null) => (ms === null ? '\\N' : new Date(ms).toISOString());

export const SESSION_COLUMNS =
  'conversation_id, sequence, started_at, ended_at, message_count, ai_engaged, ai_message_count, human_handoff, completion_status, ' +
  'first_reply_at, first_human_reply_at, first_bot_reply_at, first_human_agent, updated_at';
export const REPLY_COLUMNS = 'message_id, conversation_id, asked_at, replied_at, reply_kind, reply_agent';

/** Whether the rows of a chat can be built in memory: every time whole milliseconds and every agent name plain. */
export const buildable = (r: ImportRow): boolean => Number.isInteger(r.atMs) && r.agentName !== undefined;

/**
 * COPY text of the sessions and reply facts of the conversations in `chats` (conversation id →
 * the batch's rows of it, with their reserved message ids).
 */
export function builtSessionsCopy(chats: Map<number, { rows: ImportRow[]; ids: number[] }>, nowMs: number): { sessions: string; replies: string } {
  let sessions = '';
  let replies = '';
  const now = new Date(nowMs).toISOString();
  for (const [conversationId, chat] of chats) {
    const messages: BuildMessage[] = chat.rows.map((r, i) => ({
      id: chat.ids[i]!, atMs: r.atMs, senderKind: r.senderKind, direction: r.direction, text: r.text, classification: r.classification ?? null, agentName: r.agentName ?? null,
    }));
    for (const s of buildSessions(messages, nowMs)) {
      sessions += `${conversationId}\t${s.sequence}\t${time(s.startedMs)}\t${time(s.endedMs)}\t${s.messages}\t${s.ai > 0 ? 't' : 'f'}\t${s.ai}\t${s.handoff ? 't' : 'f'}\t${s.completion}\t` +
        `${time(s.firstReplyMs)}\t${time(s.firstHumanReplyMs)}\t${time(s.firstBotReplyMs)}\t${cell(s.firstHumanAgent)}\t${now}\n`;
    }
    for (const r of buildReplies(messages)) replies += `${r.messageId}\t${conversationId}\t${time(r.askedMs)}\t${time(r.repliedMs)}\t${r.kind}\t${cell(r.agent)}\n`;
  }
  return { sessions, replies };
}
