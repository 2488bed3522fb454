-- CreateEnum
CREATE TYPE "PageStatus" AS ENUM ('active', 'paused', 'disconnected');

-- CreateEnum
CREATE TYPE "MessageDirection" AS ENUM ('to_company', 'to_client');

-- CreateEnum
CREATE TYPE "SenderKind" AS ENUM ('customer', 'bot', 'human_agent');

-- CreateEnum
CREATE TYPE "CompletionStatus" AS ENUM ('complete', 'in_progress', 'incomplete');

-- CreateEnum
CREATE TYPE "ArchiveStatus" AS ENUM ('active', 'archived');

-- CreateEnum
CREATE TYPE "QaStatus" AS ENUM ('unchecked', 'passed', 'issue', 'fixed');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('pending', 'in_progress', 'completed', 'failed');

-- CreateEnum
CREATE TYPE "UploadStatus" AS ENUM ('pending', 'processing', 'completed', 'failed');

-- CreateEnum
CREATE TYPE "UserRole" AS ENUM ('admin', 'lead', 'qa', 'developer', 'agent');

-- CreateEnum
CREATE TYPE "AlertComparison" AS ENUM ('gt', 'gte', 'lt', 'lte');

-- CreateEnum
CREATE TYPE "NotificationChannel" AS ENUM ('slack', 'email', 'messenger', 'teams');

-- CreateEnum
CREATE TYPE "NotificationStatus" AS ENUM ('sent', 'failed');

