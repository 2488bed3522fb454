import type pg from 'pg';
import type { QaStatus } from '../domain/qa.ts';
import type { ArchiveStatus, CompletionStatus } from '../domain/sessions.ts';

// Sessions for the REST API: filtered keyset pages (newest first, by started_at then id),
// one session with its messages and QA history, archive and soft delete, counts. Sessions are
// made from messages by sessions-rebuild.ts.

export interface SessionFilters {
  qaStatus?: QaStatus;
  completion?: CompletionStatus;
  archive?: ArchiveStatus;
  aiEngaged?: boolean;
  /** a page's id, Facebook page id or name (case-insensitive) */
  page?: string;
  /** sessions that started in [from, to) */
  from?: Date;
  to?: Date;
  /** words that some message of the session contains (case-insensitive) */
  q?: string;
}

/** Where the previous page stopped: the last row's (started_at, id). */
export interface SessionCursor {
  startedAt: string;
  id: number;
}

export interface SessionSummary {
  id: number;
  conversationId: number;
  fbChatId: string;
  page: { id: number; name: string };
  customerName: string | null;
  sequence: number;
  startedAt: string;
  endedAt: string;
  messageCount: number;
  aiEngaged: boolean;
  aiMessageCount: number;
  humanHandoff: boolean;
  completionStatus: CompletionStatus;
  archiveStatus: ArchiveStatus;
  qaStatus: QaStatus;
  qaVersion: number;
  qaNotes: string | null;
  devFeedback: string | null;
  qaBy: string | null;
  qaAt: string | null;
}

const SELECT = `
  SELECT s.id, s.conversation_id, c.fb_chat_id, p.id AS page_id, p.name AS page_name, cu.name AS customer_name,
         s.sequence, s.started_at, s.ended_at, s.message_count, s.ai_engaged, s.ai_message_count, s.human_handoff,
         s.completion_status::text AS completion_status, s.archive_status::text AS archive_status,
         s.qa_status::text AS qa_status, s.qa_version, s.qa_notes, s.dev_feedback,
         coalesce(u.name, u.external_id) AS qa_by, s.qa_at
    FROM sessions s
    JOIN conversations c ON c.id = s.conversation_id
    JOIN pages p ON p.id = c.page_id
    LEFT JOIN customers cu ON cu.id = c.customer_id
    LEFT JOIN users u ON u.id = s.qa_by_id`;

interface Row {
  id: number;
  conversation_id: number;
  fb_chat_id: string;
  page_id: number;
  page_name: string;
  customer_name: string | null;
  sequence: number;
  started_at: Date;
  ended_at: Date;
  message_count: number;
  ai_engaged: boolean;
  ai_message_count: number;
  human_handoff: boolean;
  completion_status: CompletionStatus;
  archive_status: ArchiveStatus;
  qa_status: QaStatus;
  qa_version: number;
  qa_notes: string | null;
  dev_feedback: string | null;
  qa_by: string | null;
  qa_at: Date | null;
}

const toSummary = (r: Row): SessionSummary => ({
  id: r.id,
  conversationId: r.conversation_id,
  fbChatId: r.fb_chat_id,
  page: { id: r.page_id, name: r.page_name },
  customerName: r.customer_name,
  sequence: r.sequence,
  startedAt: r.started_at.toISOString(),
  endedAt: r.ended_at.toISOString(),
  messageCount: r.message_count,
  aiEngaged: r.ai_engaged,
  aiMessageCount: r.ai_message_count,
  humanHandoff: r.human_handoff,
  completionStatus: r.completion_status,
  archiveStatus: r.archive_status,
  qaStatus: r.qa_status,
  qaVersion: r.qa_version,
  qaNotes: r.qa_notes,
  devFeedback: r.dev_feedback,
  qaBy: r.qa_by,
  qaAt: r.qa_at ? r.qa_at.toISOString() : null,
});

/** LIKE pattern for a literal substring. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** WHERE clauses (soft-deleted sessions never match) and their parameters, numbered from `params.length + 1`. */
function where(f: SessionFilters, params: unknown[]): string {
  const w = ['s.deleted_at IS NULL'];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.qaStatus) w.push(`s.qa_status = ${p(f.qaStatus)}::"QaStatus"`);
  if (f.completion) w.push(`s.completion_status = ${p(f.completion)}::"CompletionStatus"`);
  if (f.archive) w.push(`s.archive_status = ${p(f.archive)}::"ArchiveStatus"`);
  if (f.aiEngaged !== undefined) w.push(`s.ai_engaged = ${p(f.aiEngaged)}`);
  if (f.page !== undefined) {
    const id = /^\d{1,9}$/.test(f.page) ? Number(f.page) : -1;
    w.push(`(p.id = ${p(id)} OR p.fb_page_id = ${p(f.page)} OR lower(p.name) = lower(${p(f.page)}))`);
  }
  if (f.from) w.push(`s.started_at >= ${p(f.from)}`);
  if (f.to) w.push(`s.started_at < ${p(f.to)}`);
  if (f.q) {
    // The session's messages are its conversation's messages between its first and last.
    w.push(`EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = s.conversation_id
              AND m.social_create_time BETWEEN s.started_at AND s.ended_at
              AND m.text ILIKE ${p(`%${likeEscape(f.q)}%`)})`);
  }
  return w.join(' AND ');
}

