-- A customer's attachments forwarded into a handoff's Slack thread (issue 19, point 5). One row
-- per attachment (key `in:<mid>:<index>`), written before Slack is called and moved on at each
-- step of the upload (the Slack file id is kept as soon as Slack hands it out), so the
-- Messenger worker handling the same event again never posts the file a second time.

-- CreateTable
CREATE TABLE "handoff_files" (
    "key" TEXT NOT NULL,
    "conversation_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "source_url" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "slack_file_id" TEXT,
    "bytes" INTEGER,
    "reason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "handoff_files_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "handoff_files_conversation_id_idx" ON "handoff_files"("conversation_id");
