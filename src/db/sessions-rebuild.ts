import type pg from 'pg';
import { SESSION_GAP_MS, completionOf } from '../domain/sessions.ts';
import { completeResolvedSessions } from './handoff-cases-repo.ts';
import { refreshReplyFacts } from './reply-facts.ts';

// Sessions recomputed from the messages themselves (after an import, a webhook's messages, a
// human reply), and open sessions settled once their gap has passed.

/**
 * An open session whose last message is older than the gap is no longer in progress. Nothing
 * else changes it when no message arrives, so readers settle it before they count or filter.
 */
export async function settleOpenSessions(db: pg.Pool | pg.ClientBase, now: Date, gapMs = SESSION_GAP_MS): Promise<number> {
  const res = await db.query(
    `UPDATE sessions SET completion_status = 'incomplete', updated_at = now()
      WHERE completion_status = 'in_progress' AND ended_at < $1::timestamptz - make_interval(secs => $2::double precision / 1000)`,
    [now, gapMs],
  );
  return res.rowCount ?? 0;
}

/** One recomputed session: what the upsert below writes. */
interface RebuiltSession {
  conversation_id: number;
  seq: number;
  started: Date;
  ended: Date;
  n: number;
  ai: number;
  handoff: boolean;
  last_text: string | null;
  last_class: string | null;
  has_customer: boolean;
  is_last: boolean;
}

// One ordered pass per conversation, no window and no sort: the GROUP BY and the aggregates'
// ORDER BY both follow messages_conversation_time_id_kind_idx. A conversation whose first and
// last messages are within the gap is one session (most are); only the others go through the
// window query below. The conversation counters come from the same pass when asked for
// (an import): a second scan and an update of rows that did not change cost more than this.
const CONVERSATION_PASS = `
WITH a AS (
  SELECT conversation_id, min(social_create_time) AS started, max(social_create_time) AS ended, count(*)::int AS n,
         count(*) FILTER (WHERE sender_kind = 'customer')::int AS customer,
         count(*) FILTER (WHERE sender_kind = 'bot')::int AS ai,
         coalesce(bool_or(sender_kind = 'human_agent' OR classification IS NOT DISTINCT FROM 'human_request'), false) AS handoff,
         array_agg(text ORDER BY social_create_time, id) FILTER (WHERE sender_kind = 'customer') AS texts,
         array_agg(classification ORDER BY social_create_time, id) FILTER (WHERE sender_kind = 'customer') AS classes
    FROM messages WHERE conversation_id = ANY($1::int[])
   GROUP BY conversation_id
), counted AS (
  UPDATE conversations c
     SET total_messages = a.n, customer_messages = a.customer, agent_messages = a.n - a.customer,
         first_message_at = a.started, last_message_at = a.ended, updated_at = now()
    FROM a
   WHERE $3::boolean AND c.id = a.conversation_id
     AND (c.total_messages, c.customer_messages, c.agent_messages, c.first_message_at, c.last_message_at)
         IS DISTINCT FROM (a.n, a.customer, a.n - a.customer, a.started, a.ended)
)
SELECT conversation_id, 1 AS seq, started, ended, n, ai, handoff, texts[cardinality(texts)] AS last_text,
       classes[cardinality(classes)] AS last_class, texts IS NOT NULL AS has_customer, true AS is_last,
       ended - started > make_interval(secs => $2::double precision / 1000) AS several
  FROM a`;

// The general case: a new session after every silence longer than the gap.
const WINDOW_PASS = `
WITH m AS (
  SELECT conversation_id, id, social_create_time AS t, sender_kind, classification, text,
         CASE WHEN social_create_time - lag(social_create_time) OVER w > make_interval(secs => $2::double precision / 1000) THEN 1 ELSE 0 END AS brk
    FROM messages WHERE conversation_id = ANY($1::int[])
  WINDOW w AS (PARTITION BY conversation_id ORDER BY social_create_time, id)
), g AS (
  SELECT *, 1 + sum(brk) OVER (PARTITION BY conversation_id ORDER BY t, id) AS seq FROM m
)
SELECT conversation_id, seq::int AS seq, min(t) AS started, max(t) AS ended, count(*)::int AS n,
       count(*) FILTER (WHERE sender_kind = 'bot')::int AS ai,
       coalesce(bool_or(sender_kind = 'human_agent' OR classification IS NOT DISTINCT FROM 'human_request'), false) AS handoff,
       (array_agg(text ORDER BY t DESC, id DESC) FILTER (WHERE sender_kind = 'customer'))[1] AS last_text,
       (array_agg(classification ORDER BY t DESC, id DESC) FILTER (WHERE sender_kind = 'customer'))[1] AS last_class,
       bool_or(sender_kind = 'customer') AS has_customer,
       max(seq) OVER (PARTITION BY conversation_id) = seq AS is_last
  FROM g GROUP BY conversation_id, seq`;

