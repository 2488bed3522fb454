import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ColumnResolver, missingColumns, type Field } from '../fields.js';
import type { Parsed, ReaderContext, Source } from '../types.js';
import { fromPulseRecord } from './pulse-jsonl.js';
import { TabularConverter } from './tabular.js';

// JSON Lines: one object per line, read a line at a time. Two flavours share the reader:
// social-inbox records (keys like CSV headers, resolved per key) and our own export.

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why the keys of the first record cannot be imported as a social-inbox record, or null. */
export function jsonlKeysProblem(first: Record<string, unknown>, ctx: ReaderContext): string | null {
  const resolver = new ColumnResolver(ctx.map);
  const found: Partial<Record<Field, true>> = {};
  for (const key of Object.keys(first)) {
    const hit = resolver.resolve(key);
    if (hit) found[hit[0]] = true;
  }
  const missing = missingColumns(found);
  return missing ? `a JSON Lines file whose keys are ${Object.keys(first).join(', ')} (${missing}; name it with --map key=field)` : null;
}

export function jsonlSource(file: string, ctx: ReaderContext, flavour: 'jsonl' | 'pulse-jsonl'): Source {
  return { format: flavour, rows: () => jsonlRows(file, ctx, flavour) };
}

async function* jsonlRows(file: string, ctx: ReaderContext, flavour: 'jsonl' | 'pulse-jsonl'): AsyncGenerator<Parsed> {
  const resolver = new ColumnResolver(ctx.map);
  const converter = new TabularConverter(ctx);
  const input = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of lines) {
      line++;
      const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        yield { error: { line, reason: `invalid JSON: ${(err as Error).message}` } };
        continue;
      }
      if (!isObject(value)) {
        yield { error: { line, reason: 'not a JSON object' } };
        continue;
      }
      if (flavour === 'pulse-jsonl') {
        yield fromPulseRecord(value, line, converter);
        continue;
      }
      // Keys may differ from line to line; the best-priority key per field wins, as for CSV headers.
      const values = new Map<Field, [unknown, number]>();
      for (const [key, v] of Object.entries(value)) {
        const hit = resolver.resolve(key);
        if (!hit) continue;
        const prev = values.get(hit[0]);
        if (!prev || hit[1] < prev[1]) values.set(hit[0], [v, hit[1]]);
      }
      yield converter.convert((f) => values.get(f)?.[0], line);
    }
  } finally {
    lines.close();
    input.destroy();
  }
}
