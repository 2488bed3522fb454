import type pg from 'pg';
import { maskPii } from '../domain/mask.ts';
import { isQaStatus, QA_STATUSES, type QaStatus } from '../domain/qa.ts';
import { CAME_BACK_HOURS, LOW_CONFIDENCE, LOW_CSI, RISK_RULES, SENTIMENT_DROP, VERY_LOW_CSI, riskOf, type RiskRule, type RiskSignals } from '../domain/qa-risk.ts';

// Reads for QA reviewers in Slack (/qa): the queue page by page, a session's card and its
// transcript with what the AI did per message, and review statistics. Read-only; changes go
// through qa-repo's changeQaStatus. Message text leaves here with emails and phones masked.
// Softly deleted sessions (deleted_at) are left out everywhere, as the REST API does.

export interface QaCard {
  sessionId: number;
  conversationId: number;
  page: string;
  startedAt: Date;
  endedAt: Date;
  messageCount: number;
  aiMessageCount: number;
  humanHandoff: boolean;
  completionStatus: string;
  qaStatus: QaStatus;
  qaVersion: number;
  qaNotes: string | null;
  devFeedback: string | null;
  qaAt: Date | null;
  /** who set the current state: a Slack user id when the user is a Slack user, else a name */
  qaBy: { slackId?: string; name?: string } | null;
  /** in the risk-ranked queue: the session's risk score, why, and the signals it came from (domain/qa-risk.ts) */
  risk?: { score: number; reasons: string[]; signals: RiskSignals };
}

interface CardRow {
  id: number;
  conversation_id: number;
  page: string;
  started_at: Date;
  ended_at: Date;
  message_count: number;
  ai_message_count: number;
  human_handoff: boolean;
  completion_status: string;
  qa_status: string;
  qa_version: number;
  qa_notes: string | null;
  dev_feedback: string | null;
  qa_at: Date | null;
  by_platform: string | null;
  by_external: string | null;
  by_name: string | null;
}

const CARD = `
  SELECT s.id, s.conversation_id, p.name AS page, s.started_at, s.ended_at, s.message_count, s.ai_message_count, s.human_handoff,
         s.completion_status::text AS completion_status, s.qa_status::text AS qa_status, s.qa_version, s.qa_notes, s.dev_feedback, s.qa_at,
         u.platform AS by_platform, u.external_id AS by_external, u.name AS by_name
    FROM sessions s JOIN conversations c ON c.id = s.conversation_id JOIN pages p ON p.id = c.page_id
    LEFT JOIN users u ON u.id = s.qa_by_id`;

function toCard(r: CardRow): QaCard {
  const qaBy =
    r.by_platform === null
      ? null
      : r.by_platform === 'slack' && r.by_external
        ? { slackId: r.by_external, ...(r.by_name ? { name: r.by_name } : {}) }
        : { name: r.by_name ?? r.by_external ?? 'someone' };
  return {
    sessionId: r.id,
    conversationId: r.conversation_id,
    page: r.page,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    messageCount: r.message_count,
    aiMessageCount: r.ai_message_count,
    humanHandoff: r.human_handoff,
    completionStatus: r.completion_status,
    qaStatus: isQaStatus(r.qa_status) ? r.qa_status : 'unchecked',
    qaVersion: r.qa_version,
    qaNotes: r.qa_notes,
    devFeedback: r.dev_feedback,
    qaAt: r.qa_at,
    qaBy,
  };
}

export interface QueuePage {
  /** unchecked AI-engaged sessions matching the filter, in all */
  waiting: number;
  /** this page of them, oldest first */
  cards: QaCard[];
}

