import type pg from 'pg';
import type { ChangedConversation, PlannedBatch } from '../domain/analysis-batches.js';
import type { CsiResult, MicroMetrics } from '../domain/csi.js';
import { BinaryCopy } from './copy-binary.js';
import { copyBinaryAhead } from './copy-ahead.js';
import { copyOutBinary } from './copy-out.js';
import { TOPIC_LABELS } from '../domain/topics.js';
import { assembleConversationDays, type AssembledDay, type MessageColumns } from '../domain/scoring/assemble-days.js';

// SQL for the analysis pipeline. Days are calendar days in the business timezone ($tz):
// `day::timestamp AT TIME ZONE tz` is that day's local midnight as an instant.

// Day numbers count from this date: `day - DAY_EPOCH` in SQL, compared as integers in assemble-days.ts.
const DAY_EPOCH = `DATE '2000-01-01'`;


/** Conversations (`c`) whose count processed_chats does not remember and no unfinished job holds. */
const CHANGED = `conversations c
  LEFT JOIN processed_chats p ON p.fb_chat_id = c.fb_chat_id
  WHERE (p.id IS NULL OR p.message_count <> c.total_messages)
    AND c.id NOT IN (SELECT unnest(j.conversation_ids) FROM jobs j WHERE j.status IN ('pending', 'in_progress'))`;

/**
 * The conversations whose message count differs from what processed_chats remembers, in id
 * order. A conversation already in an unfinished job is left for a later plan: that job reads
 * its messages when it runs, and no two unfinished jobs then hold the same conversation.
 */
export async function changedConversationIds(client: pg.ClientBase, conversationIds?: number[]): Promise<number[]> {
  const res = await client.query<{ id: number }>(
    `SELECT c.id FROM ${CHANGED} AND ($1::int[] IS NULL OR c.id = ANY($1::int[])) ORDER BY c.id`,
    [conversationIds ?? null],
  );
  return res.rows.map((r) => r.id);
}

/**
 * Of these conversations, those still changed (changedConversationIds' rule, checked again in
 * the caller's transaction), each with its days to (re)score: days without a row, whose message
 * count changed, or never analysed; in id order. `remember` then records the message counts
 * read here in processed_chats for the ones the caller plans (its transaction commits them with
 * the jobs).
 */
export async function countChangedDays(
  client: pg.ClientBase,
  tz: string,
  conversationIds: readonly number[],
): Promise<{ changed: ChangedConversation[]; remember(planned: readonly number[]): Promise<void> }> {
  // One statement: the still-changed conversations with their counters, and one hash aggregate
  // over their messages compared with their rows. The ids as an array let the planner read only
  // their messages through the index.
  const res = await client.query<{ id: number; fb_chat_id: string; total_messages: number; days: number }>(
    `WITH changed AS MATERIALIZED (
       SELECT c.id, c.fb_chat_id, c.total_messages FROM ${CHANGED} AND c.id = ANY($2::int[])),
     counts AS (
       SELECT m.conversation_id, (m.social_create_time AT TIME ZONE $1)::date AS day, count(*)::int AS n
       FROM messages m WHERE m.conversation_id = ANY(ARRAY(SELECT id FROM changed))
       GROUP BY 1, 2),
     days AS (
       SELECT c.conversation_id, count(*)::int AS days FROM counts c
       LEFT JOIN daily_analyses d ON d.conversation_id = c.conversation_id AND d.day = c.day
       WHERE d.id IS NULL OR d.message_count <> c.n OR d.analyzed_at IS NULL
       GROUP BY 1)
     SELECT ch.id, ch.fb_chat_id, ch.total_messages, coalesce(d.days, 0) AS days
     FROM changed ch LEFT JOIN days d ON d.conversation_id = ch.id ORDER BY ch.id`,
    [tz, conversationIds],
  );
  return {
    changed: res.rows.filter((r) => r.days > 0).map((r) => ({ conversationId: r.id, days: r.days })),
    async remember(planned) {
      // a changed conversation whose days all have rows already (only its counter moved) is
      // remembered too: there is nothing to score
      const plannedSet = new Set(planned);
      const kept = res.rows.filter((r) => r.days === 0 || plannedSet.has(r.id));
      await client.query(
        `INSERT INTO processed_chats (fb_chat_id, message_count, processed_at)
         SELECT v.fb_chat_id, v.n, now() FROM unnest($1::text[], $2::int[]) AS v(fb_chat_id, n)
         ON CONFLICT (fb_chat_id) DO UPDATE SET message_count = EXCLUDED.message_count, processed_at = now()`,
        [kept.map((r) => r.fb_chat_id), kept.map((r) => r.total_messages)],
      );
    },
  };
}

