import type pg from 'pg';

// scheduled_runs: one row per (task, tick). Whoever inserts the row runs the tick; everyone
// else sees the conflict and does nothing. A row left 'running' past its lease (its instance
// died mid-run) may be claimed again, so the loss of an instance loses no tick.

type Db = pg.Pool | pg.ClientBase;

export interface RunClaim {
  taskKey: string;
  scheduledFor: Date;
  instance: string;
  /** the scheduler's clock, not the database's: tests drive time */
  now: Date;
  /** a 'running' row older than this is presumed abandoned */
  leaseMs: number;
}

/** True when this instance now owns the tick. */
export async function claimRun(db: Db, c: RunClaim): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO scheduled_runs (task_key, scheduled_for, instance, status, started_at)
     VALUES ($1, $2, $3, 'running', $4)
     ON CONFLICT (task_key, scheduled_for) DO UPDATE
       SET instance = EXCLUDED.instance, started_at = EXCLUDED.started_at, status = 'running', error = NULL, finished_at = NULL
       WHERE scheduled_runs.status = 'running' AND scheduled_runs.started_at < $4::timestamptz - make_interval(secs => $5::float8 / 1000)
     RETURNING task_key`,
    [c.taskKey, c.scheduledFor, c.instance, c.now, c.leaseMs],
  );
  return rowCount === 1;
}

/** Records the outcome; only the owner's own running row changes (a re-claimed row is not ours). */
export async function finishRun(
  db: Db,
  r: { taskKey: string; scheduledFor: Date; instance: string; status: 'finished' | 'failed'; error?: string; now: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE scheduled_runs SET status = $4, error = $5, finished_at = $6
      WHERE task_key = $1 AND scheduled_for = $2 AND instance = $3 AND status = 'running'`,
    [r.taskKey, r.scheduledFor, r.instance, r.status, r.error?.slice(0, 2000) ?? null, r.now],
  );
  return rowCount === 1;
}

/** The latest tick ever claimed for the task (whatever its outcome). */
export async function lastRecordedRun(db: Db, taskKey: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ at: Date | null }>(`SELECT max(scheduled_for) AS at FROM scheduled_runs WHERE task_key = $1`, [taskKey]);
  return rows[0]?.at ?? undefined;
}

/** Ticks of these tasks whose run was claimed but neither finished nor failed within the lease. */
export async function abandonedRuns(db: Db, taskKeys: string[], now: Date, leaseMs: number): Promise<{ taskKey: string; scheduledFor: Date }[]> {
  if (taskKeys.length === 0) return [];
  const { rows } = await db.query<{ task_key: string; scheduled_for: Date }>(
    `SELECT task_key, scheduled_for FROM scheduled_runs
      WHERE task_key = ANY($1) AND status = 'running' AND started_at < $2::timestamptz - make_interval(secs => $3::float8 / 1000)
      ORDER BY scheduled_for`,
    [taskKeys, now, leaseMs],
  );
  return rows.map((r) => ({ taskKey: r.task_key, scheduledFor: r.scheduled_for }));
}

export interface ScheduledRunRow {
  taskKey: string;
  scheduledFor: Date;
  instance: string;
  status: string;
  error: string | null;
}

/** Recent runs, newest first (for tests, `pulse` and the docs' troubleshooting). */
export async function listRuns(db: Db, f: { taskKey?: string; limit?: number } = {}): Promise<ScheduledRunRow[]> {
  const { rows } = await db.query<{ task_key: string; scheduled_for: Date; instance: string; status: string; error: string | null }>(
    `SELECT task_key, scheduled_for, instance, status, error FROM scheduled_runs
      WHERE ($1::text IS NULL OR task_key = $1) ORDER BY scheduled_for DESC, task_key LIMIT $2`,
    [f.taskKey ?? null, f.limit ?? 1000],
  );
  return rows.map((r) => ({ taskKey: r.task_key, scheduledFor: r.scheduled_for, instance: r.instance, status: r.status, error: r.error }));
}
