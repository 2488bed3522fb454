import pg from 'pg';
import type { RowError } from './types.js';
import { insertOrFindByKey } from '../db/keyed-insert.js';

// The `uploads` row that records each import: pending → processing → completed | failed.

export interface UploadView {
  id: number;
  fileName: string;
  format: string | null;
  status: 'pending' | 'processing' | 'completed' | 'failed';
  sizeBytes: number | null;
  rowsAccepted: number;
  rowsRejected: number;
  errors: RowError[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export async function insertUpload(db: pg.ClientBase | pg.Pool, fileName: string, sizeBytes: number): Promise<number> {
  const res = await db.query<{ id: number }>(
    `INSERT INTO uploads (file_name, status, size_bytes) VALUES ($1, 'pending', $2) RETURNING id`,
    [fileName, sizeBytes],
  );
  return res.rows[0]!.id;
}

export type KeyedUpload =
  | { kind: 'inserted'; id: number }
  /** the key was used before with the same file: that upload */
  | { kind: 'replayed'; id: number; status: UploadView['status'] }
  /** the key was used before with another file */
  | { kind: 'mismatch'; id: number };

/**
 * A pending upload under a token's Idempotency-Key, or the upload stored under it before: one
 * INSERT … ON CONFLICT DO NOTHING on uploads_idempotency_key, so two arrivals at once make one
 * upload (the later waits for the earlier's commit; db/keyed-insert.ts).
 */
export async function insertUploadOnce(
  db: pg.ClientBase | pg.Pool,
  u: { fileName: string; sizeBytes: number; tokenId: number; key: string; requestHash: string },
): Promise<KeyedUpload> {
  const row = await insertOrFindByKey<{ id: number; status: UploadView['status']; request_hash: string | null; inserted: boolean }>(
    db,
    `WITH ins AS (
       INSERT INTO uploads (file_name, status, size_bytes, idempotency_token_id, idempotency_key, request_hash)
       VALUES ($1, 'pending', $2, $3, $4, $5)
       ON CONFLICT (idempotency_token_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING id, status, request_hash)
     SELECT id, status::text AS status, request_hash, true AS inserted FROM ins
     UNION ALL
     SELECT id, status::text, request_hash, false FROM uploads
      WHERE idempotency_token_id = $3 AND idempotency_key = $4 AND NOT EXISTS (SELECT 1 FROM ins)`,
    [u.fileName, u.sizeBytes, u.tokenId, u.key, u.requestHash],
    'uploads',
  );
  if (row.inserted) return { kind: 'inserted', id: row.id };
  return row.request_hash === u.requestHash ? { kind: 'replayed', id: row.id, status: row.status } : { kind: 'mismatch', id: row.id };
}

/**
 * Moves a pending upload to processing, recording the absolute path it reads; returns its file
 * name, or null when there is no such upload.
 */
export async function startUpload(db: pg.ClientBase, id: number, sourcePath: string): Promise<string | null> {
  const res = await db.query<{ file_name: string }>(
    `UPDATE uploads SET status = 'processing', started_at = now(), finished_at = NULL, source_path = $2 WHERE id = $1 RETURNING file_name`,
    [id, sourcePath],
  );
  return res.rows[0]?.file_name ?? null;
}

export async function setUploadFormat(db: pg.ClientBase, id: number, format: string): Promise<void> {
  await db.query('UPDATE uploads SET format = $2 WHERE id = $1', [id, format]);
}

/**
 * Progress only shows a running import moving (recovery counts the batch journal, not this), so
 * it commits without waiting for its WAL to reach disk: a synchronous commit here also waited
 * for every batch the writers had committed asynchronously before it, tens of ms once a second
 * during which the writer that reported it took no new batch. Asynchronous for this statement
 * only (set_config local to its transaction): the upload's final status stays synchronous.
 */
export async function setUploadProgress(db: pg.ClientBase, id: number, accepted: number, rejected: number): Promise<void> {
  await db.query(
    `UPDATE uploads SET rows_accepted = $2, rows_rejected = $3 FROM (SELECT set_config('synchronous_commit', 'off', true)) async WHERE id = $1`,
    [id, accepted, rejected],
  );
}

export async function finishUpload(
  db: pg.ClientBase | pg.Pool,
  id: number,
  outcome: { status: 'completed' | 'failed'; accepted: number; rejected: number; errors: RowError[] },
): Promise<void> {
  // The batch journal served while the upload was running; one statement, so both or neither.
  await db.query(
    `WITH journal AS (DELETE FROM upload_batches WHERE upload_id = $1)
     UPDATE uploads SET status = $2, rows_accepted = $3, rows_rejected = $4, error_report = $5::jsonb, finished_at = now() WHERE id = $1`,
    [id, outcome.status, outcome.accepted, outcome.rejected, JSON.stringify(outcome.errors)],
  );
}

/** What the committed batches of an upload stored (upload_batches, see write-batch.ts). */
export interface JournalTotals {
  batches: number;
  accepted: number;
  rejected: number;
  inserted: number;
  errors: RowError[];
  /** every conversation a batch wrote to or named, ascending */
  conversationIds: number[];
}

export async function readJournal(db: pg.ClientBase | pg.Pool, uploadId: number): Promise<JournalTotals> {
  const res = await db.query<{ batches: number; accepted: number; rejected: number; inserted: number; errors: RowError[] | null; ids: number[] | null }>(
    `SELECT count(*)::int AS batches, coalesce(sum(rows_accepted), 0)::int AS accepted, coalesce(sum(rows_rejected), 0)::int AS rejected,
            coalesce(sum(messages_inserted), 0)::int AS inserted,
            (SELECT jsonb_agg(e.value ORDER BY b.id, e.ord) FROM upload_batches b, jsonb_array_elements(b.errors) WITH ORDINALITY AS e(value, ord)
              WHERE b.upload_id = $1) AS errors,
            (SELECT array_agg(DISTINCT c ORDER BY c) FROM upload_batches, unnest(conversation_ids) AS c WHERE upload_id = $1) AS ids
       FROM upload_batches WHERE upload_id = $1`,
    [uploadId],
  );
  const r = res.rows[0]!;
  return { batches: r.batches, accepted: r.accepted, rejected: r.rejected, inserted: r.inserted, errors: r.errors ?? [], conversationIds: r.ids ?? [] };
}

interface UploadRow {
  id: number;
  file_name: string;
  format: string | null;
  status: UploadView['status'];
  size_bytes: string | null;
  rows_accepted: number;
  rows_rejected: number;
  error_report: RowError[] | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export async function readUpload(db: pg.ClientBase | pg.Pool, id: number): Promise<UploadView | null> {
  const res = await db.query<UploadRow>('SELECT * FROM uploads WHERE id = $1', [id]);
  const r = res.rows[0];
  if (!r) return null;
  return {
    id: r.id,
    fileName: r.file_name,
    format: r.format,
    status: r.status,
    sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
    rowsAccepted: r.rows_accepted,
    rowsRejected: r.rows_rejected,
    errors: r.error_report ?? [],
    createdAt: r.created_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}
