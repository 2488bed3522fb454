import type pg from 'pg';

// The reply worker's side of messenger_events: claim the next event to handle, oldest first,
// never two of one conversation at once (an event is only eligible while no earlier pending
// event of its conversation exists, and the claimed row stays locked until its transaction
// ends), and settle it.

export interface InboxEvent {
  id: string;
  key: string;
  kind: string;
  pageId: string;
  psid: string;
  at: Date;
  payload: Record<string, unknown>;
  conversationId: number;
  messageId: number | null;
  attempts: number;
}

export async function claimNext(client: pg.ClientBase): Promise<InboxEvent | undefined> {
  const { rows } = await client.query<{
    id: string; event_key: string; kind: string; page_id: string; psid: string; timestamp: Date;
    payload: Record<string, unknown>; conversation_id: number; message_id: number | null; attempts: number;
  }>(
    `SELECT e.id, e.event_key, e.kind, e.page_id, e.psid, e.timestamp, e.payload, e.conversation_id, e.message_id, e.attempts
       FROM messenger_events e
      WHERE e.state = 'pending' AND e.conversation_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM messenger_events p
                         WHERE p.conversation_id = e.conversation_id AND p.state = 'pending'
                           AND (p.timestamp, p.id) < (e.timestamp, e.id))
      ORDER BY e.timestamp, e.id
      LIMIT 1
      FOR UPDATE SKIP LOCKED`,
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: r.id, key: r.event_key, kind: r.kind, pageId: r.page_id, psid: r.psid, at: r.timestamp, payload: r.payload,
    conversationId: r.conversation_id, messageId: r.message_id, attempts: r.attempts,
  };
}

export async function settleEvent(db: pg.ClientBase | pg.Pool, id: string, state: 'done' | 'skipped' | 'failed', error?: string): Promise<void> {
  await db.query(`UPDATE messenger_events SET state = $2::"MessengerEventState", error = $3, processed_at = now() WHERE id = $1`, [id, state, error ?? null]);
}

/** A failed attempt; the event stays pending (retried) until `maxAttempts`, then fails. */
export async function recordAttempt(db: pg.ClientBase | pg.Pool, id: string, error: string, maxAttempts: number): Promise<'pending' | 'failed'> {
  const { rows } = await db.query<{ state: 'pending' | 'failed' }>(
    `UPDATE messenger_events SET attempts = attempts + 1, error = $2,
            state = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE 'pending' END::"MessengerEventState",
            processed_at = CASE WHEN attempts + 1 >= $3 THEN now() END
      WHERE id = $1 RETURNING state::text AS state`,
    [id, error, maxAttempts],
  );
  return rows[0]?.state ?? 'failed';
}

export interface TurnContext {
  handoffState: 'bot' | 'waiting' | 'human';
  unsureStreak: number;
  customerName: string | null;
  blocked: boolean;
  blockedReason: string | null;
  /** no earlier customer message in the conversation */
  isFirstMessage: boolean;
  /** the bot has written in this conversation before */
  botSpoke: boolean;
  /** when a person in another inbox (not our Slack desk) last wrote to the customer before this message */
  lastHumanAt: Date | null;
  /** pages.id: the brand whose templates the bot used (their counters) */
  pageDbId: number | null;
  pageName: string | null;
  /** pages.bot_disclosure */
  pageDisclosure: string | null;
  history: { from: 'customer' | 'bot' | 'human'; text: string; at: Date }[];
}