/** Creates one pending job per batch of conversations; returns the job ids in order. */
export async function createJobs(
  client: pg.ClientBase,
  batches: readonly PlannedBatch[],
  uploadId?: number,
): Promise<number[]> {
  if (batches.length === 0) return [];
  const jobs = await client.query<{ id: number }>(
    // ordinality keeps the batches' order in the ids
    `INSERT INTO jobs (upload_id, status, conversation_ids, days)
     SELECT $1, 'pending', ARRAY(SELECT json_array_elements_text(b.v -> 'ids')::int), (b.v ->> 'days')::int
     FROM json_array_elements($2::json) WITH ORDINALITY AS b(v, n)
     ORDER BY b.n RETURNING id`,
    [uploadId ?? null, JSON.stringify(batches.map((b) => ({ ids: b.conversationIds, days: b.days })))],
  );
  return jobs.rows.map((r) => r.id).sort((a, b) => a - b);
}

/** A conversation-day to score, with what its row records besides the scores. */
export type PlannedDay = AssembledDay;

/** The job's conversations: its own list, or those of its job_daily_analyses rows (a job planned before). */
export async function jobConversations(client: pg.ClientBase, jobId: number): Promise<number[]> {
  const res = await client.query<{ ids: number[] | null }>(
    `SELECT coalesce(j.conversation_ids, ARRAY(SELECT DISTINCT d.conversation_id FROM job_daily_analyses x
       JOIN daily_analyses d ON d.id = x.daily_analysis_id WHERE x.job_id = j.id ORDER BY 1)) AS ids
     FROM jobs j WHERE j.id = $1`,
    [jobId],
  );
  return res.rows[0]?.ids ?? [];
}

/**
 * The conversation-days of these conversations to (re)score, or all of them (`all`), with their
 * messages and context, from one read of every message of the conversations in index order and
 * one of their existing rows. Which days changed, their message counts and human agents, and each
 * conversation's first customer message come from that same stream, which is also returned
 * (`messages`: the conversations' topics are counted from it). `hasRow` tells which days already
 * have a row (always true with `all`, which reads none).
 */
export async function loadConversations(
  client: pg.ClientBase,
  conversationIds: readonly number[],
  tz: string,
  opts: { all?: boolean } = {},
): Promise<{ days: PlannedDay[]; messages: MessageColumns; hasRow: (conversationId: number, dayNo: number) => boolean }> {
  const ids = [...conversationIds].sort((a, b) => a - b);
  const messages = await loadMessageColumns(client, ids, tz);
  if (opts.all) return { days: assembleConversationDays(messages, () => true), messages, hasRow: () => true };
  // each row's message count, or -1 for a row never analysed (to score whatever its count)
  const stored = new Map<number, Map<number, number>>();
  if (ids.length > 0) {
    const rows = await client.query<{ conversation_id: number; day_no: number; n: number }>(
      `SELECT conversation_id, (day - ${DAY_EPOCH}) AS day_no, CASE WHEN analyzed_at IS NULL THEN -1 ELSE message_count END AS n
       FROM daily_analyses WHERE conversation_id = ANY($1::int[])`,
      [ids],
    );
    for (const r of rows.rows) {
      let c = stored.get(r.conversation_id);
      if (!c) stored.set(r.conversation_id, (c = new Map()));
      c.set(r.day_no, r.n);
    }
  }
  const days = assembleConversationDays(messages, (c, d, n) => stored.get(c)?.get(d) !== n);
  return { days, messages, hasRow: (c, d) => stored.get(c)?.has(d) === true };
}

