-- Indexes for the assistant's read tools (src/agents/tools), measured with bench/ask.ts on
-- 1M messages. Plain key columns only: schema.prisma can state them (@@index), and
-- tests/schema-drift.test.ts compares them.

-- Messages of one sender kind in a time range: customer messages (topic mix), human agents'
-- replies (slowest agents, CSI by agent), and, skipping over the three kinds, every message
-- of a period (volumes, then index-only). No JSON or classification columns: agent_info is
-- whatever an import carried (a large value would exceed the btree row limit and fail the
-- insert), and an index on classification would go with that column if it were ever dropped
-- (tests/schema-drift.test.ts drops it and expects exactly one difference).
CREATE INDEX "messages_sender_kind_time_idx"
  ON "messages"("sender_kind", "social_create_time", "conversation_id", "id");

-- "The previous non-bot message before this one" (slowest agents): one index-only probe per
-- reply, in the tool's (time, id) order, with the sender kind read from the index.
CREATE INDEX "messages_conversation_time_id_kind_idx"
  ON "messages"("conversation_id", "social_create_time", "id", "sender_kind");

-- CSI means, trends and groupings over a period read only these columns: index-only scans
-- instead of visiting a third of the table's pages for a month.
CREATE INDEX "daily_analyses_day_csi_idx"
  ON "daily_analyses"("day", "csi", "conversation_id", "effectiveness", "effort", "efficiency", "empathy");

-- Conversations by topic (topic mix "in complaints"): about a quarter of them carry one, so a
-- bitmap from this index replaces testing every conversation's JSON.
CREATE INDEX "conversations_common_topics_idx" ON "conversations" USING GIN ("common_topics");
