-- Analysis jobs name whole conversations instead of pre-inserted day rows: the worker derives the
-- changed days from the messages and writes each day once. `days` is the job's day count
-- (planned, then what it scored), the progress figure that counting job_daily_analyses gave;
-- job_daily_analyses stays for jobs planned before this migration.
ALTER TABLE "jobs" ADD COLUMN "conversation_ids" INTEGER[];
ALTER TABLE "jobs" ADD COLUMN "days" INTEGER NOT NULL DEFAULT 0;
UPDATE "jobs" j SET "days" = (SELECT count(*) FROM "job_daily_analyses" x WHERE x."job_id" = j."id");

-- daily_analyses_day_csi_idx leads with "day" too: this one only cost every write.
DROP INDEX IF EXISTS "daily_analyses_day_idx";
