import type pg from 'pg';
import { COMPLAINT_HANDOFF_REASON, type CsatScore } from '../domain/csat.ts';

// CSAT surveys and answers (tables of migration 20261206203000_csat). The survey job claims
// every eligible session in one statement (the unique session_id makes a claim once-only, also
// across instances), then sends; the reply worker's hook records answers and comments.

type Db = pg.Pool | pg.ClientBase;

export interface ClaimedSurvey {
  surveyId: number;
  sessionId: number;
  conversationId: number;
  /** Messenger page id (pages.fb_page_id) and the customer's PSID: where the survey goes */
  pageId: string;
  psid: string;
}

/**
 * Claims a survey for every resolved session, as of `now`: the conversation is with the bot
 * (not waiting for or with a human), the customer is not blocked and wrote in the session, the
 * conversation's latest message is ours (bot or human agent) and at least `delayMinutes` old,
 * the customer's latest message is inside Messenger's 24-hour window, the session had no
 * complaint escalation (handoff reason `angry` recorded inside it), the bot is not paused for a
 * person who wrote from another inbox in the last `pauseMinutes`, and the session has no survey.
 * The session must already include that latest message (sessions are rebuilt just after each
 * message; a lagging one is claimed at the next run).
 */
export async function claimSurveys(db: Db, now: Date, opts: { delayMinutes: number; pauseMinutes: number }): Promise<ClaimedSurvey[]> {
  const { rows } = await db.query<{ id: number; session_id: number; conversation_id: number; fb_page_id: string; psid: string }>(
    `WITH candidates AS (
       SELECT c.id AS conversation_id, c.page_id, cu.last_message_at AS customer_at, c.handoff_reason, c.handoff_at
         FROM customers cu JOIN conversations c ON c.customer_id = cu.id
        WHERE cu.last_message_at > $1::timestamptz - interval '24 hours'
          AND cu.last_message_at <= $1::timestamptz - make_interval(mins => $2)
          AND NOT cu.blocked AND c.handoff_state = 'bot'
     ), resolved AS (
       SELECT k.*, lm.sender_kind, lm.t AS last_at, lm.mid, s.id AS session_id, s.started_at, s.first_human_agent
         FROM candidates k
         CROSS JOIN LATERAL (SELECT m.sender_kind::text AS sender_kind, m.social_create_time AS t, m.mid FROM messages m
                              WHERE m.conversation_id = k.conversation_id ORDER BY m.social_create_time DESC, m.id DESC LIMIT 1) lm
         CROSS JOIN LATERAL (SELECT s.id, s.started_at, s.ended_at, s.first_human_agent FROM sessions s
                              WHERE s.conversation_id = k.conversation_id AND s.deleted_at IS NULL ORDER BY s.sequence DESC LIMIT 1) s
        WHERE lm.sender_kind <> 'customer' AND lm.t <= $1::timestamptz - make_interval(mins => $2)
          AND s.ended_at >= lm.t AND k.customer_at >= s.started_at
     ), claimed AS (
       INSERT INTO csat_surveys (session_id, conversation_id, page_id, handled_by, agent, asked_at)
       SELECT r.session_id, r.conversation_id, r.page_id, CASE WHEN r.first_human_agent IS NOT NULL THEN 'human_agent' ELSE 'bot' END,
              r.first_human_agent, $1
         FROM resolved r
        WHERE NOT (r.handoff_reason IS NOT DISTINCT FROM $4 AND r.handoff_at >= r.started_at)
          -- a person in another inbox (not our desk's sends) wrote last, lately: the bot is paused
          AND NOT (r.sender_kind = 'human_agent' AND r.last_at > $1::timestamptz - make_interval(mins => $3)
                   AND NOT EXISTS (SELECT 1 FROM messenger_sends x WHERE x.conversation_id = r.conversation_id AND x.response_mid = r.mid))
          AND NOT EXISTS (SELECT 1 FROM csat_surveys v WHERE v.session_id = r.session_id)
       ON CONFLICT (session_id) DO NOTHING
       RETURNING id, session_id, conversation_id
     )
     SELECT cl.id, cl.session_id, cl.conversation_id, p.fb_page_id, cu.psid
       FROM claimed cl JOIN conversations c ON c.id = cl.conversation_id JOIN pages p ON p.id = c.page_id JOIN customers cu ON cu.id = c.customer_id
      ORDER BY cl.id`,
    [now, opts.delayMinutes, opts.pauseMinutes, COMPLAINT_HANDOFF_REASON],
  );
  return rows.map((r) => ({ surveyId: r.id, sessionId: r.session_id, conversationId: r.conversation_id, pageId: r.fb_page_id, psid: r.psid }));
}

/** Claims a crashed run left unsent (claimed more than `olderThanMs` ago): sent again under the same key. */
export async function unsentSurveys(db: Db, now: Date, olderThanMs: number): Promise<ClaimedSurvey[]> {
  const { rows } = await db.query<{ id: number; session_id: number; conversation_id: number; fb_page_id: string; psid: string }>(
    `SELECT v.id, v.session_id, v.conversation_id, p.fb_page_id, cu.psid
       FROM csat_surveys v JOIN conversations c ON c.id = v.conversation_id JOIN pages p ON p.id = c.page_id JOIN customers cu ON cu.id = c.customer_id
      WHERE v.status = 'pending' AND v.asked_at < $1::timestamptz - make_interval(secs => $2::double precision / 1000)
      ORDER BY v.id LIMIT 500`,
    [now, olderThanMs],
  );
  return rows.map((r) => ({ surveyId: r.id, sessionId: r.session_id, conversationId: r.conversation_id, pageId: r.fb_page_id, psid: r.psid }));
}

