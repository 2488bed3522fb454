import type pg from 'pg';
import { insertOrFindByKey } from './keyed-insert.ts';

// error_logs: automation and workflow errors (an n8n run that failed, a webhook that could
// not be delivered, ...), written by those workflows through POST /api/errors and by our own
// channels, read newest first.

export interface ErrorLogEntry {
  id: number;
  source: string;
  message: string;
  context: unknown;
  createdAt: string;
}

interface Row {
  id: number;
  source: string;
  message: string;
  context: unknown;
  created_at: Date;
}

const toEntry = (r: Row): ErrorLogEntry => ({ id: r.id, source: r.source, message: r.message, context: r.context, createdAt: r.created_at.toISOString() });

export async function insertErrorLog(db: pg.Pool | pg.ClientBase, e: { source: string; message: string; context?: unknown }): Promise<ErrorLogEntry> {
  const { rows } = await db.query<Row>(
    `INSERT INTO error_logs (source, message, context) VALUES ($1, $2, $3) RETURNING id, source, message, context, created_at`,
    [e.source, e.message, e.context === undefined ? null : JSON.stringify(e.context)],
  );
  return toEntry(rows[0]!);
}

export type KeyedInsert =
  | { kind: 'inserted'; entry: ErrorLogEntry }
  /** the key was used before with the same report: that row */
  | { kind: 'replayed'; entry: ErrorLogEntry }
  /** the key was used before with another report */
  | { kind: 'mismatch'; id: number };

/**
 * Stores a report under a token's Idempotency-Key, or finds the row stored under it before. One
 * INSERT … ON CONFLICT DO NOTHING on the unique partial index (error_logs_idempotency_key), so two
 * arrivals at once store one row: the later waits for the earlier's commit and stores nothing
 * (db/keyed-insert.ts).
 */
export async function insertErrorLogOnce(
  db: pg.Pool | pg.ClientBase,
  e: { source: string; message: string; context?: unknown; tokenId: number; key: string; requestHash: string },
): Promise<KeyedInsert> {
  const row = await insertOrFindByKey<Row & { request_hash: string | null; inserted: boolean }>(
    db,
    `WITH ins AS (
       INSERT INTO error_logs (source, message, context, idempotency_token_id, idempotency_key, request_hash)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (idempotency_token_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING id, source, message, context, created_at, request_hash)
     SELECT *, true AS inserted FROM ins
     UNION ALL
     SELECT id, source, message, context, created_at, request_hash, false AS inserted FROM error_logs
      WHERE idempotency_token_id = $4 AND idempotency_key = $5 AND NOT EXISTS (SELECT 1 FROM ins)`,
    [e.source, e.message, e.context === undefined ? null : JSON.stringify(e.context), e.tokenId, e.key, e.requestHash],
    'error_logs',
  );
  if (row.inserted) return { kind: 'inserted', entry: toEntry(row) };
  return row.request_hash === e.requestHash ? { kind: 'replayed', entry: toEntry(row) } : { kind: 'mismatch', id: row.id };
}

/** Newest first; `beforeId` continues after the last row of the previous page. */
export async function listErrorLogs(
  db: pg.Pool | pg.ClientBase,
  f: { source?: string; since?: Date; beforeId?: number; limit: number },
): Promise<{ errors: ErrorLogEntry[]; nextBeforeId: number | null }> {
  const params: unknown[] = [];
  const w: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.source) w.push(`source = ${p(f.source)}`);
  if (f.since) w.push(`created_at >= ${p(f.since)}`);
  if (f.beforeId) w.push(`id < ${p(f.beforeId)}`);
  const { rows } = await db.query<Row>(
    `SELECT id, source, message, context, created_at FROM error_logs ${w.length ? `WHERE ${w.join(' AND ')}` : ''}
      ORDER BY id DESC LIMIT ${p(f.limit + 1)}`,
    params,
  );
  const errors = rows.slice(0, f.limit).map(toEntry);
  return { errors, nextBeforeId: rows.length > f.limit ? errors.at(-1)!.id : null };
}
