import { loadConfig } from '../src/config.ts';
import { createPool } from '../src/db/pool.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { runChecks } from '../src/db/validation-repo.ts';
import { runValidation, stuckAfterSeconds } from '../src/jobs/validation/run.ts';
import { intArg, peakRssMb, round, withThrowawayPostgres } from './lib/common.ts';
import { unstartedQueue } from '../tests/helpers/root.ts';

// What a validation run costs on a large database: every check of `pulse validate` (integrity
// anti-joins, windowed data-quality and business-rule counts, freshness) on a seeded database.
// Baseline, same run: one `SELECT count(*) FROM messages`, the seed system's own "database
// performance" probe, i.e. one full pass over the biggest table.
//   npm run bench -- validation [--conversations N] [--runs N]
// Target: all checks in < 2,000 ms at about a million messages (default --conversations 90000).

const log = (msg: string) => process.stderr.write(`[bench:validation] ${msg}\n`);
const NOW = new Date('2026-11-22T12:00:00Z');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(args: string[]): Promise<void> {
  const conversations = intArg(args, '--conversations', 90_000);
  const runs = intArg(args, '--runs', 5);
  await withThrowawayPostgres(log, async (url) => {
    log(`seeding ${conversations} conversations`);
    const seeded = await seedDemoData(url, { conversations, seed: 3, now: NOW, timezone: 'UTC' });
    log(`seeded ${seeded.messages} messages`);
    const pool = createPool(url, 5);
    const config = loadConfig({});
    try {
      await pool.query('ANALYZE');
      const window = { now: NOW, lookbackDays: 7, businessHours: 24, stuckAfterSeconds: stuckAfterSeconds(config), unscoredAfterHours: 6, timezone: 'UTC' };
      const checks: number[] = [];
      const baseline: number[] = [];
      for (let i = 0; i < runs; i++) {
        let t = performance.now();
        await pool.query('SELECT count(*) FROM messages');
        baseline.push(performance.now() - t);
        t = performance.now();
        await runChecks(pool, window);
        checks.push(performance.now() - t);
      }
      const t = performance.now();
      const full = await runValidation({ pool, boss: unstartedQueue(url), config, now: () => NOW }, { fix: false, trigger: 'manual' });
      const fullMs = performance.now() - t;
      log(`health ${full.report.healthScore} (${full.report.issues.length} issue kinds on demo data)`);
      const checksMs = median(checks);
      const baselineMs = median(baseline);
      console.log(
        JSON.stringify({
          bench: 'validation',
          messages: seeded.messages,
          conversations,
          runs,
          checksMsMedian: round(checksMs),
          fullRunMs: round(fullMs),
          keyQueryMs: Object.fromEntries(full.report.timings.map((x) => [x.name, x.ms])),
          baselineCountMessagesMs: round(baselineMs),
          ratio: round(checksMs / baselineMs),
          targetMs: 2000,
          peakRssMb: peakRssMb(),
        }),
      );
    } finally {
      await pool.end();
    }
  });
}
