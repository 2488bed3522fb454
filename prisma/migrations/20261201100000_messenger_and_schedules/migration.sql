-- Issue 7 (Messenger customer agent) and issue 8 (digests, alerts, scheduler, health):
-- the durable webhook inbox, the send log that makes replies at-most-once, the handoff state
-- of a conversation, blocked customers, the product catalogue and FAQ, the scheduler's run
-- coordinator, and the alert/digest/validation columns the scheduler needs.

-- CreateEnum
CREATE TYPE "HandoffState" AS ENUM ('bot', 'waiting', 'human');

-- CreateEnum
CREATE TYPE "MessengerEventState" AS ENUM ('pending', 'done', 'skipped', 'failed');

-- CreateEnum
CREATE TYPE "MessengerSendStatus" AS ENUM ('pending', 'sent', 'failed');

-- AlterTable
ALTER TABLE "customers" ADD COLUMN "blocked" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "blocked_reason" TEXT,
ADD COLUMN "last_message_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "conversations" ADD COLUMN "handoff_state" "HandoffState" NOT NULL DEFAULT 'bot',
ADD COLUMN "handoff_reason" TEXT,
ADD COLUMN "handoff_at" TIMESTAMPTZ(3),
ADD COLUMN "handoff_channel" TEXT,
ADD COLUMN "handoff_thread_ts" TEXT,
ADD COLUMN "assigned_to_id" INTEGER,
ADD COLUMN "unsure_streak" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "digest_subscriptions" ADD COLUMN "frequency" TEXT NOT NULL DEFAULT 'daily',
ADD COLUMN "email_to" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "alert_rules" ADD COLUMN "params" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN "state" TEXT NOT NULL DEFAULT 'ok',
ADD COLUMN "last_value" DOUBLE PRECISION,
ADD COLUMN "last_evaluated_at" TIMESTAMPTZ(3),
ADD COLUMN "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "alert_events" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'fired',
ADD COLUMN "session_ids" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
ADD COLUMN "details" JSONB,
ADD COLUMN "slack_ts" TEXT;

-- AlterTable
ALTER TABLE "validation_runs" ADD COLUMN "fixes" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN "trigger" TEXT NOT NULL DEFAULT 'manual';

-- CreateTable
CREATE TABLE "messenger_events" (
    "id" BIGSERIAL NOT NULL,
    "event_key" TEXT NOT NULL,
    "page_id" TEXT NOT NULL,
    "psid" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,
    "payload" JSONB NOT NULL,
    "message_id" INTEGER,
    "conversation_id" INTEGER,
    "state" "MessengerEventState" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),

    CONSTRAINT "messenger_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "messenger_sends" (
    "id" SERIAL NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "page_id" TEXT NOT NULL,
    "psid" TEXT NOT NULL,
    "conversation_id" INTEGER,
    "sender" TEXT NOT NULL,
    "messaging_type" TEXT NOT NULL,
    "tag" TEXT,
    "text" TEXT,
    "payload" JSONB NOT NULL,
    "status" "MessengerSendStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error_code" INTEGER,
    "error_subcode" INTEGER,
    "error" TEXT,
    "response_mid" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "messenger_sends_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "products" (
    "id" SERIAL NOT NULL,
    "sku" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "aliases" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "price" DECIMAL(12,2) NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'EUR',
    "stock" INTEGER,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "url" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "products_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "faq_entries" (
    "id" SERIAL NOT NULL,
    "question" TEXT NOT NULL,
    "answer" TEXT NOT NULL,
    "keywords" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "faq_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "scheduled_runs" (
    "task_key" TEXT NOT NULL,
    "scheduled_for" TIMESTAMPTZ(3) NOT NULL,
    "instance" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "scheduled_runs_pkey" PRIMARY KEY ("task_key","scheduled_for")
);

-- CreateIndex
CREATE INDEX "conversations_assigned_to_id_idx" ON "conversations"("assigned_to_id");

-- CreateIndex
CREATE UNIQUE INDEX "conversations_handoff_channel_handoff_thread_ts_key" ON "conversations"("handoff_channel", "handoff_thread_ts");

-- CreateIndex
CREATE UNIQUE INDEX "messenger_events_event_key_key" ON "messenger_events"("event_key");

-- CreateIndex
CREATE INDEX "messenger_events_state_timestamp_idx" ON "messenger_events"("state", "timestamp");

-- CreateIndex
CREATE INDEX "messenger_events_conversation_id_timestamp_idx" ON "messenger_events"("conversation_id", "timestamp");

-- CreateIndex
CREATE UNIQUE INDEX "messenger_sends_idempotency_key_key" ON "messenger_sends"("idempotency_key");

-- CreateIndex
CREATE INDEX "messenger_sends_conversation_id_created_at_idx" ON "messenger_sends"("conversation_id", "created_at");

-- CreateIndex
CREATE INDEX "messenger_sends_status_created_at_idx" ON "messenger_sends"("status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "products_sku_key" ON "products"("sku");

-- CreateIndex
CREATE UNIQUE INDEX "faq_entries_question_key" ON "faq_entries"("question");

-- CreateIndex
CREATE INDEX "scheduled_runs_started_at_idx" ON "scheduled_runs"("started_at");

-- AddForeignKey
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_assigned_to_id_fkey" FOREIGN KEY ("assigned_to_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
