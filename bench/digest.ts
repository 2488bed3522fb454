import { loadavg } from 'node:os';
import { renderPng } from '../src/charts/render.ts';
import { loadConfig } from '../src/config.ts';
import { createPool } from '../src/db/pool.ts';
import { composeDigest } from '../src/domain/digest.ts';
import { digestPeriod } from '../src/domain/digest-schedule.ts';
import { gatherDigestData } from '../src/jobs/digest/gather.ts';
import { seedAndAnalyse } from '../tests/helpers/assistant.ts';
import { TRIVIAL } from './charts.ts';
import { intArg, peakRssMb, round, withThrowawayPostgres } from './lib/common.ts';

// Time to compose and render digests: the figures of a weekly digest are gathered once from a
// seeded, analysed database (timed on its own, as `gatherMs`), then composed (Block Kit, text,
// chart specs) and rendered (every chart to PNG) `--digests` times, one digest after the other,
// each digest's charts at once as buildDigest (src/jobs/digest/build.ts) renders them.
// Baseline, same run: rendering the trivial spec as many times as charts were rendered, in the
// same groups, i.e. the fixed cost of the vega → resvg path; ratio = digest time / baseline time.
//   npm run bench -- digest [--digests N] [--conversations C]   (defaults 50 and 1,500)
// Target (issue 21): 50 digests < 5 s.

const log = (msg: string) => process.stderr.write(`[bench:digest] ${msg}\n`);
const TZ = 'Europe/Berlin';
const AT = new Date('2026-11-23T08:00:00Z');
const TARGET_MS = 5000;

export async function run(args: string[]): Promise<void> {
  const digests = intArg(args, '--digests', 50);
  const conversations = intArg(args, '--conversations', 1500);
  await withThrowawayPostgres(log, async (url) => {
    log(`seeding and analysing ${conversations} conversations`);
    await seedAndAnalyse(url, { conversations, now: AT, timeZone: TZ });
    const pool = createPool(url, 10);
    try {
      const period = digestPeriod('weekly', AT, TZ);
      await gatherDigestData(pool, { frequency: 'weekly', period, timezone: TZ }); // warm-up
      const g = performance.now();
      const data = await gatherDigestData(pool, { frequency: 'weekly', period, timezone: TZ });
      const gatherMs = performance.now() - g;
      log(`gathered in ${gatherMs.toFixed(0)} ms`);
      loadConfig({}); // same process state as the service (config parsed)

      const first = composeDigest(data);
      await Promise.all(first.charts.map((c) => renderPng(c.spec))); // warm-up
      let charts = 0;
      let bytes = 0;
      const t = performance.now();
      for (let i = 0; i < digests; i++) {
        const d = composeDigest(data);
        for (const png of await Promise.all(d.charts.map((c) => renderPng(c.spec)))) bytes += png.length;
        charts += d.charts.length;
      }
      const ms = performance.now() - t;
      log(`${digests} digests, ${charts} charts in ${ms.toFixed(0)} ms`);

      const b = performance.now();
      for (let i = 0; i < digests; i++) await Promise.all(Array.from({ length: charts / digests }, () => renderPng(TRIVIAL)));
      const baselineMs = performance.now() - b;
      console.log(JSON.stringify({
        bench: 'digest', digests, conversations, chartsPerDigest: charts / digests, totalMs: Math.round(ms), msPerDigest: round(ms / digests),
        gatherMs: Math.round(gatherMs), avgPngKb: Math.round(bytes / charts / 1024), baselineMs: Math.round(baselineMs), ratio: round(ms / baselineMs),
        loadAverage1m: round(loadavg()[0]!), peakRssMb: peakRssMb(), targetMs: TARGET_MS, met: ms < TARGET_MS,
      }));
    } finally {
      await pool.end();
    }
  });
}
