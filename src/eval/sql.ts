// The expected figures of the evaluation set, as SQL over the base tables (public schema), written
// from the measures' definition sentences and NOT produced by the query compiler (src/db/semantic)
// nor read through the analytics views: an answer that agrees with these was computed right, not
// merely computed the way the compiler happens to compute it.
import type { Statistic } from '../domain/semantic/catalogue.ts';
import type { Days } from './calendar.ts';

export type EvalDimension = 'page' | 'agent' | 'reviewer' | 'topic' | 'qa_state' | 'sender' | 'day' | 'week' | 'month' | 'hour' | 'weekday' | 'qa_category';

type Source = 'days' | 'messages' | 'replies' | 'sessions' | 'qa' | 'now' | 'templates' | 'reviews' | 'answers' | 'calibrations' | 'csat' | 'cases';

interface MeasureSql {
  source: Source;
  /** the value of one row */
  value: string;
  /** which rows count */
  where?: string;
  /** a count of distinct values (conversations among their messages) */
  distinct?: boolean;
  /** a rate of totals: sum(value) / sum(this) */
  per?: string;
}

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** First reply of a session (of a sender kind, if given), seconds after the session started. */
const firstReply = (kind?: string) =>
  `(SELECT extract(epoch FROM min(r.social_create_time) - s.started_at) FROM messages r
     WHERE r.conversation_id = s.conversation_id AND r.direction = 'to_client'${kind ? ` AND r.sender_kind = '${kind}'` : ''}
       AND r.social_create_time >= s.started_at AND r.social_create_time <= s.ended_at)`;

/**
 * Human wait after handoff: from the first of the session's requests for a human and the
 * conversation's recorded handoff (when inside the session) to the first human reply after it.
 */
const handoffWait = `(SELECT extract(epoch FROM min(x.social_create_time - hm.at)) FROM messages x,
     (SELECT min(t) AS at FROM (
        SELECT y.social_create_time AS t FROM messages y WHERE y.conversation_id = s.conversation_id AND y.sender_kind = 'customer'
           AND y.classification = 'human_request' AND y.social_create_time >= s.started_at AND y.social_create_time <= s.ended_at
        UNION ALL
        SELECT c2.handoff_at FROM conversations c2 WHERE c2.id = s.conversation_id AND c2.handoff_at >= s.started_at AND c2.handoff_at <= s.ended_at) z) hm
   WHERE x.conversation_id = s.conversation_id AND x.sender_kind = 'human_agent' AND x.social_create_time >= hm.at AND x.social_create_time <= s.ended_at)`;

