// handoff_marks: what the desk did about "seen" on a handed-off conversation, and when people
// last gave it back to the bot. Each write is a claim (a conditional upsert that returns a row
// only to the caller that moved the mark forward), so two instances, a retried Slack event or a
// second click never send a mark_seen or show a "seen" twice.

import type pg from 'pg';

type Db = pg.Pool | pg.ClientBase;

/**
 * Claims the Send API `mark_seen` for the conversation's latest customer message: that
 * message's time when this call claimed it (the caller sends), else undefined (already sent for
 * it, or the customer never wrote).
 */
export async function claimMarkSeen(db: Db, conversationId: number): Promise<Date | undefined> {
  const { rows } = await db.query<{ through: Date }>(
    `WITH last AS (SELECT max(social_create_time) AS at FROM messages WHERE conversation_id = $1 AND sender_kind = 'customer')
     INSERT INTO handoff_marks (conversation_id, seen_sent_through, updated_at)
     SELECT $1, last.at, now() FROM last WHERE last.at IS NOT NULL
     ON CONFLICT (conversation_id) DO UPDATE SET seen_sent_through = EXCLUDED.seen_sent_through, updated_at = now()
      WHERE handoff_marks.seen_sent_through IS NULL OR handoff_marks.seen_sent_through < EXCLUDED.seen_sent_through
     RETURNING seen_sent_through AS through`,
    [conversationId],
  );
  return rows[0]?.through;
}

/**
 * People gave the conversation back to the bot now: replies from another inbox before this no
 * longer pause it (turnContext's last_human_at reads this). Run in the change's transaction.
 */
export async function markBotResumed(db: Db, conversationId: number): Promise<void> {
  await db.query(
    `INSERT INTO handoff_marks (conversation_id, bot_resumed_at, updated_at) VALUES ($1, now(), now())
     ON CONFLICT (conversation_id) DO UPDATE SET bot_resumed_at = now(), updated_at = now()`,
    [conversationId],
  );
}

export interface ReadEvent {
  id: number;
  pageId: string;
  psid: string;
  watermark: Date;
}

/** Where to start reading `read` events at start-up: the oldest of the last day (older ones are news no more). */
export async function readCursorStart(db: Db): Promise<number> {
  const { rows } = await db.query<{ id: string | null }>(
    `SELECT (SELECT id - 1 FROM messenger_events WHERE kind = 'read' AND received_at >= now() - interval '1 day' ORDER BY id LIMIT 1)::text AS id`,
  );
  if (rows[0]?.id != null) return Number(rows[0].id);
  const max = await db.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM messenger_events WHERE kind = 'read'`);
  return Number(max.rows[0]!.id);
}

/** `read` events after id `after`, oldest first (the partial index messenger_events_read_idx). */
export async function readEventsAfter(db: Db, after: number, limit: number): Promise<ReadEvent[]> {
  const { rows } = await db.query<{ id: string; pageId: string; psid: string; watermark: Date }>(
    `SELECT id::text AS id, page_id AS "pageId", psid, timestamp AS watermark FROM messenger_events
      WHERE kind = 'read' AND id > $1 ORDER BY id LIMIT $2`,
    [after, limit],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export interface SeenCandidate {
  conversationId: number;
  channel: string;
  threadTs: string;
  watermark: Date;
  /** the newest agent message the watermark covers */
  lastAgentAt: Date;
}

/**
 * The handoff threads where a customer's read watermark covers an agent's message not shown as
 * seen yet (one per conversation, its latest watermark). A watermark that covers nothing new
 * shows nothing: re-reads and bot messages never flood the thread.
 */
export async function seenCandidates(db: Db, reads: readonly { pageId: string; psid: string; watermark: Date }[]): Promise<SeenCandidate[]> {
  if (reads.length === 0) return [];
  const { rows } = await db.query<SeenCandidate>(
    `WITH w AS (SELECT page_id, psid, max(watermark) AS watermark
                  FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS x(page_id, psid, watermark) GROUP BY 1, 2)
     SELECT c.id AS "conversationId", c.handoff_channel AS channel, c.handoff_thread_ts AS "threadTs", w.watermark, a.at AS "lastAgentAt"
       FROM w
       JOIN pages p ON p.fb_page_id = w.page_id
       JOIN customers cu ON cu.page_id = p.id AND cu.psid = w.psid
       JOIN conversations c ON c.customer_id = cu.id AND c.handoff_thread_ts IS NOT NULL AND c.handoff_channel IS NOT NULL
       LEFT JOIN handoff_marks h ON h.conversation_id = c.id
       CROSS JOIN LATERAL (SELECT max(m.social_create_time) AS at FROM messages m
                            WHERE m.conversation_id = c.id AND m.sender_kind = 'human_agent' AND m.social_create_time <= w.watermark) a
      WHERE a.at IS NOT NULL AND a.at > coalesce(h.read_shown_through, '-infinity'::timestamptz)
      ORDER BY c.id`,
    [reads.map((r) => r.pageId), reads.map((r) => r.psid), reads.map((r) => r.watermark)],
  );
  return rows;
}

/**
 * Claims showing "seen" through `watermark` (run in the transaction that posts it, so a failed
 * post leaves the mark where it was and the next pass tries again). False: shown already.
 */
export async function claimReadShown(client: pg.ClientBase, conversationId: number, watermark: Date): Promise<boolean> {
  const { rows } = await client.query(
    `INSERT INTO handoff_marks (conversation_id, read_shown_through, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (conversation_id) DO UPDATE SET read_shown_through = EXCLUDED.read_shown_through, updated_at = now()
      WHERE handoff_marks.read_shown_through IS NULL OR handoff_marks.read_shown_through < EXCLUDED.read_shown_through
     RETURNING conversation_id`,
    [conversationId, watermark],
  );
  return rows.length > 0;
}
