import type { Command } from 'commander';
import type { Config } from '../config.js';
import { formatHealthReport } from '../domain/validation-report.js';
import { withRoot } from './root.js';

type Out = (line: string) => void;

/** Below this health score `pulse validate` exits 1 (the "critical" band), unless --min-score says otherwise. */
export const DEFAULT_MIN_SCORE = 70;

const score = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new Error(`--min-score must be a number 0-100, got "${v}"`);
  return n;
};

export function registerValidateCommand(program: Command, config: () => Config, out: Out): void {
  program
    .command('validate')
    .description('check database integrity, data quality, business rules, performance and freshness; store the health score')
    .option('--fix', 'apply the safe fixes: re-queue stuck analysis jobs, refresh a stale metric cache (each audited)')
    .option('--json', 'print the run as JSON instead of the readable report')
    .option('--min-score <n>', `exit with code 1 when the health score is below n (default ${DEFAULT_MIN_SCORE})`, score, DEFAULT_MIN_SCORE)
    .action(async (opts: { fix?: boolean; json?: boolean; minScore: number }) => {
      const { runValidation } = await import('../jobs/validation/run.js');
      await withRoot(config(), async (root) => {
        const { api: pool } = root.pools;
        const tz = config().businessTimezone;
        const r = await runValidation({ pool, boss: await root.queue(), config: config() }, { fix: opts.fix === true, trigger: 'cli' });
        if (opts.json) {
          out(JSON.stringify({ ...r.run, status: r.report.status, timings: r.report.timings, lastAnalysisAt: r.lastAnalysisAt, metricsAt: r.metricsAt }, null, 2));
        } else {
          const fmt = (d: Date) => `${d.toLocaleString('en-GB', { timeZone: tz, dateStyle: 'medium', timeStyle: 'short' })} (${tz})`;
          for (const line of formatHealthReport({ ...r, runId: r.run.id }, fmt)) out(line);
        }
        if (r.report.healthScore < opts.minScore) {
          throw new Error(`health score ${r.report.healthScore.toFixed(1)} is below ${opts.minScore} (--min-score)`);
        }
      });
    });
}
