import type pg from 'pg';
import { qaFigures, streamEncoded, type ExportColumn, type RawRow } from './export-stream.ts';

// The conversation export (GET /api/conversations/export): every matching conversation with its
// figures, newest activity first, streamed from one cursor. The figures are the session
// export's (db/session-export.ts) at conversation grain, from the same definitions:
// - CSI and the four pillars: mean of the conversation's scored days (daily_analyses);
// - first response: mean over its sessions of the `firstResponse` measure (session's first reply fact);
// - average response: the `responseTime` measure (reply facts) over its answered customer messages;
// - topics: `conversations.common_topics`, kept by the analysis (db/topics-repo.ts);
// - QA: the `qaScore` and `qaCategoryScore` means over its sessions' scorecard reviews.

export interface ConversationFilters {
  /** a page's id, Facebook page id or name (case-insensitive) */
  page?: string;
  /** conversations with a message in [from, to) */
  from?: Date;
  to?: Date;
}

export const CONVERSATION_EXPORT_COLUMNS: readonly ExportColumn[] = [
  { name: 'id', kind: 'int', sql: 'c.id' },
  { name: 'fb_chat_id', kind: 'text', sql: 'c.fb_chat_id' },
  { name: 'page_id', kind: 'int', sql: 'p.id' },
  { name: 'page_name', kind: 'text', sql: 'p.name' },
  { name: 'customer_name', kind: 'text', sql: 'cu.name' },
  { name: 'first_message_at', kind: 'time', sql: 'c.first_message_at' },
  { name: 'last_message_at', kind: 'time', sql: 'c.last_message_at' },
  { name: 'total_messages', kind: 'int', sql: 'c.total_messages' },
  { name: 'customer_messages', kind: 'int', sql: 'c.customer_messages' },
  { name: 'agent_messages', kind: 'int', sql: 'c.agent_messages' },
  { name: 'handoff_state', kind: 'enum', sql: 'c.handoff_state' },
  { name: 'sessions', kind: 'int', sql: 'ss.sessions' },
  { name: 'csi', kind: 'float', sql: 'da.csi' },
  { name: 'effectiveness', kind: 'float', sql: 'da.effectiveness' },
  { name: 'effort', kind: 'float', sql: 'da.effort' },
  { name: 'efficiency', kind: 'float', sql: 'da.efficiency' },
  { name: 'empathy', kind: 'float', sql: 'da.empathy' },
  { name: 'scored_days', kind: 'int', sql: 'da.days' },
  { name: 'first_response_seconds', kind: 'float', sql: 'ss.first_response' },
  { name: 'avg_response_seconds', kind: 'float', sql: 'rt.seconds' },
  { name: 'answered_messages', kind: 'int', sql: 'rt.answered' },
  { name: 'topics', kind: 'list', sql: `(SELECT string_agg(t.label, ';' ORDER BY t.n) FROM jsonb_array_elements_text(c.common_topics) WITH ORDINALITY AS t(label, n))` },
  { name: 'qa_reviews', kind: 'int', sql: 'qr.reviews' },
  { name: 'qa_score', kind: 'float', sql: 'qr.score' },
  { name: 'qa_answers', kind: 'answers', sql: 'qa.answers' },
];

/** The export's SELECT for `filters`, with its parameters (numbered from $1). */
export function conversationExportSelect(filters: ConversationFilters): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where = ['true'];
  if (filters.page !== undefined) {
    const id = /^\d{1,9}$/.test(filters.page) ? Number(filters.page) : -1;
    where.push(`(p.id = ${p(id)} OR p.fb_page_id = ${p(filters.page)} OR lower(p.name) = lower(${p(filters.page)}))`);
  }
  if (filters.from) where.push(`c.last_message_at >= ${p(filters.from)}`);
  if (filters.to) where.push(`c.first_message_at < ${p(filters.to)}`);
  const sql = `SELECT ${CONVERSATION_EXPORT_COLUMNS.map((c) => c.sql).join(', ')}
    FROM conversations c
    JOIN pages p ON p.id = c.page_id
    LEFT JOIN customers cu ON cu.id = c.customer_id
    LEFT JOIN LATERAL (
      SELECT avg(d.csi) AS csi, avg(d.effectiveness) AS effectiveness, avg(d.effort) AS effort,
             avg(d.efficiency) AS efficiency, avg(d.empathy) AS empathy, count(d.csi) AS days
        FROM daily_analyses d WHERE d.conversation_id = c.id) da ON true
    LEFT JOIN LATERAL (
      SELECT count(*) AS sessions, avg(extract(epoch FROM s.first_reply_at - s.started_at))::float8 AS first_response
        FROM sessions s WHERE s.conversation_id = c.id AND s.deleted_at IS NULL) ss ON true
    LEFT JOIN LATERAL (
      SELECT avg(extract(epoch FROM r.replied_at - r.asked_at))::float8 AS seconds, count(*) AS answered
        FROM message_replies r WHERE r.conversation_id = c.id) rt ON true
    ${qaFigures('r.session_id = ANY (ARRAY(SELECT s.id FROM sessions s WHERE s.conversation_id = c.id AND s.deleted_at IS NULL))')}
   WHERE ${where.join(' AND ')}
   ORDER BY c.last_message_at DESC NULLS LAST, c.id DESC`;
  return { sql, params };
}

/** The conversation export's rows, `batch` at a time, each batch as `encode` writes it (db/export-stream.ts). */
export function streamConversationExport<T>(pool: pg.Pool, filters: ConversationFilters, encode: (rows: RawRow[]) => T, batch?: number): AsyncGenerator<T> {
  const { sql, params } = conversationExportSelect(filters);
  return streamEncoded(pool, sql, params, encode, batch);
}
