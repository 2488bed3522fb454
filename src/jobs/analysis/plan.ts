import type PgBoss from 'pg-boss';
import type pg from 'pg';
import { changedConversationIds, countChangedDays, createJobs } from '../../db/analysis-repo.js';
import { LockKeys } from '../../db/locks.js';
import { batchChunk } from '../../domain/analysis-batches.js';
import { fillDayAgents } from '../../db/reply-facts.js';
import { ANALYSIS_QUEUE, inTransaction } from '../queue.js';

export interface PlanResult {
  days: number;
  jobIds: number[];
}

/**
 * Conversations per planning transaction, in batches: every conversation has at least one day,
 * so the first chunk fills a couple of jobs for the workers to start on, and the later ones
 * several each.
 */
const FIRST_CHUNK_BATCHES = 2;
const CHUNK_BATCHES = 8;

/**
 * Finds the conversations with days that are new or changed since the chat was last processed
 * and enqueues them as jobs of whole conversations, about `batchSize` days each (a job's worker
 * finds the changed days again from the messages and writes each once).
 *
 * A large plan commits in chunks of conversations, so workers score the first jobs while the
 * rest is counted. Each chunk's jobs, queue messages and processed-chat memory commit in one
 * transaction, so a crash never leaves days planned but not enqueued: the chunks not committed
 * are simply found by the next plan. A chunk's last, partly filled job waits for the next chunk
 * to fill it. Plans run one at a time (a session lock held across the chunks), so each sees the
 * jobs the one before committed.
 */
export async function planAnalysis(
  pool: pg.Pool,
  boss: PgBoss,
  opts: { timezone: string; batchSize: number; conversationIds?: number[]; uploadId?: number; onEnqueued?: () => void },
): Promise<PlanResult> {
  const client = await pool.connect();
  let failed = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LockKeys.analysisPlan]);
    // days planned before their human agents were recorded (an upgraded database)
    await fillDayAgents(client, opts.timezone);
    const candidates = await changedConversationIds(client, opts.conversationIds);
    const result: PlanResult = { days: 0, jobIds: [] };
    let carried: number[] = [];
    for (let at = 0; at < candidates.length || carried.length > 0; ) {
      const size = (at === 0 ? FIRST_CHUNK_BATCHES : CHUNK_BATCHES) * opts.batchSize;
      const chunk = [...carried, ...candidates.slice(at, at + size)];
      at += size;
      const last = at >= candidates.length;
      await client.query('BEGIN');
      const { changed, remember } = await countChangedDays(client, opts.timezone, chunk);
      const chunkJobs = batchChunk(changed, opts.batchSize, last);
      const { batches } = chunkJobs;
      carried = chunkJobs.carried;
      const planned = batches.flatMap((b) => b.conversationIds);
      await remember(planned);
      const jobIds = await createJobs(client, batches, opts.uploadId);
      if (jobIds.length > 0) {
        await boss.insert(jobIds.map((jobId) => ({ name: ANALYSIS_QUEUE, data: { jobId } })), { db: inTransaction(client) });
      }
      await client.query('COMMIT');
      if (jobIds.length > 0) opts.onEnqueued?.();
      result.days += batches.reduce((n, b) => n + b.days, 0);
      result.jobIds.push(...jobIds);
    }
    return result;
  } catch (err) {
    failed = true;
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    // a failed client is destroyed, which ends its session and so its lock
    if (!failed) await client.query('SELECT pg_advisory_unlock($1)', [LockKeys.analysisPlan]).catch(() => {});
    client.release(failed);
  }
}