/** loadConversations' days alone. */
export async function loadConversationDays(
  client: pg.ClientBase,
  conversationIds: readonly number[],
  tz: string,
  opts: { all?: boolean } = {},
): Promise<PlannedDay[]> {
  return (await loadConversations(client, conversationIds, tz, opts)).days;
}

const SENDER_KINDS = ['customer', 'bot', 'human_agent'] as const;

/**
 * Every message of the conversations (ids sorted), as columns, ordered by conversation, time, id.
 * Read with binary COPY: the server sends ids and times as stored instead of building JSON or
 * text (it spent more on the epoch arithmetic than on reading the rows), and labels and sender
 * kinds come back as shared strings. COPY takes no parameters, so the ids (checked to be
 * integers) and the time zone (quoted by the driver) are written into the statement.
 */
async function loadMessageColumns(client: pg.ClientBase, ids: readonly number[], tz: string): Promise<MessageColumns> {
  const cols: MessageColumns = { conversationId: [], id: [], toClient: [], senderKind: [], text: [], atMs: [], classification: [], dayNo: [], agent: [] };
  if (ids.length === 0) return cols;
  for (const id of ids) if (!Number.isSafeInteger(id)) throw new TypeError(`conversation id ${String(id)} is not an integer`);
  const rows = await copyOutBinary(
    client,
    `SELECT m.conversation_id, m.id, m.direction = 'to_client', m.sender_kind, m.social_create_time,
       m.classification, (m.social_create_time AT TIME ZONE ${client.escapeLiteral(tz)})::date - ${DAY_EPOCH},
       m.agent_info ->> 'name', m.text
     FROM messages m WHERE m.conversation_id = ANY('{${ids.join(',')}}'::int[])
     ORDER BY m.conversation_id, m.social_create_time, m.id`,
  );
  while (rows.next()) {
    cols.conversationId.push(rows.int4());
    cols.id.push(rows.int4());
    cols.toClient.push(rows.bool());
    cols.senderKind.push(rows.oneOf(SENDER_KINDS) as MessageColumns['senderKind'][number]);
    cols.atMs.push(rows.timestampMs());
    cols.classification.push(rows.oneOf(TOPIC_LABELS));
    cols.dayNo.push(rows.int4());
    cols.agent.push(rows.text());
    cols.text.push(rows.text());
  }
  return cols;
}

export interface DayResult {
  conversationId: number;
  dayNo: number;
  messageCount: number;
  humanAgents: string[];
  metrics: MicroMetrics;
  csi: CsiResult;
}

/**
 * Writes each day's row once, scores with its message count and human agents; rerunning it
 * writes the same values. Days without a row (`hasRow`) are added with one binary COPY, which
 * PostgreSQL inserts in bulk; the rest are updated in one upsert. A row added meanwhile by
 * someone else makes the COPY fail on the unique key, and the job's retry then updates it.
 */
export async function saveDayResults(
  client: pg.ClientBase,
  results: DayResult[],
  scorer: { name: string; version: string },
  hasRow: (conversationId: number, dayNo: number) => boolean = () => true,
): Promise<void> {
  const fresh = results.filter((r) => !hasRow(r.conversationId, r.dayNo));
  const known = fresh.length === 0 ? results : results.filter((r) => hasRow(r.conversationId, r.dayNo));
  if (fresh.length > 0) await insertDayResults(client, fresh, scorer);
  if (known.length > 0) await upsertDayResults(client, known, scorer);
}