/** Every measure of the catalogue, by name, as the definitions say it. */
export const MEASURE_SQL: Record<string, MeasureSql> = {
  csi: { source: 'days', value: 'd.csi' },
  effectiveness: { source: 'days', value: 'd.effectiveness' },
  effort: { source: 'days', value: 'd.effort' },
  efficiency: { source: 'days', value: 'd.efficiency' },
  empathy: { source: 'days', value: 'd.empathy' },
  sentimentScore: { source: 'days', value: 'd.sentiment_score' },
  sentimentShift: { source: 'days', value: 'd.sentiment_shift' },
  resolutionAchieved: { source: 'days', value: 'd.resolution_achieved' },
  fcrScore: { source: 'days', value: 'd.fcr_score' },
  ces: { source: 'days', value: 'd.ces' },
  firstResponseTime: { source: 'days', value: 'd.first_response_time' },
  avgResponseTime: { source: 'days', value: 'd.avg_response_time' },
  totalHandlingTime: { source: 'days', value: 'd.total_handling_time' },
  conversationDays: { source: 'days', value: '1' },
  responseTime: { source: 'replies', value: 'extract(epoch FROM nr.at - m.social_create_time)' },
  humanResponseTime: { source: 'replies', value: 'extract(epoch FROM nr.at - m.social_create_time)', where: `nr.sender = 'human_agent'` },
  firstResponse: { source: 'sessions', value: firstReply() },
  humanFirstResponse: { source: 'sessions', value: firstReply('human_agent') },
  botFirstResponse: { source: 'sessions', value: firstReply('bot') },
  resolutionTime: { source: 'sessions', value: 'extract(epoch FROM s.ended_at - s.started_at)', where: `s.completion_status = 'complete'` },
  messages: { source: 'messages', value: '1' },
  customerMessages: { source: 'messages', value: '1', where: `m.sender_kind = 'customer'` },
  conversations: { source: 'messages', value: 'm.conversation_id', distinct: true },
  handoffs: { source: 'sessions', value: '1', where: 's.human_handoff' },
  sessions: { source: 'sessions', value: '1' },
  handoffRate: { source: 'sessions', value: 'CASE WHEN s.human_handoff THEN 1 ELSE 0 END' },
  containment: { source: 'sessions', value: 'CASE WHEN s.human_handoff THEN 0 ELSE 1 END', where: 's.ai_engaged' },
  qaSessions: { source: 'sessions', value: '1', where: 's.ai_engaged' },
  reviewCoverage: { source: 'sessions', value: `CASE WHEN s.qa_status <> 'unchecked' THEN 1 ELSE 0 END`, where: 's.ai_engaged' },
  issueRate: { source: 'sessions', value: `CASE WHEN s.qa_status IN ('issue', 'fixed') THEN 1 ELSE 0 END`, where: `s.ai_engaged AND s.qa_status <> 'unchecked'` },
  reviews: { source: 'qa', value: '1' },
  reviewedSessions: { source: 'qa', value: 'e.session_id', where: `e.to_status <> 'unchecked'`, distinct: true },
  handoffWait: { source: 'sessions', value: handoffWait, where: 's.human_handoff' },
  // as the conversations stand now: no period
  handoffsWaiting: { source: 'now', value: '1', where: `c.handoff_state = 'waiting'` },
  handoffsAssigned: { source: 'now', value: '1', where: `c.handoff_state = 'human'` },
  // totals kept on each template since it was created: no period
  // the desk's closed cases, by when they were closed
  handoffResolveTime: { source: 'cases', value: 'extract(epoch FROM h.resolved_at - h.opened_at)', where: 'h.resolved_at IS NOT NULL' },
  handoffsClosed: { source: 'cases', value: '1', where: 'h.resolved_at IS NOT NULL' },
  templateUses: { source: 'templates', value: 't.usage_count' },
  templateSuccess: { source: 'templates', value: 't.success_count', per: 't.usage_count' },
  // scorecard reviews of sessions not deleted, by when each review was first saved
  qaScore: { source: 'reviews', value: 'r.score' },
  scorecardReviews: { source: 'reviews', value: '1' },
  qaCategoryScore: { source: 'answers', value: 'a.score' },
  // sheets of closed calibrations, by when the calibration closed
  reviewerAlignment: { source: 'calibrations', value: 'k.alignment' },
  // CSAT surveys Meta accepted, by when they were asked; the answer's score when there is one
  csatScore: { source: 'csat', value: 'r.score', where: 'r.score IS NOT NULL' },
  csatSatisfied: { source: 'csat', value: 'CASE WHEN r.score IN (4, 5) THEN 1 ELSE 0 END', where: 'r.score IS NOT NULL' },
  csatResponseRate: { source: 'csat', value: 'CASE WHEN r.survey_id IS NULL THEN 0 ELSE 1 END' },
  csatResponses: { source: 'csat', value: '1', where: 'r.survey_id IS NOT NULL' },
  csatSurveys: { source: 'csat', value: '1' },
};

/** The session's first human agent (by their first message in it), from the messages themselves. */
const firstHumanAgent = `(SELECT x.agent_info->>'name' FROM messages x WHERE x.conversation_id = s.conversation_id AND x.sender_kind = 'human_agent'
     AND x.social_create_time >= s.started_at AND x.social_create_time <= s.ended_at ORDER BY x.social_create_time, x.id LIMIT 1)`;

/**
 * One row per counted thing, with the columns every question may filter or group by:
 * day (business date), lt (local timestamp, for hours), page, agent, reviewer, topic, qa_state,
 * sender and v (the value).
 */
