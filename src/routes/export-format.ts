import { Readable } from 'node:stream';
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

/**
 * Encoded text is cut into pieces of about PIECE_CHARS. A string over 128 KB is allocated in
 * V8's large-object space, and one still alive at a young-generation collection (waiting for
 * the socket, as the last few always are) is promoted at once, to stay until a full
 * collection: whole 500-row CSV batches (~135 KB) made the old space grow by ~50 MB per
 * 100,000 rows (bench/export.ts). Pieces die young.
 */
const PIECE_CHARS = 32_768;

/** A batch's text, appended a cell at a time and cut into pieces at record ends. */
class Pieces {
  private parts: string[] = [];
  private chars = 0;
  private readonly out: string[] = [];

  add(s: string): void {
    this.parts.push(s);
    this.chars += s.length;
  }

  endRecord(): void {
    if (this.chars >= PIECE_CHARS) this.cut();
  }

  done(): string[] {
    if (this.parts.length > 0) this.cut();
    return this.out;
  }

  // One join per piece: appending with += would build a rope of a node per cell, several
  // times the text's size until it is flattened on the way to the socket.
  private cut(): void {
    this.out.push(this.parts.join(''));
    this.parts = [];
    this.chars = 0;
  }
}

/** Writes rows as CSV records, in pieces; the `masked` columns are left empty (customer data a role may not read). */
export function csvWriter(columns: readonly ExportColumn[], masked: readonly string[] = []): (rows: readonly RawRow[]) => string[] {
  const cells = columns.map((c) => (masked.includes(c.name) ? null : CSV_CELL[c.kind]));
  const n = cells.length;
  return (rows) => {
    const out = new Pieces();
    for (const r of rows) {
      for (let i = 0; i < n; i++) {
        const v = r[i];
        const cell = cells[i];
        if (i > 0) out.add(',');
        if (v != null && cell) out.add(cell(v));
      }
      out.add('\r\n');
      out.endRecord();
    }
    return out.done();
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

/** Writes rows as the elements of one JSON array, in pieces, a batch at a time (the brackets are jsonBody's). */
export function jsonWriter<T>(toJson: (row: T) => unknown): (rows: readonly T[]) => string[] {
  let first = true;
  return (rows) => {
    const out = new Pieces();
    for (const r of rows) {
      out.add(first ? '\n' : ',\n');
      out.add(JSON.stringify(toJson(r)));
      out.endRecord();
      first = false;
    }
    return out.done();
  };
}

/** An export's body: `head`, each encoded batch's pieces, `tail`. */
async function* framed(head: string, batches: AsyncIterable<string[]>, tail: string): AsyncGenerator<string> {
  yield head;
  for await (const pieces of batches) yield* pieces;
  if (tail) yield tail;
}

/** CSV with its header: the batches written by csvWriter. */
export const csvBody = (columns: readonly ExportColumn[], batches: AsyncIterable<string[]>) => framed(csvHeader(columns), batches, '');

/** A JSON array: the batches written by jsonWriter. */
export const jsonBody = (batches: AsyncIterable<string[]>) => framed('[', batches, '\n]\n');

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

/** An export's headers: its type and the file name it is saved under (`sessions-2026-12-07.csv`). */
export function exportHeaders(name: string, format: 'csv' | 'json', now: Date): Record<string, string> {
  return {
    'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    'content-disposition': `attachment; filename="${name}-${now.toISOString().slice(0, 10)}.${format}"`,
  };
}

/**
 * Fastify answers HEAD on a GET route by running the GET's handler and dropping the body: on an
 * export that read the whole result from the database and wrote an `api.export` audit row for a
 * download nobody received. An export's handler calls this after its checks (token, role, query):
 * for a HEAD it answers the GET's status and headers with no body, and the handler stops there.
 * The body is an empty stream, not nothing: nothing would be told `content-length: 0`, which a
 * GET's (chunked) answer does not say.
 */
export function answeredHead(req: { method: string }, reply: { send(payload: unknown): unknown }): boolean {
  if (req.method !== 'HEAD') return false;
  reply.send(Readable.from([]));
  return true;
}
