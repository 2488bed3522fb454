import type PgBoss from 'pg-boss';
import type pg from 'pg';
import { createJobs, planChangedConversations } from '../../db/analysis-repo.js';
import { LockKeys } from '../../db/locks.js';
import { batchConversations } from '../../domain/analysis-batches.js';
import { fillDayAgents } from '../../db/reply-facts.js';
import { ANALYSIS_QUEUE, inTransaction } from '../queue.js';

export interface PlanResult {
  days: number;
  jobIds: number[];
}

/**
 * Finds the conversations with days that are new or changed since the chat was last processed
 * and enqueues them as jobs of whole conversations, about `batchSize` days each (a job's worker
 * finds the changed days again from the messages and writes each once). Jobs, queue messages and
 * the processed-chat memory commit in one transaction, so a crash never leaves days planned but
 * not enqueued; plans run one at a time, so each sees the jobs the one before committed.
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
    await client.query('SELECT pg_advisory_xact_lock($1)', [LockKeys.analysisPlan]);
    const changed = await planChangedConversations(client, opts.timezone, opts.conversationIds);
    // days planned before their human agents were recorded (an upgraded database)
    await fillDayAgents(client, opts.timezone);
    const batches = batchConversations(changed, opts.batchSize);
    const days = batches.reduce((n, b) => n + b.days, 0);
    const jobIds = await createJobs(client, batches, opts.uploadId);
    if (jobIds.length > 0) {
      await boss.insert(jobIds.map((jobId) => ({ name: ANALYSIS_QUEUE, data: { jobId } })), { db: inTransaction(client) });
    }
    await client.query('COMMIT');
    return { days, jobIds };
  } catch (err) {
    failed = true;
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release(failed);
  }
}
