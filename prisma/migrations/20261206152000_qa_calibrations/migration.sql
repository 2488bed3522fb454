-- Calibration sessions (issue 20, point 5): a lead picks a session, several reviewers score it
-- on the scorecard without seeing each other's answers, and when the lead closes it the agreement
-- per category is reported (src/domain/qa-calibration.ts). A calibration sheet is not a review:
-- it never counts in the QA score measures. Closing writes each sheet's alignment (how close
-- its reviewer was to the consensus), which the catalogue's reviewerAlignment measure averages.

-- CreateEnum
CREATE TYPE "QaCalibrationStatus" AS ENUM ('open', 'closed');

-- CreateTable
CREATE TABLE "qa_calibrations" (
    "id" SERIAL NOT NULL,
    "session_id" INTEGER NOT NULL,
    "started_by_id" INTEGER,
    "status" "QaCalibrationStatus" NOT NULL DEFAULT 'open',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),
    CONSTRAINT "qa_calibrations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "qa_calibration_sheets" (
    "calibration_id" INTEGER NOT NULL,
    "reviewer_id" INTEGER NOT NULL,
    "answers" JSONB NOT NULL,
    "score" DOUBLE PRECISION,
    "autofailed" BOOLEAN NOT NULL DEFAULT false,
    "alignment" DOUBLE PRECISION,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "qa_calibration_sheets_pkey" PRIMARY KEY ("calibration_id","reviewer_id")
);

-- CreateIndex
CREATE INDEX "qa_calibrations_session_id_idx" ON "qa_calibrations"("session_id");

-- CreateIndex
CREATE INDEX "qa_calibration_sheets_reviewer_id_idx" ON "qa_calibration_sheets"("reviewer_id");

-- AddForeignKey
ALTER TABLE "qa_calibrations" ADD CONSTRAINT "qa_calibrations_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qa_calibrations" ADD CONSTRAINT "qa_calibrations_started_by_id_fkey" FOREIGN KEY ("started_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qa_calibration_sheets" ADD CONSTRAINT "qa_calibration_sheets_calibration_id_fkey" FOREIGN KEY ("calibration_id") REFERENCES "qa_calibrations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qa_calibration_sheets" ADD CONSTRAINT "qa_calibration_sheets_reviewer_id_fkey" FOREIGN KEY ("reviewer_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- For the metrics catalogue: the sheets of closed calibrations of sessions that still exist.
CREATE VIEW analytics.qa_calibration_sheets AS
  SELECT k.calibration_id, k.reviewer_id, k.score, k.alignment, c.session_id, c.closed_at
  FROM public.qa_calibration_sheets k JOIN public.qa_calibrations c ON c.id = k.calibration_id
  JOIN public.sessions s ON s.id = c.session_id
  WHERE c.status = 'closed' AND s.deleted_at IS NULL;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pulse_agent') THEN
    RETURN;
  END IF;
  GRANT SELECT ON analytics.qa_calibration_sheets TO pulse_agent;
END
$$;
