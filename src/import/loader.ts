import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ImportRow, Parsed, RowError } from './types.js';

// Loads rows in batches, one transaction per batch. The chats a batch mentions for the
// first time go through a small staging table into set-based upserts of pages, customers
// and conversations; the messages are COPYed into a second staging table that already
// carries conversation ids, then moved with INSERT ... ON CONFLICT (mid) DO NOTHING. While
// PostgreSQL works on one batch the next one is parsed, so at most two are in memory.

export const BATCH_ROWS = 5_000;
/** Errors kept for the report; the counts stay exact beyond it. */
export const MAX_REPORTED_ERRORS = 1_000;
/** chat key → conversation id of chats this import has upserted; cleared when it grows past this. */
const MAX_CACHED_CHATS = 200_000;

const CREATE_STAGES = `
CREATE TEMP TABLE IF NOT EXISTS pulse_import_chats (
  chat_key text NOT NULL, page_fb_id text NOT NULL, page_name text NOT NULL, psid text, customer_name text
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS pulse_import_messages (
  conversation_id int NOT NULL, mid text NOT NULL, direction "MessageDirection" NOT NULL, sender_kind "SenderKind" NOT NULL,
  text text, attachments jsonb, at timestamptz(3) NOT NULL, agent_info jsonb
) ON COMMIT DELETE ROWS`;

// Key order everywhere, so concurrent imports lock rows in the same order. The upserts fill
// in what an earlier import could not know (a customer's name, a chat's customer) and
// never overwrite what is there. The last statement hands back every chat's id.
const UPSERT_CHATS = `
INSERT INTO pages (fb_page_id, name, updated_at)
SELECT DISTINCT ON (page_fb_id) page_fb_id, page_name, now() FROM pulse_import_chats ORDER BY page_fb_id
ON CONFLICT (fb_page_id) DO NOTHING;

INSERT INTO customers (page_id, psid, name)
SELECT DISTINCT ON (p.id, s.psid) p.id, s.psid, s.customer_name
FROM pulse_import_chats s JOIN pages p ON p.fb_page_id = s.page_fb_id
WHERE s.psid IS NOT NULL ORDER BY p.id, s.psid, s.customer_name NULLS LAST
ON CONFLICT (page_id, psid) DO UPDATE SET name = EXCLUDED.name
WHERE customers.name IS NULL AND EXCLUDED.name IS NOT NULL;

INSERT INTO conversations (fb_chat_id, page_id, customer_id, updated_at)
SELECT s.chat_key, p.id, c.id, now()
FROM pulse_import_chats s JOIN pages p ON p.fb_page_id = s.page_fb_id
LEFT JOIN customers c ON c.page_id = p.id AND c.psid = s.psid
ORDER BY s.chat_key
ON CONFLICT (fb_chat_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, updated_at = now()
WHERE conversations.customer_id IS NULL AND EXCLUDED.customer_id IS NOT NULL;

SELECT c.id, c.fb_chat_id FROM pulse_import_chats s JOIN conversations c ON c.fb_chat_id = s.chat_key`;

const INSERT_MESSAGES = `
WITH ins AS (
  INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, attachments, social_create_time, agent_info)
  SELECT conversation_id, mid, direction, sender_kind, text, attachments, at, agent_info FROM pulse_import_messages
  ON CONFLICT (mid) DO NOTHING
  RETURNING conversation_id
)
SELECT conversation_id, count(*)::int AS n FROM ins GROUP BY conversation_id`;

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
/** COPY text format: tab-separated, \N for NULL, backslash escapes. */
const cell = (v: string | null): string => (v === null ? '\\N' : SPECIAL.test(v) ? v.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : v);

export interface LoadStats {
  accepted: number;
  inserted: number;
  rejected: number;
  errors: RowError[];
  conversationIds: Set<number>;
}

export const emptyStats = (): LoadStats => ({ accepted: 0, inserted: 0, rejected: 0, errors: [], conversationIds: new Set() });

/** Fills `stats` as it goes, so a caller still has the counts of what was committed when a batch fails. */
export async function loadRows(
  client: pg.ClientBase,
  rows: AsyncIterable<Parsed>,
  stats: LoadStats,
  hooks: { onBatch?: (stats: LoadStats) => Promise<void> | void } = {},
): Promise<LoadStats> {
  await client.query(CREATE_STAGES);
  const chatIds = new Map<string, number>();
  const it = rows[Symbol.asyncIterator]();
  let exhausted = false;

  const nextBatch = async (): Promise<ImportRow[] | undefined> => {
    if (exhausted) return undefined;
    const batch: ImportRow[] = [];
    for (let read = 1; batch.length < BATCH_ROWS; read++) {
      // Parsing a buffered file never waits on I/O; without a pause now and then the
      // replies to the batch being written would sit unread until this one is built.
      if ((read & 63) === 0) await yieldToEventLoop();
      const next = await it.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      const p = next.value;
      if (p.row) batch.push(p.row);
      else {
        stats.rejected++;
        if (stats.errors.length < MAX_REPORTED_ERRORS) stats.errors.push(p.error);
      }
    }
    return batch.length > 0 ? batch : undefined;
  };

  let batch = await nextBatch();
  while (batch) {
    const current = batch;
    // allSettled: a failing read must not leave the batch's transaction running behind our back.
    const [written, following] = await Promise.allSettled([writeBatch(client, current, chatIds, stats), nextBatch()]);
    if (written.status === 'rejected') throw written.reason;
    if (following.status === 'rejected') throw following.reason;
    stats.accepted += current.length;
    await hooks.onBatch?.(stats);
    batch = following.value;
  }
  return stats;
}

