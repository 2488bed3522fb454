import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reserveMessageIds } from '../src/import/built-sessions.ts';
import { copyBinaryAhead } from '../src/db/copy-ahead.ts';
import { BinaryCopy } from '../src/db/copy-binary.ts';
import { createUpload } from '../src/import/index.ts';
import { setUploadProgress } from '../src/import/uploads.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// How the import talks to PostgreSQL: its rows in COPY's binary format (src/db/copy-binary.ts),
// where every value must arrive as the text format wrote it, whatever characters it holds; the
// ids it reserves; its progress reports.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('import_copy_binary');
});
afterAll(async () => {
  await db.drop();
});

describe('BinaryCopy', () => {
  it('stores text, jsonb, enums, numbers, booleans, times and NULLs as written', async () => {
    const client = await db.pool.connect();
    try {
      await client.query(`CREATE TEMP TABLE t (i int, s text, d "MessageDirection", j jsonb, f double precision, b boolean, at timestamptz(3))`);
      const long = `${'x'.repeat(70)} ünïcödé ✅ 😀`;
      const rows: [number | null, string | null, string | null, string | null, number | null, boolean, number | null][] = [
        [1, 'plain ascii', 'to_company', '{"name":"Ann","id":"U01"}', 0.25, true, Date.UTC(2026, 7, 1, 9, 30, 0, 123)],
        [-7, 'tab\there\nnewline\r\nback\\slash "quotes" \\N', 'to_client', '[{"type":"file","payload":{"url":"https://x/y?a=1&b=2"}}]', -1e-9, false, Date.UTC(2000, 0, 1)],
        [2147483647, 'Café 😞 – €', 'to_client', '{"name":"Zoë ✅"}', 1e300, true, Date.UTC(1999, 11, 31, 23, 59, 59, 999)],
        [3, long, 'to_company', `{"note":${JSON.stringify(long)}}`, 0, false, Date.UTC(2099, 11, 31, 23, 59, 59, 999)],
        [null, null, null, null, null, false, null],
        // a fraction of a millisecond is dropped, as new Date(ms).toISOString() did
        [4, '', 'to_client', '{}', 3.5, true, Date.UTC(2026, 0, 2, 3, 4, 5, 6) + 0.75],
      ];
      const copy = new BinaryCopy(16); // grows as needed
      for (const [i, s, d, j, f, b, at] of rows) copy.row(7).int4(i).text(s).text(d).jsonb(j).float8(f).bool(b).timestamptz(at);
      await copyBinaryAhead(client, 't (i, s, d, j, f, b, at)', copy);
      const stored = await client.query<{ i: number | null; s: string | null; d: string | null; j: unknown; f: number | null; b: boolean; at: string | null }>(
        `SELECT i, s, d::text AS d, j, f, b, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at FROM t ORDER BY ctid`,
      );
      expect(stored.rows).toEqual(
        rows.map(([i, s, d, j, f, b, at]) => ({
          i, s, d, j: j === null ? null : JSON.parse(j), f, b,
          at: at === null ? null : new Date(at).toISOString(),
        })),
      );
    } finally {
      client.release();
    }
  });
});

describe('reserveMessageIds', () => {
  it('hands back the ids the sequence gave, in order, whether or not they are one run', async () => {
    const client = await db.pool.connect();
    try {
      const a = await reserveMessageIds(client, 5);
      expect(a).toEqual([a[0]!, a[0]! + 1, a[0]! + 2, a[0]! + 3, a[0]! + 4]);
      // Another writer's ids in between: here a sequence stepping by 3 leaves gaps of two.
      const seq = (await client.query<{ seq: string }>(`SELECT pg_get_serial_sequence('messages', 'id') AS seq`)).rows[0]!.seq;
      await client.query(`ALTER SEQUENCE ${seq} INCREMENT BY 3`);
      try {
        const b = await reserveMessageIds(client, 4);
        expect(b[0]).toBeGreaterThan(a[4]!);
        expect(b).toEqual([b[0]!, b[0]! + 3, b[0]! + 6, b[0]! + 9]);
        const next = (await client.query<{ id: number }>(`SELECT nextval($1::regclass)::int AS id`, [seq])).rows[0]!.id;
        expect(next).toBe(b[3]! + 3);
      } finally {
        await client.query(`ALTER SEQUENCE ${seq} INCREMENT BY 1`);
      }
    } finally {
      client.release();
    }
  });
});

describe('setUploadProgress', () => {
  it('stores the counts, committing asynchronously for that statement only', async () => {
    const id = await createUpload(db.pool, 'progress.csv', 10);
    const client = await db.pool.connect();
    try {
      await setUploadProgress(client, id, 20_000, 3);
      // the next statement on the connection (the upload's final status) commits synchronously again
      expect((await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit).toBe('on');
    } finally {
      client.release();
    }
    const row = (await db.pool.query<{ rows_accepted: number; rows_rejected: number }>('SELECT rows_accepted, rows_rejected FROM uploads WHERE id = $1', [id])).rows[0];
    expect(row).toEqual({ rows_accepted: 20_000, rows_rejected: 3 });
  });
});
