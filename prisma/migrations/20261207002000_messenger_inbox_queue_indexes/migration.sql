-- The inbox's queues index only the rows still in them (issue 21, the messenger bench's p99
-- growing run after run). Every event was in two full indexes, (state, timestamp) and
-- (conversation_id, timestamp), for good: each acknowledgement inserted into both, each
-- materialisation and settlement (non-HOT updates) added an entry more to each, and the claim's
-- and the materializer's scans walked the history's entries (dead ones until a vacuum) to find
-- the few pending rows. Now:
-- - events not stored as messages yet (the materializer's queue, validation's unstored_events):
--   the only queue index an acknowledgement's insert touches;
-- - events stored and waiting for the reply worker: its claim's scan in timestamp order, and the
--   per-conversation "earliest pending event" probe (now without the not-yet-stored rows);
-- - conversation_id lookups (closed days, retention's joins) on linked rows only: an
--   acknowledgement's row (no conversation yet) is not in it.
DROP INDEX "messenger_events_state_timestamp_idx";
DROP INDEX "messenger_events_conversation_id_timestamp_idx";
DROP INDEX "messenger_events_pending_conversation_idx";

CREATE INDEX "messenger_events_unstored_idx" ON "messenger_events"("timestamp", "id") WHERE "state" = 'pending' AND "conversation_id" IS NULL;
CREATE INDEX "messenger_events_claimable_idx" ON "messenger_events"("timestamp", "id") WHERE "state" = 'pending' AND "conversation_id" IS NOT NULL;
CREATE INDEX "messenger_events_pending_conversation_idx" ON "messenger_events"("conversation_id", "timestamp", "id") WHERE "state" = 'pending' AND "conversation_id" IS NOT NULL;
CREATE INDEX "messenger_events_conversation_id_timestamp_idx" ON "messenger_events"("conversation_id", "timestamp") WHERE "conversation_id" IS NOT NULL;
