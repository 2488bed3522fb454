import type pg from 'pg';
import PgBossClass from 'pg-boss';
import type PgBoss from 'pg-boss';
import { messengerPoolSizes } from '../../src/jobs/messenger/pool-sizes.ts';
import { lowerPoolBackends } from '../../src/db/backend-priority.ts';
import { createPool } from '../../src/db/pool.ts';
import { IMPORT_CONNECTIONS } from '../../src/import/index.ts';
import { startQueue } from '../../src/jobs/queue.ts';

// What service.ts (the composition root) makes and passes down, for test files that start the
// lower-level parts themselves: the one pg-boss and Messenger's two pools. The file stops them.

export function startTestQueue(url: string): Promise<PgBoss> {
  return startQueue(url, { maxAttempts: 3, jobTimeoutSeconds: 300 });
}

export interface TestMessengerPools {
  send: pg.Pool;
  worker: pg.Pool;
  end(): Promise<void>;
}

export function messengerPools(url: string, concurrency?: number): TestMessengerPools {
  const sizes = messengerPoolSizes(concurrency);
  // as root/infrastructure.ts makes them: background backends below the webhook's
  const send = lowerPoolBackends(createPool(url, sizes.send));
  const worker = lowerPoolBackends(createPool(url, sizes.worker));
  return { send, worker, end: async () => void (await Promise.all([send.end(), worker.end()])) };
}

/**
 * A pg-boss never started: it opens no connection, and is enough for code that only inserts
 * jobs in its own transaction (validation's re-queue fix), as `pulse validate` may.
 */
export function unstartedQueue(url: string): PgBoss {
  return new PgBossClass({ connectionString: url });
}

/** The imports' pool as service.ts sizes it: IMPORT_CONNECTIONS for each of `concurrency` imports. */
export function importPool(url: string, concurrency = 2): pg.Pool {
  return createPool(url, concurrency * IMPORT_CONNECTIONS);
}
