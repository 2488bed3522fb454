import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { AppError } from '../../errors.js';
import { ColumnResolver, missingColumns, type Field } from '../fields.js';
import { normalizeName } from '../text.js';
import type { Parsed, ReaderContext, Source } from '../types.js';
import { TabularConverter } from './tabular.js';

// CSV exports of social-inbox tools. The file is streamed through csv-parse; only the
// record being converted is in memory. Line numbers are 1-based with the header on line 1;
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

async function* csvRows(file: string, layout: CsvLayout, ctx: ReaderContext): AsyncGenerator<Parsed> {
  const converter = new TabularConverter(ctx);
  const width = layout.headers.length;
  const columns = layout.columns;
  // Lines are counted here, not with csv-parse's `info`: that costs a tenth of the parse and
  // miscounts CRLF inside quoted fields. A record starts on the line after the previous
  // one ends; every newline inside its fields moves the next start down.
  let nextLine = 1;
  let records = 0;
  const skipped: { after: number; reason: string }[] = [];

  const parser = parse({
    delimiter: layout.delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_records_with_error: true,
  });
  parser.on('skip', (err: Error) => {
    const reason = /quote not closed/i.test(err.message)
      ? 'unclosed quote: the rest of the file from this line could not be read'
      : `malformed CSV: ${err.message}`;
    skipped.push({ after: parser.info.records, reason });
  });
  // Small reads: csv-parse parses a whole chunk before anything else runs, and replies to the
  // batch being written should not wait behind a megabyte of parsing.
  const input = createReadStream(file, { highWaterMark: 64 * 1024 });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);

  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      const line = nextLine;
      nextLine += 1 + newlines(record);
      records++;
      const row = records > 1 ? toRow(record, line) : undefined; // record 1 is the header
      if (row) yield row;
      while (skipped.length && skipped[0]!.after <= records) yield { error: { line: nextLine, reason: skipped.shift()!.reason } };
    }
    for (const s of skipped) yield { error: { line: nextLine, reason: s.reason } };
  } finally {
    input.destroy(); // pipe() leaves the file open when the consumer stops early
  }

  function toRow(record: string[], line: number): Parsed | undefined {
    if (record.every((v) => v.trim() === '')) return undefined; // blank lines and the ",,,," rows spreadsheets leave
    if (record.length !== width && !(record.length > width && record.slice(width).every((v) => v === ''))) {
      return { error: { line, reason: `expected ${width} fields, found ${record.length}` } };
    }
    return converter.convert((f) => {
      const i = columns[f];
      return i === undefined ? undefined : record[i];
    }, line);
  }
}

function newlines(record: string[]): number {
  let n = 0;
  for (const field of record) {
    for (let i = field.indexOf('\n'); i >= 0; i = field.indexOf('\n', i + 1)) n++;
  }
  return n;
}