/** The oldest unchecked sessions the AI took part in (the same set as the qa_queue tool), one page. */
export async function qaQueuePage(pool: pg.Pool, opts: { limit: number; offset: number; pageId?: number }): Promise<QueuePage> {
  const filter = `s.ai_engaged AND s.qa_status = 'unchecked' AND s.deleted_at IS NULL AND ($1::int IS NULL OR c.page_id = $1)`;
  const [total, cards] = await Promise.all([
    pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM sessions s JOIN conversations c ON c.id = s.conversation_id WHERE ${filter}`, [opts.pageId ?? null]),
    pool.query<CardRow>(`${CARD} WHERE ${filter} ORDER BY s.started_at, s.id LIMIT $2 OFFSET $3`, [opts.pageId ?? null, opts.limit, opts.offset]),
  ]);
  return { waiting: total.rows[0]?.n ?? 0, cards: cards.rows.map(toCard) };
}

// The conditions of domain/qa-risk.ts's rules over the signal columns below, with its thresholds.
const RULE_SQL: Record<RiskRule['name'], string> = {
  low_csi: `min_csi < ${LOW_CSI}`,
  very_low_csi: `min_csi < ${VERY_LOW_CSI}`,
  unsure_bot: `min_confidence < ${LOW_CONFIDENCE}`,
  handoff: 'human_handoff',
  sentiment_drop: `min_shift <= ${SENTIMENT_DROP}`,
  complaint: 'complaint',
  came_back: 'came_back',
};
const RISK_SQL = RISK_RULES.map((r) => `CASE WHEN ${RULE_SQL[r.name]} THEN ${r.weight} ELSE 0 END`).join(' + ');

/**
 * The CTEs `sig` (each session's risk signals) and `ranked` (sig with its `risk` score) over the
 * sessions matching `filter` (aliases s and c), the business timezone in the parameter `tzParam`:
 * the one SQL form of domain/qa-risk.ts's signals, for the risk queue and for sampling rules.
 */
export function riskCte(filter: string, tzParam: string): string {
  return `sig AS (
         SELECT s.id,
                (SELECT min(d.csi) FROM daily_analyses d WHERE d.conversation_id = s.conversation_id
                   AND d.day BETWEEN (s.started_at AT TIME ZONE ${tzParam})::date AND (s.ended_at AT TIME ZONE ${tzParam})::date) AS min_csi,
                (SELECT min(d.sentiment_shift) FROM daily_analyses d WHERE d.conversation_id = s.conversation_id
                   AND d.day BETWEEN (s.started_at AT TIME ZONE ${tzParam})::date AND (s.ended_at AT TIME ZONE ${tzParam})::date) AS min_shift,
                m.min_confidence, m.complaint, s.human_handoff,
                EXISTS (SELECT 1 FROM sessions n WHERE n.conversation_id = s.conversation_id AND n.sequence = s.sequence + 1
                          AND n.deleted_at IS NULL AND n.started_at <= s.ended_at + make_interval(hours => ${CAME_BACK_HOURS})) AS came_back
           FROM sessions s JOIN conversations c ON c.id = s.conversation_id
           CROSS JOIN LATERAL (
             SELECT min(x.classification_confidence) AS min_confidence, coalesce(bool_or(x.classification = 'complaint'), false) AS complaint
               FROM messages x WHERE x.conversation_id = s.conversation_id AND x.sender_kind = 'customer'
                AND x.social_create_time BETWEEN s.started_at AND s.ended_at) m
          WHERE ${filter}
       ), ranked AS (
         SELECT sig.*, ${RISK_SQL} AS risk FROM sig
       )`;
}

interface RiskRow extends CardRow {
  min_csi: number | null;
  min_confidence: number | null;
  min_shift: number | null;
  complaint: boolean;
  came_back: boolean;
  risk: number;
}

/**
 * The unchecked AI sessions, riskiest first (domain/qa-risk.ts; ties oldest first), one page,
 * each with its score and reasons. The signals: the lowest CSI and sentiment shift of the
 * session's conversation-days (business days in `tz`), the lowest classification confidence and
 * any complaint among its customer messages, its handoff, and a next session within 48 h.
 */
export async function qaRiskPage(pool: pg.Pool, opts: { limit: number; offset: number; pageId?: number; tz: string }): Promise<QueuePage> {
  const filter = `s.ai_engaged AND s.qa_status = 'unchecked' AND s.deleted_at IS NULL AND ($1::int IS NULL OR c.page_id = $1)`;
  const [total, rows] = await Promise.all([
    pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM sessions s JOIN conversations c ON c.id = s.conversation_id WHERE ${filter}`, [opts.pageId ?? null]),
    pool.query<RiskRow>(
      `WITH ${riskCte(filter, '$4')}
       ${CARD.replace('FROM sessions s', 'FROM ranked k JOIN sessions s ON s.id = k.id').replace('SELECT s.id,', 'SELECT s.id, k.min_csi, k.min_confidence, k.min_shift, k.complaint, k.came_back, k.risk,')}
       ORDER BY k.risk DESC, s.started_at, s.id LIMIT $2 OFFSET $3`,
      [opts.pageId ?? null, opts.limit, opts.offset, opts.tz],
    ),
  ]);
  const cards = rows.rows.map((r) => {
    const signals: RiskSignals = {
      minCsi: r.min_csi,
      minConfidence: r.min_confidence,
      humanHandoff: r.human_handoff,
      minSentimentShift: r.min_shift,
      complaint: r.complaint,
      cameBack: r.came_back,
    };
    return { ...toCard(r), risk: { score: r.risk, reasons: riskOf(signals).reasons, signals } };
  });
  return { waiting: total.rows[0]?.n ?? 0, cards };
}

