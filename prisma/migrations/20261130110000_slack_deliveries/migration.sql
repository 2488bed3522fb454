-- Slack questions, answered exactly once (issue 5). One row per idempotency key: the Events
-- API event_id of a mention or DM, or the key a slash command derives. The row is inserted in
-- the same transaction as the pg-boss job that answers it, so a retried or repeated delivery
-- finds the key taken and enqueues nothing; the worker keeps the ts of its "working" message
-- and the answer here so that a retried job never posts either a second time.

-- CreateEnum
CREATE TYPE "SlackDeliveryState" AS ENUM ('queued', 'working', 'answered', 'refused', 'failed');

-- CreateTable
CREATE TABLE "slack_deliveries" (
    "key" TEXT NOT NULL,
    "team" TEXT,
    "channel" TEXT NOT NULL,
    "thread_ts" TEXT,
    "message_ts" TEXT,
    "user_id" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "response_url" TEXT,
    "state" "SlackDeliveryState" NOT NULL DEFAULT 'queued',
    "repeats" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "working_ts" TEXT,
    "answer" JSONB,
    "sql" TEXT,
    "files_uploaded" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "answered_at" TIMESTAMPTZ(3),

    CONSTRAINT "slack_deliveries_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "slack_deliveries_state_created_at_idx" ON "slack_deliveries"("state", "created_at");
