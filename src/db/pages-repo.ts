import type pg from 'pg';

// pages.conversation_count / message_count are recounted, not incremented: every writer of
// messages (imports, the webhook's materializer, replies, retention) would otherwise have to
// update the same hot page row. Imports recount after loading, the Messenger planner every minute.

/** Recounts the pages of the given conversations, or of conversations updated since a time. */
export async function recountPages(db: pg.Pool | pg.ClientBase, which: { conversationIds: number[] } | { updatedSince: Date }): Promise<number> {
  const [filter, param] = 'conversationIds' in which
    ? ['id = ANY($1::int[])', which.conversationIds]
    : ['updated_at >= $1', which.updatedSince];
  const res = await db.query(
    `UPDATE pages p SET conversation_count = s.conversations, message_count = s.messages, updated_at = now()
     FROM (SELECT page_id, count(*)::int AS conversations, coalesce(sum(total_messages), 0)::int AS messages
           FROM conversations WHERE page_id IN (SELECT DISTINCT page_id FROM conversations WHERE ${filter})
           GROUP BY page_id) s
     WHERE p.id = s.page_id AND (p.conversation_count, p.message_count) IS DISTINCT FROM (s.conversations, s.messages)`,
    [param],
  );
  return res.rowCount ?? 0;
}
