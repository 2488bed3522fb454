import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { jobConversations, loadConversationDays } from '../src/db/analysis-repo.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { createOfflineScorer } from '../src/domain/scoring/offline-scorer.ts';
import { csiSettings } from '../src/jobs/analysis/pipeline.ts';
import { openAnalysisPipeline } from '../src/root/analysis.ts';
import { scoreDays } from '../src/jobs/analysis/score-days.ts';
import { intArg, peakRssMb, round, withThrowawayPostgres } from './lib/common.ts';

// Conversation-days per second through the whole pipeline (plan → pg-boss → workers →
// offline scorer → one upsert per job) on a seeded database. Baseline, same run: scoring the same days
// in memory only (no queue, no writes), i.e. the pure compute the pipeline wraps.
//   npm run bench -- analyze [--conversations N] [--batch N] [--concurrency N]  (defaults: ANALYSIS_* defaults)
// Target (issue 21): ≥ 20,000 conversation-days/s, ≥ 0.2 of the in-memory baseline.

const log = (msg: string) => process.stderr.write(`[bench:analyze] ${msg}\n`);


export async function run(args: string[]): Promise<void> {
  const conversations = intArg(args, '--conversations', 12_000);
  // The product's defaults unless overridden, so the figure is what a deployment gets.
  const defaults = loadConfig({}).analysis;
  const batchSize = intArg(args, '--batch', defaults.batchSize);
  const concurrency = intArg(args, '--concurrency', defaults.concurrency);
  await withThrowawayPostgres(log, async (url) => {
    log(`seeding ${conversations} conversations`);
    const seeded = await seedDemoData(url, { conversations, seed: 7, now: new Date('2026-11-22T12:00:00Z'), timezone: 'UTC' });
    log(`seeded ${seeded.messages} messages`);

    const config = { ...loadConfig({ ANALYSIS_BATCH_SIZE: String(batchSize), ANALYSIS_CONCURRENCY: String(concurrency) }) };
    const scorer = createOfflineScorer();
    const pipeline = await openAnalysisPipeline(url, { config, scorer });
    const started = performance.now();
    const planned = await pipeline.plan();
    log(`planned ${planned.days} days in ${planned.jobIds.length} jobs (${((performance.now() - started) / 1000).toFixed(2)} s)`);
    const done = await pipeline.waitForIdle((p) => log(`${p.daysDone}/${p.daysTotal} days`));
    const seconds = (performance.now() - started) / 1000;
    await pipeline.stop();

    // Baseline: the same days, loaded once into memory, scored without queue or writes.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const days = [];
    // every day of the jobs' conversations: on this fresh database, exactly the days they scored
    for (const jobId of planned.jobIds) days.push(...(await loadConversationDays(client, await jobConversations(client, jobId), 'UTC', { all: true })));
    await client.end();
    const baseStarted = performance.now();
    await scoreDays(days, scorer, csiSettings(config));
    const baseSeconds = (performance.now() - baseStarted) / 1000;

    const daysPerSecond = done.daysDone / seconds;
    const baselineDaysPerSecond = days.length / baseSeconds;
    console.log(
      JSON.stringify({
        bench: 'analyze',
        scorer: `${scorer.name}@${scorer.version}`,
        days: done.daysDone,
        failedJobs: done.failedJobs,
        batchSize,
        concurrency,
        seconds: round(seconds),
        daysPerSecond: Math.round(daysPerSecond),
        baselineDaysPerSecond: Math.round(baselineDaysPerSecond),
        ratio: round(daysPerSecond / baselineDaysPerSecond),
        target: 20000,
        targetRatio: 0.2,
        peakRssMb: peakRssMb(),
      }),
    );
  });
}

