import { intArg, peakRssMb, round, withThrowawayPostgres } from './lib/common.ts';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { generateConversations } from '../src/db/seed/generate.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { MESSAGE_COLUMNS, messageRow } from '../src/db/seed/rows.ts';

// Seeds N messages (default 1,000,000) into a freshly migrated database and compares the
// rate with a baseline measured in the same run: a raw COPY of the same message rows,
// generated the same way, into a bare table (same columns; no indexes, keys or foreign keys).
//   npm run bench -- seed [--messages N]

const SEED = 20261122;
const NOW = new Date('2026-11-22T12:00:00Z');
const TIMEZONE = 'UTC';

const log = (msg: string) => process.stderr.write(`[bench:seed] ${msg}\n`);



/** The seed's message rows, in ~64 KB chunks like the loader's, stopping at the same conversation boundary. */
function* messageChunks(limit: number): Generator<string> {
  let rows = 0;
  let chunk = '';
  for (const c of generateConversations({ seed: SEED, now: NOW, timezone: TIMEZONE })) {
    for (const m of c.messages) chunk += messageRow(c.id, m, c.page.botName);
    rows += c.messages.length;
    if (chunk.length >= 64 * 1024 || rows >= limit) {
      yield chunk;
      chunk = '';
    }
    if (rows >= limit) return;
  }
}

async function baseline(url: string, limit: number): Promise<{ rows: number; seconds: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Same column names and types; CREATE TABLE AS copies no defaults, NOT NULLs, keys or indexes.
    await client.query('CREATE TABLE bench_raw_messages AS TABLE messages WITH NO DATA');
    const started = performance.now();
    const copy = client.query(copyFrom(`COPY bench_raw_messages (${MESSAGE_COLUMNS}) FROM STDIN`));
    await pipeline(Readable.from(messageChunks(limit), { objectMode: false }), copy);
    const seconds = (performance.now() - started) / 1000;
    await client.query('DROP TABLE bench_raw_messages');
    await client.query('CHECKPOINT'); // so the seed does not pay for the baseline's dirty pages
    return { rows: copy.rowCount, seconds };
  } finally {
    await client.end();
  }
}

export async function run(args: string[]): Promise<void> {
  const messages = intArg(args, '--messages', 1_000_000);
  const started = performance.now();
  await withThrowawayPostgres(log, async (url) => {
    log(`baseline: raw COPY of ${messages} message rows into a bare table`);
    const base = await baseline(url, messages);
    const baselineRowsPerSecond = base.rows / base.seconds;
    log(`baseline: ${base.rows} rows in ${base.seconds.toFixed(2)} s (${Math.round(baselineRowsPerSecond)} rows/s)`);

    log(`seed: ${messages} messages into the migrated schema`);
    const seedStarted = performance.now();
    const summary = await seedDemoData(url, {
      messages,
      seed: SEED,
      now: NOW,
      timezone: TIMEZONE,
      onProgress: (p) => log(`seed: ${p.messages} messages, ${p.conversations}/${p.totalConversations} conversations, ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`),
    });
    const seconds = (performance.now() - seedStarted) / 1000;
    const messagesPerSecond = summary.messages / seconds;
    log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s overall: ${JSON.stringify(summary)}`);
    console.log(
      JSON.stringify({
        bench: 'seed',
        messages: summary.messages,
        conversations: summary.conversations,
        seconds: round(seconds),
        messagesPerSecond: Math.round(messagesPerSecond),
        baselineRows: base.rows,
        baselineSeconds: round(base.seconds),
        baselineRowsPerSecond: Math.round(baselineRowsPerSecond),
        ratio: round(messagesPerSecond / baselineRowsPerSecond),
        peakRssMb: peakRssMb(),
      }),
    );
  });
}

