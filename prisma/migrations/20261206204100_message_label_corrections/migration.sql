-- Classification review (issue 20, point 10): a reviewer's correction of a customer message's
-- label, kept apart from the model's (messages.classification stays what the classifier said).
-- One row per corrected message: its current corrected label, and the model's label and
-- confidence when it was corrected; every correction is also in audit_logs (qa.label.corrected,
-- from/to). analytics.messages gains `topic`: the corrected label when there is one, else the
-- model's; the metrics catalogue's topic dimension reads it. Queries that do not read `topic`
-- lose the join (a LEFT JOIN on the primary key that nothing selects is removed by the planner).

-- CreateTable
CREATE TABLE "message_label_corrections" (
    "message_id" INTEGER NOT NULL,
    "label" TEXT NOT NULL,
    "model_label" TEXT,
    "model_confidence" DOUBLE PRECISION,
    "corrected_by_id" INTEGER,
    "corrected_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "message_label_corrections_pkey" PRIMARY KEY ("message_id")
);

-- AddForeignKey
ALTER TABLE "message_label_corrections" ADD CONSTRAINT "message_label_corrections_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message_label_corrections" ADD CONSTRAINT "message_label_corrections_corrected_by_id_fkey" FOREIGN KEY ("corrected_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

DROP VIEW IF EXISTS analytics.messages;
CREATE VIEW analytics.messages AS
  SELECT m.id, m.conversation_id, m.mid, m.direction::text AS direction, m.sender_kind::text AS sender_kind, m.text,
         (m.attachments IS NOT NULL AND jsonb_typeof(m.attachments) <> 'null' AND m.attachments <> '[]'::jsonb) AS has_attachments,
         m.social_create_time, m.agent_info ->> 'id' AS agent_id, m.agent_info ->> 'name' AS agent_name,
         m.classification, m.classification_confidence, m.processing_time_ms, m.created_at,
         (m.sender_kind = 'customer') AS from_customer,
         coalesce(l.label, m.classification) AS topic,
         (l.message_id IS NOT NULL) AS topic_corrected
  FROM public.messages m LEFT JOIN public.message_label_corrections l ON l.message_id = m.id;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pulse_agent') THEN
    RETURN;
  END IF;
  GRANT SELECT ON analytics.messages TO pulse_agent;
END
$$;
