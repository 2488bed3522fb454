import PgBoss from 'pg-boss';
import type pg from 'pg';
import type { TxSql } from '../db/client.ts';

// The Postgres-backed queue (pg-boss, in its own `pgboss` schema). Our `jobs` table is the
// record people see; pg-boss only carries `{ jobId }` messages and their retries.

export const ANALYSIS_QUEUE = 'analysis';

export interface QueueOptions {
  /** Attempts in all, so retryLimit = maxAttempts − 1. */
  maxAttempts: number;
  /** A job active longer than this is treated as abandoned (its worker died) and retried. */
  jobTimeoutSeconds: number;
}

/** The connections pg-boss itself holds (its pollers, maintenance, sends outside our transactions). */
export const QUEUE_CONNECTIONS = 3;

/**
 * How long a pg-boss query waits for one of those connections before it fails (pg-boss retries a
 * failed fetch at its next poll). Without a limit, a graceful stop could hang a worker for good:
 * pg-boss closes its pool once no worker holds a job, and pg-pool's end() neither serves nor
 * rejects a fetch already waiting for a connection, so that worker never stops and pg-boss's wait
 * for it keeps the process alive.
 */
export const QUEUE_CONNECT_TIMEOUT_MS = 5_000;

/** How every queue's policy is given: the same fields for the analysis, notify and slack-ask queues. */
export interface QueuePolicy {
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
  expireInSeconds: number;
}

export function analysisQueuePolicy(opts: QueueOptions): QueuePolicy {
  return { retryLimit: opts.maxAttempts - 1, retryDelay: 1, retryBackoff: true, expireInSeconds: opts.jobTimeoutSeconds };
}

/**
 * The process's one pg-boss, started, with the analysis queue: every other queue is created on
 * it through ensureQueue. Only the composition roots (service.ts, the CLI's) call this.
 */
export async function startQueue(
  databaseUrl: string,
  opts: QueueOptions,
  onError: (err: Error) => void = () => {
    // Connection blips are retried by pg-boss itself; callers log job failures, not these.
  },
): Promise<PgBoss> {
  // pg-boss hands these to pg.Pool, but its types list only some of pg.Pool's options
  const poolOptions: Pick<pg.PoolConfig, 'connectionTimeoutMillis'> = { connectionTimeoutMillis: QUEUE_CONNECT_TIMEOUT_MS };
  const boss = new PgBoss({
    connectionString: databaseUrl,
    max: QUEUE_CONNECTIONS,
    ...poolOptions,
    application_name: 'pulse:queue',
    // Expired (abandoned) jobs are found by maintenance: run it often enough that a killed
    // worker's job is picked up again soon after its timeout (and a notify job's, 120 s).
    maintenanceIntervalSeconds: Math.max(1, Math.min(30, Math.floor(opts.jobTimeoutSeconds / 2))),
    monitorStateIntervalSeconds: 60,
  });
  boss.on('error', onError);
  await boss.start();
  try {
    await ensureQueue(boss, ANALYSIS_QUEUE, analysisQueuePolicy(opts));
  } catch (err) {
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
    throw err;
  }
  return boss;
}

/** Creates queue `name` with `policy`, or brings an existing one's policy up to date. */
export async function ensureQueue(boss: PgBoss, name: string, policy: QueuePolicy): Promise<void> {
  const queue = { name, ...policy };
  await retryOnDeadlock(async () => {
    if (await boss.getQueue(name)) await boss.updateQueue(name, queue);
    else await boss.createQueue(name, queue).catch(async (err: Error) => {
      // Another process created it between our check and create.
      if (!(await boss.getQueue(name))) throw err;
    });
  });
}

/**
 * Services starting together on one database create or update pg-boss queues at once, and
 * Postgres may pick one of them as a deadlock victim (40P01); its work was rolled back, so it
 * simply tries again a moment later.
 */
export async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: string }).code !== '40P01' || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200 * attempt));
    }
  }
}

/** Lets pg-boss enqueue inside our own transaction: the job rows and the messages commit together. */
export function inTransaction(client: pg.ClientBase | TxSql): { executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }> } {
  return { executeSql: (text, values) => (client as TxSql).query(text, values) };
}
