-- The analytics views become plain views (issue 16): the planner can now push a WHERE, a join
-- key or a count(*) down to the tables and their indexes, where the SECURITY DEFINER functions
-- of 20261122100000_analytics_views made every use read whole tables.
--
-- Same columns, same secrets left out as before (see the comments of that migration):
-- pages.access_token_cipher, users.email/external_id, api_tokens, audit_logs, jobs.error,
-- uploads' error reports, messages.attachments (presence only) and agent_info (id and name
-- only) are never selected. Enum columns still come out as text.
--
-- Why this is safe: a plain view reads its tables with the rights of the view's OWNER (the
-- role running the migrations, which owns the tables), not the caller's. pulse_agent gets
-- SELECT on the views and nothing on any table, so the views stay its only door. Not
-- security_invoker: that would check the caller's rights on the tables, which pulse_agent must
-- not have. No view filters rows away from a caller except agents, whose hidden rows'
-- agent_info ->> 'id' analytics.messages shows anyway, so none needs security_barrier.
-- Plain single-table views are auto-updatable, but pulse_agent has no INSERT/UPDATE/DELETE on
-- them (tests/agent-role.test.ts).
--
-- Plain views pin the columns they name. The migrator sets the analytics views aside around
-- every migration and recreates them afterwards (src/db/analytics-views.ts), so later
-- migrations may still ALTER or DROP those columns; one that drops a selected column must
-- recreate the view without it.
--
-- IF EXISTS throughout: `pulse db reset` drops schema analytics, but a database migrated by an
-- older `pulse` may still have the functions.

CREATE SCHEMA IF NOT EXISTS analytics;

DROP VIEW IF EXISTS analytics.pages, analytics.conversations, analytics.messages, analytics.sessions, analytics.qa_events,
  analytics.daily_analyses, analytics.metrics, analytics.users, analytics.agents, analytics.jobs, analytics.uploads;
DROP FUNCTION IF EXISTS analytics.pages_rows(), analytics.conversations_rows(), analytics.messages_rows(),
  analytics.sessions_rows(), analytics.qa_events_rows(), analytics.daily_analyses_rows(), analytics.metrics_rows(),
  analytics.users_rows(), analytics.agents_rows(), analytics.jobs_rows(), analytics.uploads_rows();

CREATE VIEW analytics.pages AS
  SELECT p.id, p.fb_page_id, p.name, p.status::text AS status, p.conversation_count, p.message_count, p.created_at, p.updated_at
  FROM public.pages p;

CREATE VIEW analytics.conversations AS
  SELECT c.id, c.fb_chat_id, c.page_id, c.customer_id, c.total_messages, c.customer_messages, c.agent_messages,
         c.first_message_at, c.last_message_at, c.common_topics, c.created_at, c.updated_at
  FROM public.conversations c;

