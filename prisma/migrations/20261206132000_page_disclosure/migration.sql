-- Issue 19: the first bot message of a conversation says the customer is talking to an
-- automated assistant and how to reach a person. A page may word it itself (its brand, its
-- language); NULL uses the default text of src/domain/customer/disclosure.ts.

-- AlterTable
ALTER TABLE "pages" ADD COLUMN "bot_disclosure" TEXT;
