import type pg from 'pg';
import { openSurveyJson, toOpenSurvey, type OpenSurvey } from './csat-repo.ts';

// The reply worker's side of messenger_events: claim events to handle, oldest first, many
// conversations per round trip but never two events of one conversation at once (an event is
// only eligible while no earlier pending event of its conversation exists, and the claimed
// rows stay locked until their transaction ends), each with what answering it needs; and
// settle them, a batch per statement.

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

const EVENT_COLUMNS = `e.id, e.event_key, e.kind, e.page_id, e.psid, e.timestamp, e.payload, e.conversation_id, e.message_id, e.attempts`;

/** claimBatch's statement ($1: conversations, $2: history messages per turn); exported for its plan's test. */
export const CLAIM_BATCH_SQL = `WITH e AS (
             SELECT ${EVENT_COLUMNS}
               FROM messenger_events e
              WHERE e.state = 'pending' AND e.conversation_id IS NOT NULL
                -- its conversation's earliest pending event: one probe of the pending index per
                -- candidate, whatever the statistics say (an anti-join planned from stale ones
                -- compared every candidate with every pending row)
                AND e.id = (SELECT p.id FROM messenger_events p
                             WHERE p.conversation_id = e.conversation_id AND p.state = 'pending' AND p.conversation_id IS NOT NULL
                             ORDER BY p.timestamp, p.id LIMIT 1)
              ORDER BY e.timestamp, e.id
              LIMIT $1
              FOR UPDATE SKIP LOCKED
           )
           SELECT e.*, ctx.*, ctx.handoff_state IS NOT NULL AS has_context
             FROM e LEFT JOIN LATERAL (${contextSelect('e.conversation_id', 'e.timestamp', 'e.message_id', '$2')}) ctx ON true
            ORDER BY e.timestamp, e.id`;

/**
 * The earliest pending event of up to `limit` conversations, locked, each with its turn's context
 * (inside a transaction: the locks last until it ends). Both scans read only queued rows (messenger_events_claimable_idx, _pending_conversation_idx).
 */
export async function claimBatch(client: pg.ClientBase, limit: number, historyLimit = 20): Promise<ClaimedTurn[]> {
  // In the caller's transaction: the claim walks the claimable index in order and stops at its
  // limit. With the statistics of an inbox filled faster than autovacuum visits (a flood on a
  // fresh table: an estimate of a few dozen rows), the planner otherwise read every queued row
  // into a bitmap, probed each one's conversation and sorted them: each claim cost the whole
  // backlog (5,000 rows in the bench's flood), twice a second while acknowledgements waited.
  await client.query('SET LOCAL enable_bitmapscan = off');
  const { rows } = await client.query<EventRow & Partial<ContextRow> & { has_context: boolean; customer_last_message_at: Date | null }>({
    name: 'messenger-claim-batch',
    text: CLAIM_BATCH_SQL,
    values: [limit, historyLimit],
  });
  await client.query('RESET enable_bitmapscan');
  return rows.map((r) => ({
    event: toEvent(r),
    ...(r.has_context ? { ctx: toContext(r as ContextRow) } : {}),
    customerLastMessageAt: r.customer_last_message_at ?? null,
  }));
}

/** One conversation's turn context for its message `messageId` at `at`, outside a claim (what the worker would see). */
export async function turnContext(db: pg.ClientBase | pg.Pool, conversationId: number, at: Date, messageId: number | null, historyLimit = 20): Promise<TurnContext | undefined> {
  const { rows } = await db.query<ContextRow>(contextSelect('$1::int', '$2::timestamptz', '$3::int', '$4::int'), [conversationId, at, messageId, historyLimit]);
  return rows[0] ? toContext(rows[0]) : undefined;
}

export interface ClaimedTurn {
  event: InboxEvent;
  /** absent when the conversation is gone */
  ctx?: TurnContext;
  /** the customer's latest own message: the messaging windows' start */
  customerLastMessageAt: Date | null;
}

interface EventRow {
  id: string; event_key: string; kind: string; page_id: string; psid: string; timestamp: Date;
  payload: Record<string, unknown>; conversation_id: number; message_id: number | null; attempts: number;
}

const toEvent = (r: EventRow): InboxEvent => ({
  id: r.id, key: r.event_key, kind: r.kind, pageId: r.page_id, psid: r.psid, at: r.timestamp, payload: r.payload,
  conversationId: r.conversation_id, messageId: r.message_id, attempts: r.attempts,
});

/** Events handled in one batch, settled in one statement. */
export async function settleEvents(db: pg.ClientBase | pg.Pool, settled: readonly { id: string; state: 'done' | 'skipped' }[]): Promise<void> {
  if (settled.length === 0) return;
  await db.query(
    `UPDATE messenger_events e SET state = s.state::"MessengerEventState", error = NULL, processed_at = now()
       FROM unnest($1::bigint[], $2::text[]) AS s(id, state) WHERE e.id = s.id`,
    [settled.map((x) => x.id), settled.map((x) => x.state)],
  );
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
  /** the CSAT survey waiting for this customer's answer (csat-repo's openSurvey), read with the turn */
  openSurvey: OpenSurvey | undefined;
}

