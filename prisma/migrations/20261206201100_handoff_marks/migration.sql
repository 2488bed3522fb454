-- Issue 19, the desk: what the desk has done about "seen" on each handed-off conversation, and
-- when people last gave it back to the bot.
--  seen_sent_through:  the customer's latest message a Send API `mark_seen` covered (sent once
--                      per customer message, when a person takes the conversation or writes in it)
--  read_shown_through: the customer's `read` watermark last shown in the Slack thread (shown once
--                      per watermark that covers a new agent message)
--  bot_resumed_at:     when Resume bot (or any action handing it back to the bot) last happened:
--                      replies from another inbox before it no longer pause the bot
-- One row per conversation, written only by the desk; the webhook's hot path never touches it.

-- CreateTable
CREATE TABLE "handoff_marks" (
    "conversation_id" INTEGER NOT NULL,
    "seen_sent_through" TIMESTAMPTZ(3),
    "read_shown_through" TIMESTAMPTZ(3),
    "bot_resumed_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "handoff_marks_pkey" PRIMARY KEY ("conversation_id")
);

-- AddForeignKey
ALTER TABLE "handoff_marks" ADD CONSTRAINT "handoff_marks_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The seen watcher reads new `read` events by id; they are a small share of the inbox, so a
-- partial index keeps that read from walking every message event.
-- CreateIndex
CREATE INDEX "messenger_events_read_idx" ON "messenger_events"("id") WHERE "kind" = 'read';
