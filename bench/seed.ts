import { generateConversations } from '../src/db/seed/generate.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { MESSAGE_COLUMNS, messageRow } from '../src/db/seed/rows.ts';
import { baselineCopy, intArg, peakRssMb, round, withThrowawayPostgres } from './lib/common.ts';

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

const baseline = (url: string, limit: number) => baselineCopy(url, MESSAGE_COLUMNS, messageChunks(limit));

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

