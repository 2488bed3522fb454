import type pg from 'pg';

// Parameterised filters built up clause by clause: every input value travels as a bind
// parameter, never as SQL text, because tool inputs come from a language model.

export class Params {
  readonly values: unknown[] = [];
  /** Adds a value and returns its placeholder. */
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

export async function rows<T extends pg.QueryResultRow>(pool: pg.Pool, sql: string, params: Params | unknown[]): Promise<T[]> {
  const values = params instanceof Params ? params.values : params;
  return (await pool.query<T>(sql, values)).rows;
}

/** LIKE pattern matching `s` literally anywhere. */
export function containsPattern(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Postgres returns aggregates of no rows as null and counts as bigint strings; normalise both. */
export function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

export function count(v: unknown): number {
  return num(v) ?? 0;
}

export function clampInt(v: number | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined || !Number.isFinite(v)) return fallback;
  return Math.min(max, Math.max(min, Math.trunc(v)));
}