/**
 * Recomputes the sessions of these conversations from their messages (after an import added
 * some): boundaries, counts, AI engagement and completion. A session keeps its id, QA fields
 * and archive status (matched by its sequence in the conversation). A trailing session that
 * no longer exists (new messages joined two episodes) is removed only if nobody reviewed it
 * (no QA change, scorecard review or calibration: those would go with it) and no CSAT survey was asked in it.
 * With `counters`, the conversations' message counters and first/last times are recomputed in
 * the same pass (rows whose values did not change are not rewritten). Returns how many
 * sessions were inserted or changed. The conversations' reply facts (reply-facts.ts) are
 * refreshed with them.
 */
export async function rebuildSessions(
  db: pg.ClientBase,
  conversationIds: number[],
  now: Date,
  gapMs = SESSION_GAP_MS,
  opts: { counters?: boolean } = {},
): Promise<number> {
  let changed = 0;
  const CHUNK = 5_000;
  for (let i = 0; i < conversationIds.length; i += CHUNK) {
    const ids = conversationIds.slice(i, i + CHUNK);
    const pass = await db.query<RebuiltSession & { several: boolean }>(CONVERSATION_PASS, [ids, gapMs, opts.counters === true]);
    const rows: RebuiltSession[] = pass.rows.filter((r) => !r.several);
    const several = pass.rows.filter((r) => r.several).map((r) => r.conversation_id);
    if (several.length > 0) rows.push(...(await db.query<RebuiltSession>(WINDOW_PASS, [several, gapMs])).rows);
    if (rows.length === 0) continue;
    changed += await upsertSessions(db, rows, now, gapMs);
    // a session people resolved on the desk stays complete whatever its last words
    await completeResolvedSessions(db, ids, gapMs);
    await refreshReplyFacts(db, ids);
  }
  return changed;
}

async function upsertSessions(db: pg.ClientBase, rows: RebuiltSession[], now: Date, gapMs: number): Promise<number> {
  const completion = rows.map((r) =>
    completionOf(
      { lastCustomer: r.has_customer ? { text: r.last_text, classification: r.last_class } : undefined, endedAt: r.ended.getTime(), isLast: r.is_last },
      now.getTime(),
      gapMs,
    ),
  );
  const res = await db.query(
    `INSERT INTO sessions (conversation_id, sequence, started_at, ended_at, message_count, ai_engaged, ai_message_count,
                           human_handoff, completion_status, updated_at)
     SELECT c, s, st, en, n, ai > 0, ai, h, cs::"CompletionStatus", now()
       FROM unnest($1::int[], $2::int[], $3::timestamptz[], $4::timestamptz[], $5::int[], $6::int[], $7::bool[], $8::text[])
            AS x(c, s, st, en, n, ai, h, cs)
     ON CONFLICT (conversation_id, sequence) DO UPDATE
        SET started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at, message_count = EXCLUDED.message_count,
            ai_engaged = EXCLUDED.ai_engaged, ai_message_count = EXCLUDED.ai_message_count,
            human_handoff = EXCLUDED.human_handoff, completion_status = EXCLUDED.completion_status, updated_at = now()
      WHERE (sessions.started_at, sessions.ended_at, sessions.message_count, sessions.ai_message_count, sessions.human_handoff, sessions.completion_status)
            IS DISTINCT FROM (EXCLUDED.started_at, EXCLUDED.ended_at, EXCLUDED.message_count, EXCLUDED.ai_message_count, EXCLUDED.human_handoff, EXCLUDED.completion_status)`,
    [
      rows.map((r) => r.conversation_id),
      rows.map((r) => r.seq),
      rows.map((r) => r.started),
      rows.map((r) => r.ended),
      rows.map((r) => r.n),
      rows.map((r) => r.ai),
      rows.map((r) => r.handoff),
      completion,
    ],
  );
  await db.query(
    `DELETE FROM sessions s USING (
       SELECT conversation_id, max(seq) AS last FROM unnest($1::int[], $2::int[]) AS x(conversation_id, seq) GROUP BY conversation_id
     ) k
     WHERE s.conversation_id = k.conversation_id AND s.sequence > k.last AND s.qa_status = 'unchecked'
       AND NOT EXISTS (SELECT 1 FROM qa_events e WHERE e.session_id = s.id)
       AND NOT EXISTS (SELECT 1 FROM qa_reviews r WHERE r.session_id = s.id)
       AND NOT EXISTS (SELECT 1 FROM qa_calibrations c WHERE c.session_id = s.id)
       AND NOT EXISTS (SELECT 1 FROM csat_surveys v WHERE v.session_id = s.id)`,
    [rows.map((r) => r.conversation_id), rows.map((r) => r.seq)],
  );
  return res.rowCount ?? 0;
}
