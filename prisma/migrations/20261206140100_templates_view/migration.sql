-- analytics.message_templates (issue 16): template use and success for the metrics catalogue.
-- The data records, per template, how often the customer agent sent it (usage_count) and how
-- often Meta accepted the send (success_count), since the template was created: no date per
-- use, and no mark on a bot message saying whether a template or the LLM wrote it. The body and
-- variables are left out: no figure needs them.
CREATE VIEW analytics.message_templates AS
  SELECT t.id, t.page_id, t.name, t.message_type, t.active, t.usage_count, t.success_count, t.created_at, t.updated_at
  FROM public.message_templates t;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pulse_agent') THEN
    RETURN;
  END IF;
  GRANT SELECT ON analytics.message_templates TO pulse_agent;
END
$$;
