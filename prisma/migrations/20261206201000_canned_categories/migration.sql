-- Issue 19, the desk: canned responses get a category, so `/canned list <category>` finds the
-- right one among many and leads can manage them from Slack (`/canned add|edit|remove`).
-- Rows that exist today are either the customer agent's own replies (seeded by name, see
-- src/domain/customer/templates.ts) or responses a team inserted by hand: the bot's names become
-- category 'bot', everything else 'general'. The analytics view (templates_view) selects named
-- columns, so it is unaffected.

-- AlterTable
ALTER TABLE "message_templates" ADD COLUMN "category" TEXT NOT NULL DEFAULT 'general';

UPDATE "message_templates" SET "category" = 'bot'
 WHERE "name" IN ('greeting', 'welcome', 'price_known', 'price_list', 'price_ask_product', 'product_not_found',
                  'stock_in', 'stock_out', 'product_info', 'faq_shipping', 'faq_returns', 'faq_answer',
                  'complaint_ack', 'not_understood', 'attachment_only', 'handoff_human', 'handoff_angry',
                  'handoff_unsure', 'handoff_cannot');

-- CreateIndex
CREATE INDEX "message_templates_category_idx" ON "message_templates"("category");
