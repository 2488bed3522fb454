import type pg from 'pg';

// messenger_sends: one row per message to a customer, keyed by its idempotency key and
// written BEFORE the Send API call. A key that is already there is never sent again, so a
// crash after Meta accepted a message can lose the record of it, never repeat it.

export interface NewSend {
  key: string;
  pageId: string;
  psid: string;
  conversationId: number | null;
  sender: 'bot' | 'human';
  messagingType: string;
  tag: string | null;
  text: string | null;
  payload: unknown;
}

/** The row's id, or undefined when the key was taken (a duplicate). */
export async function claimSend(db: pg.Pool | pg.ClientBase, s: NewSend): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO messenger_sends (idempotency_key, page_id, psid, conversation_id, sender, messaging_type, tag, text, payload)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    [s.key, s.pageId, s.psid, s.conversationId, s.sender, s.messagingType, s.tag, s.text, JSON.stringify(s.payload)],
  );
  return rows[0]?.id;
}

/**
 * Marks the send done and, when it belongs to a conversation, stores the message the
 * customer got (mid = Meta's message_id; its echo finds it there and adds nothing).
 */
export async function markSent(
  db: pg.Pool | pg.ClientBase,
  id: number,
  r: { mid: string | null; attempts: number; conversationId: number | null; senderKind: 'bot' | 'human_agent'; text: string | null; at: Date; agentInfo?: Record<string, unknown> },
): Promise<void> {
  await db.query(
    `WITH s AS (
       UPDATE messenger_sends SET status = 'sent', response_mid = $2, attempts = $3, sent_at = $7, error = NULL WHERE id = $1 RETURNING id
     ), ins AS (
       INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time, agent_info)
       SELECT $4, $2, 'to_client', $5::"SenderKind", $6, $7, $8::jsonb WHERE $4::int IS NOT NULL AND $2::text IS NOT NULL
       ON CONFLICT (mid) DO NOTHING RETURNING conversation_id, social_create_time
     )
     UPDATE conversations c SET total_messages = c.total_messages + 1, agent_messages = c.agent_messages + 1,
            first_message_at = LEAST(c.first_message_at, ins.social_create_time),
            last_message_at = GREATEST(c.last_message_at, ins.social_create_time), updated_at = now()
       FROM ins WHERE c.id = ins.conversation_id`,
    [id, r.mid, r.attempts, r.conversationId, r.senderKind, r.text, r.at, r.agentInfo ? JSON.stringify(r.agentInfo) : null],
  );
}

/**
 * claimSend for many sends in one statement (the sender's group commit): each send's row id,
 * or undefined when its key was taken (also by an earlier send of the same batch).
 */
export async function claimSends(db: pg.Pool | pg.ClientBase, sends: readonly NewSend[]): Promise<(number | undefined)[]> {
  const { rows } = await db.query<{ id: number; idempotency_key: string }>(
    `INSERT INTO messenger_sends (idempotency_key, page_id, psid, conversation_id, sender, messaging_type, tag, text, payload)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[])
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key`,
    [
      sends.map((s) => s.key), sends.map((s) => s.pageId), sends.map((s) => s.psid), sends.map((s) => s.conversationId),
      sends.map((s) => s.sender), sends.map((s) => s.messagingType), sends.map((s) => s.tag), sends.map((s) => s.text),
      sends.map((s) => JSON.stringify(s.payload)),
    ],
  );
  const ids = new Map(rows.map((r) => [r.idempotency_key, r.id]));
  // a key twice in one batch: the first send has it, the second is the duplicate
  return sends.map((s) => {
    const id = ids.get(s.key);
    ids.delete(s.key);
    return id;
  });
}

export interface SentRecord {
  id: number;
  mid: string | null;
  attempts: number;
  conversationId: number | null;
  senderKind: 'bot' | 'human_agent';
  text: string | null;
  at: Date;
  agentInfo?: Record<string, unknown>;
}

/** markSent for many sends in one statement; a conversation's counters add up all its messages. */
export async function markSentMany(db: pg.Pool | pg.ClientBase, sent: readonly SentRecord[]): Promise<void> {
  if (sent.length === 0) return;
  await db.query(
    `WITH r AS (
       SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::timestamptz[], $8::jsonb[])
                AS r(id, mid, attempts, conversation_id, sender_kind, text, at, agent_info)
     ), s AS (
       UPDATE messenger_sends m SET status = 'sent', response_mid = r.mid, attempts = r.attempts, sent_at = r.at, error = NULL FROM r WHERE m.id = r.id RETURNING m.id
     ), ins AS (
       INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time, agent_info)
       SELECT conversation_id, mid, 'to_client', sender_kind::"SenderKind", text, at, agent_info FROM r WHERE conversation_id IS NOT NULL AND mid IS NOT NULL
       ON CONFLICT (mid) DO NOTHING RETURNING conversation_id, social_create_time
     ), g AS (
       SELECT conversation_id, count(*)::int AS n, min(social_create_time) AS first_at, max(social_create_time) AS last_at FROM ins GROUP BY conversation_id
     )
     UPDATE conversations c SET total_messages = c.total_messages + g.n, agent_messages = c.agent_messages + g.n,
            first_message_at = LEAST(c.first_message_at, g.first_at), last_message_at = GREATEST(c.last_message_at, g.last_at), updated_at = now()
       FROM g WHERE c.id = g.conversation_id`,
    [
      sent.map((x) => x.id), sent.map((x) => x.mid), sent.map((x) => x.attempts), sent.map((x) => x.conversationId), sent.map((x) => x.senderKind),
      sent.map((x) => x.text), sent.map((x) => x.at), sent.map((x) => (x.agentInfo ? JSON.stringify(x.agentInfo) : null)),
    ],
  );
}

export async function markFailed(db: pg.Pool | pg.ClientBase, id: number, r: { attempts: number; code?: number; subcode?: number; error: string }): Promise<void> {
  await db.query(
    `UPDATE messenger_sends SET status = 'failed', attempts = $2, error_code = $3, error_subcode = $4, error = $5 WHERE id = $1`,
    [id, r.attempts, r.code ?? null, r.subcode ?? null, r.error],
  );
}

/** The customer's latest own message (the windows' start) and name; undefined when unknown. */
export async function customerWindow(
  db: pg.Pool | pg.ClientBase,
  pageId: string,
  psid: string,
): Promise<{ lastMessageAt: Date | null; name: string | null } | undefined> {
  const { rows } = await db.query<{ last_message_at: Date | null; name: string | null }>(
    `SELECT c.last_message_at, c.name FROM customers c JOIN pages p ON p.id = c.page_id WHERE p.fb_page_id = $1 AND c.psid = $2`,
    [pageId, psid],
  );
  return rows[0] ? { lastMessageAt: rows[0].last_message_at, name: rows[0].name } : undefined;
}

/** Fills in a customer's name once (the profile lookup); never overwrites one. */
export async function setCustomerName(db: pg.Pool | pg.ClientBase, pageId: string, psid: string, name: string): Promise<void> {
  await db.query(
    `UPDATE customers c SET name = $3 FROM pages p WHERE p.id = c.page_id AND p.fb_page_id = $1 AND c.psid = $2 AND c.name IS NULL`,
    [pageId, psid, name],
  );
}
