import type pg from 'pg';
import { NOT_TOPICS, type NewLabel } from '../domain/topics.js';
import { LockKeys } from './locks.js';

// Labels and topics written by an analysis job, inside the job's own transaction (so a killed
// worker leaves either all of a job's writes or none, and a repeat writes the same values).

/**
 * Stores the offline classifier's labels on messages that still have none: a label the
 * customer agent wrote meanwhile (it answers live, and may use the LLM) wins.
 */
export async function saveLabels(client: pg.ClientBase, labels: readonly NewLabel[]): Promise<void> {
  if (labels.length === 0) return;
  await client.query(
    `UPDATE messages m SET classification = v.intent, classification_confidence = v.confidence
     FROM unnest($1::int[], $2::text[], $3::float8[]) AS v(id, intent, confidence)
     WHERE m.id = v.id AND m.classification IS NULL`,
    [labels.map((l) => l.messageId), labels.map((l) => l.intent), labels.map((l) => l.confidence)],
  );
}

/**
 * Recomputes `common_topics` of the given conversations from all their labelled customer
 * messages (domain/topics.ts topicsOf, in SQL): each label once, most frequent first, ties by
 * label; '[]' when none.
 *
 * Two jobs may hold days of one conversation. Each first takes a transaction-level advisory lock
 * per conversation (in id order, so two jobs cannot deadlock): the second one's statements then
 * start after the first committed and count its labels too. Row locks on conversations would do
 * the same but could deadlock with the customer agent, which updates a message, then its
 * conversation.
 */
export async function refreshTopics(client: pg.ClientBase, conversationIds: readonly number[]): Promise<void> {
  const ids = [...new Set(conversationIds)].sort((a, b) => a - b);
  if (ids.length === 0) return;
  // unnest yields the sorted ids in order, and the locks are taken as the rows are produced.
  await client.query(`SELECT pg_advisory_xact_lock($1::int, id) FROM unnest($2::int[]) AS t(id)`, [
    LockKeys.conversationTopics,
    ids,
  ]);
  // One grouped pass over the conversations' customer messages (an index range scan each), not a
  // correlated subquery per conversation: about half the time for a job's thousand conversations.
  await client.query(
    `UPDATE conversations c SET common_topics = t.topics
     FROM (
       SELECT x.id, coalesce(l.topics, '[]'::jsonb) AS topics
       FROM unnest($1::int[]) AS x(id)
       LEFT JOIN (
         SELECT g.conversation_id, jsonb_agg(g.label ORDER BY g.n DESC, g.label COLLATE "C") AS topics
         -- a reviewer's corrected label wins over the model's (message_label_corrections)
         FROM (SELECT m.conversation_id, coalesce(lc.label, m.classification) AS label, count(*) AS n FROM messages m
               LEFT JOIN message_label_corrections lc ON lc.message_id = m.id
               WHERE m.conversation_id = ANY($1::int[]) AND m.sender_kind = 'customer'
                 AND coalesce(lc.label, m.classification) IS NOT NULL
                 AND coalesce(lc.label, m.classification) <> ALL ($2::text[])
               GROUP BY 1, 2) g
         GROUP BY 1) l ON l.conversation_id = x.id) t
     WHERE c.id = t.id AND c.common_topics IS DISTINCT FROM t.topics`,
    [ids, NOT_TOPICS],
  );
}
