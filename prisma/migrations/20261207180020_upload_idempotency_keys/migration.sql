-- POST /api/uploads takes an optional Idempotency-Key header as POST /api/errors does
-- (20261207180010): a client that sends an upload again after a timeout gets the first upload
-- (200, its id and status) instead of a second upload row, import and audit row. request_hash is
-- the SHA-256 of the file's bytes, its name, owner and map: the same key with another file is a 422.
-- No foreign key to api_tokens: an upload outlives the token that sent it.

-- AlterTable
ALTER TABLE "uploads" ADD COLUMN "idempotency_token_id" INTEGER;
ALTER TABLE "uploads" ADD COLUMN "idempotency_key" TEXT;
ALTER TABLE "uploads" ADD COLUMN "request_hash" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "uploads_idempotency_key" ON "uploads"("idempotency_token_id", "idempotency_key") WHERE "idempotency_key" IS NOT NULL;
