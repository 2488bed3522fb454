import { csvCell } from '../domain/csv.ts';
import { columnIndex, SESSION_EXPORT_COLUMNS, type ColumnKind } from '../db/session-export.ts';

// Writers for the session export's raw rows (db/session-export.ts: arrays of the server's
// text, in SESSION_EXPORT_COLUMNS order). Each column's formatter is chosen once from its kind;
// a row is then written by one loop of string appends, without parsing numbers or dates.

type Raw = string | null;

/**
 * A timestamptz as PostgreSQL writes it with TimeZone UTC ('2026-11-22 12:00:00.12+00', the
 * fraction trimmed) → ISO 8601 with milliseconds ('2026-11-22T12:00:00.120Z'), the API's format.
 */
export function isoUtc(t: string): string {
  const end = t.length - 3; // '+00'
  const frac = end > 19 ? t.slice(20, end) : '';
  return `${t.slice(0, 10)}T${t.slice(11, 19)}.${frac.padEnd(3, '0')}Z`;
}

const bool = (v: string) => (v === 't' ? 'true' : 'false');
const asIs = (v: string) => v;

// Numbers, enum values and topic labels cannot hold a quote, comma, line break or a leading
// formula character... except a negative number, which must stay a number: none goes through csvCell.
const CSV_CELL: Record<ColumnKind, (v: string) => string> = {
  int: asIs,
  float: asIs,
  enum: asIs,
  list: asIs,
  bool,
  time: isoUtc,
  text: csvCell,
  answers: csvCell,
};

export const SESSION_CSV_HEADER = `${SESSION_EXPORT_COLUMNS.map((c) => c.name).join(',')}\r\n`;

/** Writes rows as CSV records; `maskCustomer` leaves the customer name out (roles without customer data). */
export function sessionCsvWriter(opts: { maskCustomer: boolean }): (rows: readonly Raw[][]) => string {
  const cells = SESSION_EXPORT_COLUMNS.map((c) => CSV_CELL[c.kind]);
  const masked = opts.maskCustomer ? columnIndex('customer_name') : -1;
  const n = cells.length;
  return (rows) => {
    let out = '';
    for (const r of rows) {
      for (let i = 0; i < n; i++) {
        if (i > 0) out += ',';
        const v = r[i];
        if (v != null && i !== masked) out += cells[i]!(v);
      }
      out += '\r\n';
    }
    return out;
  };
}

/** 'accuracy=80;tone=n/a' → { accuracy: 80, tone: null } */
function answers(v: Raw): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  if (v == null) return out;
  for (const pair of v.split(';')) {
    const at = pair.lastIndexOf('=');
    const score = pair.slice(at + 1);
    out[pair.slice(0, at)] = score === 'n/a' ? null : Number(score);
  }
  return out;
}

const num = (v: Raw) => (v == null ? null : Number(v));
const time = (v: Raw) => (v == null ? null : isoUtc(v));

const at = Object.fromEntries(SESSION_EXPORT_COLUMNS.map((c) => [c.name, columnIndex(c.name)])) as Record<string, number>;

/** One row as the export's JSON object: the session (as the list shows it) and its figures. */
export function sessionJson(r: readonly Raw[], maskCustomer: boolean): Record<string, unknown> {
  const v = (name: string) => r[at[name]!] ?? null;
  return {
    id: num(v('id')),
    conversationId: num(v('conversation_id')),
    fbChatId: v('fb_chat_id'),
    page: { id: num(v('page_id')), name: v('page_name') },
    customerName: maskCustomer ? null : v('customer_name'),
    sequence: num(v('sequence')),
    startedAt: time(v('started_at')),
    endedAt: time(v('ended_at')),
    messageCount: num(v('message_count')),
    aiEngaged: v('ai_engaged') === 't',
    aiMessageCount: num(v('ai_message_count')),
    humanHandoff: v('human_handoff') === 't',
    completionStatus: v('completion_status'),
    archiveStatus: v('archive_status'),
    qaStatus: v('qa_status'),
    qaVersion: num(v('qa_version')),
    qaNotes: v('qa_notes'),
    devFeedback: v('dev_feedback'),
    qaBy: v('qa_by'),
    qaAt: time(v('qa_at')),
    csi: num(v('csi')),
    effectiveness: num(v('effectiveness')),
    effort: num(v('effort')),
    efficiency: num(v('efficiency')),
    empathy: num(v('empathy')),
    scoredDays: num(v('scored_days')),
    firstResponseSeconds: num(v('first_response_seconds')),
    avgResponseSeconds: num(v('avg_response_seconds')),
    answeredMessages: num(v('answered_messages')),
    topics: v('topics')?.split(';') ?? [],
    qaReviews: num(v('qa_reviews')),
    qaScore: num(v('qa_score')),
    qaAnswers: answers(v('qa_answers')),
  };
}
