-- messages_sender_kind_time_idx (sender_kind, social_create_time, conversation_id, id) took
-- every message at a random place (time order is not insert order: an import spans months in
-- each batch), which made it the costliest part of a bulk import: about a third of
-- PostgreSQL's work on 1M messages (bench/import.ts), more than the heap itself.
--
-- Its one reader that needs an index is the assistant's questions about human agents (CSI by
-- agent, slowest first response): they read human-agent replies of a period. A partial index
-- over those replies alone serves them (bench/ask.ts: p95 197 ms against 215 ms with the full
-- index) at about a third of the cost. Counting every message of a period (volumes,
-- validation's data-quality checks) reads the table instead: ~100 ms on 1M messages; the
-- retention cleanup finds old messages through their conversations' first_message_at and
-- messages_conversation_time_id_kind_idx.

-- DropIndex
DROP INDEX "messages_sender_kind_time_idx";

-- CreateIndex
CREATE INDEX "messages_human_reply_time_idx" ON "messages"("social_create_time", "conversation_id", "id")
  WHERE "sender_kind" = 'human_agent';
