-- Issue 19 (the desk): a case per handoff, private notes and transfers with a reason, and
-- business hours per page.
--
-- handoff_cases: one row per handoff, from the moment the conversation leaves the bot to the
-- moment people give it back (Resolve, or Resume bot). At most one open case per conversation
-- (the partial unique index), so a repeated or concurrent open finds the one already there.
-- Conversations already with humans when this runs get an open case from their handoff time.
-- handoff_notes: `//` messages in a handoff thread, never sent to the customer; one per Slack
-- message (a redelivered event stores nothing more).
-- handoff_transfers: who handed a case to whom, and why.
-- pages: business hours as written ("mon-fri 09:00-18:00"), their timezone, and what a customer
-- handed off outside them is told (NULL = the default text).

-- AlterTable
ALTER TABLE "pages" ADD COLUMN "business_hours" TEXT,
ADD COLUMN "hours_timezone" TEXT,
ADD COLUMN "out_of_hours_text" TEXT;

-- CreateTable
CREATE TABLE "handoff_cases" (
    "id" SERIAL NOT NULL,
    "conversation_id" INTEGER NOT NULL,
    "page_id" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL,
    "assigned_to_id" INTEGER,
    "first_human_reply_at" TIMESTAMPTZ(3),
    "resolved_at" TIMESTAMPTZ(3),
    "resolved_by_id" INTEGER,
    "resolution" TEXT,

    CONSTRAINT "handoff_cases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "handoff_notes" (
    "id" SERIAL NOT NULL,
    "case_id" INTEGER,
    "conversation_id" INTEGER NOT NULL,
    "author_id" INTEGER,
    "slack_ts" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "handoff_notes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "handoff_transfers" (
    "id" SERIAL NOT NULL,
    "case_id" INTEGER NOT NULL,
    "by_id" INTEGER,
    "to_id" INTEGER,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "handoff_transfers_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "handoff_cases_conversation_id_idx" ON "handoff_cases"("conversation_id");

-- CreateIndex
CREATE UNIQUE INDEX "handoff_cases_open_key" ON "handoff_cases"("conversation_id") WHERE "resolved_at" IS NULL;

-- CreateIndex
CREATE INDEX "handoff_cases_opened_at_idx" ON "handoff_cases"("opened_at");

-- CreateIndex
CREATE UNIQUE INDEX "handoff_notes_conversation_id_slack_ts_key" ON "handoff_notes"("conversation_id", "slack_ts");

-- CreateIndex
CREATE INDEX "handoff_notes_case_id_idx" ON "handoff_notes"("case_id");

-- CreateIndex
CREATE INDEX "handoff_transfers_case_id_idx" ON "handoff_transfers"("case_id");

-- AddForeignKey
ALTER TABLE "handoff_cases" ADD CONSTRAINT "handoff_cases_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handoff_cases" ADD CONSTRAINT "handoff_cases_page_id_fkey" FOREIGN KEY ("page_id") REFERENCES "pages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handoff_cases" ADD CONSTRAINT "handoff_cases_assigned_to_id_fkey" FOREIGN KEY ("assigned_to_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handoff_cases" ADD CONSTRAINT "handoff_cases_resolved_by_id_fkey" FOREIGN KEY ("resolved_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handoff_notes" ADD CONSTRAINT "handoff_notes_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "handoff_cases"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handoff_notes" ADD CONSTRAINT "handoff_notes_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handoff_notes" ADD CONSTRAINT "handoff_notes_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handoff_transfers" ADD CONSTRAINT "handoff_transfers_case_id_fkey" FOREIGN KEY ("case_id") REFERENCES "handoff_cases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handoff_transfers" ADD CONSTRAINT "handoff_transfers_by_id_fkey" FOREIGN KEY ("by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handoff_transfers" ADD CONSTRAINT "handoff_transfers_to_id_fkey" FOREIGN KEY ("to_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- the conversations already with people
INSERT INTO "handoff_cases" ("conversation_id", "page_id", "reason", "opened_at", "assigned_to_id")
SELECT c.id, c.page_id, coalesce(c.handoff_reason, 'human_request'), coalesce(c.handoff_at, c.updated_at), c.assigned_to_id
  FROM "conversations" c WHERE c.handoff_state <> 'bot';

-- analytics.handoff_cases: the cases as the catalogue's "time to resolve a handoff" reads them
-- (a plain view, like the others). Notes and transfers stay out: their text is people's words
-- about customers, not figures.
CREATE VIEW analytics.handoff_cases AS
  SELECT h.id, h.conversation_id, h.page_id, h.reason, h.opened_at, h.assigned_to_id, h.first_human_reply_at,
         h.resolved_at, h.resolved_by_id, h.resolution
  FROM public.handoff_cases h;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pulse_agent') THEN
    RETURN;
  END IF;
  GRANT SELECT ON analytics.handoff_cases TO pulse_agent;
END
$$;