-- agent_info is whatever an import carried (it may hold e-mails or other tools' tokens): only
-- its id and name are exposed. Attachments are signed CDN URLs: only their presence.
CREATE VIEW analytics.messages AS
  SELECT m.id, m.conversation_id, m.mid, m.direction::text AS direction, m.sender_kind::text AS sender_kind, m.text,
         (m.attachments IS NOT NULL AND jsonb_typeof(m.attachments) <> 'null' AND m.attachments <> '[]'::jsonb) AS has_attachments,
         m.social_create_time, m.agent_info ->> 'id' AS agent_id, m.agent_info ->> 'name' AS agent_name,
         m.classification, m.classification_confidence, m.processing_time_ms, m.created_at
  FROM public.messages m;

-- A session an admin soft-deleted (DELETE /api/sessions/:id) is gone for every channel, the
-- analytics and the metrics catalogue included.
CREATE VIEW analytics.sessions AS
  SELECT s.id, s.conversation_id, s.sequence, s.started_at, s.ended_at, s.message_count, s.ai_engaged, s.ai_message_count,
         s.human_handoff, s.completion_status::text AS completion_status, s.archive_status::text AS archive_status,
         s.qa_status::text AS qa_status, s.qa_notes, s.dev_feedback, s.qa_by_id, s.qa_at, s.created_at, s.updated_at
  FROM public.sessions s
  WHERE s.deleted_at IS NULL;

CREATE VIEW analytics.qa_events AS
  SELECT e.id, e.session_id, e.actor_id, e.from_status::text AS from_status, e.to_status::text AS to_status, e.notes,
         e.dev_feedback, e.created_at
  FROM public.qa_events e;

CREATE VIEW analytics.daily_analyses AS
  SELECT d.id, d.conversation_id, d.day, d.message_count, d.sentiment_score, d.sentiment_shift, d.resolution_achieved,
         d.fcr_score, d.ces, d.first_response_time, d.avg_response_time, d.total_handling_time, d.effectiveness,
         d.effort, d.efficiency, d.empathy, d.csi, d.missing_metrics, d.scorer_name, d.scorer_version,
         d.analyzed_at, d.created_at, d.updated_at
  FROM public.daily_analyses d;

CREATE VIEW analytics.metrics AS
  SELECT m.id, m.name, m.value, m.metadata, m.calculated_at FROM public.metrics m;

-- Staff directory to resolve sessions.qa_by_id / qa_events.actor_id to a name: no e-mail, no
-- platform id (api_tokens and audit_logs, which hang off users, stay out entirely).
CREATE VIEW analytics.users AS
  SELECT u.id, u.name, u.role::text AS role FROM public.users u;

-- Human agents as the messages name them (agent_info.id is the staff member's external id when
-- the data came from our seed or imports), linked to analytics.users where that id matches.
CREATE VIEW analytics.agents AS
  SELECT a.agent_id, a.name, (SELECT min(u.id) FROM public.users u WHERE u.external_id = a.agent_id) AS user_id,
         a.message_count, a.first_message_at, a.last_message_at
  FROM (
    SELECT m.agent_info ->> 'id' AS agent_id, max(m.agent_info ->> 'name') AS name, count(*) AS message_count,
           min(m.social_create_time) AS first_message_at, max(m.social_create_time) AS last_message_at
    FROM public.messages m
    WHERE m.sender_kind = 'human_agent' AND m.agent_info ->> 'id' IS NOT NULL
    GROUP BY 1
  ) a;

-- Status and counts only: `error` can quote connection strings or payloads.
CREATE VIEW analytics.jobs AS
  SELECT j.id, j.upload_id, j.status::text AS status, j.attempts,
         CASE WHEN jsonb_typeof(j.result -> 'scored') = 'number' THEN (j.result ->> 'scored')::numeric END AS scored,
         CASE WHEN jsonb_typeof(j.result -> 'missing') = 'number' THEN (j.result ->> 'missing')::numeric END AS missing,
         CASE WHEN jsonb_typeof(j.result -> 'scorer') = 'string' THEN j.result ->> 'scorer' END AS scorer,
         j.error IS NOT NULL AS has_error, j.created_at, j.started_at, j.completed_at
  FROM public.jobs j;

CREATE VIEW analytics.uploads AS
  SELECT u.id, u.file_name, u.format, u.status::text AS status, u.size_bytes, u.rows_accepted, u.rows_rejected,
         u.started_at, u.finished_at, u.created_at
  FROM public.uploads u;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pulse_agent') THEN
    RAISE NOTICE 'pulse_agent does not exist: the assistant''s sql_query tool stays disabled (see migration 20261122100000_analytics_views)';
    RETURN;
  END IF;
  -- Named views, not ALL TABLES IN SCHEMA: a pre-existing schema analytics on a shared database
  -- may hold tables of its own that the agent must not see.
  GRANT USAGE ON SCHEMA analytics TO pulse_agent;
  GRANT SELECT ON analytics.pages, analytics.conversations, analytics.messages, analytics.sessions,
    analytics.qa_events, analytics.daily_analyses, analytics.metrics, analytics.users, analytics.agents,
    analytics.jobs, analytics.uploads TO pulse_agent;
  REVOKE ALL ON SCHEMA public FROM pulse_agent;
  REVOKE ALL ON ALL TABLES IN SCHEMA public FROM pulse_agent;
  REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM pulse_agent;
  REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM pulse_agent;
END
$$;
