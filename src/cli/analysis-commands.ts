import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { JobStatus } from '../db/jobs-repo.js';
import type { AnalysisPipeline } from '../jobs/analysis/pipeline.js';
import { withDatabase } from './db-commands.js';
import { withRoot } from './root.js';
import { createProgress } from './progress.js';

type Out = (line: string) => void;

const STATUSES: JobStatus[] = ['pending', 'in_progress', 'completed', 'failed'];

/** Opens the database and the queue for one command. */
export async function withPipeline<T>(config: Config, fn: (p: AnalysisPipeline, url: string) => Promise<T>): Promise<T> {
  // Loaded on use: the queue and the LLM client are heavy, and `pulse --help` needs neither.
  const { openAnalysisPipeline } = await import('../root/analysis.js');
  const { createScorer } = await import('../jobs/analysis/scorer.js');
  const { migrate } = await import('../db/migrator.js');
  return withDatabase(config, async (url) => {
    await migrate(url);
    const pipeline = await openAnalysisPipeline(url, { config, scorer: createScorer(config) });
    try {
      return await fn(pipeline, url);
    } finally {
      await pipeline.stop();
    }
  });
}

export function registerAnalysisCommands(program: Command, config: () => Config, out: Out): void {
  program
    .command('analyze')
    .description('score every new or changed conversation-day (CSI) and refresh the metric cache')
    .action(() =>
      withPipeline(config(), async (pipeline) => {
        const planned = await pipeline.plan();
        out(`planned ${planned.days} conversation-day(s) in ${planned.jobIds.length} job(s); scorer: ${pipeline.scorer.name}`);
        const progress = createProgress('analysing', { unit: 'days' });
        const done = await pipeline.waitForIdle((p) => progress.update(p.daysDone, p.daysTotal));
        progress.finish();
        await pipeline.refreshMetrics();
        out(`scored ${done.daysDone} of ${done.daysTotal} conversation-day(s); metric cache refreshed`);
        if (done.failedJobs > 0) {
          throw new Error(`${done.failedJobs} job(s) failed: see \`pulse jobs list --status failed\`, then \`pulse jobs retry <id>\``);
        }
      }),
    );

  const jobs = program.command('jobs').description('analysis jobs: list and retry');
  jobs
    .command('list')
    .description('list analysis jobs, newest first')
    .option('--status <status>', `only jobs with this status (${STATUSES.join(', ')})`)
    .option('--limit <n>', 'at most this many', '50')
    .action((opts: { status?: string; limit: string }) => {
      if (opts.status && !STATUSES.includes(opts.status as JobStatus)) {
        throw new Error(`--status must be one of ${STATUSES.join(', ')}, got "${opts.status}"`);
      }
      return withDatabase(config(), async (url) => {
        const { default: pg } = await import('pg');
        const { listJobs } = await import('../db/jobs-repo.js');
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          const rows = await listJobs(client, { status: opts.status as JobStatus | undefined, limit: Number(opts.limit) || 50 });
          if (rows.length === 0) return out('no jobs');
          for (const j of rows) {
            out(`#${j.id}  ${j.status.padEnd(11)} ${String(j.days).padStart(5)} days  attempts ${j.attempts}${j.error ? `  error: ${j.error}` : ''}`);
          }
        } finally {
          await client.end();
        }
      });
    });
  jobs
    .command('retry')
    .description('put a failed job back in the queue (the running service or `pulse analyze` works it)')
    .argument('<id>', 'job id')
    .action((id: string) =>
      withRoot(config(), async (root) => {
        const jobId = Number(id);
        if (!Number.isInteger(jobId) || jobId < 1) throw new Error(`job id must be a positive integer, got "${id}"`);
        const { retryJob } = await import('../jobs/analysis/pipeline.js');
        if (!(await retryJob(root.pools.analysis, await root.queue(), jobId))) throw new Error(`job ${jobId} is not a failed job`);
        out(`job ${jobId} queued again`);
      }, { migrate: false }),
    );
}
