-- Disputes of scorecard reviews (issue 20, point 4): the reviewed agent or a developer disputes a
-- review with a reason; a team lead accepts it (the review is rescored, the change recorded in
-- qa_events and audit_logs) or rejects it. At most one open dispute per review is kept by the
-- code (it locks the review row), not by an index Prisma could not describe.

-- CreateEnum
CREATE TYPE "QaDisputeStatus" AS ENUM ('open', 'accepted', 'rejected');

-- CreateTable
CREATE TABLE "qa_disputes" (
    "id" SERIAL NOT NULL,
    "review_id" INTEGER NOT NULL,
    "session_id" INTEGER NOT NULL,
    "raised_by_id" INTEGER,
    "reason" TEXT NOT NULL,
    "status" "QaDisputeStatus" NOT NULL DEFAULT 'open',
    "review_version" INTEGER NOT NULL,
    "resolved_by_id" INTEGER,
    "resolution" TEXT,
    "resolved_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "qa_disputes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "qa_disputes_review_id_idx" ON "qa_disputes"("review_id");

-- CreateIndex
CREATE INDEX "qa_disputes_session_id_idx" ON "qa_disputes"("session_id");

-- CreateIndex
CREATE INDEX "qa_disputes_status_created_at_idx" ON "qa_disputes"("status", "created_at");

-- AddForeignKey
ALTER TABLE "qa_disputes" ADD CONSTRAINT "qa_disputes_review_id_fkey" FOREIGN KEY ("review_id") REFERENCES "qa_reviews"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qa_disputes" ADD CONSTRAINT "qa_disputes_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qa_disputes" ADD CONSTRAINT "qa_disputes_raised_by_id_fkey" FOREIGN KEY ("raised_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qa_disputes" ADD CONSTRAINT "qa_disputes_resolved_by_id_fkey" FOREIGN KEY ("resolved_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
