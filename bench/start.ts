import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { createOfflineScorer } from '../src/domain/scoring/offline-scorer.ts';
import { openAnalysisPipeline } from '../src/root/analysis.ts';
import { startFakeEmail } from '../tests/helpers/fake-email.ts';
import { startFakeGraph } from '../tests/helpers/fake-graph.ts';
import { startFakeSlack } from '../tests/helpers/fake-slack.ts';
import { freePort } from '../tests/helpers/net.ts';
import { ensureBuild } from './lib/build.ts';
import { intArg, peakRssMb, round, withThrowawayPostgres } from './lib/common.ts';

// Service start to ready, as `npm start` runs it (node dist/server.js), on an existing, migrated
// database with data (seeded and analysed beforehand) and every channel on (Slack, Messenger,
// Bot Framework, email against the tests' fake servers): wall time from spawn to the first 200
// of GET /readyz (polled every 25 ms), then the PostgreSQL connections the service holds once
// its scheduler has started. Baseline, same run and interleaved: a bare node:http server's spawn
// to first answer. Median of N runs.
//   npm run bench -- start [--runs N] [--conversations N] [--trace (the last start's log lines, timed)]
// Targets (issue 18): start to ready ≤ 5,000 ms; connections with every channel on ≤ 15.

const log = (msg: string) => process.stderr.write(`[bench:start] ${msg}\n`);

const ROOT = path.resolve(import.meta.dirname, '..');
const TARGET_READY_MS = 5000;
const TARGET_CONNECTIONS = 15;
const POLL_MS = 25;
const BARE_SERVER = "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')";

interface Run {
  readyMs: number;
  connections?: number;
  /** the process's log lines as ms after spawn, for --trace */
  trace: string[];
}

/** Each JSON log line as `<ms after spawn> <msg>`: where start-up spends its time. */
function traceOf(output: string, spawnedAt: number): string[] {
  return output.split('\n').flatMap((line) => {
    try {
      const l = JSON.parse(line) as { time?: number; msg?: string };
      return l.time && l.msg ? [`${String(Math.round(l.time - spawnedAt)).padStart(6)} ms  ${l.msg.slice(0, 120)}`] : [];
    } catch {
      return [];
    }
  });
}

async function untilAnswered(port: number, pathname: string, proc: ChildProcess, output: () => string): Promise<void> {
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`process exited with ${proc.exitCode}: ${output().slice(-2000)}`);
    const res = await fetch(`http://127.0.0.1:${port}${pathname}`).catch(() => undefined);
    if (res?.status === 200) return;
    await res?.arrayBuffer();
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
}

/** Connections to `url`'s database other than this one's, once the service's scheduler has started. */
async function connectionCount(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    );
    return rows[0]!.n;
  } finally {
    await c.end();
  }
}

async function once(argv: string[], env: Record<string, string>, pathname: string, after?: (output: () => string) => Promise<number>): Promise<Run> {
  const port = await freePort();
  const spawnedAt = Date.now();
  const started = performance.now();
  const proc = spawn(process.execPath, argv, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), ...env } });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await untilAnswered(port, pathname, proc, () => out);
    const readyMs = performance.now() - started;
    const connections = after ? await after(() => out) : undefined;
    return { readyMs, ...(connections === undefined ? {} : { connections }), trace: traceOf(out, spawnedAt) };
  } finally {
    await stop(proc);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function run(args: string[]): Promise<void> {
  const runs = intArg(args, '--runs', 5);
  const conversations = intArg(args, '--conversations', 300);
  const trace = args.includes('--trace');
  const built = await ensureBuild(log);
  const [slack, graph, email] = await Promise.all([startFakeSlack({ token: 'xoxb-bench' }), startFakeGraph({ tokens: ['page-token'] }), startFakeEmail({ apiKey: 'mail-key' })]);
  try {
    await withThrowawayPostgres(log, async (url, dir) => {
      log(`seeding and analysing ${conversations} conversations`);
      await seedDemoData(url, { conversations, now: new Date(), timezone: 'UTC' });
      const pipeline = await openAnalysisPipeline(url, { config: loadConfig({ BUSINESS_TIMEZONE: 'UTC' }), scorer: createOfflineScorer() });
      try {
        await pipeline.plan();
        await pipeline.waitForIdle();
        await pipeline.refreshMetrics();
      } finally {
        await pipeline.stop();
      }
      const env = {
        DATABASE_URL: url, DATA_DIR: path.join(dir, 'data'), DEMO_DATA: 'false', LOG_LEVEL: 'info', BUSINESS_TIMEZONE: 'UTC',
        SLACK_SIGNING_SECRET: 'bench-signing-secret', SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_API_URL: slack.apiUrl,
        MESSENGER_APP_SECRET: 'meta-secret', MESSENGER_VERIFY_TOKEN: 'verify', MESSENGER_API_URL: graph.apiUrl, MESSENGER_PAGE_TOKENS: 'p1:page-token',
        EMAIL_API_URL: email.url, EMAIL_API_KEY: 'mail-key', EMAIL_FROM: 'pulse@example.com', QA_CHANNEL: 'C0QA', HANDOFF_CHANNEL: 'C0HANDOFF',
      };
      const afterReady = async (output: () => string) => {
        while (!/"msg":"scheduler started"/.test(output())) await new Promise((r) => setTimeout(r, POLL_MS));
        return connectionCount(url);
      };
      const service = () => once(['dist/server.js'], env, '/readyz', afterReady);
      const bare = () => once(['-e', BARE_SERVER], {}, '/');
      // warm-up: the file cache, the assistant's role, the first start's queue schema checks
      const first = await service();
      log(`warm-up: ready in ${first.readyMs.toFixed(0)} ms, ${first.connections} connections`);
      const samples: { service: Run[]; bare: Run[] } = { service: [], bare: [] };
      for (let r = 0; r < runs; r++) {
        samples.bare.push(await bare());
        samples.service.push(await service());
        log(`run ${r + 1}/${runs}: bare server ${samples.bare[r]!.readyMs.toFixed(0)} ms, service ready ${samples.service[r]!.readyMs.toFixed(0)} ms, ${samples.service[r]!.connections} connections`);
      }
      if (trace) for (const line of samples.service.at(-1)!.trace) log(`trace ${line}`);
      const readyMs = round(median(samples.service.map((s) => s.readyMs)));
      const baselineMs = round(median(samples.bare.map((s) => s.readyMs)));
      const connections = Math.max(...samples.service.map((s) => s.connections!));
      log(`median: bare server ${baselineMs} ms, service ready ${readyMs} ms (target ≤ ${TARGET_READY_MS}); connections at most ${connections} (target ≤ ${TARGET_CONNECTIONS})`);
      console.log(
        JSON.stringify({
          bench: 'start',
          runs,
          conversations,
          built_first: built,
          channels: ['slack', 'messenger', 'botframework', 'email'],
          baseline: 'bare node:http server, spawn to first answer, median wall ms',
          baseline_ms: baselineMs,
          ready_ms: readyMs,
          ready_min_ms: round(Math.min(...samples.service.map((s) => s.readyMs))),
          ready_max_ms: round(Math.max(...samples.service.map((s) => s.readyMs))),
          ratio: round(readyMs / baselineMs),
          target_ready_ms: TARGET_READY_MS,
          ready_met: readyMs <= TARGET_READY_MS,
          connections_after_start_max: connections,
          target_connections: TARGET_CONNECTIONS,
          connections_met: connections <= TARGET_CONNECTIONS,
          peakRssMb: peakRssMb(),
        }),
      );
    });
  } finally {
    await Promise.all([slack.close(), graph.close(), email.close()]);
  }
}
