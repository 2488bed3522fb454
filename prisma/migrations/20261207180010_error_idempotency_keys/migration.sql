-- POST /api/errors takes an optional Idempotency-Key header: an automation that retries a report
-- after a timeout (n8n does) gets the row stored the first time instead of a second one. The key
-- is the caller's own: unique per API token (idempotency_token_id), so two tokens never see each
-- other's reports. request_hash is the SHA-256 of the report as stored (source, message, context,
-- canonical JSON): the same key with another report is refused (422), not answered with the first.
-- Rows without a key (our own channels' errors, reports sent without the header) are not indexed.
-- No foreign key to api_tokens: an error report outlives the token that sent it.

-- AlterTable
ALTER TABLE "error_logs" ADD COLUMN "idempotency_token_id" INTEGER;
ALTER TABLE "error_logs" ADD COLUMN "idempotency_key" TEXT;
ALTER TABLE "error_logs" ADD COLUMN "request_hash" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "error_logs_idempotency_key" ON "error_logs"("idempotency_token_id", "idempotency_key") WHERE "idempotency_key" IS NOT NULL;
