import { describe, expect, it } from 'vitest';
import type { ExportColumn, RawRow } from '../src/db/export-stream.ts';
import { csvBody, csvWriter, jsonBody, jsonWriter } from '../src/routes/export-format.ts';

// The export writers hand the socket pieces, not one string per batch: a string over 128 KB is
// allocated in V8's large-object space and promoted at once if a young-generation collection
// finds it waiting for the socket, which made the old space grow with every row exported.

const COLUMNS: ExportColumn[] = [
  { name: 'id', kind: 'int', sql: 'id' },
  { name: 'note', kind: 'text', sql: 'note' },
  { name: 'at', kind: 'time', sql: 'at' },
  { name: 'ok', kind: 'bool', sql: 'ok' },
];
const row = (i: number): RawRow => [String(i), i % 7 === 0 ? '=SUM(A1), "quoted"' : `note ${'x'.repeat(200)} ${i}`, '2026-11-22 12:00:00.5+00', i % 2 ? 't' : 'f'];
const rows = Array.from({ length: 2_000 }, (_, i) => row(i));
const LARGE_OBJECT = 128 * 1024;

async function text(body: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const piece of body) s += piece;
  return s;
}

async function* batches<T>(...items: T[]): AsyncGenerator<T> {
  yield* items;
}

describe('export writers', () => {
  it('write a large CSV batch as pieces under the large-object size, the same text as one record at a time', () => {
    const pieces = csvWriter(COLUMNS)(rows);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) {
      expect(p.length).toBeLessThan(LARGE_OBJECT / 2);
      expect(p.endsWith('\r\n')).toBe(true);
    }
    const one = rows.map((r) => csvWriter(COLUMNS)([r]).join(''));
    expect(pieces.join('')).toBe(one.join(''));
    expect(one[7]).toBe(`7,"'=SUM(A1), ""quoted""",2026-11-22T12:00:00.500Z,true\r\n`);
  });

  it('frame the CSV with its header and the JSON array with brackets, masked columns empty', async () => {
    const write = csvWriter(COLUMNS, ['note']);
    const csv = await text(csvBody(COLUMNS, batches(write(rows.slice(0, 2)), write(rows.slice(2, 3)))));
    expect(csv).toBe('id,note,at,ok\r\n0,,2026-11-22T12:00:00.500Z,false\r\n1,,2026-11-22T12:00:00.500Z,true\r\n2,,2026-11-22T12:00:00.500Z,false\r\n');

    const toJson = jsonWriter((r: RawRow) => ({ id: Number(r[0]) }));
    const big = toJson(rows);
    expect(big.length).toBeGreaterThan(0);
    for (const p of big) expect(p.length).toBeLessThan(LARGE_OBJECT / 2);
    const json = await text(jsonBody(batches(big, toJson(rows.slice(0, 1)))));
    expect(JSON.parse(json)).toEqual([...rows.map((r) => ({ id: Number(r[0]) })), { id: 0 }]);
    expect(await text(jsonBody(batches()))).toBe('[\n]\n');
  });
});
