import type PgBoss from 'pg-boss';
import type pg from 'pg';
import { transaction } from '../../db/pool.js';
import type { CsiSettings } from '../../domain/csi.js';
import type { Scorer } from '../../domain/scoring/types.js';
import { jobConversations, loadConversations, saveDayResults } from '../../db/analysis-repo.js';
import { completeJob, recordJobError, startJob } from '../../db/jobs-repo.js';
import { refreshTopicsFrom, saveLabels } from '../../db/topics-repo.js';
import { labelCustomerMessages } from '../../domain/topics.js';
import { ANALYSIS_QUEUE } from '../queue.js';
import { analysisJobDuration } from '../../observability/metrics.js';
import { scoreDays } from './score-days.js';

export interface WorkerDeps {
  /** the analysis pool: each running job holds one of its connections */
  pool: pg.Pool;
  boss: PgBoss;
  scorer: Scorer;
  settings: CsiSettings;
  timezone: string;
  concurrency: number;
  log?: (event: { msg: string; [k: string]: unknown }) => void;
  /** Called after each job settles (completed or failed), e.g. to refresh the metric cache. */
  onSettled?: () => void;
}

/**
 * Handles one analysis job: the new or changed days of its conversations, found from their
 * messages, each row written once. Delivery is at-least-once, so the handler is idempotent: a
 * repeat of an unfinished job finds the same days and writes the same values, and a job already
 * completed is acknowledged without work. New message labels, topics and the day rows commit in
 * the transaction that completes the job.
 */
export async function handleAnalysisJob(
  deps: Pick<WorkerDeps, 'scorer' | 'settings' | 'timezone'>,
  pool: pg.Pool,
  jobId: number,
): Promise<{ scored: number; missing: number } | undefined> {
  const client = await pool.connect();
  try {
    if (!(await startJob(client, jobId))) return undefined;
    // Customer messages nobody labelled (imports, a reply the agent never made) get the offline
    // classifier's label first, so the scorer and the conversation's topics both see it.
    const conversations = await jobConversations(client, jobId);
    const loaded = await loadConversations(client, conversations, deps.timezone);
    const { days, labels } = labelCustomerMessages(loaded.days);
    const results = await scoreDays(days, deps.scorer, deps.settings);
    const summary = { scored: results.length, missing: results.filter((r) => r.csi.missing.length > 0).length };
    await transaction(client, async () => {
      const stored = await saveLabels(client, labels);
      // only conversations with a changed day can have new labels
      await refreshTopicsFrom(client, days.map((d) => d.conversationId), loaded.messages, labels, stored);
      await saveDayResults(client, results, deps.scorer, loaded.hasRow);
      await completeJob(client, jobId, { ...summary, scorer: `${deps.scorer.name}@${deps.scorer.version}` }, results.length);
    });
    return summary;
  } finally {
    client.release();
  }
}

/**
 * Registers `concurrency` pollers on the analysis queue; returns a function that stops them and
 * one that makes idle ones look for jobs at once (this process just enqueued some).
 */
export async function startAnalysisWorker(deps: WorkerDeps): Promise<{ stop: () => Promise<void>; wake: () => void }> {
  const log = deps.log ?? (() => {});
  const { pool } = deps;
  const handler = (self: { id?: string }) => async ([job]: PgBoss.JobWithMetadata<{ jobId: number }>[]) => {
    if (!job) return;
    const jobId = job.data.jobId;
    const started = performance.now();
    try {
      const summary = await handleAnalysisJob(deps, pool, jobId);
      if (summary) log({ msg: 'analysis job completed', jobId, ...summary, ms: Math.round(performance.now() - started) });
      if (summary) analysisJobDuration.observe({ outcome: 'completed' }, (performance.now() - started) / 1000);
    } catch (err) {
      const final = job.retryCount >= job.retryLimit;
      analysisJobDuration.observe({ outcome: final ? 'failed' : 'retried' }, (performance.now() - started) / 1000);
      const error = err instanceof Error ? err : new Error(String(err));
      error.message = `${error.message} (analysis job ${jobId}, attempt ${job.retryCount + 1} of ${job.retryLimit + 1})`;
      await pool
        .connect()
        .then(async (c) => {
          try {
            await recordJobError(c, jobId, error, final);
          } finally {
            c.release();
          }
        })
        .catch(() => {});
      log({ msg: final ? 'analysis job failed' : 'analysis job attempt failed, will retry', jobId, error: error.message });
      throw error; // pg-boss schedules the retry with exponential backoff
    } finally {
      deps.onSettled?.();
      // pg-boss sleeps a polling interval after every fetch, even a fruitful one; while there
      // is work, ask for the next job at once instead.
      if (self.id) deps.boss.notifyWorker(self.id);
    }
  };
  const ids: string[] = [];
  for (let i = 0; i < deps.concurrency; i++) {
    const self: { id?: string } = {};
    self.id = await deps.boss.work(ANALYSIS_QUEUE, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 0.5 }, handler(self));
    ids.push(self.id);
  }
  return {
    async stop() {
      // the pool is the root's: it closes it once the pg-boss has let running jobs finish
      for (const id of ids) await deps.boss.offWork({ id });
    },
    wake() {
      for (const id of ids) deps.boss.notifyWorker(id);
    },
  };
}
