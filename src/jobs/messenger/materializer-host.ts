import { Worker } from 'node:worker_threads';
import type pg from 'pg';
import { MessengerStore } from '../../db/messenger-repo.ts';
import type { Logger } from '../../logger.ts';
import { startMaterializer, type Materializer } from './materializer.ts';

// Runs the materializer in a worker thread: turning inbox events into message rows is steady
// JSON and array work that would otherwise share the event loop with the webhook, whose
// acknowledgements must stay fast during a flood. Should the thread fail to start or die, the
// materializer carries on in this thread (slower acks, nothing lost: the inbox is the queue).

const WAKE_COALESCE_MS = 5;

/** The thread's own pool (it cannot share the main thread's): counted in the service's connection budget. */
export const MATERIALIZER_THREAD_CONNECTIONS = 2;

export interface MaterializerHostOptions {
  /** for the thread's own pool only: a worker thread cannot borrow the main thread's connections */
  databaseUrl: string;
  logLevel: string;
  logger: Logger;
  /** this thread's fallback pool */
  pool: pg.Pool;
  onMaterialized: () => void;
}

/**
 * The thread runs the compiled materializer-thread.js next to this file when this file is
 * compiled (dist/), and the TypeScript through tsx's hooks otherwise (tests, `npm run dev`):
 * a worker thread does not inherit the main thread's loader hooks.
 */
function materializerWorker(workerData: { databaseUrl: string; logLevel: string; connections: number }): Worker {
  if (import.meta.url.endsWith('.js')) return new Worker(new URL('./materializer-thread.js', import.meta.url), { workerData });
  return new Worker(new URL('../ts-thread.mjs', import.meta.url), {
    workerData: { ...workerData, module: new URL('./materializer-thread.ts', import.meta.url).href },
  });
}

export interface MaterializerThread extends Materializer {
  /** the thread's id once it lowered its priority (null: it could not; undefined: not started yet) */
  threadId(): number | null | undefined;
}

export function startMaterializerThread(opts: MaterializerHostOptions): MaterializerThread {
  const log = opts.logger.child({ component: 'messenger-materializer' });
  let stopping = false;
  let fallback: Materializer | undefined;
  let stopped: (() => void) | undefined;
  let wakeQueued = false;
  let threadId: number | null | undefined;
  const worker = materializerWorker({ databaseUrl: opts.databaseUrl, logLevel: opts.logLevel, connections: MATERIALIZER_THREAD_CONNECTIONS });
  worker.on('message', (m: unknown) => {
    if (m === 'materialized') opts.onMaterialized();
    if (typeof m === 'object' && m && 'tid' in m) threadId = (m as { tid: number | null }).tid;
    if (m === 'stopped') stopped?.();
  });
  const takeOver = (why: string, err?: unknown) => {
    if (stopping || fallback) return;
    log.error({ err }, `messenger: materializer thread ${why}; materializing in the main thread instead`);
    fallback = startMaterializer({ store: new MessengerStore(opts.pool), pool: opts.pool, logger: opts.logger, onMaterialized: opts.onMaterialized });
  };
  worker.on('error', (err) => takeOver('failed', err));
  worker.on('exit', (code) => {
    stopped?.();
    if (code !== 0) takeOver(`exited with code ${code}`);
  });

  return {
    threadId: () => threadId,
    wake: () => {
      if (fallback) return fallback.wake();
      // one message per burst: posting one per delivery cost the webhook's thread ~5% at 1,000/s
      if (wakeQueued) return;
      wakeQueued = true;
      setTimeout(() => {
        wakeQueued = false;
        worker.postMessage('wake');
      }, WAKE_COALESCE_MS);
    },
    stop: async () => {
      stopping = true;
      await fallback?.stop();
      const done = new Promise<void>((resolve) => {
        stopped = resolve;
      });
      worker.postMessage('stop');
      await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
      await worker.terminate();
    },
  };
}
