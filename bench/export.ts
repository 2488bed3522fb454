import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { build } from '../src/app.ts';
import { createPrisma } from '../src/db/client.ts';
import { createPool } from '../src/db/pool.ts';
import { generateConversations } from '../src/db/seed/generate.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { sessionExportSelect } from '../src/db/session-export.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { createLogger } from '../src/logger.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { intArg, peakRssMb, round, withThrowawayPostgres } from './lib/common.ts';

// Streams GET /api/sessions/export?format=csv of N sessions (default 100,000) from the HTTP app
// running in a process of its own, so its peak RSS is the server's alone (target < 300 MB).
// Baseline, same run: PostgreSQL's own COPY (<the export's select: same columns and figures, same
// order>) TO STDOUT CSV, read to nowhere.
//   npm run bench -- export [--sessions N]

const SEED = 20261122;
const NOW = new Date('2026-11-22T12:00:00Z');
const TIMEZONE = 'UTC';
const SERVE = '--serve-export';

const log = (msg: string) => process.stderr.write(`[bench:export] ${msg}\n`);

/** Conversations to generate for about `sessions` sessions, from the generator's own ratio. */
function conversationsFor(sessions: number): number {
  let conversations = 0;
  let seen = 0;
  for (const c of generateConversations({ seed: SEED, now: NOW, timezone: TIMEZONE })) {
    conversations++;
    seen += c.sessions.length;
    if (conversations >= 2_000) break;
  }
  return Math.ceil((sessions / (seen / conversations)) * 1.03);
}

/** The server process: the service's HTTP app with the REST API on the given database. */
async function serve(url: string): Promise<void> {
  const pool = createPool(url, 5);
  const prisma = createPrisma(url, { max: 1 });
  const app = await build({ prisma, logger: createLogger('warn'), pool, plugins: [apiRoutes({ pool, timezone: TIMEZONE, now: () => NOW })] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  process.send!({ port: typeof address === 'object' && address ? address.port : 0, rssMb: peakRssMb() });
  process.on('message', async (m: string) => {
    if (m === 'rss') process.send!({ rssMb: peakRssMb(), currentMb: Math.round(process.memoryUsage().rss / 1024 / 1024) });
    if (m === 'stop') {
      await app.close();
      await pool.end();
      await prisma.$disconnect();
      process.exit(0);
    }
  });
}

function ask<T>(child: ChildProcess, message?: string): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`server process exited (${code})`)));
    if (message) child.send(message);
  });
}

/** Reads the whole response, counting bytes and CSV line ends, keeping nothing. */
function download(port: number, path: string, token: string): Promise<{ status: number; bytes: number; lines: number; firstLine: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let bytes = 0;
      let lines = 0;
      let firstLine = '';
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (!firstLine) firstLine = chunk.subarray(0, chunk.indexOf(13)).toString();
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, lines, firstLine }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

// The export's own select (no filters), so the baseline does the same database work, figures included.
const EXPORT_SQL = sessionExportSelect({}, TIMEZONE).sql;

async function baselineCopyOut(url: string): Promise<{ bytes: number; rows: number; seconds: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let bytes = 0;
    const started = performance.now();
    const stream = client.query(copyTo(`COPY (${EXPORT_SQL}) TO STDOUT WITH (FORMAT csv, HEADER true)`));
    await pipeline(stream, new Writable({ write: (chunk: Buffer, _enc, done) => ((bytes += chunk.length), done()) }));
    return { bytes, rows: stream.rowCount, seconds: (performance.now() - started) / 1000 };
  } finally {
    await client.end();
  }
}

export async function run(args: string[]): Promise<void> {
  const target = intArg(args, '--sessions', 100_000);
  await withThrowawayPostgres(log, async (url) => {
    const conversations = conversationsFor(target);
    log(`seeding ${conversations} conversations for ~${target} sessions`);
    const summary = await seedDemoData(url, {
      conversations,
      seed: SEED,
      now: NOW,
      timezone: TIMEZONE,
      onProgress: (p) => (p.conversations % 10_000 < 50 ? log(`seed: ${p.conversations}/${p.totalConversations} conversations`) : undefined),
    });
    log(`seeded ${summary.sessions} sessions, ${summary.messages} messages in ${summary.seconds} s`);
    const pool = createPool(url, 1);
    const { token } = await createApiToken(pool, { user: { kind: 'api', externalId: 'bench-export' }, role: 'lead' });
    await pool.end();

    log('baseline: COPY (same select, same order) TO STDOUT CSV');
    const base = await baselineCopyOut(url);
    log(`baseline: ${base.rows} rows, ${(base.bytes / 1e6).toFixed(1)} MB in ${base.seconds.toFixed(2)} s`);

    const child = fork(import.meta.filename, [SERVE, url], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    try {
      const { port, rssMb: startRssMb } = await ask<{ port: number; rssMb: number }>(child);
      log(`server process ${child.pid} on port ${port}, peak RSS after start ${startRssMb} MB; exporting`);
      const started = performance.now();
      const got = await download(port, '/api/sessions/export?format=csv', token);
      const seconds = (performance.now() - started) / 1000;
      if (got.status !== 200) throw new Error(`export answered ${got.status}`);
      const rows = got.lines - 1; // header; seeded texts hold no line breaks
      if (rows !== summary.sessions) throw new Error(`export has ${rows} rows, the database ${summary.sessions} sessions`);
      const { rssMb } = await ask<{ rssMb: number }>(child, 'rss');
      const rowsPerSecond = rows / seconds;
      const baselineRowsPerSecond = base.rows / base.seconds;
      log(`export: ${rows} rows, ${(got.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s; server peak RSS ${rssMb} MB`);
      console.log(
        JSON.stringify({
          bench: 'export',
          rows,
          mb: round(got.bytes / 1e6),
          seconds: round(seconds),
          rowsPerSecond: Math.round(rowsPerSecond),
          serverPeakRssMb: rssMb,
          serverRssAfterStartMb: startRssMb,
          targetPeakRssMb: 300,
          baselineRows: base.rows,
          baselineMb: round(base.bytes / 1e6),
          baselineSeconds: round(base.seconds),
          baselineRowsPerSecond: Math.round(baselineRowsPerSecond),
          ratio: round(rowsPerSecond / baselineRowsPerSecond),
          benchPeakRssMb: peakRssMb(),
        }),
      );
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.send('stop');
        await exited;
      }
    }
  });
}

if (process.argv[2] === SERVE && process.argv[3]) await serve(process.argv[3]);