-- CreateTable
CREATE TABLE "pages" (
    "id" SERIAL NOT NULL,
    "fb_page_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "PageStatus" NOT NULL DEFAULT 'active',
    "access_token_cipher" TEXT,
    "conversation_count" INTEGER NOT NULL DEFAULT 0,
    "message_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "pages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customers" (
    "id" SERIAL NOT NULL,
    "page_id" INTEGER NOT NULL,
    "psid" TEXT NOT NULL,
    "name" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "customers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "conversations" (
    "id" SERIAL NOT NULL,
    "fb_chat_id" TEXT NOT NULL,
    "page_id" INTEGER NOT NULL,
    "customer_id" INTEGER,
    "total_messages" INTEGER NOT NULL DEFAULT 0,
    "customer_messages" INTEGER NOT NULL DEFAULT 0,
    "agent_messages" INTEGER NOT NULL DEFAULT 0,
    "first_message_at" TIMESTAMPTZ(3),
    "last_message_at" TIMESTAMPTZ(3),
    "common_topics" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "conversations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "messages" (
    "id" SERIAL NOT NULL,
    "conversation_id" INTEGER NOT NULL,
    "mid" TEXT NOT NULL,
    "direction" "MessageDirection" NOT NULL,
    "sender_kind" "SenderKind" NOT NULL,
    "text" TEXT,
    "attachments" JSONB,
    "social_create_time" TIMESTAMPTZ(3) NOT NULL,
    "agent_info" JSONB,
    "classification" TEXT,
    "classification_confidence" DOUBLE PRECISION,
    "processing_time_ms" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" SERIAL NOT NULL,
    "conversation_id" INTEGER NOT NULL,
    "sequence" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3) NOT NULL,
    "message_count" INTEGER NOT NULL DEFAULT 0,
    "ai_engaged" BOOLEAN NOT NULL DEFAULT false,
    "ai_message_count" INTEGER NOT NULL DEFAULT 0,
    "human_handoff" BOOLEAN NOT NULL DEFAULT false,
    "completion_status" "CompletionStatus" NOT NULL DEFAULT 'in_progress',
    "archive_status" "ArchiveStatus" NOT NULL DEFAULT 'active',
    "qa_status" "QaStatus" NOT NULL DEFAULT 'unchecked',
    "qa_notes" TEXT,
    "dev_feedback" TEXT,
    "qa_by_id" INTEGER,
    "qa_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "qa_events" (
    "id" SERIAL NOT NULL,
    "session_id" INTEGER NOT NULL,
    "actor_id" INTEGER,
    "from_status" "QaStatus" NOT NULL,
    "to_status" "QaStatus" NOT NULL,
    "notes" TEXT,
    "dev_feedback" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "qa_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "daily_analyses" (
    "id" SERIAL NOT NULL,
    "conversation_id" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "message_count" INTEGER NOT NULL DEFAULT 0,
    "sentiment_score" DOUBLE PRECISION,
    "sentiment_shift" DOUBLE PRECISION,
    "resolution_achieved" DOUBLE PRECISION,
    "fcr_score" DOUBLE PRECISION,
    "ces" DOUBLE PRECISION,
    "first_response_time" DOUBLE PRECISION,
    "avg_response_time" DOUBLE PRECISION,
    "total_handling_time" DOUBLE PRECISION,
    "effectiveness" DOUBLE PRECISION,
    "effort" DOUBLE PRECISION,
    "efficiency" DOUBLE PRECISION,
    "empathy" DOUBLE PRECISION,
    "csi" DOUBLE PRECISION,
    "missing_metrics" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "scorer_name" TEXT,
    "scorer_version" TEXT,
    "analyzed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "daily_analyses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "jobs" (
    "id" SERIAL NOT NULL,
    "upload_id" INTEGER,
    "status" "JobStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "result" JSONB,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job_daily_analyses" (
    "job_id" INTEGER NOT NULL,
    "daily_analysis_id" INTEGER NOT NULL,
    CONSTRAINT "job_daily_analyses_pkey" PRIMARY KEY ("job_id","daily_analysis_id")
);

-- CreateTable
CREATE TABLE "processed_chats" (
    "id" SERIAL NOT NULL,
    "fb_chat_id" TEXT NOT NULL,
    "message_count" INTEGER NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "processed_chats_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "metrics" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "metadata" JSONB,
    "calculated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "metrics_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "uploads" (
    "id" SERIAL NOT NULL,
    "file_name" TEXT NOT NULL,
    "format" TEXT,
    "status" "UploadStatus" NOT NULL DEFAULT 'pending',
    "size_bytes" BIGINT,
    "rows_accepted" INTEGER NOT NULL DEFAULT 0,
    "rows_rejected" INTEGER NOT NULL DEFAULT 0,
    "error_report" JSONB,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "uploads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "platform" TEXT NOT NULL DEFAULT 'slack',
    "external_id" TEXT NOT NULL,
    "name" TEXT,
    "email" TEXT,
    "role" "UserRole" NOT NULL DEFAULT 'agent',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "label" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_threads" (
    "id" SERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "thread_key" TEXT NOT NULL,
    "user_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "agent_threads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_messages" (
    "id" SERIAL NOT NULL,
    "thread_id" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "tool_calls" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "agent_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "message_templates" (
    "id" SERIAL NOT NULL,
    "page_id" INTEGER,
    "name" TEXT NOT NULL,
    "message_type" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "variables" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "active" BOOLEAN NOT NULL DEFAULT true,
    "usage_count" INTEGER NOT NULL DEFAULT 0,
    "success_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "message_templates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "digest_subscriptions" (
    "id" SERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "cron_expression" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "content" JSONB NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_by_id" INTEGER,
    "last_run_at" TIMESTAMPTZ(3),
    "last_status" TEXT,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "digest_subscriptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_rules" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "comparison" "AlertComparison" NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "window_minutes" INTEGER NOT NULL DEFAULT 60,
    "channel" TEXT NOT NULL,
    "cooldown_minutes" INTEGER NOT NULL DEFAULT 60,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "last_fired_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "alert_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_events" (
    "id" SERIAL NOT NULL,
    "rule_id" INTEGER NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "message" TEXT NOT NULL,
    "delivered" BOOLEAN NOT NULL DEFAULT false,
    "fired_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "alert_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "error_logs" (
    "id" SERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "context" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "error_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notification_logs" (
    "id" SERIAL NOT NULL,
    "channel" "NotificationChannel" NOT NULL,
    "recipient" TEXT NOT NULL,
    "subject" TEXT,
    "status" "NotificationStatus" NOT NULL,
    "error" TEXT,
    "context" JSONB,
    "idempotency_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "notification_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "validation_runs" (
    "id" SERIAL NOT NULL,
    "health_score" DOUBLE PRECISION NOT NULL,
    "component_scores" JSONB NOT NULL,
    "issues" JSONB NOT NULL,
    "recommendations" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "validation_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_logs" (
    "id" SERIAL NOT NULL,
    "actor_id" INTEGER,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "details" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "audit_logs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "pages_fb_page_id_key" ON "pages"("fb_page_id");

-- CreateIndex
CREATE UNIQUE INDEX "customers_page_id_psid_key" ON "customers"("page_id", "psid");

-- CreateIndex
CREATE UNIQUE INDEX "conversations_fb_chat_id_key" ON "conversations"("fb_chat_id");

-- CreateIndex
CREATE INDEX "conversations_page_id_last_message_at_idx" ON "conversations"("page_id", "last_message_at");

-- CreateIndex
CREATE INDEX "conversations_customer_id_idx" ON "conversations"("customer_id");

-- CreateIndex
CREATE UNIQUE INDEX "messages_mid_key" ON "messages"("mid");

-- CreateIndex
CREATE INDEX "messages_conversation_id_social_create_time_idx" ON "messages"("conversation_id", "social_create_time");

-- CreateIndex
CREATE INDEX "sessions_qa_status_started_at_idx" ON "sessions"("qa_status", "started_at");

-- CreateIndex
CREATE INDEX "sessions_qa_by_id_idx" ON "sessions"("qa_by_id");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_conversation_id_sequence_key" ON "sessions"("conversation_id", "sequence");

-- CreateIndex
CREATE INDEX "qa_events_session_id_created_at_idx" ON "qa_events"("session_id", "created_at");

-- CreateIndex
CREATE INDEX "qa_events_actor_id_idx" ON "qa_events"("actor_id");

-- CreateIndex
CREATE INDEX "daily_analyses_day_idx" ON "daily_analyses"("day");

-- CreateIndex
CREATE UNIQUE INDEX "daily_analyses_conversation_id_day_key" ON "daily_analyses"("conversation_id", "day");

-- CreateIndex
CREATE INDEX "jobs_status_created_at_idx" ON "jobs"("status", "created_at");

-- CreateIndex
CREATE INDEX "jobs_upload_id_idx" ON "jobs"("upload_id");

-- CreateIndex
CREATE INDEX "job_daily_analyses_daily_analysis_id_idx" ON "job_daily_analyses"("daily_analysis_id");

-- CreateIndex
CREATE UNIQUE INDEX "processed_chats_fb_chat_id_key" ON "processed_chats"("fb_chat_id");

-- CreateIndex
CREATE UNIQUE INDEX "metrics_name_key" ON "metrics"("name");

-- CreateIndex
CREATE UNIQUE INDEX "users_platform_external_id_key" ON "users"("platform", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "api_tokens_user_id_idx" ON "api_tokens"("user_id");

-- CreateIndex
CREATE INDEX "agent_threads_user_id_idx" ON "agent_threads"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "agent_threads_channel_thread_key_key" ON "agent_threads"("channel", "thread_key");

-- CreateIndex
CREATE INDEX "agent_messages_thread_id_created_at_idx" ON "agent_messages"("thread_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "message_templates_name_key" ON "message_templates"("name");

-- CreateIndex
CREATE INDEX "message_templates_message_type_active_idx" ON "message_templates"("message_type", "active");

-- CreateIndex
CREATE INDEX "message_templates_page_id_idx" ON "message_templates"("page_id");

-- CreateIndex
CREATE INDEX "digest_subscriptions_created_by_id_idx" ON "digest_subscriptions"("created_by_id");

-- CreateIndex
CREATE UNIQUE INDEX "alert_rules_name_key" ON "alert_rules"("name");

-- CreateIndex
CREATE INDEX "alert_events_rule_id_fired_at_idx" ON "alert_events"("rule_id", "fired_at");

-- CreateIndex
CREATE INDEX "error_logs_created_at_idx" ON "error_logs"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "notification_logs_idempotency_key_key" ON "notification_logs"("idempotency_key");

-- CreateIndex
CREATE INDEX "notification_logs_created_at_idx" ON "notification_logs"("created_at");

-- CreateIndex
CREATE INDEX "validation_runs_created_at_idx" ON "validation_runs"("created_at");

-- CreateIndex
CREATE INDEX "audit_logs_created_at_idx" ON "audit_logs"("created_at");

-- CreateIndex
CREATE INDEX "audit_logs_actor_id_idx" ON "audit_logs"("actor_id");

-- AddForeignKey
ALTER TABLE "customers" ADD CONSTRAINT "customers_page_id_fkey" FOREIGN KEY ("page_id") REFERENCES "pages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_page_id_fkey" FOREIGN KEY ("page_id") REFERENCES "pages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_qa_by_id_fkey" FOREIGN KEY ("qa_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qa_events" ADD CONSTRAINT "qa_events_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qa_events" ADD CONSTRAINT "qa_events_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "daily_analyses" ADD CONSTRAINT "daily_analyses_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_upload_id_fkey" FOREIGN KEY ("upload_id") REFERENCES "uploads"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_daily_analyses" ADD CONSTRAINT "job_daily_analyses_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_daily_analyses" ADD CONSTRAINT "job_daily_analyses_daily_analysis_id_fkey" FOREIGN KEY ("daily_analysis_id") REFERENCES "daily_analyses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_threads" ADD CONSTRAINT "agent_threads_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_messages" ADD CONSTRAINT "agent_messages_thread_id_fkey" FOREIGN KEY ("thread_id") REFERENCES "agent_threads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message_templates" ADD CONSTRAINT "message_templates_page_id_fkey" FOREIGN KEY ("page_id") REFERENCES "pages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "digest_subscriptions" ADD CONSTRAINT "digest_subscriptions_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_events" ADD CONSTRAINT "alert_events_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "alert_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_logs" ADD CONSTRAINT "audit_logs_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
