import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

// Reading many rows as PostgreSQL's COPY text format: the server writes it far faster than it
// builds JSON, and splitting it is cheap because a field never holds a raw tab or newline.

/** Runs `COPY (…) TO STDOUT` and returns the whole output as one string. */
export async function copyOutText(client: pg.ClientBase, sql: string): Promise<string> {
  const chunks: Buffer[] = [];
  // one decode at the end: a chunk boundary can fall inside a multi-byte character
  for await (const chunk of client.query(copyTo(sql)) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** A text-format field's value: null for `\N`, escapes (`\\`, `\n`, `\t`…) undone. */
export function copyField(raw: string): string | null {
  if (raw === '\\N') return null;
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(.)/gs, (_, c: string) => ESCAPES[c] ?? c);
}

/** Calls `row` with each line's raw fields (split on tabs; use copyField for text values). */
export function eachCopyRow(text: string, row: (fields: string[]) => void): void {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    row(text.slice(start, end).split('\t'));
    start = end + 1;
  }
}
