import { open, stat } from 'node:fs/promises';

// When an import defers the secondary indexes it may (src/db/deferred-indexes.ts): only when
// it is large, and large against what `messages` already holds. Building an index again reads
// the whole table, old rows included; with the file at least as large as the table, the builds
// cover at most twice the import's own rows, and cost about what keeping the indexes as it goes
// would have cost for that import alone. A small import into a large table keeps them.

/** Rows a file must be expected to bring before its import defers indexes: below it the gain is small. */
export const DEFER_MIN_ROWS = 100_000;

/** The rule: a large file, at least as large as the table it goes into. */
export const shouldDeferIndexes = (estimatedRows: number, tableRows: number, minRows = DEFER_MIN_ROWS): boolean =>
  estimatedRows >= minRows && estimatedRows >= tableRows;

const HEAD_BYTES = 256 * 1024;
/** Formats with one message per line; the others (a Facebook export) are not estimated. */
const LINE_FORMATS = new Set(['csv', 'jsonl', 'pulse-jsonl']);

/**
 * Messages a file holds, estimated from the lines of its first 256 KB; 0 when the format has no
 * line per message (a Facebook export: such imports keep their indexes). A quoted line break
 * inside a CSV field makes it an overestimate, by that field's share of the lines.
 */
export async function estimateRows(file: string, format: string): Promise<number> {
  if (!LINE_FORMATS.has(format)) return 0;
  const size = (await stat(file)).size;
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(size, HEAD_BYTES));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    let lines = 0;
    for (let i = buf.indexOf(10); i >= 0 && i < bytesRead; i = buf.indexOf(10, i + 1)) lines++;
    if (bytesRead === 0) return 0;
    // a CSV's header is not a message (a JSONL file has none: one row too few is no matter)
    if (bytesRead >= size) return Math.max(0, lines - (format === 'csv' ? 1 : 0));
    return Math.round((size * lines) / bytesRead);
  } finally {
    await fh.close();
  }
}
