-- The REST API (issue 6, part 7): sessions are deleted softly (an admin's DELETE hides a
-- session from every API read but keeps it and its QA history), lists page by
-- (started_at, id) with a keyset cursor, and an API token may carry its own role.

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN "deleted_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "api_tokens" ADD COLUMN "role" "UserRole";

-- CreateIndex
CREATE INDEX "sessions_started_at_id_idx" ON "sessions"("started_at", "id");

-- CreateIndex
CREATE INDEX "sessions_completion_status_archive_status_idx" ON "sessions"("completion_status", "archive_status");
