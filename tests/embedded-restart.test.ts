import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedHandle } from '../src/db/embedded.ts';
import { isAlive, pidOfPostmaster } from '../src/db/processes.ts';
import { freePort } from './helpers/net.ts';

// The embedded server stopped or crashed under the process that started it (probed 7 Dec 2026:
// PostgreSQL restarted while the service ran, then SIGTERM): letting go of it waited for the
// exit event of a child that had exited already, and the service hung until its forced exit
// (30 s, "stopped" never logged). Letting go must end, whatever became of the server.

let dataDir: string | undefined;
let handle: EmbeddedHandle | undefined;

afterAll(async () => {
  const pid = dataDir ? await pidOfPostmaster(path.join(dataDir, 'pg')) : undefined;
  if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('letting go of an embedded server that is gone', () => {
  it('returns, and leaves no postmaster and no lease, when the server it started has exited', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'pulse-embedded-restart-'));
    const pgDir = path.join(dataDir, 'pg');
    handle = await startEmbedded({ dataDir, port: await freePort(), database: 'restart_test' });
    const pid = (await pidOfPostmaster(pgDir))!;
    expect(isAlive(pid)).toBe(true);
    process.kill(pid, 'SIGINT'); // a fast shutdown, as `pg_ctl stop -m fast` does
    await expect.poll(() => isAlive(pid)).toBe(false);
    await handle.stop();
    expect(await pidOfPostmaster(pgDir)).toBeUndefined();
    expect(await readdir(path.join(dataDir, 'pg-leases'))).toEqual([]);
  });
});
