import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type pg from 'pg';

/** Where a conversation with the assistant happens: a terminal session, a Slack thread or DM, a Bot Framework conversation. */
export interface ThreadRef {
  channel: string;
  threadKey: string;
  userId?: number;
}

/** How many stored messages a turn sees: enough for follow-ups, bounded for the model's context. */
export const HISTORY_LIMIT = 40;

/**
 * The most characters one stored message keeps. Every follow-up reloads the thread, so what is
 * stored must be bounded whatever a tool returned; sql_query's results are bounded below this
 * already (src/agents/sql/run-query.ts DEFAULT_RESULT_BYTES), this is the backstop for all.
 */
export const STORED_MESSAGE_CHARS = 80_000;
const CUT_NOTE = '\n…[cut for the thread memory: the rest was not stored]';

function bounded(content: string): string {
  if (content.length <= STORED_MESSAGE_CHARS) return content;
  let end = STORED_MESSAGE_CHARS - CUT_NOTE.length;
  const code = content.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1; // keep a surrogate pair whole
  return content.slice(0, end) + CUT_NOTE;
}

interface Row {
  role: string;
  content: string;
  tool_calls: Stored | null;
}

interface Stored {
  calls?: { id?: string; name: string; args: Record<string, unknown> }[];
  toolCallId?: string;
  name?: string;
  /** the assistant's own bookkeeping (e.g. the offline model's understanding of the question) */
  pulse?: unknown;
}

/** Creates the thread on first use; the unique (channel, thread_key) makes concurrent first turns safe. */
export async function threadId(pool: pg.Pool, ref: ThreadRef): Promise<number> {
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO agent_threads (channel, thread_key, user_id, updated_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (channel, thread_key) DO UPDATE SET updated_at = now()
     RETURNING id`,
    [ref.channel, ref.threadKey, ref.userId ?? null],
  );
  return rows[0]!.id;
}

function toMessage(r: Row): BaseMessage | undefined {
  const extra = r.tool_calls ?? {};
  const kwargs = extra.pulse === undefined ? {} : { pulse: extra.pulse };
  if (r.role === 'human') return new HumanMessage(r.content);
  if (r.role === 'ai') {
    const tool_calls = (extra.calls ?? []).map((c) => ({ ...c, type: 'tool_call' as const }));
    return new AIMessage({ content: r.content, tool_calls, additional_kwargs: kwargs });
  }
  if (r.role === 'tool') return new ToolMessage({ content: r.content, tool_call_id: extra.toolCallId ?? '', name: extra.name });
  return undefined;
}

/**
 * The thread's latest messages, oldest first, starting at a question: a window that began
 * with a tool result would hand the model an answer to a call it never made.
 */
export async function loadHistory(pool: pg.Pool, thread: number, limit = HISTORY_LIMIT): Promise<BaseMessage[]> {
  const { rows } = await pool.query<Row>(
    // rows stored before messages were bounded are cut in the database, never loaded whole
    `SELECT role, CASE WHEN length(content) > $3 THEN left(content, $3 - length($4::text)) || $4::text ELSE content END AS content, tool_calls FROM (
       SELECT id, role, content, tool_calls FROM agent_messages WHERE thread_id = $1 ORDER BY id DESC LIMIT $2) t
     ORDER BY id`,
    [thread, limit, STORED_MESSAGE_CHARS, CUT_NOTE],
  );
  const first = rows.findIndex((r) => r.role === 'human');
  if (first < 0) return [];
  return rows.slice(first).map(toMessage).filter((m): m is BaseMessage => m !== undefined);
}

function text(m: BaseMessage): string {
  return bounded(typeof m.content === 'string' ? m.content : JSON.stringify(m.content));
}

function toRow(m: BaseMessage): Row | undefined {
  const pulse = (m.additional_kwargs as { pulse?: unknown } | undefined)?.pulse;
  if (HumanMessage.isInstance(m)) return { role: 'human', content: text(m), tool_calls: null };
  if (AIMessage.isInstance(m)) {
    const calls = (m.tool_calls ?? []).map((c) => ({ id: c.id, name: c.name, args: c.args }));
    const stored: Stored = {};
    if (calls.length) stored.calls = calls;
    if (pulse !== undefined) stored.pulse = pulse;
    return { role: 'ai', content: text(m), tool_calls: Object.keys(stored).length ? stored : null };
  }
  if (ToolMessage.isInstance(m)) {
    return { role: 'tool', content: text(m), tool_calls: { toolCallId: m.tool_call_id, ...(m.name ? { name: m.name } : {}) } };
  }
  return undefined;
}

/** Appends one turn's messages in one statement, so a turn is stored whole or not at all. */
export async function appendMessages(pool: pg.Pool, thread: number, messages: readonly BaseMessage[]): Promise<void> {
  const rows = messages.map(toRow).filter((r): r is Row => r !== undefined);
  if (rows.length === 0) return;
  await pool.query(
    `INSERT INTO agent_messages (thread_id, role, content, tool_calls)
     SELECT $1, r.role, r.content, r.tool_calls
       FROM jsonb_to_recordset($2::jsonb) AS r(ord int, role text, content text, tool_calls jsonb)
      ORDER BY r.ord`,
    [thread, JSON.stringify(rows.map((r, ord) => ({ ord, ...r })))],
  );
}