export async function settleSurvey(db: Db, surveyId: number, status: 'sent' | 'refused' | 'failed', error?: string): Promise<void> {
  await db.query(`UPDATE csat_surveys SET status = $2, error = $3 WHERE id = $1`, [surveyId, status, error ?? null]);
}

export interface OpenSurvey {
  id: number;
  sessionId: number;
  stage: 'score' | 'comment' | 'closed';
  askedAt: Date;
  answeredAt: Date | null;
}

/**
 * openSurvey of conversation `conv` (an SQL expression) as a JSON value (NULL when none), for a
 * query that reads it with other things (the reply worker's claim); toOpenSurvey reads it.
 */
export const openSurveyJson = (conv: string) => `(SELECT json_build_object('id', v.id, 'session_id', v.session_id, 'stage', v.stage, 'asked_at', v.asked_at, 'answered_at', r.answered_at)
       FROM csat_surveys v LEFT JOIN csat_responses r ON r.survey_id = v.id
      WHERE v.conversation_id = ${conv} AND v.status = 'sent' AND v.stage <> 'closed'
      ORDER BY v.asked_at DESC, v.id DESC LIMIT 1)`;

export function toOpenSurvey(j: { id: number; session_id: number; stage: OpenSurvey['stage']; asked_at: string; answered_at: string | null } | null): OpenSurvey | undefined {
  return j ? { id: j.id, sessionId: j.session_id, stage: j.stage, askedAt: new Date(j.asked_at), answeredAt: j.answered_at === null ? null : new Date(j.answered_at) } : undefined;
}

/** The conversation's latest sent survey still waiting for a score or a comment. */
export async function openSurvey(db: Db, conversationId: number): Promise<OpenSurvey | undefined> {
  const { rows } = await db.query<{ id: number; session_id: number; stage: OpenSurvey['stage']; asked_at: Date; answered_at: Date | null }>(
    `SELECT v.id, v.session_id, v.stage, v.asked_at, r.answered_at
       FROM csat_surveys v LEFT JOIN csat_responses r ON r.survey_id = v.id
      WHERE v.conversation_id = $1 AND v.status = 'sent' AND v.stage <> 'closed'
      ORDER BY v.asked_at DESC, v.id DESC LIMIT 1`,
    [conversationId],
  );
  const r = rows[0];
  return r ? { id: r.id, sessionId: r.session_id, stage: r.stage, askedAt: r.asked_at, answeredAt: r.answered_at } : undefined;
}

/**
 * Stores a score for the session's survey (in this conversation: a payload from elsewhere is
 * not trusted) and moves it to the comment stage. `stored` false: unknown survey or already
 * answered (a second tap keeps the first answer).
 */
export async function recordScore(
  db: Db,
  a: { sessionId: number; conversationId: number; score: CsatScore; at: Date },
): Promise<{ stored: boolean; surveyId?: number }> {
  const { rows } = await db.query<{ survey_id: number }>(
    `WITH answered AS (
       INSERT INTO csat_responses (survey_id, session_id, conversation_id, page_id, score, answered_at, handled_by, agent)
       SELECT v.id, v.session_id, v.conversation_id, v.page_id, $3, $4, v.handled_by, v.agent
         FROM csat_surveys v WHERE v.session_id = $1 AND v.conversation_id = $2 AND v.status = 'sent'
       ON CONFLICT (survey_id) DO NOTHING
       RETURNING survey_id
     )
     UPDATE csat_surveys v SET stage = 'comment' FROM answered a WHERE v.id = a.survey_id RETURNING v.id AS survey_id`,
    [a.sessionId, a.conversationId, a.score, a.at],
  );
  return rows[0] ? { stored: true, surveyId: rows[0].survey_id } : { stored: false };
}

/** The optional comment on an answered survey; the survey is closed with it. */
export async function recordComment(db: Db, surveyId: number, comment: string, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `WITH c AS (UPDATE csat_responses SET comment = $2, commented_at = $3 WHERE survey_id = $1 AND comment IS NULL RETURNING survey_id)
     UPDATE csat_surveys v SET stage = 'closed' FROM c WHERE v.id = c.survey_id`,
    [surveyId, comment, at],
  );
  return (rowCount ?? 0) > 0;
}

/** No (more) answer expected: the customer moved on, or declined the comment. */
export async function closeSurvey(db: Db, where: { surveyId: number } | { sessionId: number; conversationId: number }): Promise<void> {
  if ('surveyId' in where) await db.query(`UPDATE csat_surveys SET stage = 'closed' WHERE id = $1`, [where.surveyId]);
  else await db.query(`UPDATE csat_surveys SET stage = 'closed' WHERE session_id = $1 AND conversation_id = $2`, [where.sessionId, where.conversationId]);
}

/**
 * The calibration's pairs: surveys answered in [since, until) whose session has a CSI, that CSI
 * being the mean over the conversation's scored days the session spans (in `timeZone`).
 */
export async function calibrationPairs(db: Db, since: Date, until: Date, timeZone: string): Promise<{ csi: number; csat: number }[]> {
  const { rows } = await db.query<{ csi: number; csat: number }>(
    `SELECT sc.csi, r.score::float8 AS csat
       FROM csat_responses r
       JOIN sessions s ON s.id = r.session_id AND s.deleted_at IS NULL
       CROSS JOIN LATERAL (
         SELECT avg(d.csi)::float8 AS csi FROM daily_analyses d
          WHERE d.conversation_id = s.conversation_id AND d.csi IS NOT NULL
            AND d.day BETWEEN (s.started_at AT TIME ZONE $3)::date AND (s.ended_at AT TIME ZONE $3)::date
       ) sc
      WHERE r.answered_at >= $1 AND r.answered_at < $2 AND sc.csi IS NOT NULL
      ORDER BY r.survey_id`,
    [since, until, timeZone],
  );
  return rows;
}
