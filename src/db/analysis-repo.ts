import type pg from 'pg';
import type { CsiResult, MicroMetrics } from '../domain/csi.js';
import { assembleDays, CONTEXT_DAYS } from '../domain/scoring/assemble-days.js';
import type { ConversationDay, DayMessage } from '../domain/scoring/types.js';

// SQL for the analysis pipeline. Days are calendar days in the business timezone ($tz):
// `day::timestamp AT TIME ZONE tz` is that day's local midnight as an instant.

// Day numbers count from this date: `day - DAY_EPOCH` in SQL, compared as integers in assembleDays.
const DAY_EPOCH = `DATE '2000-01-01'`;

/**
 * Upserts one daily_analyses row per conversation-day of the conversations whose message
 * count differs from what processed_chats remembers, and returns the ids of the rows that
 * are new or whose message count changed: exactly the days to (re)score, by conversation and day.
 */
export async function planChangedDays(client: pg.ClientBase, tz: string, conversationIds?: number[]): Promise<number[]> {
  await client.query(
    `CREATE TEMP TABLE plan_changed ON COMMIT DROP AS
     SELECT c.id, c.fb_chat_id, c.total_messages FROM conversations c
     LEFT JOIN processed_chats p ON p.fb_chat_id = c.fb_chat_id
     WHERE (p.id IS NULL OR p.message_count <> c.total_messages)
       AND ($1::int[] IS NULL OR c.id = ANY($1::int[]))`,
    [conversationIds ?? null],
  );
  const res = await client.query<{ id: number; conversation_id: number; day_no: number }>(
    // Counted with a hash aggregate; the day's human agents (the catalogue's "by agent" for
    // conversation-days; see reply-facts.ts) from the few human messages only: one sorted
    // aggregate over every message was most of the planning time.
    `WITH counts AS (
       SELECT m.conversation_id, (m.social_create_time AT TIME ZONE $1)::date AS day, count(*)::int AS n
       FROM messages m JOIN plan_changed ch ON ch.id = m.conversation_id
       GROUP BY 1, 2),
     agents AS (
       SELECT m.conversation_id, (m.social_create_time AT TIME ZONE $1)::date AS day,
              array_agg(DISTINCT m.agent_info ->> 'name' ORDER BY m.agent_info ->> 'name') AS names
       FROM messages m JOIN plan_changed ch ON ch.id = m.conversation_id
       WHERE m.sender_kind = 'human_agent' AND m.agent_info ->> 'name' IS NOT NULL
       GROUP BY 1, 2),
     days AS (
       -- in conversation and day order, so a job's rows sit together on disk
       SELECT c.conversation_id, c.day, c.n, coalesce(a.names, '{}') AS agents
       FROM counts c LEFT JOIN agents a ON a.conversation_id = c.conversation_id AND a.day = c.day
       ORDER BY 1, 2)
     INSERT INTO daily_analyses (conversation_id, day, message_count, human_agents, updated_at)
     SELECT conversation_id, day, n, agents, now() FROM days
     ON CONFLICT (conversation_id, day) DO UPDATE
       SET message_count = EXCLUDED.message_count, human_agents = EXCLUDED.human_agents, analyzed_at = NULL, updated_at = now()
       WHERE daily_analyses.message_count <> EXCLUDED.message_count
     RETURNING id, conversation_id, (day - ${DAY_EPOCH}) AS day_no`,
    [tz],
  );
  await client.query(
    `INSERT INTO processed_chats (fb_chat_id, message_count, processed_at)
     SELECT fb_chat_id, total_messages, now() FROM plan_changed
     ON CONFLICT (fb_chat_id) DO UPDATE SET message_count = EXCLUDED.message_count, processed_at = now()`,
  );
  // In conversation order, so a batch of consecutive days holds whole conversations: each job
  // then reads a conversation's messages and refreshes its topics once, not once per day.
  return res.rows.sort((a, b) => a.conversation_id - b.conversation_id || a.day_no - b.day_no).map((r) => r.id);
}

/** Creates one pending job per batch of day ids; returns the job ids in order. */
export async function createJobs(client: pg.ClientBase, batches: number[][], uploadId?: number): Promise<number[]> {
  if (batches.length === 0) return [];
  const jobs = await client.query<{ id: number }>(
    `INSERT INTO jobs (upload_id, status) SELECT $1, 'pending' FROM generate_series(1, $2) RETURNING id`,
    [uploadId ?? null, batches.length],
  );
  const ids = jobs.rows.map((r) => r.id).sort((a, b) => a - b);
  const jobCol: number[] = [];
  const dayCol: number[] = [];
  batches.forEach((batch, i) => {
    for (const day of batch) {
      jobCol.push(ids[i]!);
      dayCol.push(day);
    }
  });
  await client.query(
    `INSERT INTO job_daily_analyses (job_id, daily_analysis_id) SELECT * FROM unnest($1::int[], $2::int[])`,
    [jobCol, dayCol],
  );
  return ids;
}

interface DayRow {
  id: number;
  conversation_id: number;
  day: string;
  day_no: number;
}

/** conversation id, message id, direction, sender kind, text, epoch ms, classification, day number, first customer message */
type MessageTuple = [number, number, DayMessage['direction'], DayMessage['senderKind'], string | null, number, string | null, number, boolean];

