import type pg from 'pg';
import { NOT_TOPICS, topicsByConversation, type LabelledMessages, type NewLabel } from '../domain/topics.js';
import { LockKeys } from './locks.js';

// Labels and topics written by an analysis job, inside the job's own transaction (so a killed
// worker leaves either all of a job's writes or none, and a repeat writes the same values).

/**
 * Stores the offline classifier's labels on messages that still have none: a label the
 * customer agent wrote meanwhile (it answers live, and may use the LLM) wins.
 */
export async function saveLabels(client: pg.ClientBase, labels: readonly NewLabel[]): Promise<Set<number>> {
  if (labels.length === 0) return new Set();
  const res = await client.query<{ id: number }>(
    `UPDATE messages m SET classification = v.intent, classification_confidence = v.confidence
     FROM unnest($1::int[], $2::text[], $3::float8[]) AS v(id, intent, confidence)
     WHERE m.id = v.id AND m.classification IS NULL
     RETURNING m.id`,
    [labels.map((l) => l.messageId), labels.map((l) => l.intent), labels.map((l) => l.confidence)],
  );
  return new Set(res.rows.map((r) => r.id));
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
  const ids = await lockTopics(client, conversationIds);
  if (ids.length === 0) return;
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

/** Takes the conversations' topic locks (see refreshTopics) in id order; returns the sorted ids. */
async function lockTopics(client: pg.ClientBase, conversationIds: readonly number[]): Promise<number[]> {
  const ids = [...new Set(conversationIds)].sort((a, b) => a - b);
  if (ids.length === 0) return ids;
  // unnest yields the sorted ids in order, and the locks are taken as the rows are produced.
  await client.query(`SELECT pg_advisory_xact_lock($1::int, id) FROM unnest($2::int[]) AS t(id)`, [
    LockKeys.conversationTopics,
    ids,
  ]);
  return ids;
}

/**
 * refreshTopics for an analysis job, which has just read every message of its conversations and
 * stored `stored` of its `labels` (saveLabels): the topics are counted from those messages, with
 * the reviewers' corrections read under the locks, instead of scanning the messages again. A
 * conversation where someone else labelled a message first (the customer agent answers live)
 * is counted by refreshTopics from what is stored.
 */
export async function refreshTopicsFrom(
  client: pg.ClientBase,
  conversationIds: readonly number[],
  messages: LabelledMessages,
  labels: readonly NewLabel[],
  stored: ReadonlySet<number>,
): Promise<void> {
  const ids = await lockTopics(client, conversationIds);
  if (ids.length === 0) return;
  const corrections = await client.query<{ message_id: number; label: string }>(
    `SELECT lc.message_id, lc.label FROM message_label_corrections lc JOIN messages m ON m.id = lc.message_id
     WHERE m.conversation_id = ANY($1::int[])`,
    [ids],
  );
  const relabel = new Map<number, string>();
  const racedMessages = new Set<number>();
  for (const l of labels) {
    if (stored.has(l.messageId)) relabel.set(l.messageId, l.intent);
    else racedMessages.add(l.messageId);
  }
  // rare: only then is each message's conversation looked up
  const raced = new Set<number>();
  for (let i = 0; racedMessages.size > 0 && i < messages.id.length; i++) {
    if (racedMessages.has(messages.id[i]!)) raced.add(messages.conversationId[i]!);
  }
  for (const r of corrections.rows) relabel.set(r.message_id, r.label);
  const counted = new Set(ids.filter((id) => !raced.has(id)));
  const topics = topicsByConversation(messages, counted, relabel);
  if (topics.size > 0) {
    await client.query(
      `UPDATE conversations c SET common_topics = v.topics
       FROM unnest($1::int[], $2::jsonb[]) AS v(id, topics)
       -- the ANY lets the planner fetch the rows by key instead of hashing the whole table
       WHERE c.id = ANY($1::int[]) AND c.id = v.id AND c.common_topics IS DISTINCT FROM v.topics`,
      [[...topics.keys()], [...topics.values()].map((t) => JSON.stringify(t))],
    );
  }
  if (raced.size > 0) await refreshTopics(client, [...raced]);
}
