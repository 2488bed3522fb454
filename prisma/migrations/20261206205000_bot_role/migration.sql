-- API tokens for an outside AI agent (issue 20, point 9): the `bot` role may only ingest
-- messages (POST /api/ingest/messages); every other route refuses it.
ALTER TYPE "UserRole" ADD VALUE IF NOT EXISTS 'bot';