export async function turnContext(db: pg.ClientBase, conversationId: number, at: Date, messageId: number | null, historyLimit = 20): Promise<TurnContext | undefined> {
  // one round trip: the conversation's state and its recent history (as JSON, oldest first)
  const { rows } = await db.query<{
    handoff_state: TurnContext['handoffState']; unsure_streak: number; name: string | null; blocked: boolean | null; blocked_reason: string | null;
    earlier: boolean; bot_spoke: boolean; last_human_at: Date | null; page_db_id: number | null; page_name: string | null; bot_disclosure: string | null; history: { sender_kind: string; text: string; at: string }[];
  }>(
    `SELECT c.handoff_state::text AS handoff_state, c.unsure_streak, cu.name, cu.blocked, cu.blocked_reason,
            EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sender_kind = 'customer'
                       AND m.social_create_time < $2 AND m.id IS DISTINCT FROM $3) AS earlier,
            EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sender_kind = 'bot') AS bot_spoke,
            -- a person in another inbox (Business Suite, another app): not our Slack desk's replies, which
            -- the handoff state governs (Resume bot hands the conversation back at once)
            (SELECT max(m.social_create_time) FROM messages m WHERE m.conversation_id = c.id AND m.sender_kind = 'human_agent'
               AND m.social_create_time <= $2
               AND NOT EXISTS (SELECT 1 FROM messenger_sends s WHERE s.conversation_id = c.id AND s.response_mid = m.mid)
               -- Resume bot in Slack ends that pause too (handoff_marks.bot_resumed_at)
               AND m.social_create_time > coalesce(hm.bot_resumed_at, '-infinity'::timestamptz)) AS last_human_at,
            p.id AS page_db_id, p.name AS page_name, p.bot_disclosure,
            (SELECT coalesce(json_agg(json_build_object('sender_kind', h.sender_kind, 'text', h.text, 'at', h.social_create_time)
                                      ORDER BY h.social_create_time, h.id), '[]'::json)
               FROM (SELECT id, sender_kind::text AS sender_kind, text, social_create_time FROM messages
                      WHERE conversation_id = c.id AND social_create_time <= $2 AND id IS DISTINCT FROM $3 AND text IS NOT NULL
                      ORDER BY social_create_time DESC, id DESC LIMIT $4) h) AS history
       FROM conversations c LEFT JOIN customers cu ON cu.id = c.customer_id LEFT JOIN pages p ON p.id = c.page_id
       LEFT JOIN handoff_marks hm ON hm.conversation_id = c.id WHERE c.id = $1`,
    [conversationId, at, messageId, historyLimit],
  );
  const c = rows[0];
  if (!c) return undefined;
  return {
    handoffState: c.handoff_state,
    unsureStreak: c.unsure_streak,
    customerName: c.name,
    blocked: c.blocked === true,
    blockedReason: c.blocked_reason,
    isFirstMessage: !c.earlier,
    botSpoke: c.bot_spoke,
    lastHumanAt: c.last_human_at,
    pageDbId: c.page_db_id,
    pageName: c.page_name,
    pageDisclosure: c.bot_disclosure,
    history: c.history.map((m) => ({
      from: m.sender_kind === 'customer' ? 'customer' : m.sender_kind === 'bot' ? 'bot' : 'human',
      text: m.text,
      at: new Date(m.at),
    })),
  };
}

/**
 * What the agent made of the customer's message (on that message, when there is one) and the
 * conversation's unsure streak (when given), in one statement.
 */
export async function recordTurn(
  db: pg.ClientBase,
  t: { messageId: number | null; intent: string; confidence: number; processingMs: number; conversationId: number; unsureStreak: number | null },
): Promise<void> {
  await db.query(
    `WITH m AS (
       UPDATE messages SET classification = $2, classification_confidence = $3, processing_time_ms = $4 WHERE id = $1 RETURNING id
     )
     UPDATE conversations SET unsure_streak = $6, updated_at = now() WHERE id = $5 AND $6::int IS NOT NULL AND unsure_streak <> $6`,
    [t.messageId, t.intent, t.confidence, Math.round(t.processingMs), t.conversationId, t.unsureStreak],
  );
}

/** Handed off: humans (once someone takes it) answer from now on; the bot stays silent. */
export async function markWaiting(db: pg.ClientBase | pg.Pool, conversationId: number, reason: string, at: Date): Promise<void> {
  // the desk's case opens with the handoff (handoff-cases-repo.ts), in the same statement
  await db.query(
    `WITH handed AS (
       UPDATE conversations SET handoff_state = 'waiting', handoff_reason = $2, handoff_at = $3, unsure_streak = 0, updated_at = now()
        WHERE id = $1 AND handoff_state = 'bot' RETURNING id, page_id)
     INSERT INTO handoff_cases (conversation_id, page_id, reason, opened_at) SELECT id, page_id, $2, $3 FROM handed
     ON CONFLICT (conversation_id) WHERE resolved_at IS NULL DO NOTHING`,
    [conversationId, reason, at],
  );
}

/** Conversations with webhook events on business days that have ended (plan their scoring). */
export async function conversationsWithClosedDays(db: pg.Pool | pg.ClientBase, now: Date, timeZone: string, lookbackDays = 3): Promise<number[]> {
  const { rows } = await db.query<{ conversation_id: number }>(
    `SELECT DISTINCT conversation_id FROM messenger_events
      WHERE conversation_id IS NOT NULL AND timestamp >= $1::timestamptz - make_interval(days => $3)
        AND (timestamp AT TIME ZONE $2)::date < ($1::timestamptz AT TIME ZONE $2)::date`,
    [now, timeZone, lookbackDays],
  );
  return rows.map((r) => r.conversation_id);
}