/** The current cards of these sessions, in the order given (unknown ids left out). */
export async function qaCards(pool: pg.Pool, ids: readonly number[]): Promise<QaCard[]> {
  if (ids.length === 0) return [];
  const { rows } = await pool.query<CardRow>(`${CARD} WHERE s.id = ANY($1::int[]) AND s.deleted_at IS NULL`, [ids]);
  const byId = new Map(rows.map((r) => [r.id, toCard(r)]));
  return ids.map((id) => byId.get(id)).filter((c): c is QaCard => c !== undefined);
}

/** Whether a session was deleted (softly, by an admin through the API): QA leaves those alone. */
export async function isDeletedSession(pool: pg.Pool, sessionId: number): Promise<boolean> {
  const { rows } = await pool.query<{ deleted: boolean }>('SELECT deleted_at IS NOT NULL AS deleted FROM sessions WHERE id = $1', [sessionId]);
  return rows[0]?.deleted === true;
}

export interface ReviewMessage {
  /** 1-based position in the session */
  n: number;
  at: Date;
  from: 'customer' | 'bot' | 'agent';
  /** the bot's or agent's name from agent_info */
  senderName?: string;
  /** customer text with emails and phone numbers masked; untrusted */
  text: string | null;
  attachments: string[];
  /** customer messages: how the AI classified them */
  classification: string | null;
  confidence: number | null;
  /** bot messages: the bot's own processing time */
  processingMs: number | null;
  /** bot and agent messages: how the reply was produced, when agent_info records it (template / llm …) */
  producedBy?: string;
  /** replies: the classification of the customer message being answered */
  answering?: { classification: string | null; confidence: number | null };
  /** replies right after a customer message: ms between the two */
  responseMs?: number;
}

export interface SessionTranscript {
  total: number;
  offset: number;
  messages: ReviewMessage[];
}

const FROM: Record<string, ReviewMessage['from']> = { customer: 'customer', bot: 'bot', human_agent: 'agent' };

