import type pg from 'pg';
import { mayDisableRowTriggers } from '../db/row-triggers.js';
import { REPLY_COLUMNS, SESSION_COLUMNS, buildable, builtSessionsCopy, reserveMessageIds } from './built-sessions.js';
import type { LoadStats } from './loader.js';
import type { ImportRow, RowError } from './types.js';
import { BinaryCopy } from '../db/copy-binary.js';
import { copyBinaryAhead } from '../db/copy-ahead.js';

// Writes one batch in one transaction. The chats a batch mentions for the first time go
// through a small staging table into set-based upserts of pages, customers and
// conversations. Messages take the fast path first: COPY straight into messages, betting
// that none of them is stored yet (true for a first import, the big one). If one is (a
// re-import, an overlapping export, a concurrent writer, a mid twice in the batch) the COPY
// fails on the unique key, and the batch is written again through a staging table and
// INSERT ... ON CONFLICT (mid) DO NOTHING. Looking the ids up first instead cost a quarter
// of a first import's time.

/** chat key → conversation id of chats this import has upserted; cleared when it grows past this. */
const MAX_CACHED_CHATS = 200_000;

const MESSAGE_COLUMNS =
  'conversation_id, mid, direction, sender_kind, text, attachments, social_create_time, agent_info, classification, classification_confidence, processing_time_ms';
const STAGED_COLUMNS = 'conversation_id, mid, direction, sender_kind, text, attachments, at, agent_info, classification, confidence, processing_ms';

export const CREATE_STAGES = `
CREATE TEMP TABLE IF NOT EXISTS pulse_import_chats (
  chat_key text NOT NULL, page_fb_id text NOT NULL, page_name text NOT NULL, psid text, customer_name text,
  total int NOT NULL, customer int NOT NULL, first_at timestamptz(3) NOT NULL, last_at timestamptz(3) NOT NULL
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS pulse_import_messages (
  conversation_id int NOT NULL, mid text NOT NULL, direction "MessageDirection" NOT NULL, sender_kind "SenderKind" NOT NULL,
  text text, attachments jsonb, at timestamptz(3) NOT NULL, agent_info jsonb,
  classification text, confidence double precision, processing_ms int
) ON COMMIT DELETE ROWS`;

// Key order everywhere, so concurrent imports lock rows in the same order. The upserts fill
// in what an earlier import could not know (a customer's name, a chat's customer) and
// never overwrite what is there. The conversations upsert hands back the ids of the chats it
// inserted or gave a customer; the others (stored already, left as they were) are looked up
// by key afterwards, which a first import seldom needs. Joining the staging table instead
// hashed all of conversations for every batch (the temp table has no statistics): 9 ms a
// batch at 17,000 conversations, growing with the table.
// A new conversation starts with the counters of this batch's messages: when the batch holds
// the whole chat (the usual case) the recount after the import finds them right and leaves
// the row alone; rewriting every conversation (seven indexes) cost as much as a tenth of it.
const UPSERT_CHATS = `
INSERT INTO pages (fb_page_id, name, updated_at)
SELECT DISTINCT ON (page_fb_id) page_fb_id, page_name, now() FROM pulse_import_chats ORDER BY page_fb_id
ON CONFLICT (fb_page_id) DO NOTHING;

SELECT 1 FROM pages WHERE fb_page_id IN (SELECT page_fb_id FROM pulse_import_chats) ORDER BY id FOR KEY SHARE;

INSERT INTO customers (page_id, psid, name)
SELECT DISTINCT ON (p.id, s.psid) p.id, s.psid, s.customer_name
FROM pulse_import_chats s JOIN pages p ON p.fb_page_id = s.page_fb_id
WHERE s.psid IS NOT NULL ORDER BY p.id, s.psid, s.customer_name NULLS LAST
ON CONFLICT (page_id, psid) DO UPDATE SET name = EXCLUDED.name
WHERE customers.name IS NULL AND EXCLUDED.name IS NOT NULL;

INSERT INTO conversations (fb_chat_id, page_id, customer_id, total_messages, customer_messages, agent_messages,
                           first_message_at, last_message_at, updated_at)
SELECT s.chat_key, p.id, c.id, s.total, s.customer, s.total - s.customer, s.first_at, s.last_at, now()
FROM pulse_import_chats s JOIN pages p ON p.fb_page_id = s.page_fb_id
LEFT JOIN customers c ON c.page_id = p.id AND c.psid = s.psid
ORDER BY s.chat_key
ON CONFLICT (fb_chat_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, updated_at = now()
WHERE conversations.customer_id IS NULL AND EXCLUDED.customer_id IS NOT NULL
RETURNING id, fb_chat_id, xmax::text = '0' AS created`;

