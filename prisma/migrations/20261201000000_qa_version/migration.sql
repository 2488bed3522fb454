-- QA changes are checked against the version the reviewer saw (issue 6): two reviewers
-- pressing buttons on the same session at once cannot both win; the loser is told.

-- AlterTable
ALTER TABLE "sessions" ADD COLUMN "qa_version" INTEGER NOT NULL DEFAULT 0;
