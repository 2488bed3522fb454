import type pg from 'pg';
import type { ChangedConversation, PlannedBatch } from '../domain/analysis-batches.js';
import type { CsiResult, MicroMetrics } from '../domain/csi.js';
import { copyField, copyOutText, eachCopyRow } from './copy-out.js';
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
  await client.query(
    `CREATE TEMP TABLE plan_changed ON COMMIT DROP AS
     SELECT c.id, c.fb_chat_id, c.total_messages FROM ${CHANGED} AND c.id = ANY($1::int[])`,
    [conversationIds],
  );
  // One hash aggregate over the changed conversations' messages, compared with their rows. The
  // ids as an array let the planner read only their messages through the index.
  const res = await client.query<{ conversation_id: number; days: number }>(
    `WITH counts AS (
       SELECT m.conversation_id, (m.social_create_time AT TIME ZONE $1)::date AS day, count(*)::int AS n
       FROM messages m WHERE m.conversation_id = ANY(ARRAY(SELECT id FROM plan_changed))
       GROUP BY 1, 2)
     SELECT c.conversation_id, count(*)::int AS days FROM counts c
     LEFT JOIN daily_analyses d ON d.conversation_id = c.conversation_id AND d.day = c.day
     WHERE d.id IS NULL OR d.message_count <> c.n OR d.analyzed_at IS NULL
     GROUP BY 1`,
    [tz],
  );
  return {
    changed: res.rows.map((r) => ({ conversationId: r.conversation_id, days: r.days })).sort((a, b) => a.conversationId - b.conversationId),
    async remember(planned) {
      // a changed conversation whose days all have rows already (only its counter moved) is
      // remembered too: there is nothing to score
      const scored = new Set(res.rows.map((r) => r.conversation_id));
      const plannedSet = new Set(planned);
      const kept = conversationIds.filter((id) => !scored.has(id) || plannedSet.has(id));
      await client.query(
        `INSERT INTO processed_chats (fb_chat_id, message_count, processed_at)
         SELECT fb_chat_id, total_messages, now() FROM plan_changed WHERE id = ANY($1::int[])
         ON CONFLICT (fb_chat_id) DO UPDATE SET message_count = EXCLUDED.message_count, processed_at = now()`,
        [kept],
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
 * (`messages`: the conversations' topics are counted from it).
 */
export async function loadConversations(
  client: pg.ClientBase,
  conversationIds: readonly number[],
  tz: string,
  opts: { all?: boolean } = {},
): Promise<{ days: PlannedDay[]; messages: MessageColumns }> {
  const ids = [...conversationIds].sort((a, b) => a - b);
  const messages = await loadMessageColumns(client, ids, tz);
  if (ids.length === 0) return { days: [], messages };
  const stored = new Map<number, Map<number, number>>();
  if (!opts.all) {
    const rows = await client.query<{ conversation_id: number; day_no: number; n: number }>(
      // analysed rows only: a row never analysed is to score whatever its count
      `SELECT conversation_id, (day - ${DAY_EPOCH}) AS day_no, message_count AS n FROM daily_analyses
       WHERE conversation_id = ANY($1::int[]) AND analyzed_at IS NOT NULL`,
      [ids],
    );
    for (const r of rows.rows) {
      let c = stored.get(r.conversation_id);
      if (!c) stored.set(r.conversation_id, (c = new Map()));
      c.set(r.day_no, r.n);
    }
  }
  const days = assembleConversationDays(messages, opts.all ? () => true : (c, d, n) => stored.get(c)?.get(d) !== n);
  return { days, messages };
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

/**
 * Every message of the conversations (ids sorted), as columns, ordered by conversation, time, id.
 * Read with COPY: the text format costs the server about half what building one JSON value did,
 * and splits faster than JSON.parse builds it. COPY takes no parameters, so the ids (checked to be
 * integers) and the time zone (quoted by the driver) are written into the statement.
 */
async function loadMessageColumns(client: pg.ClientBase, ids: readonly number[], tz: string): Promise<MessageColumns> {
  const cols: MessageColumns = { conversationId: [], id: [], toClient: [], senderKind: [], text: [], atMs: [], classification: [], dayNo: [], agent: [] };
  if (ids.length === 0) return cols;
  for (const id of ids) if (!Number.isSafeInteger(id)) throw new TypeError(`conversation id ${String(id)} is not an integer`);
  const text = await copyOutText(
    client,
    `COPY (SELECT m.conversation_id, m.id, m.direction = 'to_client', m.sender_kind,
             round(date_part('epoch', date_trunc('milliseconds', m.social_create_time)) * 1000),
             m.classification, (m.social_create_time AT TIME ZONE ${client.escapeLiteral(tz)})::date - ${DAY_EPOCH},
             m.agent_info ->> 'name', m.text
           FROM messages m WHERE m.conversation_id = ANY('{${ids.join(',')}}'::int[])
           ORDER BY m.conversation_id, m.social_create_time, m.id) TO STDOUT`,
  );
  eachCopyRow(text, (f) => {
    cols.conversationId.push(Number(f[0]));
    cols.id.push(Number(f[1]));
    cols.toClient.push(f[2] === 't');
    cols.senderKind.push(f[3] as MessageColumns['senderKind'][number]);
    cols.atMs.push(Number(f[4]));
    cols.classification.push(copyField(f[5]!));
    cols.dayNo.push(Number(f[6]));
    cols.agent.push(copyField(f[7]!));
    cols.text.push(copyField(f[8]!));
  });
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
 * Writes each day's row once, scores with its message count and human agents, in one statement;
 * rerunning it writes the same values. The rows go as one JSON parameter: JSON.stringify is
 * native, where fifteen parameter arrays were encoded value by value in JavaScript.
 */
export async function saveDayResults(client: pg.ClientBase, results: DayResult[], scorer: { name: string; version: string }): Promise<void> {
  if (results.length === 0) return;
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
    `INSERT INTO daily_analyses AS d (conversation_id, day, message_count, human_agents,
       sentiment_score, sentiment_shift, resolution_achieved, fcr_score, ces,
       first_response_time, avg_response_time, total_handling_time,
       effectiveness, effort, efficiency, empathy, csi, missing_metrics, scorer_name, scorer_version, analyzed_at, updated_at)
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
