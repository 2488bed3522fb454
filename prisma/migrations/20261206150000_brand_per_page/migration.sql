-- Issue 19, one brand per page: the catalogue, the FAQ and the bot's templates belong to a page,
-- with page-less rows (page_id NULL) as the default every page falls back to; a page's own row
-- wins over a default of the same key (sku, question, template name). The page also carries its
-- handoff channel (Slack; NULL = HANDOFF_CHANNEL), language and greeting.
--
-- The natural keys stay unique within a scope: one partial unique index for the defaults and one
-- for the pages' rows (a plain UNIQUE (page_id, sku) would let two defaults share a SKU, as NULLs
-- are distinct). Existing rows keep page_id NULL: they are every page's defaults, as before.

-- AlterTable
ALTER TABLE "pages" ADD COLUMN "handoff_channel" TEXT,
ADD COLUMN "language" TEXT,
ADD COLUMN "greeting" TEXT;

-- AlterTable
ALTER TABLE "products" ADD COLUMN "page_id" INTEGER;

-- AlterTable
ALTER TABLE "faq_entries" ADD COLUMN "page_id" INTEGER;

-- DropIndex
DROP INDEX "products_sku_key";

-- DropIndex
DROP INDEX "faq_entries_question_key";

-- DropIndex
DROP INDEX "message_templates_name_key";

-- CreateIndex
CREATE UNIQUE INDEX "products_default_sku_key" ON "products"("sku") WHERE "page_id" IS NULL;

-- CreateIndex
CREATE UNIQUE INDEX "products_page_id_sku_key" ON "products"("page_id", "sku") WHERE "page_id" IS NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "faq_entries_default_question_key" ON "faq_entries"("question") WHERE "page_id" IS NULL;

-- CreateIndex
CREATE UNIQUE INDEX "faq_entries_page_id_question_key" ON "faq_entries"("page_id", "question") WHERE "page_id" IS NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "message_templates_default_name_key" ON "message_templates"("name") WHERE "page_id" IS NULL;

-- CreateIndex
CREATE UNIQUE INDEX "message_templates_page_id_name_key" ON "message_templates"("page_id", "name") WHERE "page_id" IS NOT NULL;

-- AddForeignKey
ALTER TABLE "products" ADD CONSTRAINT "products_page_id_fkey" FOREIGN KEY ("page_id") REFERENCES "pages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "faq_entries" ADD CONSTRAINT "faq_entries_page_id_fkey" FOREIGN KEY ("page_id") REFERENCES "pages"("id") ON DELETE CASCADE ON UPDATE CASCADE;
