import type pg from 'pg';
import { qaFigures, sqlLiteral as literal, streamEncoded, topicsOfMessages, type ExportColumn, type RawRow } from './export-stream.ts';
import { sessionsWhere, type SessionFilters } from './sessions-repo.ts';

// The session export (GET /api/sessions/export): every matching session with its figures, in
// the list's order, streamed from one cursor. Each figure reuses the definition the metrics
// catalogue (domain/semantic/catalogue.ts) gives the same number, at session grain:
// - CSI and the four pillars: the analysis' stored daily_analyses columns, mean over the
//   conversation-days the session touches (the catalogue aggregates conversation-days by mean);
// - first response: the `firstResponse` measure (the session's first reply fact);
// - average response: the `responseTime` measure (reply facts, db/reply-facts.ts) averaged over
//   the session's answered customer messages;
// - topics: the labels of the session's customer messages, most frequent first, as
//   domain/topics.ts topicsOf and db/topics-repo.ts order a conversation's;
// - QA: the `qaScore` measure (the score the scorecard rule stored on each review) and the
//   `qaCategoryScore` answers, mean over the session's reviews (one per reviewer).
//
// Rows come back as arrays of the server's text (no per-value parsing): the writers in
// routes/export-format.ts write each column by its kind, in one precomputed order.

export const SESSION_EXPORT_COLUMNS: readonly ExportColumn[] = [
  { name: 'id', kind: 'int', sql: 's.id' },
  { name: 'conversation_id', kind: 'int', sql: 's.conversation_id' },
  { name: 'fb_chat_id', kind: 'text', sql: 'c.fb_chat_id' },
  { name: 'page_id', kind: 'int', sql: 'p.id' },
  { name: 'page_name', kind: 'text', sql: 'p.name' },
  { name: 'customer_name', kind: 'text', sql: 'cu.name' },
  { name: 'sequence', kind: 'int', sql: 's.sequence' },
  { name: 'started_at', kind: 'time', sql: 's.started_at' },
  { name: 'ended_at', kind: 'time', sql: 's.ended_at' },
  { name: 'message_count', kind: 'int', sql: 's.message_count' },
  { name: 'ai_engaged', kind: 'bool', sql: 's.ai_engaged' },
  { name: 'ai_message_count', kind: 'int', sql: 's.ai_message_count' },
  { name: 'human_handoff', kind: 'bool', sql: 's.human_handoff' },
  { name: 'completion_status', kind: 'enum', sql: 's.completion_status' },
  { name: 'archive_status', kind: 'enum', sql: 's.archive_status' },
  { name: 'qa_status', kind: 'enum', sql: 's.qa_status' },
  { name: 'qa_version', kind: 'int', sql: 's.qa_version' },
  { name: 'qa_notes', kind: 'text', sql: 's.qa_notes' },
  { name: 'dev_feedback', kind: 'text', sql: 's.dev_feedback' },
  { name: 'qa_by', kind: 'text', sql: 'coalesce(u.name, u.external_id)' },
  { name: 'qa_at', kind: 'time', sql: 's.qa_at' },
  { name: 'csi', kind: 'float', sql: 'da.csi' },
  { name: 'effectiveness', kind: 'float', sql: 'da.effectiveness' },
  { name: 'effort', kind: 'float', sql: 'da.effort' },
  { name: 'efficiency', kind: 'float', sql: 'da.efficiency' },
  { name: 'empathy', kind: 'float', sql: 'da.empathy' },
  { name: 'scored_days', kind: 'int', sql: 'da.days' },
  { name: 'first_response_seconds', kind: 'float', sql: 'extract(epoch FROM s.first_reply_at - s.started_at)::float8' },
  { name: 'avg_response_seconds', kind: 'float', sql: 'rt.seconds' },
  { name: 'answered_messages', kind: 'int', sql: 'rt.answered' },
  { name: 'topics', kind: 'list', sql: 'tp.topics' },
  { name: 'qa_reviews', kind: 'int', sql: 'qr.reviews' },
  { name: 'qa_score', kind: 'float', sql: 'qr.score' },
  { name: 'qa_answers', kind: 'answers', sql: 'qa.answers' },
];


/**
 * The export's SELECT for `filters`, with its parameters. The business timezone is written in
 * as a literal so that the statement also runs as `COPY (…) TO STDOUT` (the bench's baseline).
 */
export function sessionExportSelect(filters: SessionFilters, timezone: string): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const tz = literal(timezone);
  const sql = `SELECT ${SESSION_EXPORT_COLUMNS.map((c) => c.sql).join(', ')}
    FROM sessions s
    JOIN conversations c ON c.id = s.conversation_id
    JOIN pages p ON p.id = c.page_id
    LEFT JOIN customers cu ON cu.id = c.customer_id
    LEFT JOIN users u ON u.id = s.qa_by_id
    LEFT JOIN LATERAL (
      SELECT avg(d.csi) AS csi, avg(d.effectiveness) AS effectiveness, avg(d.effort) AS effort,
             avg(d.efficiency) AS efficiency, avg(d.empathy) AS empathy, count(d.csi) AS days
        FROM daily_analyses d
       WHERE d.conversation_id = s.conversation_id
         AND d.day BETWEEN (s.started_at AT TIME ZONE ${tz})::date AND (s.ended_at AT TIME ZONE ${tz})::date) da ON true
    LEFT JOIN LATERAL (
      SELECT avg(extract(epoch FROM r.replied_at - r.asked_at))::float8 AS seconds, count(*) AS answered
        FROM message_replies r
       WHERE r.conversation_id = s.conversation_id AND r.asked_at BETWEEN s.started_at AND s.ended_at) rt ON true
    LEFT JOIN LATERAL (${topicsOfMessages('m.conversation_id = s.conversation_id AND m.social_create_time BETWEEN s.started_at AND s.ended_at')}) tp ON true
    ${qaFigures('r.session_id = s.id')}
   WHERE ${sessionsWhere(filters, params)}
   ORDER BY s.started_at DESC, s.id DESC`;
  return { sql, params };
}

/** The session export's rows, `batch` at a time, each batch as `encode` writes it (db/export-stream.ts). */
export function streamSessionExport<T>(pool: pg.Pool, filters: SessionFilters, timezone: string, encode: (rows: RawRow[]) => T, batch?: number): AsyncGenerator<T> {
  const { sql, params } = sessionExportSelect(filters, timezone);
  return streamEncoded(pool, sql, params, encode, batch);
}