/**
 * The conversation-days of a job with their messages and the context the scorers need, in two
 * queries whatever the job's size: its days, then every message of their conversations from a
 * week before the first day to a week after the last, in conversation and time order (one index
 * range scan per conversation), assembled in memory (domain/scoring/assemble-days.ts).
 */
export async function loadJobDays(client: pg.ClientBase, jobId: number, tz: string): Promise<ConversationDay[]> {
  const days = await client.query<DayRow>(
    `SELECT da.id, da.conversation_id, to_char(da.day, 'YYYY-MM-DD') AS day, (da.day - ${DAY_EPOCH}) AS day_no
     FROM daily_analyses da
     -- an array, not a join: right after planning, stale statistics make a join scan every row
     WHERE da.id = ANY (ARRAY(SELECT j.daily_analysis_id FROM job_daily_analyses j WHERE j.job_id = $1))
     ORDER BY da.id`,
    [jobId],
  );
  if (days.rows.length === 0) return [];
  const windows = new Map<number, { lo: number; hi: number }>();
  for (const d of days.rows) {
    const w = windows.get(d.conversation_id);
    if (!w) windows.set(d.conversation_id, { lo: d.day_no, hi: d.day_no });
    else {
      w.lo = Math.min(w.lo, d.day_no);
      w.hi = Math.max(w.hi, d.day_no);
    }
  }
  const ids = [...windows.keys()].sort((a, b) => a - b);
  const messages = await client.query<{ rows: MessageTuple[] }>(
    // LATERAL keeps it one index range scan per conversation: a plain join is planned as a hash
    // join over every message (the planner cannot see how few conversations the arrays hold).
    // One JSON value for the whole job: JSON.parse builds it far faster than row-by-row decoding.
    `SELECT coalesce(json_agg(json_build_array(w.id, m.id, m.direction, m.sender_kind, m.text,
       (extract(epoch FROM m.social_create_time) * 1000)::float8, m.classification,
       (m.social_create_time AT TIME ZONE $1)::date - ${DAY_EPOCH}, m.id IS NOT DISTINCT FROM f.id)
       ORDER BY w.id, m.social_create_time, m.id), '[]') AS rows
     FROM unnest($2::int[], $3::int[], $4::int[]) AS w(id, lo, hi)
     LEFT JOIN LATERAL (SELECT f.id FROM messages f WHERE f.conversation_id = w.id AND f.sender_kind = 'customer'
                        ORDER BY f.social_create_time, f.id LIMIT 1) f ON true
     CROSS JOIN LATERAL (SELECT m.* FROM messages m WHERE m.conversation_id = w.id
       AND m.social_create_time >= ((${DAY_EPOCH} + w.lo - ${CONTEXT_DAYS})::timestamp AT TIME ZONE $1)
       AND m.social_create_time < ((${DAY_EPOCH} + w.hi + ${CONTEXT_DAYS + 1})::timestamp AT TIME ZONE $1)) m`,
    [tz, ids, ids.map((id) => windows.get(id)!.lo), ids.map((id) => windows.get(id)!.hi)],
  );
  return assembleDays(
    days.rows.map((d) => ({ key: String(d.id), conversationId: d.conversation_id, day: d.day, dayNo: d.day_no })),
    messages.rows[0]!.rows.map(([conversationId, id, direction, senderKind, text, atMs, classification, dayNo, firstCustomer]) => ({
      conversationId,
      id,
      direction,
      senderKind,
      text,
      at: new Date(atMs),
      classification,
      dayNo,
      firstCustomer,
    })),
  );
}

export interface DayResult {
  id: number;
  metrics: MicroMetrics;
  csi: CsiResult;
}

/**
 * Writes every day's metrics in one statement; rerunning it writes the same values. The rows go
 * as one JSON parameter: JSON.stringify is native, where fifteen parameter arrays were encoded
 * value by value in JavaScript.
 */
export async function saveDayResults(client: pg.ClientBase, results: DayResult[], scorer: { name: string; version: string }): Promise<void> {
  if (results.length === 0) return;
  const rows = results.map(({ id, metrics: m, csi: c }) => ({
    id,
    ss: m.sentimentScore,
    sh: m.sentimentShift,
    ra: m.resolutionAchieved,
    fcr: m.fcrScore,
    ces: m.ces,
    frt: m.firstResponseTime,
    art: m.avgResponseTime,
    tht: m.totalHandlingTime,
    eff: c.effectiveness,
    eft: c.effort,
    efc: c.efficiency,
    emp: c.empathy,
    csi: c.csi,
    missing: c.missing,
  }));
  await client.query(
    `UPDATE daily_analyses d SET
       sentiment_score = v.ss, sentiment_shift = v.sh, resolution_achieved = v.ra, fcr_score = v.fcr, ces = v.ces,
       first_response_time = v.frt, avg_response_time = v.art, total_handling_time = v.tht,
       effectiveness = v.eff, effort = v.eft, efficiency = v.efc, empathy = v.emp, csi = v.csi,
       missing_metrics = v.missing, scorer_name = $2, scorer_version = $3,
       analyzed_at = now(), updated_at = now()
     FROM json_to_recordset($1::json) AS v(id int, ss float8, sh float8, ra float8, fcr float8, ces float8, frt float8,
       art float8, tht float8, eff float8, eft float8, efc float8, emp float8, csi float8, missing text[])
     WHERE d.id = v.id`,
    [JSON.stringify(rows), scorer.name, scorer.version],
  );
}
