-- Reply facts (issue 16: catalogue questions under 150 ms on 1M messages). The catalogue's
-- response-time, first-response and agent figures used to find each reply with a subquery per
-- customer message, per session or per conversation-day at question time (0.8–1 s on 1M
-- messages). They are now kept where the messages are turned into sessions:
--   * message_replies: each customer message with the first reply (to_client) at or after it in
--     its conversation, ordered by time then id; no row while it is unanswered;
--   * sessions.first_*: the session's first reply of any kind, by a human agent, by the bot, and
--     the human agent who wrote the first human reply;
--   * daily_analyses.human_agents: the human agents who wrote in the conversation that business
--     day (NULL = not computed yet: the day depends on the business timezone, so the analysis
--     planner fills it, not this migration).
-- src/db/reply-facts.ts keeps the first two up to date (called by every sessions rebuild and by
-- the demo seed); the backfill below is the same statements over every conversation.
-- Also messages_time_idx: a period's messages (volumes, topics) by time without reading the
-- whole table; see the migration's note in docs/ASSISTANT.md for its cost at import.

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN "first_reply_at" TIMESTAMPTZ(3),
  ADD COLUMN "first_human_reply_at" TIMESTAMPTZ(3),
  ADD COLUMN "first_bot_reply_at" TIMESTAMPTZ(3),
  ADD COLUMN "first_human_agent" TEXT;

-- AlterTable
ALTER TABLE "daily_analyses" ADD COLUMN "human_agents" TEXT[];

-- CreateTable
CREATE TABLE "message_replies" (
    "message_id" INTEGER NOT NULL,
    "conversation_id" INTEGER NOT NULL,
    "asked_at" TIMESTAMPTZ(3) NOT NULL,
    "replied_at" TIMESTAMPTZ(3) NOT NULL,
    "reply_kind" "SenderKind" NOT NULL,
    "reply_agent" TEXT,

    CONSTRAINT "message_replies_pkey" PRIMARY KEY ("message_id")
);

-- CreateIndex
CREATE INDEX "message_replies_asked_at_idx" ON "message_replies"("asked_at", "reply_kind", "replied_at", "conversation_id", "reply_agent");

-- CreateIndex
CREATE INDEX "message_replies_conversation_id_idx" ON "message_replies"("conversation_id");

-- CreateIndex
CREATE INDEX "messages_time_idx" ON "messages"("social_create_time", "sender_kind", "classification", "conversation_id");

-- AddForeignKey
ALTER TABLE "message_replies" ADD CONSTRAINT "message_replies_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message_replies" ADD CONSTRAINT "message_replies_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill: src/db/reply-facts.ts's statements over every conversation.
INSERT INTO message_replies (message_id, conversation_id, asked_at, replied_at, reply_kind, reply_agent)
WITH x AS (
  SELECT id, conversation_id, social_create_time AS t, direction, sender_kind, agent_info ->> 'name' AS agent,
         count(*) FILTER (WHERE direction = 'to_client') OVER (PARTITION BY conversation_id ORDER BY social_create_time
           RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP) AS replies_before,
         count(*) FILTER (WHERE direction = 'to_client') OVER (PARTITION BY conversation_id ORDER BY social_create_time, id
           ROWS UNBOUNDED PRECEDING) AS reply_no
    FROM messages
)
SELECT q.id, q.conversation_id, q.t, r.t, r.sender_kind, r.agent
  FROM x q JOIN x r ON r.conversation_id = q.conversation_id AND r.direction = 'to_client' AND r.reply_no = q.replies_before + 1
 WHERE q.sender_kind = 'customer';

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
     GROUP BY s2.id
  ) f
 WHERE f.id = s.id;

-- The analytics views with the new facts (the migrator restores the others).
CREATE VIEW analytics.message_replies AS
  SELECT r.message_id, r.conversation_id, r.asked_at, r.replied_at, r.reply_kind::text AS reply_kind, r.reply_agent
  FROM public.message_replies r;

CREATE VIEW analytics.sessions AS
  SELECT s.id, s.conversation_id, s.sequence, s.started_at, s.ended_at, s.message_count, s.ai_engaged, s.ai_message_count,
         s.human_handoff, s.completion_status::text AS completion_status, s.archive_status::text AS archive_status,
         s.qa_status::text AS qa_status, s.qa_notes, s.dev_feedback, s.qa_by_id, s.qa_at, s.created_at, s.updated_at,
         s.first_reply_at, s.first_human_reply_at, s.first_bot_reply_at, s.first_human_agent
  FROM public.sessions s
  WHERE s.deleted_at IS NULL;

CREATE VIEW analytics.daily_analyses AS
  SELECT d.id, d.conversation_id, d.day, d.message_count, d.sentiment_score, d.sentiment_shift, d.resolution_achieved,
         d.fcr_score, d.ces, d.first_response_time, d.avg_response_time, d.total_handling_time, d.effectiveness,
         d.effort, d.efficiency, d.empathy, d.csi, d.missing_metrics, d.scorer_name, d.scorer_version,
         d.analyzed_at, d.created_at, d.updated_at, d.human_agents
  FROM public.daily_analyses d;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pulse_agent') THEN
    RETURN;
  END IF;
  GRANT SELECT ON analytics.message_replies, analytics.sessions, analytics.daily_analyses TO pulse_agent;
END
$$;
