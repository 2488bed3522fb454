import { createReadStream } from 'node:fs';
import { parse as parseSync } from 'csv-parse/sync';
import { AppError } from '../../errors.js';
import { ColumnResolver, missingColumns, type Field } from '../fields.js';
import { normalizeName } from '../text.js';
import type { Parsed, ReaderContext, Source } from '../types.js';
import { readCsvRecords } from './csv-reader.js';
import { TabularConverter } from './tabular.js';

// CSV exports of social-inbox tools. The file is streamed through readCsvRecords; only the
// records of one chunk are in memory. Line numbers are 1-based with the header on line 1;
// a record spanning lines (a quoted newline) is reported at its first line.

export interface CsvLayout {
  delimiter: string;
  headers: string[];
  columns: Partial<Record<Field, number>>;
}

const DELIMITERS = [',', ';', '\t', '|'];

/** Reads the header from the start of the file; `unknown` describes a file we cannot import. */
export function sniffCsv(head: string, ctx: ReaderContext): { layout: CsvLayout } | { unknown: string } {
  const end = head.indexOf('\n');
  const firstLine = (end < 0 ? head : head.slice(0, end)).replace(/\r$/, '');
  // The delimiter is whichever candidate the header uses most; header names rarely contain any.
  const delimiter = DELIMITERS.map((d) => [d, firstLine.split(d).length] as const).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  let headers: string[];
  try {
    const records = parseSync(firstLine, { delimiter, bom: true, relax_quotes: true, relax_column_count: true }) as string[][];
    headers = (records[0] ?? []).map((h) => h.trim());
  } catch {
    return { unknown: `text whose first line is not a CSV header ("${firstLine.slice(0, 60)}")` };
  }
  const resolver = new ColumnResolver(ctx.map);
  const known = new Set(headers.map(normalizeName));
  const absent = Object.keys(ctx.map).filter((c) => !known.has(normalizeName(c)));
  if (absent.length > 0) {
    throw new AppError('BAD_REQUEST', `--map names column(s) ${absent.map((c) => `"${c}"`).join(', ')} that the file does not have; its headers are ${headers.join(', ')}`);
  }
  const columns = resolver.indexHeaders(headers);
  const missing = missingColumns(columns);
  if (missing) {
    return { unknown: `a CSV whose headers are ${headers.join(', ')} (${missing}; name it with --map column=field)` };
  }
  return { layout: { delimiter, headers, columns } };
}

export function csvSource(file: string, layout: CsvLayout, ctx: ReaderContext): Source {
  return { format: 'csv', rows: () => csvRows(file, layout, ctx) };
}

async function* csvRows(file: string, layout: CsvLayout, ctx: ReaderContext): AsyncGenerator<Parsed[]> {
  const converter = new TabularConverter(ctx);
  const width = layout.headers.length;
  const columns = layout.columns;
  // Small reads: a chunk is parsed before anything else runs, and replies to the batches being
  // written should not wait behind a megabyte of parsing. Bytes: the reader decodes each field
  // on its own (invalid UTF-8 becomes U+FFFD, which the converter rejects).
  const input = createReadStream(file, { highWaterMark: 64 * 1024 });
  let record: string[] = [];
  const get = (f: Field): string | undefined => {
    const i = columns[f];
    return i === undefined ? undefined : record[i];
  };
  try {
    let header = true;
    for await (const records of readCsvRecords(input as AsyncIterable<Buffer>, layout.delimiter)) {
      const out: Parsed[] = [];
      for (const r of records) {
        if ('error' in r) {
          out.push({ error: { line: r.line, reason: r.error } });
          continue;
        }
        if (header) {
          header = false;
          continue;
        }
        record = r.fields;
        const row = toRow(r.line);
        if (row) out.push(row);
      }
      if (out.length > 0) yield out;
    }
  } finally {
    input.destroy(); // the consumer may stop early
  }

  function toRow(line: number): Parsed | undefined {
    if (record.every((v) => v.trim() === '')) return undefined; // blank lines and the ",,,," rows spreadsheets leave
    if (record.length !== width && !(record.length > width && record.slice(width).every((v) => v === ''))) {
      return { error: { line, reason: `expected ${width} fields, found ${record.length}` } };
    }
    return converter.convert(get, line);
  }
}
