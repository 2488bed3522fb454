import type { Server } from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import type { StoreCommit } from '../../src/db/messenger-group-commit.ts';
import type { DeliveryResult } from '../../tests/helpers/webhook-load.ts';

// The messenger bench's --trace: where each acknowledgement's time went, on one clock
// (process.hrtime, shared by the load thread and this one): sent by the load thread → request
// seen by the server → queued for the group commit → its statement began → ended → answer
// written → answer read by the load thread. Slow acks are summed per segment, so the report
// names what they waited on. ('finish' is emitted a turn after the write, so "to load thread"
// can come out slightly negative and "answer" slightly long.) Per thread of this process and
// per process on the host: CPU time and time runnable but waiting for a core (schedstat), which
// shows contention for the 2 cores and anything else that ran on the host meanwhile.

const hr = () => Number(process.hrtime.bigint()) / 1e6;

export interface AckTimeline {
  /** forget what was recorded (before a measured flood) */
  reset(): void;
  onCommit(c: StoreCommit): void;
  /** this thread's GC pauses (perf_hooks 'gc' entries), to count the part of each ack they overlapped */
  onGc(entries: readonly { startTime: number; duration: number }[]): void;
  /** per segment, mean ms over the acks slower than `slowMs` and over all; lines for the log */
  report(results: DeliveryResult[], signatures: string[], keys: string[], slowMs: number): string[];
}

const SEGMENTS = ['to server', 'body+verify', 'queued', 'statement', 'answer', 'to load thread'] as const;

export function ackTimeline(server: Server): AckTimeline {
  // performance.now() of this thread → hrtime ms
  const offset = hr() - performance.now();
  const requests = new Map<string, { at: number; finished: number }>();
  const queued = new Map<string, { at: number; began: number; ended: number; deliveries: number }>();
  let gcs: { from: number; to: number }[] = [];
  /** ms of GC pause inside [from, to] (hrtime ms) */
  const gcWithin = (from: number, to: number) => gcs.reduce((s, g) => s + Math.max(0, Math.min(to, g.to) - Math.max(from, g.from)), 0);
  server.on('request', (req, res) => {
    const sig = req.headers['x-hub-signature-256'];
    if (typeof sig !== 'string') return;
    const r = { at: hr(), finished: 0 };
    requests.set(sig, r);
    res.once('finish', () => {
      r.finished = hr();
    });
  });
  return {
    reset: () => {
      requests.clear();
      queued.clear();
      gcs = [];
    },
    onGc: (entries) => {
      gcs = entries.map((g) => ({ from: g.startTime + offset, to: g.startTime + g.duration + offset }));
    },
    onCommit: (c) => {
      for (const it of c.items) queued.set(it.key, { at: it.at + offset, began: c.began + offset, ended: c.ended + offset, deliveries: c.deliveries });
    },
    report: (results, signatures, keys, slowMs) => {
      const sums = { slow: new Array<number>(SEGMENTS.length).fill(0), all: new Array<number>(SEGMENTS.length).fill(0) };
      const gcSum = { slow: 0, all: 0 };
      let nSlow = 0;
      let nAll = 0;
      const worst: string[] = [];
      const order = results.map((r, i) => [r.firstMs, i] as const).sort((a, b) => b[0] - a[0]);
      for (const [i, d] of results.entries()) {
        const s = requests.get(signatures[i]!);
        const q = queued.get(keys[i]!);
        if (!s || !q || !s.finished) continue;
        const seg = [s.at - d.sentAt, q.at - s.at, q.began - q.at, q.ended - q.began, s.finished - q.ended, d.doneAt - s.finished];
        nAll++;
        seg.forEach((v, k) => (sums.all[k]! += v));
        const gc = gcWithin(d.sentAt, d.doneAt);
        gcSum.all += gc;
        if (d.firstMs >= slowMs) {
          nSlow++;
          gcSum.slow += gc;
          seg.forEach((v, k) => (sums.slow[k]! += v));
        }
        if (order.slice(0, 8).some(([, j]) => j === i)) {
          worst.push(`  #${i} ${d.firstMs.toFixed(1)} ms at +${(d.sentAt - results[0]!.sentAt).toFixed(0)} ms: ${SEGMENTS.map((n, k) => `${n} ${seg[k]!.toFixed(1)}`).join(', ')} (batch of ${q.deliveries}; GC within ${gc.toFixed(1)})`);
        }
      }
      const line = (label: string, xs: number[], n: number, gc: number) =>
        `${label} (${n}): ${SEGMENTS.map((name, k) => `${name} ${(xs[k]! / Math.max(1, n)).toFixed(2)}`).join(', ')} ms; GC pauses within ${(gc / Math.max(1, n)).toFixed(2)} ms`;
      return [line(`acks ≥ ${slowMs.toFixed(1)} ms, mean per segment`, sums.slow, nSlow, gcSum.slow), line('all acks, mean per segment', sums.all, nAll, gcSum.all), 'slowest:', ...worst];
    },
  };
}

/** Per thread: ms on a CPU and ms runnable but waiting for one (/proc/…/schedstat), with a name. */
export type CpuSnapshot = Map<string, { name: string; runMs: number; waitMs: number }>;

/** This process's threads and the given processes (e.g. PostgreSQL backends by pid → name). */
export function cpuSnapshot(others: Map<number, string>): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  const read = (dir: string, name: string, key: string) => {
    try {
      const [run, wait] = readFileSync(`${dir}/schedstat`, 'utf8').split(' ').map(Number);
      out.set(key, { name, runMs: run! / 1e6, waitMs: wait! / 1e6 });
    } catch {
      // gone meanwhile
    }
  };
  for (const tid of readdirSync('/proc/self/task')) {
    let comm = '?';
    try {
      comm = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    read(`/proc/self/task/${tid}`, `${Number(tid) === process.pid ? 'main thread' : `thread ${tid}`} (${comm})`, `t${tid}`);
  }
  for (const [pid, name] of others) read(`/proc/${pid}`, name, `p${pid}`);
  return out;
}

/** Lines: each thread's CPU and run-queue wait between two snapshots, the busiest first. */
export function cpuReport(before: CpuSnapshot, after: CpuSnapshot, seconds: number): string[] {
  const rows: { name: string; run: number; wait: number }[] = [];
  for (const [k, a] of after) {
    const b = before.get(k) ?? { runMs: 0, waitMs: 0 };
    const run = a.runMs - b.runMs;
    if (run < 5) continue;
    rows.push({ name: a.name, run, wait: a.waitMs - b.waitMs });
  }
  rows.sort((x, y) => y.run - x.run);
  const total = rows.reduce((s, r) => s + r.run, 0);
  return [
    `CPU over ${seconds.toFixed(1)} s: ${total.toFixed(0)} ms on CPU in these threads (${(total / seconds / 10).toFixed(0)}% of one core); per thread ms on CPU / ms runnable waiting:`,
    ...rows.slice(0, 14).map((r) => `  ${r.name}: ${r.run.toFixed(0)} / ${r.wait.toFixed(0)}`),
  ];
}

/** Every other process on the host by pid, named by its command line (PostgreSQL's backends name themselves there). */
export function otherProcesses(): Map<number, string> {
  const out = new Map<number, string>();
  for (const d of readdirSync('/proc')) {
    const pid = Number(d);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      // a lowered backend (src/db/backend-priority.ts) shows its autogroup's nice
      const nice = /nice (-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, 'utf8'))?.[1];
      if (cmd) out.set(pid, `${cmd.slice(0, 70)}${nice && nice !== '0' ? ` [nice ${nice}]` : ''}`);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
