-- CSAT (issue 19, point 7): after a resolved Messenger session the customer is asked for a 1–5
-- rating (src/jobs/csat). csat_surveys is the claim: one row per session (the unique session_id),
-- inserted before the Send API is called, so no session is ever asked twice. csat_responses
-- holds the answers, one per survey. conversation_id and page_id are copies taken when the
-- survey is claimed (what the measures group by); the rows go with their session.

-- CreateTable
CREATE TABLE "csat_surveys" (
    "id" SERIAL NOT NULL,
    "session_id" INTEGER NOT NULL,
    "conversation_id" INTEGER NOT NULL,
    "page_id" INTEGER NOT NULL,
    "handled_by" TEXT NOT NULL,
    "agent" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "stage" TEXT NOT NULL DEFAULT 'score',
    "asked_at" TIMESTAMPTZ(3) NOT NULL,
    "error" TEXT,
    CONSTRAINT "csat_surveys_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "csat_surveys_handled_by_check" CHECK ("handled_by" IN ('bot', 'human_agent')),
    CONSTRAINT "csat_surveys_status_check" CHECK ("status" IN ('pending', 'sent', 'refused', 'failed')),
    CONSTRAINT "csat_surveys_stage_check" CHECK ("stage" IN ('score', 'comment', 'closed'))
);

-- CreateTable
CREATE TABLE "csat_responses" (
    "survey_id" INTEGER NOT NULL,
    "session_id" INTEGER NOT NULL,
    "conversation_id" INTEGER NOT NULL,
    "page_id" INTEGER NOT NULL,
    "score" SMALLINT NOT NULL,
    "comment" TEXT,
    "answered_at" TIMESTAMPTZ(3) NOT NULL,
    "commented_at" TIMESTAMPTZ(3),
    "handled_by" TEXT NOT NULL,
    "agent" TEXT,
    CONSTRAINT "csat_responses_pkey" PRIMARY KEY ("survey_id"),
    CONSTRAINT "csat_responses_score_check" CHECK ("score" BETWEEN 1 AND 5)
);

-- CreateIndex
CREATE UNIQUE INDEX "csat_surveys_session_id_key" ON "csat_surveys"("session_id");

-- CreateIndex
CREATE INDEX "csat_surveys_conversation_id_asked_at_idx" ON "csat_surveys"("conversation_id", "asked_at");

-- CreateIndex
CREATE INDEX "csat_surveys_asked_at_idx" ON "csat_surveys"("asked_at");

-- CreateIndex
CREATE INDEX "csat_responses_answered_at_idx" ON "csat_responses"("answered_at");

-- AddForeignKey
ALTER TABLE "csat_surveys" ADD CONSTRAINT "csat_surveys_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "csat_responses" ADD CONSTRAINT "csat_responses_survey_id_fkey" FOREIGN KEY ("survey_id") REFERENCES "csat_surveys"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- For the metrics catalogue: every survey that reached the customer, with its answer when there
-- is one (dated when it was asked: the response rate's base), of sessions that still exist.
CREATE VIEW analytics.csat_surveys AS
  SELECT v.id, v.session_id, v.conversation_id, v.page_id, v.handled_by, v.agent, v.asked_at,
         r.score, r.comment IS NOT NULL AS commented, r.answered_at
  FROM public.csat_surveys v
  JOIN public.sessions s ON s.id = v.session_id
  LEFT JOIN public.csat_responses r ON r.survey_id = v.id
  WHERE v.status = 'sent' AND s.deleted_at IS NULL;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pulse_agent') THEN
    RETURN;
  END IF;
  GRANT SELECT ON analytics.csat_surveys TO pulse_agent;
END
$$;
