import { csvCell } from '../domain/csv.ts';
import type { ColumnKind, ExportColumn, RawRow } from '../db/export-stream.ts';

// Writers for the exports' raw rows (db/export-stream.ts: arrays of the server's text, in their
// columns' order). Each column's formatter is chosen once from its kind; a row is then written
// by one loop of string appends, without parsing numbers or dates.

/**
 * A timestamptz as PostgreSQL writes it with TimeZone UTC ('2026-11-22 12:00:00.12+00', the
 * fraction trimmed) → ISO 8601 with milliseconds ('2026-11-22T12:00:00.120Z'), the API's format.
 */
export function isoUtc(t: string): string {
  const end = t.length - 3; // '+00'
  const frac = end > 19 ? t.slice(20, end) : '';
  return `${t.slice(0, 10)}T${t.slice(11, 19)}.${frac.padEnd(3, '0')}Z`;
}

const asIs = (v: string) => v;

// Numbers, enum values and topic labels hold no quote, comma or line break, and a negative
// number must stay a number: only free text goes through csvCell (quoting, formula defence).
const CSV_CELL: Record<ColumnKind, (v: string) => string> = {
  int: asIs,
  float: asIs,
  enum: asIs,
  list: asIs,
  bool: (v) => (v === 't' ? 'true' : 'false'),
  time: isoUtc,
  text: csvCell,
  answers: csvCell,
};

export const csvHeader = (columns: readonly ExportColumn[]) => `${columns.map((c) => c.name).join(',')}\r\n`;

/** Writes rows as CSV records; the `masked` columns are left empty (customer data a role may not read). */
export function csvWriter(columns: readonly ExportColumn[], masked: readonly string[] = []): (rows: readonly RawRow[]) => string {
  const cells = columns.map((c) => (masked.includes(c.name) ? null : CSV_CELL[c.kind]));
  const n = cells.length;
  // One join per batch: appending with += would build a rope of some 100,000 nodes per batch,
  // several times the text's size until it is flattened on the way to the socket.
  const parts: string[] = [];
  return (rows) => {
    parts.length = 0;
    for (const r of rows) {
      for (let i = 0; i < n; i++) {
        const v = r[i];
        const cell = cells[i];
        parts.push(i === 0 ? '' : ',', v != null && cell ? cell(v) : '');
      }
      parts.push('\r\n');
    }
    return parts.join('');
  };
}

/** Reads a raw row by column name, each value converted as the JSON export shows it. */
export function jsonReader(columns: readonly ExportColumn[]) {
  const at = new Map(columns.map((c, i) => [c.name, i]));
  const index = (name: string) => {
    const i = at.get(name);
    if (i === undefined) throw new Error(`no export column ${name}`);
    return i;
  };
  return (r: RawRow) => {
    const raw = (name: string) => r[index(name)] ?? null;
    return {
      text: raw,
      num: (name: string) => {
        const v = raw(name);
        return v == null ? null : Number(v);
      },
      bool: (name: string) => raw(name) === 't',
      time: (name: string) => {
        const v = raw(name);
        return v == null ? null : isoUtc(v);
      },
      list: (name: string) => raw(name)?.split(';') ?? [],
      /** 'accuracy=80;tone=n/a' → { accuracy: 80, tone: null } */
      answers: (name: string) => {
        const out: Record<string, number | null> = {};
        for (const pair of raw(name)?.split(';') ?? []) {
          const eq = pair.lastIndexOf('=');
          const score = pair.slice(eq + 1);
          out[pair.slice(0, eq)] = score === 'n/a' ? null : Number(score);
        }
        return out;
      },
    };
  };
}

/** A JSON array, written a batch at a time. */
export async function* jsonArray<T>(batches: AsyncIterable<T[]>, toJson: (row: T) => unknown): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const batch of batches) {
    let chunk = '';
    for (const r of batch) {
      chunk += `${first ? '\n' : ',\n'}${JSON.stringify(toJson(r))}`;
      first = false;
    }
    yield chunk;
  }
  yield '\n]\n';
}

/** CSV with its header, written a batch at a time. */
export async function* csvStream(columns: readonly ExportColumn[], batches: AsyncIterable<RawRow[]>, masked: readonly string[] = []): AsyncGenerator<string> {
  const write = csvWriter(columns, masked);
  yield csvHeader(columns);
  for await (const batch of batches) yield write(batch);
}

type RowReader = ReturnType<ReturnType<typeof jsonReader>>;

/** The figures both exports carry (CSI and pillars, response times, topics, QA), one shape for both. */
export function figuresJson(v: RowReader): Record<string, unknown> {
  return {
    csi: v.num('csi'),
    effectiveness: v.num('effectiveness'),
    effort: v.num('effort'),
    efficiency: v.num('efficiency'),
    empathy: v.num('empathy'),
    scoredDays: v.num('scored_days'),
    firstResponseSeconds: v.num('first_response_seconds'),
    avgResponseSeconds: v.num('avg_response_seconds'),
    answeredMessages: v.num('answered_messages'),
    topics: v.list('topics'),
    qaReviews: v.num('qa_reviews'),
    qaScore: v.num('qa_score'),
    qaAnswers: v.answers('qa_answers'),
  };
}