const insertMessages = (select: string) => `
WITH ins AS (
  INSERT INTO messages (${MESSAGE_COLUMNS})
  SELECT ${STAGED_COLUMNS} FROM pulse_import_messages
  ORDER BY mid -- the key order of the other writers: no deadlock over a duplicate
  ON CONFLICT (mid) DO NOTHING
  RETURNING conversation_id, mid
)
${select}`;
const INSERT_MESSAGES = insertMessages('SELECT conversation_id, count(*)::int AS n FROM ins GROUP BY conversation_id');
/** The same, naming every message stored (LoadStats.insertedMids): one row each, for the ingest API's small batches. */
const INSERT_MESSAGES_NAMED = insertMessages('SELECT conversation_id, 1 AS n, mid FROM ins');

/**
 * What a batch of an upload stored, recorded in the batch's transaction: if the importing
 * process dies, the committed batches are exactly what recovery finds here (src/import/recover.ts).
 */
export interface BatchJournal {
  uploadId: number;
  /** rows rejected while this batch was read */
  rejected: number;
  /** their reported errors (the first MAX_REPORTED_ERRORS of the import) */
  errors: RowError[];
}

/**
 * The batch's COMMIT, after its journal row when it has one: one statement string, one round
 * trip (a parameterised insert cannot share a Query with the COMMIT). Every value but the errors
 * is an integer; the errors' JSON goes in as an escaped literal.
 */
async function commitBatch(client: pg.ClientBase, j: BatchJournal | undefined, accepted: number, inserted: number, conversationIds: number[]): Promise<void> {
  if (!j) {
    await client.query('COMMIT');
    return;
  }
  const ints = [j.uploadId, accepted, j.rejected, inserted, ...conversationIds];
  if (!ints.every(Number.isSafeInteger)) throw new Error(`journal of upload ${j.uploadId}: a count or id is not an integer`);
  const errors = j.errors.length > 0 ? `${client.escapeLiteral(JSON.stringify(j.errors))}::jsonb` : 'NULL';
  await client.query(
    `INSERT INTO upload_batches (upload_id, rows_accepted, rows_rejected, messages_inserted, conversation_ids, errors)
     VALUES (${j.uploadId}, ${accepted}, ${j.rejected}, ${inserted}, '{${conversationIds.join(',')}}'::int[], ${errors});
     COMMIT`,
  );
}

/**
 * Foreign keys checked row by row cost more than half of the messages insert (each check
 * locks its conversation row again) and a third of the conversations upsert (its page, again
 * and again). When the role may, a batch skips the per-row triggers
 * (session_replication_role = replica, for this transaction only) and does their job once,
 * set-based, taking the same KEY SHARE locks: on the batch's pages (UPSERT_CHATS), on the
 * customers and conversations it upserts (the upsert locks them), and on the conversations
 * known from earlier batches, failing if any is gone. Only when none of the tables written
 * has triggers of its own, which replica mode would silence too.
 */
export const mayBypassRowTriggers = (client: pg.ClientBase) =>
  mayDisableRowTriggers(client, ['messages', 'conversations', 'customers', 'pages', 'upload_batches', 'sessions', 'message_replies']);

