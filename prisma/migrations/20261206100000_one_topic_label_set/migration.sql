-- One label set for what customers write about (src/domain/topics.ts): the customer agent's
-- intents. The demo data used its own names for three message labels and for conversation
-- topics; this maps stored rows onto the agent's labels (the same table as LEGACY_LABELS) and
-- recomputes conversations.common_topics from the labels with the rule the analysis pipeline
-- uses (src/db/topics-repo.ts): each label of the conversation's customer messages once, most
-- frequent first, ties by label, first_contact and gratitude left out.

UPDATE messages SET classification = CASE classification
    WHEN 'shipping_question' THEN 'shipping'
    WHEN 'return_request' THEN 'returns'
    WHEN 'account_issue' THEN 'general_inquiry'
  END
WHERE classification IN ('shipping_question', 'return_request', 'account_issue');

WITH labels AS (
  SELECT conversation_id, classification AS label, count(*) AS n FROM messages
  WHERE sender_kind = 'customer' AND classification IS NOT NULL AND classification NOT IN ('first_contact', 'gratitude')
  GROUP BY 1, 2
), topics AS (
  SELECT conversation_id AS id, jsonb_agg(label ORDER BY n DESC, label COLLATE "C") AS topics FROM labels GROUP BY 1
)
UPDATE conversations c SET common_topics = t.topics FROM topics t
WHERE c.id = t.id AND c.common_topics IS DISTINCT FROM t.topics;

-- Conversations without a labelled customer message keep no demo-era topic name.
UPDATE conversations SET common_topics = '[]'::jsonb
WHERE common_topics ?| ARRAY['price', 'availability', 'complaints', 'account', 'shipping', 'returns']
  AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id AND m.sender_kind = 'customer'
                  AND m.classification IS NOT NULL AND m.classification NOT IN ('first_contact', 'gratitude'));
