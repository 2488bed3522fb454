import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlive, processStartTime } from './processes.js';

// Who uses the embedded PostgreSQL: one lease file per process (`<DATA_DIR>/pg-leases/<pid>`),
// written by whoever starts, adopts or shares the server and removed when it lets go. A process
// stops the server on exit only when no other live process holds a lease, so a short `pulse`
// command can never stop the server under a running service, whoever started it and whether
// or not that starter has since crashed. Callers hold the data dir's start lock while they
// read or change leases.

export interface Lease {
  pid: number;
  /** the process's start time (Linux /proc), so a reused pid is not taken for the lease holder */
  started?: string;
}

const leaseFile = (dir: string, pid: number) => path.join(dir, String(pid));

/** Registers this process (or `pid`) as a user of the server. */
export async function takeLease(dir: string, pid = process.pid): Promise<void> {
  await mkdir(dir, { recursive: true });
  const started = processStartTime(pid);
  const lease: Lease = { pid, ...(started ? { started } : {}) };
  await writeFile(leaseFile(dir, pid), JSON.stringify(lease));
}

export async function dropLease(dir: string, pid = process.pid): Promise<void> {
  await rm(leaseFile(dir, pid), { force: true });
}

/** A lease whose process is gone, or whose pid now belongs to a later process, is stale. */
export function isLive(lease: Lease): boolean {
  if (!isAlive(lease.pid)) return false;
  if (lease.started === undefined) return true;
  const now = processStartTime(lease.pid);
  return now === undefined || now === lease.started;
}

/** The pids holding a live lease; stale lease files (crashed processes) are removed on the way. */
export async function liveLeaseHolders(dir: string): Promise<number[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const live: number[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const lease = await readFile(file, 'utf8').then((t) => JSON.parse(t) as Lease, () => undefined);
    if (lease && Number.isInteger(lease.pid) && isLive(lease)) live.push(lease.pid);
    else await rm(file, { force: true });
  }
  return live.sort((a, b) => a - b);
}
