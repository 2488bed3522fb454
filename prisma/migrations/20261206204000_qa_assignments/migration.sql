-- QA assignments (issue 20, point 3): sampling rules (src/domain/qa-sampling.ts) managed by leads
-- with `/qa rules`, a scheduled run per rule and period (qa_sampling_runs: one row per rule and
-- period, written in the run's transaction, so a re-run never samples a period twice), and the
-- assignments it makes, one per sampled session and reviewer. A scorecard review or a QA verdict
-- by the assignee completes an assignment (done_at). A removed rule is kept (active = false):
-- its assignments still say which rule made them.

-- CreateTable
CREATE TABLE "qa_sampling_rules" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "count" INTEGER,
    "min_risk" INTEGER,
    "percent" DOUBLE PRECISION,
    "period" TEXT NOT NULL DEFAULT 'week',
    "due_days" INTEGER NOT NULL DEFAULT 3,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "removed_at" TIMESTAMPTZ(3),
    CONSTRAINT "qa_sampling_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "qa_sampling_runs" (
    "rule_id" INTEGER NOT NULL,
    "period_from" DATE NOT NULL,
    "sampled" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "qa_sampling_runs_pkey" PRIMARY KEY ("rule_id","period_from")
);

-- CreateTable
CREATE TABLE "qa_assignments" (
    "id" SERIAL NOT NULL,
    "rule_id" INTEGER NOT NULL,
    "period_from" DATE NOT NULL,
    "session_id" INTEGER NOT NULL,
    "reviewer_id" INTEGER,
    "assigned_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "done_at" TIMESTAMPTZ(3),
    CONSTRAINT "qa_assignments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "qa_assignments_rule_id_period_from_session_id_key" ON "qa_assignments"("rule_id", "period_from", "session_id");

-- CreateIndex
CREATE INDEX "qa_assignments_reviewer_id_done_at_idx" ON "qa_assignments"("reviewer_id", "done_at");

-- CreateIndex
CREATE INDEX "qa_assignments_session_id_idx" ON "qa_assignments"("session_id");

-- AddForeignKey
ALTER TABLE "qa_sampling_runs" ADD CONSTRAINT "qa_sampling_runs_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "qa_sampling_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qa_assignments" ADD CONSTRAINT "qa_assignments_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "qa_sampling_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qa_assignments" ADD CONSTRAINT "qa_assignments_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qa_assignments" ADD CONSTRAINT "qa_assignments_reviewer_id_fkey" FOREIGN KEY ("reviewer_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
