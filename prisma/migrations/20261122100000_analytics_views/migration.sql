-- Read-only analytics surface for the team-lead assistant's sql_query tool (DESIGN.md §7).
--
-- The boundary is the database role, not the SQL guard: pulse_agent holds no privilege on any
-- table, only SELECT on the views below. They are the only way the agent sees data, and each
-- leaves secrets out: pages.access_token_cipher, users.email/external_id, api_tokens,
-- audit_logs, raw job errors, upload error reports (they quote raw rows) and free-form
-- agent_info JSON are never selected.
--
-- Each view reads through a SECURITY DEFINER SQL function rather than the table itself. A plain
-- view pins the type and existence of every column it names, so later migrations (and the
-- drift cases of tests/schema-drift.test.ts) could not ALTER or DROP those columns; a function
-- body records no such dependency. The price: the planner cannot push a WHERE into the function,
-- so each use of a view reads its whole table (bounded by statement_timeout). A column change
-- that breaks a function shows up as a query error, which tests/agent-role.test.ts catches by
-- reading every view. Enum columns come out as text for the same reason: a function typed with
-- an enum would block the rename-create-drop that Prisma-style migrations do to change enums.
--
-- IF NOT EXISTS / OR REPLACE: `pulse db reset` drops schema public only, leaving schema
-- analytics behind; re-applying must still work.

CREATE SCHEMA IF NOT EXISTS analytics;

CREATE OR REPLACE FUNCTION analytics.pages_rows()
RETURNS TABLE (id integer, fb_page_id text, name text, status text, conversation_count integer,
               message_count integer, created_at timestamptz(3), updated_at timestamptz(3))
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT p.id, p.fb_page_id, p.name, p.status::text, p.conversation_count, p.message_count, p.created_at, p.updated_at
  FROM public.pages p
$$;

CREATE OR REPLACE FUNCTION analytics.conversations_rows()
RETURNS TABLE (id integer, fb_chat_id text, page_id integer, customer_id integer, total_messages integer,
               customer_messages integer, agent_messages integer, first_message_at timestamptz(3),
               last_message_at timestamptz(3), common_topics jsonb, created_at timestamptz(3), updated_at timestamptz(3))
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT c.id, c.fb_chat_id, c.page_id, c.customer_id, c.total_messages, c.customer_messages, c.agent_messages,
         c.first_message_at, c.last_message_at, c.common_topics, c.created_at, c.updated_at
  FROM public.conversations c
$$;

