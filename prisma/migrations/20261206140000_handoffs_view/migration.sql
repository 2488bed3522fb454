-- analytics.handoffs (issue 16): the handoff state the metrics catalogue needs for "human wait
-- after handoff" and "handoffs waiting / assigned now". One row per conversation that has been
-- handed to humans (it has a handoff time or is with humans now); the state is the
-- conversation's as it stands, the time that of its latest handoff.
--
-- A plain view like the others of 20261206110000_plain_analytics_views, for the same reasons.
-- Left out: handoff_channel and handoff_thread_ts (the Slack coordinates of the mirrored thread:
-- internal addressing, no figure needs them) and unsure_streak. The assignee is a users.id,
-- which analytics.users resolves to a name without e-mail or platform id.

CREATE VIEW analytics.handoffs AS
  SELECT c.id AS conversation_id, c.page_id, c.handoff_state::text AS state, c.handoff_reason AS reason,
         c.handoff_at AS handed_off_at, c.assigned_to_id
  FROM public.conversations c
  WHERE c.handoff_at IS NOT NULL OR c.handoff_state <> 'bot';

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pulse_agent') THEN
    RETURN;
  END IF;
  GRANT SELECT ON analytics.handoffs TO pulse_agent;
END
$$;
