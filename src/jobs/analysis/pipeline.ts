import type PgBoss from 'pg-boss';
import type { Config } from '../../config.js';
import { DEFAULT_CSI_SETTINGS, type CsiSettings } from '../../domain/csi.js';
import type { Scorer } from '../../domain/scoring/types.js';
import { jobCounts, resetFailedJob } from '../../db/jobs-repo.js';
import { LockKeys, withAdvisoryLock } from '../../db/locks.js';
import { refreshMetrics } from '../../db/metrics-repo.js';
import type pg from 'pg';
import { transaction, withPooledClient } from '../../db/pool.js';
import { ANALYSIS_QUEUE, inTransaction } from '../queue.js';
import { planAnalysis, type PlanResult } from './plan.js';
import { startAnalysisWorker } from './worker.js';

export interface Progress {
  daysDone: number;
  daysTotal: number;
  failedJobs: number;
}

export interface AnalysisPipeline {
  readonly scorer: Scorer;
  plan(opts?: { conversationIds?: number[]; uploadId?: number }): Promise<PlanResult>;
  /** Resolves when no job is pending or in progress (failed jobs stay failed). */
  waitForIdle(onProgress?: (p: Progress) => void): Promise<Progress>;
  retry(jobId: number): Promise<boolean>;
  refreshMetrics(): Promise<void>;
  stop(): Promise<void>;
}

export function csiSettings(config: Pick<Config, 'csiWeights'>): CsiSettings {
  return { ...DEFAULT_CSI_SETTINGS, weights: { ...DEFAULT_CSI_SETTINGS.weights, ...config.csiWeights } };
}

/** Puts a failed job back to pending and re-enqueues it, in one transaction; false if not failed. */
export function retryJob(pool: pg.Pool, boss: PgBoss, jobId: number): Promise<boolean> {
  return withPooledClient(pool, async (client) => {
    return transaction(client, async () => {
      const ok = await resetFailedJob(client, jobId);
      if (ok) await boss.send(ANALYSIS_QUEUE, { jobId }, { db: inTransaction(client) });
      return ok;
    });
  });
}

/**
 * Starts `config.analysis.concurrency` workers in this process on the given pg-boss (started,
 * with the analysis queue: jobs/queue.ts startQueue). `pool` is the analysis pool: at least
 * concurrency + 2 connections (the workers, planning, the metric refresh and its lock).
 */
export async function startAnalysisPipeline(deps: {
  pool: pg.Pool;
  boss: PgBoss;
  config: Pick<Config, 'analysis' | 'businessTimezone' | 'csiWeights'>;
  scorer: Scorer;
  log?: (event: { msg: string; [k: string]: unknown }) => void;
  /** Refresh the metric cache by itself a moment after work settles (the service does). */
  autoRefreshMetrics?: boolean;
}): Promise<AnalysisPipeline> {
  const { pool, boss, config, scorer } = deps;
  let refreshTimer: NodeJS.Timeout | undefined;
  // waitForIdle looks again as soon as one of this process's jobs settles, not only every poll:
  // a whole backfill now takes about a second, so a quarter-second poll was a large part of it.
  let wake: (() => void)[] = [];
  const settled = () => {
    const waiting = wake;
    wake = [];
    for (const w of waiting) w();
  };
  const refresh = () => withAdvisoryLock(pool, LockKeys.metricsRefresh, () => withPooledClient(pool, refreshMetrics));
  const worker = await startAnalysisWorker({
    pool,
    boss,
    scorer,
    settings: csiSettings(config),
    timezone: config.businessTimezone,
    concurrency: config.analysis.concurrency,
    log: deps.log,
    onSettled: () => {
      settled();
      if (!deps.autoRefreshMetrics) return;
      // Many jobs settle in a burst: refresh once, shortly after the last of them.
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => void refresh().catch(() => {}), 2000);
    },
  });

  return {
    scorer,
    plan: (opts = {}) =>
      planAnalysis(pool, boss, {
        timezone: config.businessTimezone,
        batchSize: config.analysis.batchSize,
        ...opts,
        // this process's idle workers would otherwise find the jobs at their next poll
        onEnqueued: worker.wake,
      }),
    async waitForIdle(onProgress) {
      for (;;) {
        const c = await withPooledClient(pool, (client) => jobCounts(client));
        const p = { daysDone: c.daysDone, daysTotal: c.daysTotal, failedJobs: c.failed };
        onProgress?.(p);
        if (c.pending + c.in_progress === 0) return p;
        // other processes' workers settle jobs too: poll as well
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 250);
          wake.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    retry: (jobId) => retryJob(pool, boss, jobId),
    refreshMetrics: refresh,
    async stop() {
      clearTimeout(refreshTimer);
      // a job being scored finishes before the pool closes: the boss's owner stops it gracefully
      await worker.stop();
    },
  };
}