-- agent_info is whatever an import carried (it may hold e-mails or other tools' tokens): only
-- its id and name are exposed. Attachments are signed CDN URLs: only their presence.
CREATE OR REPLACE FUNCTION analytics.messages_rows()
RETURNS TABLE (id integer, conversation_id integer, mid text, direction text, sender_kind text,
               text text, has_attachments boolean, social_create_time timestamptz(3), agent_id text, agent_name text,
               classification text, classification_confidence double precision, processing_time_ms integer,
               created_at timestamptz(3))
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT m.id, m.conversation_id, m.mid, m.direction::text, m.sender_kind::text, m.text,
         (m.attachments IS NOT NULL AND jsonb_typeof(m.attachments) <> 'null' AND m.attachments <> '[]'::jsonb),
         m.social_create_time, m.agent_info ->> 'id', m.agent_info ->> 'name',
         m.classification, m.classification_confidence, m.processing_time_ms, m.created_at
  FROM public.messages m
$$;

CREATE OR REPLACE FUNCTION analytics.sessions_rows()
RETURNS TABLE (id integer, conversation_id integer, sequence integer, started_at timestamptz(3), ended_at timestamptz(3),
               message_count integer, ai_engaged boolean, ai_message_count integer, human_handoff boolean,
               completion_status text, archive_status text, qa_status text,
               qa_notes text, dev_feedback text, qa_by_id integer, qa_at timestamptz(3),
               created_at timestamptz(3), updated_at timestamptz(3))
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT s.id, s.conversation_id, s.sequence, s.started_at, s.ended_at, s.message_count, s.ai_engaged,
         s.ai_message_count, s.human_handoff, s.completion_status::text, s.archive_status::text, s.qa_status::text, s.qa_notes,
         s.dev_feedback, s.qa_by_id, s.qa_at, s.created_at, s.updated_at
  FROM public.sessions s
$$;

CREATE OR REPLACE FUNCTION analytics.qa_events_rows()
RETURNS TABLE (id integer, session_id integer, actor_id integer, from_status text, to_status text,
               notes text, dev_feedback text, created_at timestamptz(3))
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT e.id, e.session_id, e.actor_id, e.from_status::text, e.to_status::text, e.notes, e.dev_feedback, e.created_at
  FROM public.qa_events e
$$;

CREATE OR REPLACE FUNCTION analytics.daily_analyses_rows()
RETURNS TABLE (id integer, conversation_id integer, day date, message_count integer, sentiment_score double precision,
               sentiment_shift double precision, resolution_achieved double precision, fcr_score double precision,
               ces double precision, first_response_time double precision, avg_response_time double precision,
               total_handling_time double precision, effectiveness double precision, effort double precision,
               efficiency double precision, empathy double precision, csi double precision, missing_metrics text[],
               scorer_name text, scorer_version text, analyzed_at timestamptz(3), created_at timestamptz(3),
               updated_at timestamptz(3))
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT d.id, d.conversation_id, d.day, d.message_count, d.sentiment_score, d.sentiment_shift, d.resolution_achieved,
         d.fcr_score, d.ces, d.first_response_time, d.avg_response_time, d.total_handling_time, d.effectiveness,
         d.effort, d.efficiency, d.empathy, d.csi, d.missing_metrics, d.scorer_name, d.scorer_version,
         d.analyzed_at, d.created_at, d.updated_at
  FROM public.daily_analyses d
$$;

CREATE OR REPLACE FUNCTION analytics.metrics_rows()
RETURNS TABLE (id integer, name text, value double precision, metadata jsonb, calculated_at timestamptz(3))
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT m.id, m.name, m.value, m.metadata, m.calculated_at FROM public.metrics m
$$;

-- Staff directory to resolve sessions.qa_by_id / qa_events.actor_id to a name: no e-mail, no
-- platform id (api_tokens and audit_logs, which hang off users, stay out entirely).
CREATE OR REPLACE FUNCTION analytics.users_rows()
RETURNS TABLE (id integer, name text, role text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT u.id, u.name, u.role::text FROM public.users u
$$;

-- Human agents as the messages name them (agent_info.id is the staff member's external id when
-- the data came from our seed or imports), linked to analytics.users where that id matches.
CREATE OR REPLACE FUNCTION analytics.agents_rows()
RETURNS TABLE (agent_id text, name text, user_id integer, message_count bigint,
               first_message_at timestamptz(3), last_message_at timestamptz(3))
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT a.agent_id, a.name, (SELECT min(u.id) FROM public.users u WHERE u.external_id = a.agent_id),
         a.message_count, a.first_message_at, a.last_message_at
  FROM (
    SELECT m.agent_info ->> 'id' AS agent_id, max(m.agent_info ->> 'name') AS name, count(*) AS message_count,
           min(m.social_create_time) AS first_message_at, max(m.social_create_time) AS last_message_at
    FROM public.messages m
    WHERE m.sender_kind = 'human_agent' AND m.agent_info ->> 'id' IS NOT NULL
    GROUP BY 1
  ) a
$$;

-- Status and counts only: `error` can quote connection strings or payloads.
CREATE OR REPLACE FUNCTION analytics.jobs_rows()
RETURNS TABLE (id integer, upload_id integer, status text, attempts integer, scored numeric, missing numeric,
               scorer text, has_error boolean, created_at timestamptz(3), started_at timestamptz(3),
               completed_at timestamptz(3))
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT j.id, j.upload_id, j.status::text, j.attempts,
         CASE WHEN jsonb_typeof(j.result -> 'scored') = 'number' THEN (j.result ->> 'scored')::numeric END,
         CASE WHEN jsonb_typeof(j.result -> 'missing') = 'number' THEN (j.result ->> 'missing')::numeric END,
         CASE WHEN jsonb_typeof(j.result -> 'scorer') = 'string' THEN j.result ->> 'scorer' END,
         j.error IS NOT NULL, j.created_at, j.started_at, j.completed_at
  FROM public.jobs j
$$;

CREATE OR REPLACE FUNCTION analytics.uploads_rows()
RETURNS TABLE (id integer, file_name text, format text, status text, size_bytes bigint, rows_accepted integer,
               rows_rejected integer, started_at timestamptz(3), finished_at timestamptz(3), created_at timestamptz(3))
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT u.id, u.file_name, u.format, u.status::text, u.size_bytes, u.rows_accepted, u.rows_rejected, u.started_at,
         u.finished_at, u.created_at
  FROM public.uploads u
$$;

CREATE OR REPLACE VIEW analytics.pages AS SELECT * FROM analytics.pages_rows();
CREATE OR REPLACE VIEW analytics.conversations AS SELECT * FROM analytics.conversations_rows();
CREATE OR REPLACE VIEW analytics.messages AS SELECT * FROM analytics.messages_rows();
CREATE OR REPLACE VIEW analytics.sessions AS SELECT * FROM analytics.sessions_rows();
CREATE OR REPLACE VIEW analytics.qa_events AS SELECT * FROM analytics.qa_events_rows();
CREATE OR REPLACE VIEW analytics.daily_analyses AS SELECT * FROM analytics.daily_analyses_rows();
CREATE OR REPLACE VIEW analytics.metrics AS SELECT * FROM analytics.metrics_rows();
CREATE OR REPLACE VIEW analytics.users AS SELECT * FROM analytics.users_rows();
CREATE OR REPLACE VIEW analytics.agents AS SELECT * FROM analytics.agents_rows();
CREATE OR REPLACE VIEW analytics.jobs AS SELECT * FROM analytics.jobs_rows();
CREATE OR REPLACE VIEW analytics.uploads AS SELECT * FROM analytics.uploads_rows();

-- Functions are executable by PUBLIC by default, and functions in a view run with the querying
-- user's rights: only pulse_agent (granted below) may call these.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA analytics FROM PUBLIC;

-- Since PostgreSQL 15 this is the default; older servers let every role create objects in
-- public, which would give pulse_agent somewhere to plant functions or tables.
-- (Without ownership of schema public this only warns, so a managed database still migrates.)
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Roles are cluster-wide: several databases (and parallel test runs) share one pulse_agent.
-- It is created NOLOGIN: the service gives it LOGIN and a random password at start-up
-- (src/agents/sql/agent-role.ts), so it never exists with a known or empty password.
DO $$
DECLARE
  v text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pulse_agent') THEN
    BEGIN
      CREATE ROLE pulse_agent NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS
        CONNECTION LIMIT 16;
    EXCEPTION
      -- Another database's migration created it concurrently: theirs is as good as ours.
      WHEN duplicate_object OR unique_violation THEN NULL;
      WHEN insufficient_privilege THEN
        RAISE NOTICE 'pulse_agent not created (%): the assistant''s sql_query tool stays disabled until a privileged user creates the role and re-runs the grants of migration 20261122100000_analytics_views', SQLERRM;
        RETURN;
    END;
  END IF;

  -- Defence in depth only (the role may SET these back): the guard and the grants are the boundary.
  FOR v IN SELECT unnest(ARRAY['default_transaction_read_only=on', 'statement_timeout=5s', 'idle_in_transaction_session_timeout=30s'])
  LOOP
    IF NOT EXISTS (
      SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
      WHERE r.rolname = 'pulse_agent' AND s.setdatabase = 0 AND v = ANY (s.setconfig)
    ) THEN
      BEGIN
        EXECUTE format('ALTER ROLE pulse_agent SET %s TO %L', split_part(v, '=', 1), split_part(v, '=', 2));
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'cannot set % on pulse_agent (%); continuing without it', v, SQLERRM;
      END;
    END IF;
  END LOOP;

  -- Named views, not ALL TABLES IN SCHEMA: a pre-existing schema analytics on a shared database
  -- may hold tables of its own that the agent must not see.
  GRANT USAGE ON SCHEMA analytics TO pulse_agent;
  GRANT SELECT ON analytics.pages, analytics.conversations, analytics.messages, analytics.sessions,
    analytics.qa_events, analytics.daily_analyses, analytics.metrics, analytics.users, analytics.agents,
    analytics.jobs, analytics.uploads TO pulse_agent;
  GRANT EXECUTE ON FUNCTION analytics.pages_rows(), analytics.conversations_rows(), analytics.messages_rows(),
    analytics.sessions_rows(), analytics.qa_events_rows(), analytics.daily_analyses_rows(), analytics.metrics_rows(),
    analytics.users_rows(), analytics.agents_rows(), analytics.jobs_rows(), analytics.uploads_rows() TO pulse_agent;
  REVOKE ALL ON SCHEMA public FROM pulse_agent;
  REVOKE ALL ON ALL TABLES IN SCHEMA public FROM pulse_agent;
  REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM pulse_agent;
  REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM pulse_agent;
END
$$;