function rowsOf(m: MeasureSql, tz: string, byAgent: boolean): string {
  const local = (col: string) => `(${col} AT TIME ZONE ${q(tz)})`;
  const pageJoin = (alias: string) => `JOIN conversations c ON c.id = ${alias}.conversation_id JOIN pages p ON p.id = c.page_id`;
  const where = m.where ? `WHERE ${m.where}` : '';
  switch (m.source) {
    case 'days':
      // a conversation-day belongs to every human agent who replied in it that day
      return `SELECT d.day, NULL::timestamp AS lt, p.name AS page, ${byAgent ? 'ag.agent' : 'NULL::text'} AS agent, NULL::text AS reviewer,
          NULL::text AS topic, NULL::text AS qa_state, NULL::text AS sender, ${m.value} AS v
        FROM daily_analyses d ${pageJoin('d')}
        ${byAgent ? `JOIN (SELECT DISTINCT a.conversation_id, ${local('a.social_create_time')}::date AS day, a.agent_info->>'name' AS agent
                     FROM messages a WHERE a.sender_kind = 'human_agent') ag ON ag.conversation_id = d.conversation_id AND ag.day = d.day` : ''}
        ${where}`;
    case 'messages':
      return `SELECT ${local('m.social_create_time')}::date AS day, ${local('m.social_create_time')} AS lt, p.name AS page, m.agent_info->>'name' AS agent,
          NULL::text AS reviewer, m.classification AS topic, NULL::text AS qa_state, m.sender_kind::text AS sender, ${m.value} AS v
        FROM messages m ${pageJoin('m')} ${where}`;
    case 'replies':
      // each customer message and the first reply after it in its conversation
      return `SELECT ${local('m.social_create_time')}::date AS day, ${local('m.social_create_time')} AS lt, p.name AS page, nr.agent,
          NULL::text AS reviewer, m.classification AS topic, NULL::text AS qa_state, nr.sender, ${m.value} AS v
        FROM messages m ${pageJoin('m')}
        JOIN LATERAL (SELECT x.social_create_time AS at, x.sender_kind::text AS sender, x.agent_info->>'name' AS agent FROM messages x
                       WHERE x.conversation_id = m.conversation_id AND x.direction = 'to_client' AND x.social_create_time >= m.social_create_time
                       ORDER BY x.social_create_time, x.id LIMIT 1) nr ON true
        WHERE m.sender_kind = 'customer'${m.where ? ` AND ${m.where}` : ''}`;
    case 'sessions':
      return `SELECT ${local('s.started_at')}::date AS day, ${local('s.started_at')} AS lt, p.name AS page, NULL::text AS agent, u.name AS reviewer,
          NULL::text AS topic, s.qa_status::text AS qa_state, NULL::text AS sender, ${m.value} AS v
        FROM sessions s ${pageJoin('s')}
        LEFT JOIN LATERAL (SELECT x.actor_id FROM qa_events x WHERE x.session_id = s.id AND x.to_status IN ('passed', 'issue')
                           ORDER BY x.created_at DESC, x.id DESC LIMIT 1) rv ON true
        LEFT JOIN users u ON u.id = rv.actor_id ${where}`;
    case 'now':
      // the agent of a conversation with humans is the person it is assigned to
      return `SELECT NULL::date AS day, NULL::timestamp AS lt, p.name AS page, u.name AS agent, NULL::text AS reviewer,
          NULL::text AS topic, NULL::text AS qa_state, NULL::text AS sender, ${m.value} AS v
        FROM conversations c JOIN pages p ON p.id = c.page_id LEFT JOIN users u ON u.id = c.assigned_to_id ${where}`;
    case 'templates':
      return `SELECT NULL::date AS day, NULL::timestamp AS lt, CASE WHEN t.page_id IS NULL THEN 'shared (no page)' ELSE p.name END AS page, NULL::text AS agent, NULL::text AS reviewer,
          t.message_type AS topic, NULL::text AS qa_state, NULL::text AS sender, ${m.value} AS v, ${m.per ?? 'NULL::int'} AS per
        FROM message_templates t LEFT JOIN pages p ON p.id = t.page_id ${where}`;
    case 'reviews':
    case 'answers':
      // sender: who handled the reviewed session, a human agent if one wrote in it, else the bot
      return `SELECT ${local('r.created_at')}::date AS day, ${local('r.created_at')} AS lt, p.name AS page, ${firstHumanAgent} AS agent, u.name AS reviewer,
          NULL::text AS topic, s.qa_status::text AS qa_state, CASE WHEN ${firstHumanAgent} IS NULL THEN 'bot' ELSE 'human_agent' END AS sender,
          ${m.source === 'answers' ? 'qc.label' : 'NULL::text'} AS qa_category, ${m.value} AS v
        FROM qa_reviews r JOIN sessions s ON s.id = r.session_id ${pageJoin('s')} LEFT JOIN users u ON u.id = r.reviewer_id
        ${m.source === 'answers' ? 'JOIN qa_review_answers a ON a.review_id = r.id JOIN qa_categories qc ON qc.id = a.category_id' : ''}
        WHERE s.deleted_at IS NULL${m.where ? ` AND ${m.where}` : ''}`;
    case 'calibrations':
      return `SELECT ${local('cb.closed_at')}::date AS day, ${local('cb.closed_at')} AS lt, p.name AS page, NULL::text AS agent, u.name AS reviewer,
          NULL::text AS topic, NULL::text AS qa_state, NULL::text AS sender, ${m.value} AS v
        FROM qa_calibration_sheets k JOIN qa_calibrations cb ON cb.id = k.calibration_id JOIN sessions s ON s.id = cb.session_id ${pageJoin('s')}
        LEFT JOIN users u ON u.id = k.reviewer_id
        WHERE cb.status = 'closed' AND s.deleted_at IS NULL${m.where ? ` AND ${m.where}` : ''}`;
    case 'csat':
      return `SELECT ${local('v.asked_at')}::date AS day, ${local('v.asked_at')} AS lt, p.name AS page, v.agent, NULL::text AS reviewer,
          NULL::text AS topic, NULL::text AS qa_state, v.handled_by AS sender, ${m.value} AS v
        FROM csat_surveys v JOIN sessions s ON s.id = v.session_id JOIN conversations c ON c.id = s.conversation_id JOIN pages p ON p.id = c.page_id
        LEFT JOIN csat_responses r ON r.survey_id = v.id
        WHERE v.status = 'sent' AND s.deleted_at IS NULL${m.where ? ` AND ${m.where}` : ''}`;
    case 'cases':
      // the agent: who had the case when it closed, else who closed it
      return `SELECT ${local('h.resolved_at')}::date AS day, ${local('h.resolved_at')} AS lt, p.name AS page, coalesce(ua.name, ur.name) AS agent, NULL::text AS reviewer,
          NULL::text AS topic, NULL::text AS qa_state, NULL::text AS sender, ${m.value} AS v
        FROM handoff_cases h JOIN pages p ON p.id = h.page_id LEFT JOIN users ua ON ua.id = h.assigned_to_id LEFT JOIN users ur ON ur.id = h.resolved_by_id ${where}`;
    case 'qa':
      return `SELECT ${local('e.created_at')}::date AS day, ${local('e.created_at')} AS lt, p.name AS page, NULL::text AS agent, u.name AS reviewer,
          NULL::text AS topic, e.to_status::text AS qa_state, NULL::text AS sender, ${m.value} AS v
        FROM qa_events e JOIN sessions s ON s.id = e.session_id ${pageJoin('s')} LEFT JOIN users u ON u.id = e.actor_id ${where}`;
  }
}