interface ContextRow {
  handoff_state: TurnContext['handoffState']; unsure_streak: number; name: string | null; blocked: boolean | null; blocked_reason: string | null;
  earlier: boolean; bot_spoke: boolean; last_human_at: Date | null; page_db_id: number | null; page_name: string | null; bot_disclosure: string | null;
  history: { sender_kind: string; text: string; at: string }[];
  open_survey: Parameters<typeof toOpenSurvey>[0];
}

/** The turn context of conversation `conv` for its message `mid` at `at`: one row, one round trip with its event. */
function contextSelect(conv: string, at: string, mid: string, historyLimit: string): string {
  return `SELECT c.handoff_state::text AS handoff_state, c.unsure_streak, cu.name, cu.blocked, cu.blocked_reason,
            cu.last_message_at AS customer_last_message_at,
            EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sender_kind = 'customer'
                       AND m.social_create_time < ${at} AND m.id IS DISTINCT FROM ${mid}) AS earlier,
            EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sender_kind = 'bot') AS bot_spoke,
            -- a person in another inbox (Business Suite, another app): not our Slack desk's replies, which
            -- the handoff state governs (Resume bot hands the conversation back at once)
            (SELECT max(m.social_create_time) FROM messages m WHERE m.conversation_id = c.id AND m.sender_kind = 'human_agent'
               AND m.social_create_time <= ${at}
               AND NOT EXISTS (SELECT 1 FROM messenger_sends s WHERE s.conversation_id = c.id AND s.response_mid = m.mid)
               -- Resume bot in Slack ends that pause too (handoff_marks.bot_resumed_at)
               AND m.social_create_time > coalesce(hm.bot_resumed_at, '-infinity'::timestamptz)) AS last_human_at,
            p.id AS page_db_id, p.name AS page_name, p.bot_disclosure, ${openSurveyJson('c.id')} AS open_survey,
            (SELECT coalesce(json_agg(json_build_object('sender_kind', h.sender_kind, 'text', h.text, 'at', h.social_create_time)
                                      ORDER BY h.social_create_time, h.id), '[]'::json)
               FROM (SELECT id, sender_kind::text AS sender_kind, text, social_create_time FROM messages
                      WHERE conversation_id = c.id AND social_create_time <= ${at} AND id IS DISTINCT FROM ${mid} AND text IS NOT NULL
                      ORDER BY social_create_time DESC, id DESC LIMIT ${historyLimit}) h) AS history
       FROM conversations c LEFT JOIN customers cu ON cu.id = c.customer_id LEFT JOIN pages p ON p.id = c.page_id
       LEFT JOIN handoff_marks hm ON hm.conversation_id = c.id WHERE c.id = ${conv}`;
}

function toContext(c: ContextRow): TurnContext {
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
    openSurvey: toOpenSurvey(c.open_survey),
    history: c.history.map((m) => ({
      from: m.sender_kind === 'customer' ? 'customer' : m.sender_kind === 'bot' ? 'bot' : 'human',
      text: m.text,
      at: new Date(m.at),
    })),
  };
}

export interface TurnRecord {
  messageId: number | null;
  intent: string;
  confidence: number;
  processingMs: number;
  conversationId: number;
  /** the conversation's unsure streak after the turn; null leaves it */
  unsureStreak: number | null;
}

/**
 * What the agent made of each customer message (on that message, when there is one) and each
 * conversation's unsure streak, for a batch of turns (one per conversation) in one statement.
 */
export async function recordTurns(db: pg.ClientBase, turns: readonly TurnRecord[]): Promise<void> {
  if (turns.length === 0) return;
  await db.query(
    `WITH t AS (
       SELECT * FROM unnest($1::int[], $2::text[], $3::float8[], $4::int[], $5::int[], $6::int[])
                AS t(message_id, intent, confidence, processing_ms, conversation_id, unsure_streak)
     ), m AS (
       UPDATE messages SET classification = t.intent, classification_confidence = t.confidence, processing_time_ms = t.processing_ms
         FROM t WHERE messages.id = t.message_id RETURNING messages.id
     )
     UPDATE conversations c SET unsure_streak = t.unsure_streak, updated_at = now()
       FROM t WHERE c.id = t.conversation_id AND t.unsure_streak IS NOT NULL AND c.unsure_streak <> t.unsure_streak`,
    [
      turns.map((t) => t.messageId), turns.map((t) => t.intent), turns.map((t) => t.confidence),
      turns.map((t) => Math.round(t.processingMs)), turns.map((t) => t.conversationId), turns.map((t) => t.unsureStreak),
    ],
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
