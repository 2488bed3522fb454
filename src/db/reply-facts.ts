import type pg from 'pg';

// Reply facts: which reply answered each customer message, and each session's first replies.
// The metrics catalogue reads them (src/domain/semantic/catalogue.ts) instead of finding every
// reply with a subquery at question time. They change only when a conversation's messages do,
// so whatever rebuilds a conversation's sessions refreshes them too (sessions-rebuild.ts, the
// demo seed); migration 20261206130000_reply_facts backfilled them with these statements.

// A customer message's reply is the first to_client message at or after its time, ordered by
// time then id. Counting, per message, the replies strictly earlier than it (peers excluded)
// and numbering the replies in (time, id) order finds it in one ordered pass: the reply
// numbered "earlier replies + 1". Both windows share the index order of
// messages_conversation_time_id_kind_idx.
const REPLIES = `
WITH x AS (
  SELECT id, conversation_id, social_create_time AS t, direction, sender_kind, agent_info ->> 'name' AS agent,
         count(*) FILTER (WHERE direction = 'to_client') OVER (PARTITION BY conversation_id ORDER BY social_create_time
           RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP) AS replies_before,
         count(*) FILTER (WHERE direction = 'to_client') OVER (PARTITION BY conversation_id ORDER BY social_create_time, id
           ROWS UNBOUNDED PRECEDING) AS reply_no
    FROM messages WHERE conversation_id = ANY($1::int[])
), facts AS (
  SELECT q.id, q.conversation_id, q.t AS asked, r.t AS replied, r.sender_kind::text AS sender_kind, r.agent
    FROM x q JOIN x r ON r.conversation_id = q.conversation_id AND r.direction = 'to_client' AND r.reply_no = q.replies_before + 1
   WHERE q.sender_kind = 'customer'
), upserted AS (
  INSERT INTO message_replies (message_id, conversation_id, asked_at, replied_at, reply_kind, reply_agent)
  SELECT id, conversation_id, asked, replied, sender_kind, agent FROM facts
  ON CONFLICT (message_id) DO UPDATE
     SET replied_at = EXCLUDED.replied_at, reply_kind = EXCLUDED.reply_kind, reply_agent = EXCLUDED.reply_agent
   WHERE (message_replies.replied_at, message_replies.reply_kind, message_replies.reply_agent)
         IS DISTINCT FROM (EXCLUDED.replied_at, EXCLUDED.reply_kind, EXCLUDED.reply_agent)
)
DELETE FROM message_replies g
 WHERE g.conversation_id = ANY($1::int[]) AND NOT EXISTS (SELECT 1 FROM facts f WHERE f.id = g.message_id)`;

const SESSION_FIRSTS = `
UPDATE sessions s
   SET first_reply_at = f.any_at, first_human_reply_at = f.human_at, first_bot_reply_at = f.bot_at, first_human_agent = f.human_agent
  FROM (
    SELECT s2.id,
           min(m.social_create_time) FILTER (WHERE m.direction = 'to_client') AS any_at,
           min(m.social_create_time) FILTER (WHERE m.direction = 'to_client' AND m.sender_kind = 'human_agent') AS human_at,
           min(m.social_create_time) FILTER (WHERE m.direction = 'to_client' AND m.sender_kind = 'bot') AS bot_at,
           (array_agg(m.agent_info ->> 'name' ORDER BY m.social_create_time, m.id) FILTER (WHERE m.sender_kind = 'human_agent'))[1] AS human_agent
      FROM sessions s2 JOIN messages m ON m.conversation_id = s2.conversation_id
       AND m.social_create_time >= s2.started_at AND m.social_create_time <= s2.ended_at
     WHERE s2.conversation_id = ANY($1::int[])
     GROUP BY s2.id
  ) f
 WHERE f.id = s.id
   AND (s.first_reply_at, s.first_human_reply_at, s.first_bot_reply_at, s.first_human_agent)
       IS DISTINCT FROM (f.any_at, f.human_at, f.bot_at, f.human_agent)`;

/** Recomputes the reply facts of these conversations (after their messages or sessions changed). */
export async function refreshReplyFacts(db: pg.ClientBase | pg.Pool, conversationIds: readonly number[]): Promise<void> {
  if (conversationIds.length === 0) return;
  const ids = [...conversationIds];
  await db.query(REPLIES, [ids]);
  await db.query(SESSION_FIRSTS, [ids]);
}

/**
 * The human agents who wrote in each conversation-day (business days in `tz`) that has not had
 * them computed: rows planned before migration 20261206130000. New rows get them when planned.
 */
export async function fillDayAgents(db: pg.ClientBase | pg.Pool, tz: string, limit = 20_000): Promise<number> {
  let filled = 0;
  for (;;) {
    const res = await db.query(
      `UPDATE daily_analyses d SET human_agents = coalesce((
         SELECT array_agg(DISTINCT m.agent_info ->> 'name' ORDER BY m.agent_info ->> 'name') FROM messages m
          WHERE m.conversation_id = d.conversation_id AND m.sender_kind = 'human_agent' AND m.agent_info ->> 'name' IS NOT NULL
            AND m.social_create_time >= (d.day::timestamp AT TIME ZONE $1) AND m.social_create_time < ((d.day + 1)::timestamp AT TIME ZONE $1)
       ), '{}')
       WHERE d.id IN (SELECT id FROM daily_analyses WHERE human_agents IS NULL LIMIT $2)`,
      [tz, limit],
    );
    filled += res.rowCount ?? 0;
    if ((res.rowCount ?? 0) < limit) return filled;
  }
}