/** The list's filters as SQL, for the export's own select (db/session-export.ts). */
export const sessionsWhere = where;

export interface SessionPage {
  sessions: SessionSummary[];
  /** present when more rows may follow */
  next?: SessionCursor;
}

/** One page, newest first; `limit + 1` rows are read to know whether another page follows. */
export async function listSessions(db: pg.Pool | pg.ClientBase, filters: SessionFilters, opts: { limit: number; after?: SessionCursor }): Promise<SessionPage> {
  const params: unknown[] = [];
  let sql = `${SELECT} WHERE ${where(filters, params)}`;
  if (opts.after) {
    params.push(opts.after.startedAt, opts.after.id);
    sql += ` AND (s.started_at, s.id) < ($${params.length - 1}::timestamptz, $${params.length}::int)`;
  }
  params.push(opts.limit + 1);
  sql += ` ORDER BY s.started_at DESC, s.id DESC LIMIT $${params.length}`;
  const { rows } = await db.query<Row>(sql, params);
  const more = rows.length > opts.limit;
  const sessions = rows.slice(0, opts.limit).map(toSummary);
  const last = sessions.at(-1);
  return { sessions, ...(more && last ? { next: { startedAt: last.startedAt, id: last.id } } : {}) };
}

/**
 * Every matching session in the list's order, `batch` rows at a time, from one server-side
 * cursor in a READ ONLY transaction: one query plan and one sort for the whole export (keyset
 * pages re-planned and re-joined each time were 8x slower), a consistent snapshot, and memory
 * that stays flat however many rows there are. The connection is held until the consumer
 * finishes or stops (return() on the generator closes the cursor).
 */