async function copyIn(client: pg.ClientBase, target: string, text: string): Promise<void> {
  await pipeline(Readable.from([text], { objectMode: false }), client.query(copyFrom(`COPY ${target} FROM STDIN`)));
}

async function writeBatch(client: pg.ClientBase, rows: ImportRow[], chatIds: Map<string, number>, stats: LoadStats): Promise<void> {
  await client.query('BEGIN');
  try {
    await ensureChats(client, rows, chatIds);
    let text = '';
    for (const r of rows) {
      text += `${chatIds.get(r.chatKey)!}\t${cell(r.mid)}\t${r.direction}\t${r.senderKind}\t${cell(r.text)}\t${cell(r.attachments)}\t${new Date(r.atMs).toISOString()}\t${cell(r.agentInfo)}\n`;
    }
    await copyIn(client, 'pulse_import_messages (conversation_id, mid, direction, sender_kind, text, attachments, at, agent_info)', text);
    // One round trip for the insert and the commit; a multi-statement string yields one result per statement.
    const results = (await client.query(`${INSERT_MESSAGES};\nCOMMIT`)) as unknown as pg.QueryResult<{ conversation_id: number; n: number }>[];
    for (const r of results[0]!.rows) {
      stats.inserted += r.n;
      stats.conversationIds.add(r.conversation_id);
    }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    // Ids learnt in the failed transaction may not exist.
    chatIds.clear();
    throw err;
  }
}

/** Upserts the pages, customers and conversations of chats not seen yet in this import. */
async function ensureChats(client: pg.ClientBase, rows: ImportRow[], chatIds: Map<string, number>): Promise<void> {
  const fresh = new Map<string, ImportRow>();
  for (const r of rows) {
    if (chatIds.has(r.chatKey)) continue;
    const seen = fresh.get(r.chatKey);
    // A later row may know the customer when the first one did not (an agent spoke first).
    if (!seen || (seen.customerPsid === null && r.customerPsid !== null)) fresh.set(r.chatKey, r);
  }
  if (fresh.size === 0) return;
  if (chatIds.size + fresh.size > MAX_CACHED_CHATS) chatIds.clear();
  let text = '';
  for (const r of fresh.values()) {
    text += `${cell(r.chatKey)}\t${cell(r.pageFbId)}\t${cell(r.pageName)}\t${cell(r.customerPsid)}\t${cell(r.customerName)}\n`;
  }
  await copyIn(client, 'pulse_import_chats (chat_key, page_fb_id, page_name, psid, customer_name)', text);
  const results = (await client.query(UPSERT_CHATS)) as unknown as pg.QueryResult<{ id: number; fb_chat_id: string }>[];
  for (const r of results[results.length - 1]!.rows) chatIds.set(r.fb_chat_id, r.id);
}

/**
 * Recomputes the counters of the conversations that got messages, and of their pages,
 * from the messages themselves: correct however many imports or webhooks ran meanwhile.
 */
export async function refreshCounters(client: pg.ClientBase, conversationIds: number[]): Promise<void> {
  if (conversationIds.length === 0) return;
  const CHUNK = 5_000;
  for (let i = 0; i < conversationIds.length; i += CHUNK) {
    await client.query(
      `UPDATE conversations c SET total_messages = s.total, customer_messages = s.customer, agent_messages = s.total - s.customer,
         first_message_at = s.first, last_message_at = s.last, updated_at = now()
       FROM (SELECT conversation_id, count(*)::int AS total, (count(*) FILTER (WHERE sender_kind = 'customer'))::int AS customer,
               min(social_create_time) AS first, max(social_create_time) AS last
             FROM messages WHERE conversation_id = ANY($1::int[]) GROUP BY conversation_id) s
       WHERE c.id = s.conversation_id`,
      [conversationIds.slice(i, i + CHUNK)],
    );
  }
  await client.query(
    `UPDATE pages p SET conversation_count = s.conversations, message_count = s.messages, updated_at = now()
     FROM (SELECT page_id, count(*)::int AS conversations, coalesce(sum(total_messages), 0)::int AS messages
           FROM conversations WHERE page_id IN (SELECT DISTINCT page_id FROM conversations WHERE id = ANY($1::int[]))
           GROUP BY page_id) s
     WHERE p.id = s.page_id`,
    [conversationIds],
  );
}
