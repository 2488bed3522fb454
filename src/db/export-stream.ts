import type pg from 'pg';
import { NOT_TOPICS } from '../domain/topics.ts';

// What the streamed exports share (db/session-export.ts, db/conversation-export.ts): columns
// with a kind that tells the writers (routes/export-format.ts) how to write them, and rows read
// as arrays of the server's text from one cursor.

export type ColumnKind = 'int' | 'float' | 'bool' | 'time' | 'enum' | 'text' | 'list' | 'answers';

export interface ExportColumn {
  /** the CSV header */
  name: string;
  kind: ColumnKind;
  sql: string;
}

export type RawRow = (string | null)[];

/** A string as an SQL literal (standard_conforming_strings), for values a COPY must carry inline. */
export const sqlLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * `topics`: the labels of the customer messages matching `where` (over messages m), most
 * frequent first, ties in code-point order, ';'-separated: domain/topics.ts topicsOf in SQL.
 */
export const topicsOfMessages = (where: string) => `
      SELECT string_agg(l.label, ';' ORDER BY l.n DESC, l.label COLLATE "C") AS topics
        FROM (SELECT coalesce(lc.label, m.classification) AS label, count(*) AS n
                FROM messages m LEFT JOIN message_label_corrections lc ON lc.message_id = m.id -- a reviewer's label wins, as in the catalogue
               WHERE ${where} AND m.sender_kind = 'customer' AND coalesce(lc.label, m.classification) IS NOT NULL
                 AND coalesce(lc.label, m.classification) <> ALL (ARRAY[${NOT_TOPICS.map(sqlLiteral).join(', ')}]::text[])
               GROUP BY 1) l`;

/**
 * Two laterals over the scorecard reviews matching `where` (over qa_reviews r): qr(reviews, score)
 * is the `qaScore` measure's mean; qa(answers) each category's mean `qaCategoryScore` as
 * 'key=score;…' in scorecard order, 'n/a' where every answer was N/A.
 */
export const qaFigures = (where: string) => `
    LEFT JOIN LATERAL (SELECT count(*) AS reviews, avg(r.score) AS score FROM qa_reviews r WHERE ${where}) qr ON true
    LEFT JOIN LATERAL (
      SELECT string_agg(x.key || '=' || coalesce(round(x.score::numeric, 1)::text, 'n/a'), ';' ORDER BY x.position, x.key) AS answers
        -- the review ids as an array: a join was planned as a scan of every answer, per row
        FROM (SELECT k.key, k.position, avg(a.score) AS score
                FROM qa_review_answers a JOIN qa_categories k ON k.id = a.category_id
               WHERE a.review_id = ANY (ARRAY(SELECT r.id FROM qa_reviews r WHERE ${where}))
               GROUP BY k.key, k.position) x) qa ON true`;

/** Every value as the server's text: the writers decide how each column is written. */
const AS_TEXT = { getTypeParser: () => (v: string) => v };

/**
 * The rows of `sql`, `batch` at a time, each batch handed to `encode` as soon as it lands and
 * only its encoding yielded: from one server-side cursor in a READ ONLY transaction (one plan
 * and one sort for the whole export, a consistent snapshot, flat memory). Timestamps are read
 * in UTC, so their text is ISO 8601 up to two characters (routes/export-format.ts isoUtc).
 *
 * Memory: a batch's rows (some 35 strings each) die before the next FETCH is parsed, so they
 * stay in V8's young generation. Yielding the rows themselves kept each batch alive while the
 * next one arrived (the consumer's loop variable), which was long enough for them to survive
 * two scavenges: every row exported was promoted, and the old space grew by ~70 MB per 100,000
 * rows until a full collection (server peak RSS 380 MB in bench/export.ts). The next batch is
 * asked for before this one is encoded, so the database keeps working meanwhile; the consumer
 * (the response, through Readable.from) pulls the next encoding only when the socket has taken
 * the last: a slow client holds one encoded batch here, nothing more. The connection is held
 * until the consumer finishes or stops (return() on the generator closes the cursor).
 */
export async function* streamEncoded<T>(pool: pg.Pool, sql: string, params: unknown[], encode: (rows: RawRow[]) => T, batch = 500): AsyncGenerator<T> {
  const client = await pool.connect();
  let ok = false;
  let pending: Promise<unknown> | undefined;
  try {
    await client.query('BEGIN READ ONLY');
    // the text formats the writers rely on, whatever the server's defaults: ISO dates in UTC,
    // floats in their shortest exact form
    await client.query(`SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, MDY'; SET LOCAL extra_float_digits = 1`);
    await client.query(`DECLARE pulse_export NO SCROLL CURSOR FOR ${sql}`, params);
    const fetch = () => {
      const p = client.query<RawRow>({ text: `FETCH ${batch} FROM pulse_export`, rowMode: 'array', types: AS_TEXT });
      pending = p.catch(() => {});
      return p;
    };
    let next = fetch();
    for (;;) {
      const fetched = await next;
      const more = fetched.rows.length === batch;
      if (more) next = fetch();
      const encoded = fetched.rows.length > 0 ? encode(fetched.rows) : undefined;
      fetched.rows = [];
      if (encoded !== undefined) yield encoded;
      if (!more) break;
    }
    await client.query('COMMIT');
    ok = true;
  } finally {
    // a consumer that stopped early may leave a FETCH in flight: let it land before the rollback
    await pending;
    if (!ok) await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}