/** What agent_info says about how a reply was produced: the first of these keys it has. */
function producedBy(info: Record<string, unknown> | null): string | undefined {
  if (!info) return undefined;
  // our own bot's replies (domain/messenger/contracts.ts botAgentInfo)
  if (info.response_type === 'template' && typeof info.template === 'string') return `template ${info.template}`;
  if (info.response_type === 'llm' && typeof info.model === 'string') {
    return `LLM (${info.model})${typeof info.draft_template === 'string' ? ` from the ${info.draft_template} template` : ''}`;
  }
  for (const k of ['response_type', 'responseType', 'source', 'mode', 'generator', 'template', 'template_id', 'templateId', 'model']) {
    const v = info[k];
    if (typeof v === 'string' && v) return k.startsWith('template') && !/template/i.test(v) ? `template ${v}` : k === 'model' ? `LLM (${v})` : v;
    if (typeof v === 'number' && k.startsWith('template')) return `template ${v}`;
    if (typeof v === 'boolean' && k === 'template') return v ? 'template' : 'LLM';
  }
  return undefined;
}

const kinds = (v: unknown): string[] =>
  Array.isArray(v) ? v.map((a) => (a && typeof a === 'object' && typeof (a as { type?: unknown }).type === 'string' ? (a as { type: string }).type : 'attachment')) : [];