async function checkConversationsLocked(client: pg.ClientBase, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  const res = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM conversations WHERE id = ANY($1::int[]) FOR KEY SHARE) x`,
    [ids],
  );
  if (res.rows[0]?.n !== ids.length) throw new Error('a conversation of this batch was deleted while importing; import again');
}

/**
 * Writes one batch in its own transaction. `chatIds` is shared by the writers of one import:
 * it holds only ids of committed conversations (a batch's own are added after its COMMIT),
 * so another writer never takes an id it cannot see yet; it upserts the chat itself instead,
 * waiting on the other's row lock.
 */
export async function writeBatch(
  client: pg.ClientBase,
  rows: ImportRow[],
  chatIds: Map<string, number>,
  stats: LoadStats,
  bypassRowTriggers: boolean,
  journal?: BatchJournal,
): Promise<void> {
  try {
    await inTransaction(client, rows, chatIds, bypassRowTriggers, journal !== undefined, (ids, created) => copyNewMessages(client, rows, ids, created, stats, journal));
  } catch (err) {
    // unique_violation: a message is stored already; deadlock_detected: two writers COPYing
    // the same duplicate messages in opposite orders. Either way, again in key order.
    const code = (err as { code?: string }).code;
    if (code !== '23505' && code !== '40P01') throw err;
    await inTransaction(client, rows, chatIds, bypassRowTriggers, journal !== undefined, (ids) => insertViaStaging(client, rows, ids, stats, journal));
  }
}

async function inTransaction(
  client: pg.ClientBase,
  rows: ImportRow[],
  chatIds: Map<string, number>,
  bypassRowTriggers: boolean,
  journaled: boolean,
  /** the batch's chat ids, and the keys of the chats this batch created */
  write: (ids: Map<string, number>, created: Set<string>) => Promise<void>,
): Promise<void> {
  const ids = new Map<string, number>();
  let last: string | undefined;
  for (const r of rows) {
    // a chat's rows are usually adjacent: one lookup per chat, not per row
    if (r.chatKey === last) continue;
    last = r.chatKey;
    const id = chatIds.get(r.chatKey);
    if (id !== undefined) ids.set(r.chatKey, id);
  }
  // The chats upserted below are locked by the upsert itself (ON CONFLICT DO UPDATE locks the
  // row even when its WHERE leaves it unchanged); only those known from earlier batches need
  // the foreign key's check.
  const known = [...new Set(ids.values())];
  // random_page_cost 1.1 (default 4): the batch's few hundred chats are looked up by key in
  // conversations (and customers), whose index pages are in cache; at the default the planner
  // hashed the whole table for every batch instead (17 ms against 1 ms at 52,000 conversations).
  // An upload's batches commit with synchronous_commit off: the writer goes on to its next batch
  // while the WAL of this one is flushed in the background (tens of ms a batch). Only a crash of
  // the server itself can lose the last such commits, each whole with its journal row, so
  // recovery's counts stay true; and the upload's final status commits synchronously, which
  // flushes every batch before it. Without a journal (the ingest API, which answers as soon as
  // its batch is stored) the commit waits for the flush as usual.
  const settings = ['random_page_cost = 1.1', ...(journaled ? ['synchronous_commit = off'] : []), ...(bypassRowTriggers ? ['session_replication_role = replica'] : [])];
  // Sent with the batch's first statement (the chats' COPY when it has new chats): one round trip less.
  const begin = `BEGIN; ${settings.map((x) => `SET LOCAL ${x}; `).join('')}`;
  try {
    const created = await ensureChats(client, rows, ids, begin);
    if (bypassRowTriggers) await checkConversationsLocked(client, known);
    await write(ids, created);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
  // Committed: the ids are safe for the other writers.
  if (chatIds.size + ids.size > MAX_CACHED_CHATS) chatIds.clear();
  for (const [key, id] of ids) chatIds.set(key, id);
}

/** One message in the column order of MESSAGE_COLUMNS (and STAGED_COLUMNS), after its id when `id` is given. */
function messageRow(out: BinaryCopy, r: ImportRow, conversationId: number, id?: number): void {
  out.row(id === undefined ? 11 : 12);
  if (id !== undefined) out.int4(id);
  out.int4(conversationId).text(r.mid).text(r.direction).text(r.senderKind).text(r.text).jsonb(r.attachments).timestamptz(r.atMs).jsonb(r.agentInfo)
    .text(r.classification).float8(r.confidence).int4(r.processingMs);
}
/** Room for a batch's messages without growing: their texts are short, with room to spare. */
const messageBytes = (rows: number) => 256 * rows;

/**
 * Counts are added only after COMMIT: a failed attempt must not count twice. A mid repeated
 * inside the batch fails the COPY like a stored one does, and the batch takes the staging path.
 * The conversations this batch created get their sessions and reply facts here too
 * (built-sessions.ts); only the others are left for the rebuild after the load (`touched`).
 */
async function copyNewMessages(
  client: pg.ClientBase,
  rows: ImportRow[],
  chatIds: Map<string, number>,
  created: Set<string>,
  stats: LoadStats,
  journal?: BatchJournal,
): Promise<void> {
  const copy = new BinaryCopy(messageBytes(rows.length));
  const conversations = new Set<number>();
  const built = new Map<number, { rows: ImportRow[]; ids: number[] }>();
  const unbuildable = new Set<number>();
  const messageIds = created.size > 0 ? await reserveMessageIds(client, rows.length) : undefined;
  let last: string | undefined;
  let id = 0;
  let chat: { rows: ImportRow[]; ids: number[] } | undefined;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.chatKey !== last) {
      last = r.chatKey;
      id = chatIds.get(r.chatKey)!;
      conversations.add(id);
      chat = undefined;
      if (messageIds && created.has(r.chatKey)) {
        chat = built.get(id);
        if (!chat) built.set(id, (chat = { rows: [], ids: [] }));
      }
    }
    if (messageIds) {
      messageRow(copy, r, id, messageIds[i]!);
      if (chat) {
        chat.rows.push(r);
        chat.ids.push(messageIds[i]!);
        if (!buildable(r)) unbuildable.add(id);
      }
    } else messageRow(copy, r, id);
  }
  if (copy.rows > 0) await copyBinaryAhead(client, `messages (${messageIds ? 'id, ' : ''}${MESSAGE_COLUMNS})`, copy);
  for (const c of unbuildable) built.delete(c);
  if (built.size > 0) {
    const facts = builtSessionsCopy(built, Date.now());
    if (facts.sessions.rows > 0) await copyBinaryAhead(client, `sessions (${SESSION_COLUMNS})`, facts.sessions);
    if (facts.replies.rows > 0) await copyBinaryAhead(client, `message_replies (${REPLY_COLUMNS})`, facts.replies);
  }
  await commitBatch(client, journal, rows.length, rows.length, [...conversations]);
  stats.inserted += rows.length;
  if (stats.insertedMids) for (const r of rows) stats.insertedMids.add(r.mid);
  for (const c of conversations) {
    stats.conversationIds.add(c);
    if (!built.has(c)) stats.touched.add(c);
  }
}

async function insertViaStaging(
  client: pg.ClientBase,
  rows: ImportRow[],
  chatIds: Map<string, number>,
  stats: LoadStats,
  journal?: BatchJournal,
): Promise<void> {
  const copy = new BinaryCopy(messageBytes(rows.length));
  for (const r of rows) messageRow(copy, r, chatIds.get(r.chatKey)!);
  await copyBinaryAhead(client, `pulse_import_messages (${STAGED_COLUMNS})`, copy);
  const insert = stats.insertedMids ? INSERT_MESSAGES_NAMED : INSERT_MESSAGES;
  let inserted: { conversation_id: number; n: number; mid?: string }[];
  if (journal) {
    inserted = (await client.query<{ conversation_id: number; n: number; mid?: string }>(insert)).rows;
    // Every chat of the batch, not only those that got new messages: a re-import of the same
    // file then repairs what an earlier, killed run of it left without sessions.
    await commitBatch(client, journal, rows.length, inserted.reduce((s, r) => s + r.n, 0), [...new Set(chatIds.values())]);
  } else {
    // One round trip for the insert and the commit; a multi-statement string yields one result per statement.
    const results = (await client.query(`${insert};\nCOMMIT`)) as unknown as pg.QueryResult<{ conversation_id: number; n: number; mid?: string }>[];
    inserted = results[0]!.rows;
  }
  for (const r of inserted) {
    stats.inserted += r.n;
    stats.conversationIds.add(r.conversation_id);
    if (r.mid !== undefined) stats.insertedMids?.add(r.mid);
  }
  for (const id of chatIds.values()) stats.touched.add(id);
}

/** A chat first seen in this batch: the row that names it and its messages' counters. */
interface NewChat {
  row: ImportRow;
  total: number;
  customer: number;
  first: number;
  last: number;
}

/**
 * Upserts the pages, customers and conversations of the batch's chats whose ids are not known
 * yet; returns the keys of the conversations it created (not found stored). Runs `begin` (the
 * batch's BEGIN and settings) first, with its first statement.
 */
async function ensureChats(client: pg.ClientBase, rows: ImportRow[], chatIds: Map<string, number>, begin: string): Promise<Set<string>> {
  // per new chat: the row that names it (a later row may know the customer when the first one
  // did not: an agent spoke first) and its counters; looked up once per run of adjacent rows
  const fresh = new Map<string, NewChat>();
  let last: string | undefined;
  let chat: NewChat | undefined;
  for (const r of rows) {
    if (r.chatKey !== last) {
      last = r.chatKey;
      if (chatIds.has(r.chatKey)) chat = undefined;
      else {
        chat = fresh.get(r.chatKey);
        if (!chat) fresh.set(r.chatKey, (chat = { row: r, total: 0, customer: 0, first: r.atMs, last: r.atMs }));
      }
    }
    if (!chat) continue;
    if (chat.row.customerPsid === null && r.customerPsid !== null) chat.row = r;
    chat.total++;
    if (r.senderKind === 'customer') chat.customer++;
    if (r.atMs < chat.first) chat.first = r.atMs;
    if (r.atMs > chat.last) chat.last = r.atMs;
  }
  if (fresh.size === 0) {
    await client.query(begin);
    return new Set();
  }
  const copy = new BinaryCopy(128 * fresh.size);
  for (const { row: r, ...c } of fresh.values()) {
    copy.row(9).text(r.chatKey).text(r.pageFbId).text(r.pageName).text(r.customerPsid).text(r.customerName).int4(c.total).int4(c.customer).timestamptz(c.first).timestamptz(c.last);
  }
  await copyBinaryAhead(client, 'pulse_import_chats (chat_key, page_fb_id, page_name, psid, customer_name, total, customer, first_at, last_at)', copy, begin);
  const results = (await client.query(UPSERT_CHATS)) as unknown as pg.QueryResult<{ id: number; fb_chat_id: string; created: boolean }>[];
  // the conversations INSERT: new rows, and the ones it gave a customer (not created)
  const upserted = results[results.length - 1]!.rows;
  const created = new Set<string>();
  for (const r of upserted) {
    chatIds.set(r.fb_chat_id, r.id);
    if (r.created) created.add(r.fb_chat_id);
  }
  if (upserted.length < fresh.size) {
    const rest = [...fresh.keys()].filter((key) => !chatIds.has(key));
    const found = await client.query<{ id: number; fb_chat_id: string }>('SELECT id, fb_chat_id FROM conversations WHERE fb_chat_id = ANY($1::text[])', [rest]);
    for (const r of found.rows) chatIds.set(r.fb_chat_id, r.id);
  }
  return created;
}

