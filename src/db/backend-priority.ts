import { readFileSync, writeFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { Socket } from 'node:net';
import type pg from 'pg';

// Background connections (the Messenger materializer's, reply loops', send log's) get
// PostgreSQL backends that run below the ones answering requests, when the database runs on
// this host. Each backend is a process of its own, and on Linux with autogroup scheduling
// (the default on most distributions outside a CPU cgroup) PostgreSQL puts every backend in a
// session of its own (setsid), so the kernel shares the CPU fairly between *sessions*: one
// backend writing a materializer round weighs as much as this whole service. On two cores such
// a round (100 ms of a core) left the webhook's event loop and its own backends one core
// between them, and the acknowledgements queued behind it. Lowered, the backend gets what the
// request path leaves over; its work is durable queue work that can wait milliseconds.
//
// How: the backend's pid is in the startup handshake (client.processID). It is changed only
// when /proc/<pid>/cmdline is a PostgreSQL backend serving this very socket (its title names
// the client's address and port): a server in a container, or on another host, is left alone.
// Raising a nice value (lowering priority) needs no privilege for a process of the same user
// (root may do it for any): the session's autogroup nice (/proc/<pid>/autogroup, what counts
// under autogroup) and the process's own nice (what counts without it). Anything refused is
// skipped silently: priority is an optimisation, never a condition to work.

/** The nice value of background work: backends here, threads in jobs/thread-priority.ts (0 is the default; 19 the lowest). */
export const BACKGROUND_BACKEND_NICE = 10;

/**
 * Sets the nice value of a process or (Linux) thread id to `nice` unless it is already that low
 * (an operator's lower priority stays); false when refused (another user's process, gone).
 */
export function lowerNice(id: number, nice: number): boolean {
  try {
    if (getPriority(id) < nice) setPriority(id, nice);
    return true;
  } catch {
    return false;
  }
}

/** An unprivileged autogroup change is refused (EAGAIN) within 100 ms of the previous one on the host. */
const AUTOGROUP_RETRY_MS = 150;
const AUTOGROUP_ATTEMPTS = 5;

interface WithSocket {
  processID?: number | null;
  connection?: { stream?: Partial<Socket> };
}

/** The pid of the backend serving `client`, when it is a process on this host serving this very socket. */
export function localBackendPid(client: pg.ClientBase): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const c = client as unknown as WithSocket;
  const pid = c.processID;
  const port = c.connection?.stream?.localPort;
  if (!pid || !Number.isInteger(pid) || !port) return undefined;
  try {
    const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    // "postgres: [cluster: ]user db 127.0.0.1(54321) idle"
    return title.startsWith('postgres:') && new RegExp(`\\(${port}\\)(\\s|$)`).test(title) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` leads a session of its own (/proc/<pid>/stat field 6), as PostgreSQL's backends do. */
function leadsOwnSession(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the parenthesised command name start at field 3: state, ppid, pgrp, session
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]) === pid;
  } catch {
    return false;
  }
}

/**
 * The autogroup nice of `pid` ("/autogroup-123 nice 0"), undefined without autogroup or when
 * the group is not the backend's alone (a backend sharing this service's session would lower
 * the service with it).
 */
export function autogroupNice(pid: number): number | undefined {
  if (!leadsOwnSession(pid)) return undefined;
  try {
    const m = /nice (-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Lowers the backend of `client` to `nice` (never raises it) when it runs on this host.
 * Resolves to the pid it lowered, or undefined when it did not (another host, not Linux, refused).
 */
export async function lowerBackendPriority(client: pg.ClientBase, nice = BACKGROUND_BACKEND_NICE): Promise<number | undefined> {
  const pid = localBackendPid(client);
  if (pid === undefined) return undefined;
  let lowered = lowerNice(pid, nice);
  for (let attempt = 0; attempt < AUTOGROUP_ATTEMPTS; attempt++) {
    const current = autogroupNice(pid);
    if (current === undefined || current >= nice) break;
    try {
      writeFileSync(`/proc/${pid}/autogroup`, String(nice));
      lowered = true;
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') break;
      await new Promise((r) => setTimeout(r, AUTOGROUP_RETRY_MS));
    }
  }
  return lowered ? pid : undefined;
}

/** Every connection `pool` opens from now on gets a lowered backend (see lowerBackendPriority). */
export function lowerPoolBackends(pool: pg.Pool, nice = BACKGROUND_BACKEND_NICE): pg.Pool {
  pool.on('connect', (client) => {
    void lowerBackendPriority(client, nice);
  });
  return pool;
}
