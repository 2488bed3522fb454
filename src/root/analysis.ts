import type PgBoss from 'pg-boss';
import type { Config } from '../config.js';
import type { Scorer } from '../domain/scoring/types.js';
import { startAnalysisPipeline, type AnalysisPipeline } from '../jobs/analysis/pipeline.js';
import { startQueue } from '../jobs/queue.js';
import { analysisConnections, purposePool } from './infrastructure.js';

// The analysis pipeline for a process that runs nothing else on the queue (`pulse analyze`, the
// benches, tests): its own pool and pg-boss, made here as service.ts makes them, closed by stop().

export async function openAnalysisPipeline(
  url: string,
  deps: {
    config: Pick<Config, 'analysis' | 'businessTimezone' | 'csiWeights'>;
    scorer: Scorer;
    log?: (event: { msg: string; [k: string]: unknown }) => void;
    autoRefreshMetrics?: boolean;
  },
): Promise<AnalysisPipeline & { boss: PgBoss }> {
  // background work (purposePool lowers its backends): they run below this process's event
  // loop, which they wait on anyway (bench analyze: 1.63-1.66 s against 1.75-1.79 s, same hour)
  const pool = purposePool(url, 'analysis', analysisConnections(deps.config.analysis.concurrency));
  let boss: PgBoss | undefined;
  try {
    boss = await startQueue(url, deps.config.analysis);
    const pipeline = await startAnalysisPipeline({ ...deps, pool, boss });
    const started = boss;
    return {
      ...pipeline,
      boss: started,
      async stop() {
        await pipeline.stop();
        await started.stop({ graceful: true, wait: true, timeout: 10_000 });
        await pool.end();
      },
    };
  } catch (err) {
    await boss?.stop({ graceful: false, wait: true }).catch(() => {});
    await pool.end().catch(() => {});
    throw err;
  }
}
