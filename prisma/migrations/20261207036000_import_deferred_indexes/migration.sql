-- Secondary indexes a large import dropped before its load and builds again after it (sorted
-- builds instead of one random-order insertion per row; docs/IMPORT.md, "7 December: deferred
-- indexes"). A row is written in the same transaction as its DROP INDEX and deleted in the same
-- transaction as its CREATE INDEX, so whatever killed the importer in between, the index still
-- missing is listed here with its exact definition (pg_get_indexdef), and start-up recovery
-- (src/import/recover.ts) builds it again once the upload's import lease is free.
-- No foreign key to uploads: deleting an upload must never forget an index to restore.

-- CreateTable
CREATE TABLE "import_deferred_indexes" (
    "index_name" TEXT NOT NULL,
    "table_name" TEXT NOT NULL,
    "definition" TEXT NOT NULL,
    "upload_id" INTEGER NOT NULL,
    "deferred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "import_deferred_indexes_pkey" PRIMARY KEY ("index_name")
);