function aggregate(stat: Statistic, distinct = false): string {
  if (distinct) return 'count(DISTINCT v)';
  switch (stat) {
    case 'mean':
    case 'rate':
      return 'avg(v)::float8';
    case 'median':
      return 'percentile_cont(0.5) WITHIN GROUP (ORDER BY v)';
    case 'p90':
      return 'percentile_cont(0.9) WITHIN GROUP (ORDER BY v)';
    case 'min':
      return 'min(v)::float8';
    case 'max':
      return 'max(v)::float8';
    case 'sum':
      return 'sum(v)::float8';
    case 'count':
      return 'count(*)';
    case 'share':
      return 'count(*)::float8 / sum(count(*)) OVER ()';
    case 'perDay':
      throw new Error('a daily average is computed from the days themselves (figureSql)');
  }
}

/** A group key as it is read in an answer: names as they are, days as dates, hours as "09:00", weekdays by name. */
const KEYS: Record<EvalDimension, string> = {
  page: 'page', agent: 'agent', reviewer: 'reviewer', topic: 'topic', qa_state: 'qa_state', sender: 'sender',
  day: 'day::text', week: `date_trunc('week', day)::date::text`, month: `to_char(day, 'YYYY-MM')`,
  hour: `lpad(extract(hour FROM lt)::int::text, 2, '0') || ':00'`, weekday: `trim(to_char(day, 'Day'))`, qa_category: 'qa_category',
};