/** `limit` messages of a session from `offset` (0-based), with the AI's part in each; undefined: no such session. */
export async function sessionTranscript(pool: pg.Pool, sessionId: number, opts: { offset: number; limit: number }): Promise<SessionTranscript | undefined> {
  const exists = await pool.query('SELECT 1 FROM sessions WHERE id = $1 AND deleted_at IS NULL', [sessionId]);
  if (exists.rowCount === 0) return undefined;
  const { rows } = await pool.query<{
    n: string; at: Date; kind: string; text: string | null; attachments: unknown; agent_info: Record<string, unknown> | null;
    classification: string | null; confidence: number | null; processing_time_ms: number | null;
    prev_kind: string | null; prev_at: Date | null; total: number; answered_class: string | null; answered_conf: number | null;
  }>(
    `WITH sm AS (
       SELECT m.id, m.social_create_time AS at, m.sender_kind::text AS kind, m.text, m.attachments, m.agent_info, m.classification,
              m.classification_confidence AS confidence, m.processing_time_ms,
              lag(m.sender_kind::text) OVER w AS prev_kind, lag(m.social_create_time) OVER w AS prev_at,
              row_number() OVER w AS n
         FROM sessions s JOIN messages m ON m.conversation_id = s.conversation_id
        WHERE s.id = $1 AND m.social_create_time >= s.started_at AND m.social_create_time <= s.ended_at
       WINDOW w AS (ORDER BY m.social_create_time, m.id))
     SELECT sm.n, sm.at, sm.kind, sm.text, sm.attachments, sm.agent_info, sm.classification, sm.confidence, sm.processing_time_ms,
            sm.prev_kind, sm.prev_at, (SELECT count(*) FROM sm)::int AS total, lc.classification AS answered_class, lc.confidence AS answered_conf
       FROM sm LEFT JOIN LATERAL (
              SELECT c.classification, c.confidence FROM sm c WHERE c.kind = 'customer' AND c.n < sm.n ORDER BY c.n DESC LIMIT 1
            ) lc ON sm.kind <> 'customer'
      WHERE sm.n > $2 ORDER BY sm.n LIMIT $3`,
    [sessionId, opts.offset, opts.limit],
  );
  let total = rows[0]?.total;
  if (total === undefined) {
    const c = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sessions s JOIN messages m ON m.conversation_id = s.conversation_id
        WHERE s.id = $1 AND m.social_create_time >= s.started_at AND m.social_create_time <= s.ended_at`,
      [sessionId],
    );
    total = c.rows[0]?.n ?? 0;
  }
  return {
    total,
    offset: opts.offset,
    messages: rows.map((r) => {
      const from = FROM[r.kind] ?? 'customer';
      const name = r.agent_info?.name;
      const how = from === 'customer' ? undefined : producedBy(r.agent_info);
      return {
        n: Number(r.n),
        at: r.at,
        from,
        ...(from !== 'customer' && typeof name === 'string' ? { senderName: name } : {}),
        text: r.text === null ? null : maskPii(r.text),
        attachments: kinds(r.attachments),
        classification: r.classification,
        confidence: r.confidence === null ? null : Number(r.confidence),
        processingMs: r.processing_time_ms,
        ...(how ? { producedBy: how } : {}),
        ...(from !== 'customer' && (r.answered_class !== null || r.answered_conf !== null)
          ? { answering: { classification: r.answered_class, confidence: r.answered_conf === null ? null : Number(r.answered_conf) } }
          : {}),
        ...(from !== 'customer' && r.prev_kind === 'customer' && r.prev_at ? { responseMs: r.at.getTime() - r.prev_at.getTime() } : {}),
      };
    }),
  };
}

export interface QaStats {
  /** AI-engaged sessions that started in the period, by current QA state */
  byStatus: Record<QaStatus, number>;
  /** QA changes made in the period, per person (Slack id when a Slack user) and target state */
  reviewers: { slackId?: string; name: string; counts: Partial<Record<QaStatus, number>>; total: number }[];
  /** the longest-waiting unchecked AI-engaged session, whenever it started */
  oldestWaiting: { sessionId: number; startedAt: Date; page: string } | null;
  /** unchecked AI-engaged sessions in all (any period) */
  waitingAll: number;
}

/** Review statistics for [start, end). */
export async function qaStats(pool: pg.Pool, start: Date, end: Date): Promise<QaStats> {
  const [states, reviewers, oldest] = await Promise.all([
    pool.query<{ status: string; n: number }>(
      `SELECT qa_status::text AS status, count(*)::int AS n FROM sessions
        WHERE ai_engaged AND deleted_at IS NULL AND started_at >= $1 AND started_at < $2 GROUP BY 1`,
      [start, end],
    ),
    pool.query<{ actor_id: number | null; platform: string | null; external_id: string | null; name: string | null; status: string; n: number }>(
      `SELECT e.actor_id, u.platform, u.external_id, u.name, e.to_status::text AS status, count(*)::int AS n
         FROM qa_events e LEFT JOIN users u ON u.id = e.actor_id
        WHERE e.created_at >= $1 AND e.created_at < $2
        GROUP BY 1, 2, 3, 4, 5`,
      [start, end],
    ),
    pool.query<{ id: number; started_at: Date; page: string; waiting: number }>(
      `SELECT s.id, s.started_at, p.name AS page, count(*) OVER ()::int AS waiting
         FROM sessions s JOIN conversations c ON c.id = s.conversation_id JOIN pages p ON p.id = c.page_id
        WHERE s.ai_engaged AND s.qa_status = 'unchecked' AND s.deleted_at IS NULL
        ORDER BY s.started_at, s.id LIMIT 1`,
    ),
  ]);
  const byStatus = Object.fromEntries(QA_STATUSES.map((s) => [s, 0])) as Record<QaStatus, number>;
  for (const r of states.rows) if (isQaStatus(r.status)) byStatus[r.status] = r.n;
  const people = new Map<string, QaStats['reviewers'][number]>();
  for (const r of reviewers.rows) {
    const key = String(r.actor_id ?? 'unknown');
    const slackId = r.platform === 'slack' && r.external_id ? r.external_id : undefined;
    const p = people.get(key) ?? { ...(slackId ? { slackId } : {}), name: r.name ?? r.external_id ?? 'unknown', counts: {}, total: 0 };
    if (isQaStatus(r.status)) p.counts[r.status] = (p.counts[r.status] ?? 0) + r.n;
    p.total += r.n;
    people.set(key, p);
  }
  const o = oldest.rows[0];
  return {
    byStatus,
    reviewers: [...people.values()].sort((a, b) => b.total - a.total || a.name.localeCompare(b.name)),
    oldestWaiting: o ? { sessionId: o.id, startedAt: o.started_at, page: o.page } : null,
    waitingAll: o?.waiting ?? 0,
  };
}
