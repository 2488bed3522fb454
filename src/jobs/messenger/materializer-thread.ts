import { parentPort, workerData } from 'node:worker_threads';
import { MessengerStore } from '../../db/messenger-repo.ts';
import { lowerPoolBackends } from '../../db/backend-priority.ts';
import { createPool } from '../../db/pool.ts';
import { createLogger } from '../../logger.ts';
import { lowerThisThreadPriority } from '../thread-priority.ts';
import { startMaterializer } from './materializer.ts';

// The materializer's own thread (see materializer-host.ts): its own event loop, pool and
// logger, driven by messages: 'wake' and 'stop' in; its lowered thread id ({ tid }), then
// 'materialized' and 'stopped' out.

// Under load, batches of a few hundred cost a third per event of batches of a few dozen, and
// leave the cores to the webhook in between; a reply waits at most this much longer.
const COALESCE_MS = 500;

// below the webhook's event loop (see thread-priority.ts): its rounds wait, acknowledgements do not
const tid = lowerThisThreadPriority();
parentPort!.postMessage({ tid: tid ?? null });

const { databaseUrl, logLevel, batch, connections } = workerData as { databaseUrl: string; logLevel: string; batch?: number; connections?: number };
const logger = createLogger(logLevel, process.stderr);
// its backends too: a round's statements (~100 ms of a core) wait for the webhook's, not the reverse
const pool = lowerPoolBackends(createPool(databaseUrl, connections ?? 2, (err) => logger.debug({ err }, 'messenger: materializer connection lost'), 'pulse:materializer'));
const materializer = startMaterializer({
  store: new MessengerStore(pool),
  pool,
  logger,
  onMaterialized: () => parentPort!.postMessage('materialized'),
  ...(batch ? { batch } : {}),
  coalesceMs: COALESCE_MS,
});

parentPort!.on('message', (m: unknown) => {
  if (m === 'wake') materializer.wake();
  if (m === 'stop') {
    void (async () => {
      await materializer.stop();
      await pool.end();
      parentPort!.postMessage('stopped');
    })();
  }
});