export interface Filters {
  page?: string[];
  agent?: string[];
  reviewer?: string[];
  topic?: string[];
  qa_state?: string[];
  sender?: string[];
  /** ISO weekday numbers, 1 = Monday */
  weekday?: number[];
}

export interface FigureSpec {
  measure: string;
  stat: Statistic;
  period: Days;
  where?: Filters;
  by?: EvalDimension;
  order?: 'asc' | 'desc';
  limit?: number;
}

/**
 * A daily average: the mean of each calendar day's count over the period's days (of the weekdays
 * kept) from the first day the measure has rows, days without rows counting 0.
 */
function perDaySql(s: FigureSpec, m: MeasureSql, from: string, rows: string): string {
  if (s.by) throw new Error('the evaluation set has no daily average by a breakdown');
  const weekdays = s.where?.weekday ? `WHERE extract(isodow FROM g.d) IN (${s.where.weekday.join(', ')})` : '';
  return `SELECT avg(coalesce(c.n, 0))::float8 AS value
FROM generate_series(greatest(DATE ${q(s.period.from)}, (SELECT min(day) FROM (${rows}) r)), DATE ${q(s.period.to)}, interval '1 day') g(d)
LEFT JOIN (SELECT day, count(${m.distinct ? 'DISTINCT v' : '*'}) AS n
  ${from}
  GROUP BY day) c ON c.day = g.d::date
${weekdays}`;
}

/** `period` undefined: how things stand now, every row. */
function conditions(period: Days | undefined, where: Filters = {}): string[] {
  const out = [period ? `day BETWEEN DATE ${q(period.from)} AND DATE ${q(period.to)}` : 'true'];
  for (const [dim, values] of Object.entries(where) as [keyof Filters, (string | number)[]][]) {
    if (dim === 'weekday') out.push(`extract(isodow FROM day) IN (${values.join(', ')})`);
    else out.push(`lower(${dim}) IN (${values.map((v) => `lower(${q(String(v))})`).join(', ')})`);
  }
  return out;
}

function measureSql(name: string): MeasureSql {
  const m = MEASURE_SQL[name];
  if (!m) throw new Error(`no evaluation SQL for measure ${name}`);
  return m;
}

/**
 * The figure (one row, column `value`) or the ranking/breakdown (rows `key`, `value`, best
 * first by `order`, or in key order for time dimensions without one).
 */
export function figureSql(s: FigureSpec, tz: string): string {
  const m = measureSql(s.measure);
  const byAgent = m.source === 'days' && (s.by === 'agent' || s.where?.agent !== undefined);
  const from = `FROM (${rowsOf(m, tz, byAgent)}) x\nWHERE ${conditions(m.source === 'now' || m.source === 'templates' ? undefined : s.period, s.where).join(' AND ')}`;
  if (s.stat === 'perDay') return perDaySql(s, m, from, rowsOf(m, tz, false));
  const agg = m.per ? 'sum(v)::float8 / sum(per)' : aggregate(s.stat, m.distinct);
  if (!s.by) return `SELECT ${agg} AS value\n${from}`;
  const order = s.order ? `value ${s.order === 'asc' ? 'ASC' : 'DESC'} NULLS LAST, key` : 'key';
  return `SELECT ${KEYS[s.by]} AS key, ${agg} AS value\n${from}\nGROUP BY 1\nORDER BY ${order}${s.limit ? `\nLIMIT ${s.limit}` : ''}`;
}

/** Two figures of one measure: `current` for the period asked, `previous` for the one compared to. */
export function compareSql(s: FigureSpec, previous: Days, tz: string): string {
  return `SELECT (${figureSql(s, tz)}) AS current,\n       (${figureSql({ ...s, period: previous }, tz)}) AS previous`;
}
