import type PgBoss from 'pg-boss';
import type pg from 'pg';
import { createJobs, planChangedDays } from '../../db/analysis-repo.js';
import { fillDayAgents } from '../../db/reply-facts.js';
import { ANALYSIS_QUEUE, inTransaction } from '../queue.js';

export interface PlanResult {
  days: number;
  jobIds: number[];
}

/**
 * Finds the conversation-days that are new or changed since a chat was last processed and
 * enqueues them as jobs of `batchSize` days. Rows, jobs, queue messages and the processed-chat
 * memory commit in one transaction, so a crash never leaves days planned but not enqueued.
 */
export async function planAnalysis(
  pool: pg.Pool,
  boss: PgBoss,
  opts: { timezone: string; batchSize: number; conversationIds?: number[]; uploadId?: number },
): Promise<PlanResult> {
  const client = await pool.connect();
  let failed = false;
  try {
    await client.query('BEGIN');
    const days = await planChangedDays(client, opts.timezone, opts.conversationIds);
    // days planned before their human agents were recorded (an upgraded database)
    await fillDayAgents(client, opts.timezone);
    const batches: number[][] = [];
    for (let i = 0; i < days.length; i += opts.batchSize) batches.push(days.slice(i, i + opts.batchSize));
    const jobIds = await createJobs(client, batches, opts.uploadId);
    if (jobIds.length > 0) {
      await boss.insert(jobIds.map((jobId) => ({ name: ANALYSIS_QUEUE, data: { jobId } })), { db: inTransaction(client) });
    }
    await client.query('COMMIT');
    return { days: days.length, jobIds };
  } catch (err) {
    failed = true;
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release(failed);
  }
}
