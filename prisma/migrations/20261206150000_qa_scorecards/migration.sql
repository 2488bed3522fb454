-- QA scorecards (issue 20, point 1): a review scores a session category by category; the QA score
-- is computed from the answers by src/domain/qa-scorecard.ts and stored with the review so the
-- metrics catalogue can trend it. Categories and root-cause tags are configuration
-- (PUT /api/qa/scorecard); the defaults below are what a new installation starts with.
--
-- A category that is retired is made inactive, never deleted: the reviews that answered it keep
-- their answers and their score. Answers: 0..scale_max points, or N/A (value NULL) where the
-- category allows it. An autofail category answered with 0 points makes the whole review 0.

-- CreateTable
CREATE TABLE "qa_categories" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "description" TEXT,
    "weight" DOUBLE PRECISION NOT NULL,
    "scale_max" INTEGER NOT NULL,
    "allow_na" BOOLEAN NOT NULL DEFAULT true,
    "autofail" BOOLEAN NOT NULL DEFAULT false,
    "position" INTEGER NOT NULL DEFAULT 0,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "qa_categories_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "qa_root_causes" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "qa_root_causes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "qa_reviews" (
    "id" SERIAL NOT NULL,
    "session_id" INTEGER NOT NULL,
    "reviewer_id" INTEGER,
    "score" DOUBLE PRECISION,
    "autofailed" BOOLEAN NOT NULL DEFAULT false,
    "root_causes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "notes" TEXT,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "qa_reviews_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "qa_review_answers" (
    "review_id" INTEGER NOT NULL,
    "category_id" INTEGER NOT NULL,
    "value" INTEGER,
    "score" DOUBLE PRECISION,
    CONSTRAINT "qa_review_answers_pkey" PRIMARY KEY ("review_id","category_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "qa_categories_key_key" ON "qa_categories"("key");

-- CreateIndex
CREATE UNIQUE INDEX "qa_root_causes_key_key" ON "qa_root_causes"("key");

-- CreateIndex
CREATE INDEX "qa_reviews_reviewer_id_idx" ON "qa_reviews"("reviewer_id");

-- CreateIndex
CREATE INDEX "qa_reviews_created_at_idx" ON "qa_reviews"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "qa_reviews_session_id_reviewer_id_key" ON "qa_reviews"("session_id", "reviewer_id");

-- CreateIndex
CREATE INDEX "qa_review_answers_category_id_idx" ON "qa_review_answers"("category_id");

-- AddForeignKey
ALTER TABLE "qa_reviews" ADD CONSTRAINT "qa_reviews_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qa_reviews" ADD CONSTRAINT "qa_reviews_reviewer_id_fkey" FOREIGN KEY ("reviewer_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qa_review_answers" ADD CONSTRAINT "qa_review_answers_review_id_fkey" FOREIGN KEY ("review_id") REFERENCES "qa_reviews"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "qa_review_answers" ADD CONSTRAINT "qa_review_answers_category_id_fkey" FOREIGN KEY ("category_id") REFERENCES "qa_categories"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The default scorecard: four categories (policy is pass/fail and fails the whole review) and
-- the root causes reviewers tag most often.
INSERT INTO "qa_categories" ("key", "label", "description", "weight", "scale_max", "allow_na", "autofail", "position") VALUES
  ('accuracy', 'Accuracy', 'the facts, prices and availability the customer was given were right', 3, 4, false, false, 1),
  ('tone', 'Tone', 'friendly, clear and in the brand''s voice', 1, 4, true, false, 2),
  ('policy', 'Policy', 'no promise the business cannot keep, no private data asked for or shown, handoff rules followed', 2, 1, true, true, 3),
  ('resolution', 'Resolution', 'the customer''s question was answered or handed to the right person', 2, 4, true, false, 4);

INSERT INTO "qa_root_causes" ("key", "label", "position") VALUES
  ('knowledge_gap', 'Knowledge gap', 1),
  ('wrong_template', 'Wrong template', 2),
  ('misclassified', 'Misclassified message', 3),
  ('missed_handoff', 'Missed handoff', 4),
  ('hallucination', 'Made-up answer', 5),
  ('tone_of_voice', 'Tone of voice', 6),
  ('policy_breach', 'Policy breach', 7),
  ('other', 'Other', 8);

-- For the metrics catalogue: reviews of sessions that still exist (a soft-deleted session's
-- reviews are gone with it, as its QA changes are), and their answers. Notes are left out.
CREATE VIEW analytics.qa_reviews AS
  SELECT r.id, r.session_id, r.reviewer_id, r.score, r.autofailed, r.root_causes, r.created_at, r.updated_at
  FROM public.qa_reviews r JOIN public.sessions s ON s.id = r.session_id
  WHERE s.deleted_at IS NULL;

CREATE VIEW analytics.qa_review_answers AS
  SELECT a.review_id, a.category_id, c.key AS category, c.label AS category_label, a.value, a.score
  FROM public.qa_review_answers a JOIN public.qa_categories c ON c.id = a.category_id;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pulse_agent') THEN
    RETURN;
  END IF;
  GRANT SELECT ON analytics.qa_reviews, analytics.qa_review_answers TO pulse_agent;
END
$$;
