-- messages (conversation_id, social_create_time) is a prefix of the assistant's index
-- messages_conversation_time_id_kind_idx (conversation_id, social_create_time, id, sender_kind):
-- every query that could use it can use the longer one. Maintaining it cost about a sixth of
-- a bulk import's time (bench/import.ts) for nothing.

-- DropIndex
DROP INDEX "messages_conversation_id_social_create_time_idx";
