import { parentPort, workerData } from 'node:worker_threads';
import { MessengerStore } from '../../db/messenger-repo.ts';
import { createPool } from '../../db/pool.ts';
import { createLogger } from '../../logger.ts';
import { startMaterializer } from './materializer.ts';

// The materializer's own thread (see materializer-host.ts): its own event loop, pool and
// logger, driven by messages: 'wake' and 'stop' in; 'materialized' and 'stopped' out.

// Under load, batches of a few hundred cost a third per event of batches of a few dozen, and
// leave the cores to the webhook in between; a reply waits at most this much longer.
const COALESCE_MS = 500;

const { databaseUrl, logLevel, batch, connections } = workerData as { databaseUrl: string; logLevel: string; batch?: number; connections?: number };
const logger = createLogger(logLevel, process.stderr);
const pool = createPool(databaseUrl, connections ?? 2, (err) => logger.debug({ err }, 'messenger: materializer connection lost'), 'pulse:materializer');
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
