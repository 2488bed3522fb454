-- What each committed batch of an import stored, written in the batch's own transaction: an
-- import whose process dies (kill -9, OOM, power) leaves exactly the batches that made it, so
-- start-up recovery can give the upload true counts and rebuild the sessions of every
-- conversation those batches wrote to (docs/IMPORT.md, "A killed import"). The rows of an
-- upload are deleted when it finishes.
--
-- uploads.source_path: the file an import reads, so that recovery can delete a killed API
-- upload's copy in DATA_DIR/uploads (a file elsewhere, a CLI import's, is the user's and stays).
-- Not in analytics.uploads (its columns are listed).

-- AlterTable
ALTER TABLE "uploads" ADD COLUMN "source_path" TEXT;

-- CreateTable
CREATE TABLE "upload_batches" (
    "id" SERIAL NOT NULL,
    "upload_id" INTEGER NOT NULL,
    "rows_accepted" INTEGER NOT NULL,
    "rows_rejected" INTEGER NOT NULL,
    "messages_inserted" INTEGER NOT NULL,
    "conversation_ids" INTEGER[],
    "errors" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "upload_batches_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "upload_batches_upload_id_idx" ON "upload_batches"("upload_id");

-- AddForeignKey
ALTER TABLE "upload_batches" ADD CONSTRAINT "upload_batches_upload_id_fkey" FOREIGN KEY ("upload_id") REFERENCES "uploads"("id") ON DELETE CASCADE ON UPDATE CASCADE;