export async function* streamSessions(pool: pg.Pool, filters: SessionFilters, batch = 2_000): AsyncGenerator<SessionSummary[]> {
  const client = await pool.connect();
  let ok = false;
  try {
    await client.query('BEGIN READ ONLY');
    const params: unknown[] = [];
    await client.query(`DECLARE pulse_export NO SCROLL CURSOR FOR ${SELECT} WHERE ${where(filters, params)} ORDER BY s.started_at DESC, s.id DESC`, params);
    for (;;) {
      const { rows } = await client.query<Row>(`FETCH ${batch} FROM pulse_export`);
      if (rows.length > 0) yield rows.map(toSummary);
      if (rows.length < batch) break;
    }
    await client.query('COMMIT');
    ok = true;
  } finally {
    if (!ok) await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}

export interface SessionMessage {
  id: number;
  at: string;
  direction: string;
  senderKind: string;
  text: string | null;
  classification: string | null;
  classificationConfidence: number | null;
  processingTimeMs: number | null;
}

export interface QaHistoryEntry {
  id: number;
  from: QaStatus;
  to: QaStatus;
  actor: string | null;
  notes: string | null;
  devFeedback: string | null;
  at: string;
}

export interface SessionDetail extends SessionSummary {
  messages: SessionMessage[];
  /** true when the session has more than MAX_MESSAGES messages and only the first are listed */
  messagesTruncated: boolean;
  qaHistory: QaHistoryEntry[];
}

export const MAX_MESSAGES = 2_000;

export async function findSession(db: pg.Pool | pg.ClientBase, id: number): Promise<SessionSummary | undefined> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE s.id = $1 AND s.deleted_at IS NULL`, [id]);
  return rows[0] ? toSummary(rows[0]) : undefined;
}

export async function findSessionDetail(db: pg.Pool | pg.ClientBase, id: number): Promise<SessionDetail | undefined> {
  const session = await findSession(db, id);
  if (!session) return undefined;
  const [messages, events] = await Promise.all([
    db.query<{ id: number; at: Date; direction: string; sender_kind: string; text: string | null; classification: string | null; classification_confidence: number | null; processing_time_ms: number | null }>(
      `SELECT id, social_create_time AS at, direction::text AS direction, sender_kind::text AS sender_kind, text,
              classification, classification_confidence, processing_time_ms
         FROM messages WHERE conversation_id = $1 AND social_create_time BETWEEN $2 AND $3
        ORDER BY social_create_time, id LIMIT $4`,
      [session.conversationId, session.startedAt, session.endedAt, MAX_MESSAGES + 1],
    ),
    db.query<{ id: number; from_status: QaStatus; to_status: QaStatus; actor: string | null; notes: string | null; dev_feedback: string | null; created_at: Date }>(
      `SELECT e.id, e.from_status::text AS from_status, e.to_status::text AS to_status, coalesce(u.name, u.external_id) AS actor,
              e.notes, e.dev_feedback, e.created_at
         FROM qa_events e LEFT JOIN users u ON u.id = e.actor_id
        WHERE e.session_id = $1 ORDER BY e.created_at, e.id`,
      [id],
    ),
  ]);
  return {
    ...session,
    messages: messages.rows.slice(0, MAX_MESSAGES).map((m) => ({
      id: m.id,
      at: m.at.toISOString(),
      direction: m.direction,
      senderKind: m.sender_kind,
      text: m.text,
      classification: m.classification,
      classificationConfidence: m.classification_confidence,
      processingTimeMs: m.processing_time_ms,
    })),
    messagesTruncated: messages.rows.length > MAX_MESSAGES,
    qaHistory: events.rows.map((e) => ({
      id: e.id,
      from: e.from_status,
      to: e.to_status,
      actor: e.actor,
      notes: e.notes,
      devFeedback: e.dev_feedback,
      at: e.created_at.toISOString(),
    })),
  };
}

/**
 * Sets a session's archive status (completion and QA stay as they are); undefined when there is
 * no such session (or it is deleted).
 * `changed` is false when it had that status already (a retry, or two requests at once: the
 * row lock makes the second see the first's status), so that one act is audited once.
 */
export async function setArchiveStatus(db: pg.Pool | pg.ClientBase, id: number, status: ArchiveStatus): Promise<{ session: SessionSummary; changed: boolean } | undefined> {
  const res = await db.query(
    `UPDATE sessions SET archive_status = $2::"ArchiveStatus", updated_at = now()
      WHERE id = $1 AND deleted_at IS NULL AND archive_status <> $2::"ArchiveStatus"`,
    [id, status],
  );
  const session = await findSession(db, id);
  return session ? { session, changed: res.rowCount === 1 } : undefined;
}

/** Soft delete: false when there is no such session or it is already deleted. */
export async function softDeleteSession(db: pg.Pool | pg.ClientBase, id: number): Promise<boolean> {
  const res = await db.query(`UPDATE sessions SET deleted_at = now(), updated_at = now() WHERE id = $1 AND deleted_at IS NULL`, [id]);
  return res.rowCount === 1;
}

export interface SessionStats {
  total: number;
  aiEngaged: number;
  humanHandoff: number;
  byQaStatus: Record<QaStatus, number>;
  byCompletion: Record<CompletionStatus, number>;
  byArchive: Record<ArchiveStatus, number>;
}

export async function sessionStats(db: pg.Pool | pg.ClientBase, filters: SessionFilters): Promise<SessionStats> {
  const params: unknown[] = [];
  const { rows } = await db.query<Record<string, string>>(
    `SELECT count(*) AS total,
            count(*) FILTER (WHERE s.ai_engaged) AS ai_engaged,
            count(*) FILTER (WHERE s.human_handoff) AS human_handoff,
            count(*) FILTER (WHERE s.qa_status = 'unchecked') AS unchecked,
            count(*) FILTER (WHERE s.qa_status = 'passed') AS passed,
            count(*) FILTER (WHERE s.qa_status = 'issue') AS issue,
            count(*) FILTER (WHERE s.qa_status = 'fixed') AS fixed,
            count(*) FILTER (WHERE s.completion_status = 'complete') AS complete,
            count(*) FILTER (WHERE s.completion_status = 'in_progress') AS in_progress,
            count(*) FILTER (WHERE s.completion_status = 'incomplete') AS incomplete,
            count(*) FILTER (WHERE s.archive_status = 'active') AS active,
            count(*) FILTER (WHERE s.archive_status = 'archived') AS archived
       FROM sessions s JOIN conversations c ON c.id = s.conversation_id JOIN pages p ON p.id = c.page_id
      WHERE ${where(filters, params)}`,
    params,
  );
  const r = rows[0]!;
  const n = (k: string) => Number(r[k] ?? 0);
  return {
    total: n('total'),
    aiEngaged: n('ai_engaged'),
    humanHandoff: n('human_handoff'),
    byQaStatus: { unchecked: n('unchecked'), passed: n('passed'), issue: n('issue'), fixed: n('fixed') },
    byCompletion: { complete: n('complete'), in_progress: n('in_progress'), incomplete: n('incomplete') },
    byArchive: { active: n('active'), archived: n('archived') },
  };
}
