import type pg from 'pg';

export type JobStatus = 'pending' | 'in_progress' | 'completed' | 'failed';

export interface JobView {
  id: number;
  uploadId: number | null;
  status: JobStatus;
  attempts: number;
  days: number;
  error: string | null;
  result: unknown;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

/** Marks a job as being worked on; false when it no longer exists or is already completed. */
export async function startJob(client: pg.ClientBase, jobId: number): Promise<boolean> {
  const res = await client.query(
    `UPDATE jobs SET status = 'in_progress', attempts = attempts + 1, started_at = now()
     WHERE id = $1 AND status <> 'completed'`,
    [jobId],
  );
  return res.rowCount === 1;
}

/** `days`: the days the job scored, which its progress figure becomes. */
export async function completeJob(client: pg.ClientBase, jobId: number, result: object, days: number): Promise<void> {
  await client.query(
    `UPDATE jobs SET status = 'completed', completed_at = now(), error = NULL, result = $2, days = $3 WHERE id = $1`,
    [jobId, JSON.stringify(result), days],
  );
}

/** A failed attempt: back to pending while retries remain, failed (kept, retryable) after the last. */
export async function recordJobError(client: pg.ClientBase, jobId: number, error: Error, final: boolean): Promise<void> {
  await client.query(
    `UPDATE jobs SET status = $2, error = $3, result = $4 WHERE id = $1 AND status <> 'completed'`,
    [jobId, final ? 'failed' : 'pending', error.message, JSON.stringify({ error: error.message, stack: error.stack ?? null })],
  );
}

const VIEW = `SELECT j.id, j.upload_id AS "uploadId", j.status, j.attempts, j.error, j.result,
  j.created_at AS "createdAt", j.started_at AS "startedAt", j.completed_at AS "completedAt", j.days
  FROM jobs j`;

export async function listJobs(client: pg.ClientBase, opts: { status?: JobStatus; limit?: number } = {}): Promise<JobView[]> {
  const res = await client.query<JobView>(
    `${VIEW} WHERE ($1::"JobStatus" IS NULL OR j.status = $1::"JobStatus") ORDER BY j.id DESC LIMIT $2`,
    [opts.status ?? null, opts.limit ?? 100],
  );
  return res.rows;
}

export async function findJob(client: pg.ClientBase, jobId: number): Promise<JobView | undefined> {
  const res = await client.query<JobView>(`${VIEW} WHERE j.id = $1`, [jobId]);
  return res.rows[0];
}

/** Puts a failed job back to pending; false when it is not failed. */
export async function resetFailedJob(client: pg.ClientBase, jobId: number): Promise<boolean> {
  const res = await client.query(`UPDATE jobs SET status = 'pending', error = NULL WHERE id = $1 AND status = 'failed'`, [jobId]);
  return res.rowCount === 1;
}

export async function jobCounts(client: pg.ClientBase, jobIds?: number[]): Promise<Record<JobStatus, number> & { daysDone: number; daysTotal: number }> {
  const res = await client.query<{ status: JobStatus; n: number; days: number }>(
    `SELECT j.status, count(*)::int AS n, sum(j.days)::int AS days
     FROM jobs j WHERE $1::int[] IS NULL OR j.id = ANY($1::int[]) GROUP BY j.status`,
    [jobIds ?? null],
  );
  const counts = { pending: 0, in_progress: 0, completed: 0, failed: 0, daysDone: 0, daysTotal: 0 };
  for (const r of res.rows) {
    counts[r.status] = r.n;
    counts.daysTotal += r.days;
    if (r.status === 'completed') counts.daysDone += r.days;
  }
  return counts;
}
