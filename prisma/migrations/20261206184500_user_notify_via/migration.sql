-- Per-user notification preference (issue 20, point 6): how QA notifications meant for a person
-- reach them. `all` (the default) keeps what every user got before: a Slack DM where one is sent
-- and an email when an address is set. QA_CHANNEL posts and QA_EMAIL_TO are not personal and
-- are not affected.
CREATE TYPE "NotifyVia" AS ENUM ('all', 'slack', 'email', 'none');

ALTER TABLE "users" ADD COLUMN "notify_via" "NotifyVia" NOT NULL DEFAULT 'all';
