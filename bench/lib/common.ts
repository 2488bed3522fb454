import { mkdtemp, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { startEmbedded } from '../../src/db/embedded.ts';
import { migrate } from '../../src/db/migrator.ts';
import { freePort } from '../../tests/helpers/net.ts';

// What every benchmark needs: a throwaway, migrated PostgreSQL and its arguments parsed.
// (bench/index.ts lists only the .ts files directly in bench/, so nothing here is a bench.)

/** Runs fn against a fresh embedded PostgreSQL in a temp dir, removed afterwards. */
export async function withThrowawayPostgres<T>(log: (msg: string) => void, fn: (url: string, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pulse-bench-'));
  log(`starting embedded PostgreSQL in ${dir}`);
  const server = await startEmbedded({ dataDir: dir, port: await freePort(), database: 'pulse_bench' });
  try {
    await migrate(server.url);
    return await fn(server.url, dir);
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** `--name N`: a positive integer, or the fallback when absent. */
export function intArg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} expects a positive integer`);
  return v;
}

export const round = (x: number) => Math.round(x * 100) / 100;

export const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/**
 * The baseline the data benches compare with: a raw COPY of the same message rows into a
 * bare table with the messages columns and types but no defaults, keys, indexes or foreign
 * keys. Checkpointed afterwards so the measured run does not pay for its dirty pages.
 */
export async function baselineCopy(url: string, columns: string, chunks: Iterable<string>): Promise<{ rows: number; seconds: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TABLE bench_raw_messages AS TABLE messages WITH NO DATA');
    const started = performance.now();
    const copy = client.query(copyFrom(`COPY bench_raw_messages (${columns}) FROM STDIN`));
    await pipeline(Readable.from(chunks, { objectMode: false }), copy);
    const seconds = (performance.now() - started) / 1000;
    await client.query('DROP TABLE bench_raw_messages');
    await client.query('CHECKPOINT');
    return { rows: copy.rowCount, seconds };
  } finally {
    await client.end();
  }
}
