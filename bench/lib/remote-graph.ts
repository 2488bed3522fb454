import { spawn } from 'node:child_process';
import path from 'node:path';
import type { AnsweredRange, ReplyChecks } from './replies.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface RemoteGraph {
  apiUrl: string;
  pid: number;
  /** replies to the deliveries [from, to); `answeredBy` counts those at or before `until` (Date.now() ms) */
  answered(from: number, to: number, until?: number): Promise<AnsweredRange>;
  checks(): Promise<ReplyChecks>;
  close(): Promise<void>;
}

/**
 * The fake Graph API in a process and session of its own (graph-process.ts), as Meta's servers
 * are elsewhere: its event loop, heap and CPU share are not the service's. Like the load
 * generator (tests/helpers/webhook-load.ts) it is detached, so Linux's autogroup scheduling
 * weighs it apart from the service.
 */
export async function startRemoteGraph(tokens: string[]): Promise<RemoteGraph> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'graph-process.ts')], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_OPTIONS: '', FAKE_GRAPH_TOKENS: JSON.stringify(tokens) },
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let gone: Error | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      gone = new Error(`fake Graph process exited (${code})`);
      for (const p of pending.values()) p.reject(gone);
      pending.clear();
      resolve();
    }),
  );
  const apiUrl = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    void exited.then(() => reject(gone));
    child.once('message', (m: { ready: string }) => resolve(m.ready));
  });
  child.on('message', (m: { id?: number; result?: unknown }) => {
    if (m.id === undefined) return;
    pending.get(m.id)?.resolve(m.result);
    pending.delete(m.id);
  });
  const ask = <T>(msg: Record<string, unknown>) =>
    new Promise<T>((resolve, reject) => {
      if (gone) return reject(gone);
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ ...msg, id });
    });
  return {
    apiUrl,
    pid: child.pid!,
    // Infinity does not survive JSON: no `until` means every reply counts
    answered: (from, to, until) => ask<AnsweredRange>({ op: 'answered', from, to, ...(until === undefined ? {} : { until }) }),
    checks: () => ask<ReplyChecks>({ op: 'checks' }),
    close: async () => {
      if (gone) return;
      if (child.connected) child.send('close');
      const timeout = setTimeout(() => child.kill(), 5_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
