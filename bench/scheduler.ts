import { createPool } from '../src/db/pool.ts';
import { ManualClock } from '../src/jobs/scheduler/clock.ts';
import { startScheduler } from '../src/jobs/scheduler/scheduler.ts';
import type { ScheduledTask } from '../src/jobs/scheduler/types.ts';
import { createLogger } from '../src/logger.ts';
import { intArg, peakRssMb, round, withThrowawayPostgres } from './lib/common.ts';

// The distributed scheduler's coordination cost: N instances (one process, one Postgres) run
// T minutely tasks through H simulated hours on a ManualClock, every tick claimed through
// scheduled_runs. Figures: ticks per second, ms per tick, duplicates and lost ticks (both must
// be 0). Baseline, same run: the same number of plain single-row INSERTs into scheduled_runs
// from one connection — the least a claim can cost.
//   npm run bench -- scheduler [--instances 3] [--tasks 10] [--hours 2]

const log = (msg: string) => process.stderr.write(`[bench:scheduler] ${msg}\n`);
const START = new Date('2026-03-29T00:00:00Z'); // a DST day in Europe/Berlin, for good measure

export async function run(args: string[]): Promise<void> {
  const instances = intArg(args, '--instances', 3);
  const taskCount = intArg(args, '--tasks', 10);
  const hours = intArg(args, '--hours', 2);
  await withThrowawayPostgres(log, async (url) => {
    const pool = createPool(url, 4 * instances);
    try {
      const ran = new Map<string, number>();
      const tasks = (): ScheduledTask[] =>
        Array.from({ length: taskCount }, (_, i) => ({
          key: `bench:${i}`, cron: '* * * * *', timezone: 'Europe/Berlin', version: '1',
          run: async (at) => {
            const k = `${i}@${at.toISOString()}`;
            ran.set(k, (ran.get(k) ?? 0) + 1);
          },
        }));
      const clock = new ManualClock(START);
      const logger = createLogger('warn', process.stderr);
      const ss = await Promise.all(
        Array.from({ length: instances }, (_, n) =>
          startScheduler({ pool, logger, catchUp: 0, clock, instanceId: `bench-${n}`, reloadIntervalMs: 3_600_000, providers: [{ name: 'bench', tasks: async () => tasks() }] }),
        ),
      );
      const t0 = performance.now();
      await clock.advanceTo(new Date(START.getTime() + hours * 3_600_000 - 1));
      const seconds = (performance.now() - t0) / 1000;
      await Promise.all(ss.map((s) => s.stop()));
      const expected = taskCount * hours * 60;
      const duplicates = [...ran.values()].filter((n) => n > 1).length;
      const lost = expected - ran.size;
      log(`${ran.size} ticks run by ${instances} instances in ${round(seconds)} s`);

      await pool.query('TRUNCATE scheduled_runs');
      const b0 = performance.now();
      for (let i = 0; i < expected; i++) {
        await pool.query(`INSERT INTO scheduled_runs (task_key, scheduled_for, instance) VALUES ($1, $2, 'base')`, [`base:${i % taskCount}`, new Date(START.getTime() + i * 1000)]);
      }
      const baseSeconds = (performance.now() - b0) / 1000;

      console.log(
        JSON.stringify({
          bench: 'scheduler',
          instances,
          tasks: taskCount,
          simulated_hours: hours,
          ticks: expected,
          duplicates,
          lost,
          seconds: round(seconds),
          ticks_per_s: round(expected / seconds),
          ms_per_tick: round((seconds * 1000) / expected),
          baseline: `${expected} single-row INSERTs into scheduled_runs, one connection`,
          baseline_ms_per_insert: round((baseSeconds * 1000) / expected),
          ratio: round(seconds / baseSeconds),
          peakRssMb: peakRssMb(),
        }),
      );
    } finally {
      await pool.end();
    }
  });
}