const DAY_COLUMNS = `conversation_id, day, message_count, human_agents,
       sentiment_score, sentiment_shift, resolution_achieved, fcr_score, ces,
       first_response_time, avg_response_time, total_handling_time,
       effectiveness, effort, efficiency, empathy, csi, missing_metrics, scorer_name, scorer_version, analyzed_at, updated_at`;

async function insertDayResults(client: pg.ClientBase, results: DayResult[], scorer: { name: string; version: string }): Promise<void> {
  // the transaction's now() as a millisecond column stores it (rounded, like created_at's default)
  const now = (await client.query<{ ms: number }>(`SELECT (extract(epoch FROM now()::timestamptz(3)) * 1000)::float8 AS ms`)).rows[0]!.ms;
  const copy = new BinaryCopy(results.length * 200);
  const sorted = [...results].sort((a, b) => a.conversationId - b.conversationId || a.dayNo - b.dayNo);
  for (const { conversationId, dayNo, messageCount, humanAgents, metrics: m, csi: c } of sorted) {
    copy.row(22).int4(conversationId).date(dayNo).int4(messageCount).textArray(humanAgents);
    copy.float8(m.sentimentScore).float8(m.sentimentShift).float8(m.resolutionAchieved).float8(m.fcrScore).float8(m.ces);
    copy.float8(m.firstResponseTime).float8(m.avgResponseTime).float8(m.totalHandlingTime);
    copy.float8(c.effectiveness).float8(c.effort).float8(c.efficiency).float8(c.empathy).float8(c.csi).textArray(c.missing);
    copy.text(scorer.name).text(scorer.version).timestamptz(now).timestamptz(now);
  }
  await copyBinaryAhead(client, `daily_analyses (${DAY_COLUMNS})`, copy);
}

/** The rows as one JSON parameter: JSON.stringify is native, where fifteen parameter arrays were encoded value by value. */
async function upsertDayResults(client: pg.ClientBase, results: DayResult[], scorer: { name: string; version: string }): Promise<void> {
  const rows = results.map(({ conversationId, dayNo, messageCount, humanAgents, metrics: m, csi: c }) => ({
    c: conversationId,
    d: dayNo,
    n: messageCount,
    ha: humanAgents,
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
    `INSERT INTO daily_analyses AS d (${DAY_COLUMNS})
     SELECT v.c, ${DAY_EPOCH} + v.d, v.n, v.ha, v.ss, v.sh, v.ra, v.fcr, v.ces, v.frt, v.art, v.tht,
       v.eff, v.eft, v.efc, v.emp, v.csi, v.missing, $2, $3, now(), now()
     FROM json_to_recordset($1::json) AS v(c int, d int, n int, ha text[], ss float8, sh float8, ra float8, fcr float8, ces float8,
       frt float8, art float8, tht float8, eff float8, eft float8, efc float8, emp float8, csi float8, missing text[])
     ORDER BY v.c, v.d
     ON CONFLICT (conversation_id, day) DO UPDATE SET
       message_count = EXCLUDED.message_count, human_agents = EXCLUDED.human_agents,
       sentiment_score = EXCLUDED.sentiment_score, sentiment_shift = EXCLUDED.sentiment_shift,
       resolution_achieved = EXCLUDED.resolution_achieved, fcr_score = EXCLUDED.fcr_score, ces = EXCLUDED.ces,
       first_response_time = EXCLUDED.first_response_time, avg_response_time = EXCLUDED.avg_response_time,
       total_handling_time = EXCLUDED.total_handling_time, effectiveness = EXCLUDED.effectiveness,
       effort = EXCLUDED.effort, efficiency = EXCLUDED.efficiency, empathy = EXCLUDED.empathy, csi = EXCLUDED.csi,
       missing_metrics = EXCLUDED.missing_metrics, scorer_name = EXCLUDED.scorer_name,
       scorer_version = EXCLUDED.scorer_version, analyzed_at = now(), updated_at = now()`,
    [JSON.stringify(rows), scorer.name, scorer.version],
  );
}
