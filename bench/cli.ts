import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { createOfflineScorer } from '../src/domain/scoring/offline-scorer.ts';
import { openAnalysisPipeline } from '../src/root/analysis.ts';
import { ensureBuild } from './lib/build.ts';
import { intArg, peakRssMb, round, withThrowawayPostgres } from './lib/common.ts';

// Start-up of the `pulse` command line as a user types it: `pulse --help`, and an offline
// `pulse ask "What was the CSI last week?"` against a seeded, analysed throwaway database
// (DATABASE_URL, no OPENAI_API_KEY). Each is a new `node bin/pulse.js` process, timed from spawn
// to exit; baseline, same run and interleaved: `node -e 0`. Wall time is the median of N runs;
// RSS is each process's peak. bin/pulse.js runs dist/ when it is current, so dist/ is built
// first when it is not (the build is not timed here; the JSON says whether it was needed).
//   npm run bench -- cli [--runs N] [--conversations N]
// Targets (issue 18): --help < 600 ms, ask < 1,500 ms.

const log = (msg: string) => process.stderr.write(`[bench:cli] ${msg}\n`);

const ROOT = path.resolve(import.meta.dirname, '..');
const QUESTION = 'What was the CSI last week?';
const TARGET_HELP_MS = 600;
const TARGET_ASK_MS = 1500;
const SEED = 20261122;

interface Sample {
  ms: number;
  rssMb: number;
  stdout: string;
  modules?: number;
}

/** One process from spawn to exit, with its peak RSS (and, when asked, how many modules it loaded). */
async function once(args: string[], env: Record<string, string>, dir: string, countModules = false): Promise<Sample> {
  const rssFile = path.join(dir, 'rss');
  const modulesFile = path.join(dir, 'modules.json');
  const preload = ['--import', path.join(ROOT, 'bench/lib/rss-at-exit.mjs'), ...(countModules ? ['--import', path.join(ROOT, 'bench/lib/module-count.mjs')] : [])];
  const started = performance.now();
  const proc = spawn(process.execPath, [...preload, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', BENCH_RSS_FILE: rssFile, MODULE_COUNT_FILE: modulesFile, ...env },
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}: ${stderr.slice(0, 500)}`);
  const rssMb = Number(await readFile(rssFile, 'utf8')) / 1024;
  const modules = countModules ? (JSON.parse(await readFile(modulesFile, 'utf8')) as { modules: number }).modules : undefined;
  return { ms, rssMb, stdout, ...(modules === undefined ? {} : { modules }) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function run(args: string[]): Promise<void> {
  const runs = intArg(args, '--runs', 10);
  const conversations = intArg(args, '--conversations', 300);
  const built = await ensureBuild(log);
  await withThrowawayPostgres(log, async (url, dir) => {
    // "last week" is read from the clock when `pulse ask` runs, so the data ends now
    log(`seeding ${conversations} conversations ending now`);
    const seeded = await seedDemoData(url, { conversations, seed: SEED, now: new Date(), timezone: 'UTC' });
    const pipeline = await openAnalysisPipeline(url, { config: loadConfig({ BUSINESS_TIMEZONE: 'UTC' }), scorer: createOfflineScorer() });
    try {
      await pipeline.plan();
      const done = await pipeline.waitForIdle();
      if (done.failedJobs) throw new Error(`${done.failedJobs} analysis jobs failed`);
      log(`seeded and analysed ${seeded.messages} messages, ${done.daysDone} conversation-days`);
    } finally {
      await pipeline.stop();
    }

    const work = await mkdtemp(path.join(tmpdir(), 'pulse-bench-cli-'));
    try {
      const env = { DATABASE_URL: url, DATA_DIR: path.join(dir, 'data'), BUSINESS_TIMEZONE: 'UTC', LOG_LEVEL: 'warn' };
      const cases = {
        baseline: ['-e', '0'],
        help: ['bin/pulse.js', '--help'],
        ask: ['bin/pulse.js', 'ask', QUESTION],
      } as const;
      // warm-up: the file cache, and the first ask's one-time set-up in the database
      // (migrations check, the assistant's read-only role); also counts the modules each loads
      const modules: Record<string, number> = {};
      for (const [name, argv] of Object.entries(cases)) {
        const s = await once([...argv], env, work, true);
        modules[name] = s.modules!;
        if (name === 'ask') {
          if (!/CSI/.test(s.stdout) || /no data/i.test(s.stdout)) throw new Error(`pulse ask did not answer from data: ${s.stdout.slice(0, 300)}`);
          log(`ask answers: ${s.stdout.split('\n')[0]}`);
        }
      }
      const samples: Record<keyof typeof cases, Sample[]> = { baseline: [], help: [], ask: [] };
      for (let r = 0; r < runs; r++) {
        for (const name of Object.keys(cases) as (keyof typeof cases)[]) samples[name].push(await once([...cases[name]], env, work));
        log(`run ${r + 1}/${runs}: baseline ${samples.baseline[r]!.ms.toFixed(0)} ms, --help ${samples.help[r]!.ms.toFixed(0)} ms, ask ${samples.ask[r]!.ms.toFixed(0)} ms`);
      }
      const ms = (name: keyof typeof cases) => round(median(samples[name].map((s) => s.ms)));
      const rss = (name: keyof typeof cases) => round(median(samples[name].map((s) => s.rssMb)));
      const [baselineMs, helpMs, askMs] = [ms('baseline'), ms('help'), ms('ask')];
      log(`median: node -e 0 ${baselineMs} ms, pulse --help ${helpMs} ms (target < ${TARGET_HELP_MS}), pulse ask ${askMs} ms (target < ${TARGET_ASK_MS})`);
      console.log(
        JSON.stringify({
          bench: 'cli',
          runs,
          conversations,
          messages: seeded.messages,
          built_first: built,
          baseline: 'node -e 0, median wall ms',
          baseline_ms: baselineMs,
          help_ms: helpMs,
          ask_ms: askMs,
          help_ratio: round(helpMs / baselineMs),
          ask_ratio: round(askMs / baselineMs),
          target_help_ms: TARGET_HELP_MS,
          target_ask_ms: TARGET_ASK_MS,
          help_met: helpMs < TARGET_HELP_MS,
          ask_met: askMs < TARGET_ASK_MS,
          baseline_rss_mb: rss('baseline'),
          help_rss_mb: rss('help'),
          ask_rss_mb: rss('ask'),
          modules,
          peakRssMb: peakRssMb(),
        }),
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}
