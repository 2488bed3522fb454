import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// CPU seconds of this process and of the embedded PostgreSQL (its postmaster, exited children
// it reaped, and the live ones), from /proc: where a bench's time goes when both run on the
// same cores. Linux only; elsewhere the PostgreSQL side reads 0.

const TICKS = 100; // USER_HZ on Linux

/** utime, stime, cutime, cstime and the parent pid of `pid`, or undefined when it is gone. */
function stat(pid: number): { self: number; children: number; ppid: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields after the command name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
    return { ppid: Number(f[1]), self: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined;
  }
}

/** CPU seconds PostgreSQL has used so far, for the server whose data directory is `pgDir`. */
export function postgresCpuSeconds(pgDir: string): number {
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return 0;
  }
  const main = stat(postmaster);
  if (!main) return 0;
  let ticks = main.self + main.children;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (s?.ppid === postmaster) ticks += s.self;
  }
  return ticks / TICKS;
}

/** CPU seconds (user + system) this process has used so far. */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
