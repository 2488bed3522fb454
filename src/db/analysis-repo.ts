import type pg from 'pg';
import type { CsiResult, MicroMetrics } from '../domain/csi.js';
import type { ConversationDay, DayMessage } from '../domain/scoring/types.js';

// SQL for the analysis pipeline. Days are calendar days in the business timezone ($tz):
// `day::timestamp AT TIME ZONE tz` is that day's local midnight as an instant.

/**
 * Upserts one daily_analyses row per conversation-day of the conversations whose message
 * count differs from what processed_chats remembers, and returns the ids of the rows that
 * are new or whose message count changed: exactly the days to (re)score.
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
  const res = await client.query<{ id: number }>(
    `WITH days AS (
       SELECT m.conversation_id, (m.social_create_time AT TIME ZONE $1)::date AS day, count(*)::int AS n,
              -- the day's human agents (the catalogue's "by agent" for conversation-days; see reply-facts.ts)
              coalesce(array_agg(DISTINCT m.agent_info ->> 'name' ORDER BY m.agent_info ->> 'name')
                FILTER (WHERE m.sender_kind = 'human_agent' AND m.agent_info ->> 'name' IS NOT NULL), '{}') AS agents
       FROM messages m JOIN plan_changed ch ON ch.id = m.conversation_id
       GROUP BY 1, 2)
     INSERT INTO daily_analyses (conversation_id, day, message_count, human_agents, updated_at)
     SELECT conversation_id, day, n, agents, now() FROM days
     ON CONFLICT (conversation_id, day) DO UPDATE
       SET message_count = EXCLUDED.message_count, human_agents = EXCLUDED.human_agents, analyzed_at = NULL, updated_at = now()
       WHERE daily_analyses.message_count <> EXCLUDED.message_count
     RETURNING id`,
    [tz],
  );
  await client.query(
    `INSERT INTO processed_chats (fb_chat_id, message_count, processed_at)
     SELECT fb_chat_id, total_messages, now() FROM plan_changed
     ON CONFLICT (fb_chat_id) DO UPDATE SET message_count = EXCLUDED.message_count, processed_at = now()`,
  );
  return res.rows.map((r) => r.id).sort((a, b) => a - b);
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
  prior: number;
  returned: boolean;
}

interface MessageRow {
  daily_analysis_id: number;
  direction: DayMessage['direction'];
  sender_kind: DayMessage['senderKind'];
  text: string | null;
  at: Date;
  classification: string | null;
  id: number;
  first_of_conversation: boolean | null;
}

/** The conversation-days of a job with their messages and the context the scorers need. */
export async function loadJobDays(client: pg.ClientBase, jobId: number, tz: string): Promise<ConversationDay[]> {
  const days = await client.query<DayRow>(
    `SELECT da.id, da.conversation_id, to_char(da.day, 'YYYY-MM-DD') AS day,
       (SELECT count(DISTINCT (m.social_create_time AT TIME ZONE $2)::date)::int FROM messages m
         WHERE m.conversation_id = da.conversation_id AND m.direction = 'to_company'
           AND m.social_create_time >= ((da.day - 7)::timestamp AT TIME ZONE $2)
           AND m.social_create_time < (da.day::timestamp AT TIME ZONE $2)) AS prior,
       EXISTS (SELECT 1 FROM messages m
         WHERE m.conversation_id = da.conversation_id AND m.direction = 'to_company'
           AND m.social_create_time >= ((da.day + 1)::timestamp AT TIME ZONE $2)
           AND m.social_create_time < ((da.day + 8)::timestamp AT TIME ZONE $2)) AS returned
     FROM job_daily_analyses j JOIN daily_analyses da ON da.id = j.daily_analysis_id
     WHERE j.job_id = $1 ORDER BY da.id`,
    [jobId, tz],
  );
  const messages = await client.query<MessageRow>(
    `SELECT da.id AS daily_analysis_id, m.direction, m.sender_kind, m.text, m.social_create_time AS at, m.classification, m.id,
       -- only asked where the answer is used: an unlabelled customer message (see domain/topics.ts)
       CASE WHEN m.sender_kind = 'customer' AND m.classification IS NULL THEN NOT EXISTS (
         SELECT 1 FROM messages e WHERE e.conversation_id = m.conversation_id AND e.sender_kind = 'customer'
           AND (e.social_create_time, e.id) < (m.social_create_time, m.id)) END AS first_of_conversation
     FROM job_daily_analyses j JOIN daily_analyses da ON da.id = j.daily_analysis_id
     JOIN messages m ON m.conversation_id = da.conversation_id
       AND m.social_create_time >= (da.day::timestamp AT TIME ZONE $2)
       AND m.social_create_time < ((da.day + 1)::timestamp AT TIME ZONE $2)
     WHERE j.job_id = $1 ORDER BY da.id, m.social_create_time, m.id`,
    [jobId, tz],
  );
  const byDay = new Map<number, DayMessage[]>();
  for (const m of messages.rows) {
    let list = byDay.get(m.daily_analysis_id);
    if (!list) byDay.set(m.daily_analysis_id, (list = []));
    list.push({
      direction: m.direction,
      senderKind: m.sender_kind,
      text: m.text,
      at: m.at,
      classification: m.classification,
      id: m.id,
      ...(m.first_of_conversation === null ? {} : { firstOfConversation: m.first_of_conversation }),
    });
  }
  return days.rows.map((d) => ({
    key: String(d.id),
    conversationId: d.conversation_id,
    day: d.day,
    messages: byDay.get(d.id) ?? [],
    priorContactDays: d.prior,
    customerReturnedLater: d.returned,
  }));
}

