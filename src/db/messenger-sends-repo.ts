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