export interface DayResult {
  id: number;
  metrics: MicroMetrics;
  csi: CsiResult;
}

/** Writes every day's metrics in one statement; rerunning it writes the same values. */
export async function saveDayResults(client: pg.ClientBase, results: DayResult[], scorer: { name: string; version: string }): Promise<void> {
  if (results.length === 0) return;
  const col = <T>(f: (r: DayResult) => T) => results.map(f);
  await client.query(
    `UPDATE daily_analyses d SET
       sentiment_score = v.ss, sentiment_shift = v.sh, resolution_achieved = v.ra, fcr_score = v.fcr, ces = v.ces,
       first_response_time = v.frt, avg_response_time = v.art, total_handling_time = v.tht,
       effectiveness = v.eff, effort = v.eft, efficiency = v.efc, empathy = v.emp, csi = v.csi,
       missing_metrics = string_to_array(v.missing, ','), scorer_name = $16, scorer_version = $17,
       analyzed_at = now(), updated_at = now()
     FROM unnest($1::int[], $2::float8[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[],
                 $8::float8[], $9::float8[], $10::float8[], $11::float8[], $12::float8[], $13::float8[], $14::float8[], $15::text[])
       AS v(id, ss, sh, ra, fcr, ces, frt, art, tht, eff, eft, efc, emp, csi, missing)
     WHERE d.id = v.id`,
    [
      col((r) => r.id),
      col((r) => r.metrics.sentimentScore),
      col((r) => r.metrics.sentimentShift),
      col((r) => r.metrics.resolutionAchieved),
      col((r) => r.metrics.fcrScore),
      col((r) => r.metrics.ces),
      col((r) => r.metrics.firstResponseTime),
      col((r) => r.metrics.avgResponseTime),
      col((r) => r.metrics.totalHandlingTime),
      col((r) => r.csi.effectiveness),
      col((r) => r.csi.effort),
      col((r) => r.csi.efficiency),
      col((r) => r.csi.empathy),
      col((r) => r.csi.csi),
      col((r) => r.csi.missing.join(',')),
      scorer.name,
      scorer.version,
    ],
  );
}
