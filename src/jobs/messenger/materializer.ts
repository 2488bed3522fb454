import type { MessengerStore } from '../../db/messenger-repo.ts';
import { insertErrorLog } from '../../db/errors-repo.ts';
import type pg from 'pg';
import type { Logger } from '../../logger.ts';
import { createWaker } from '../wake.ts';

// Turns what the webhook put in the inbox into message rows, customers and conversations, in
// batches as large as the backlog (up to `batch`; `coalesceMs` lets a backlog build up after
// a small batch), so the webhook's acknowledgement stays one insert. Woken by the webhook in this process and by NOTIFY from others; polls as a fallback.
// After each batch the reply worker is woken: the events are now claimable.

export interface MaterializerDeps {
  store: Pick<MessengerStore, 'materialize'>;
  /** for ErrorLog rows about events that could not be materialised */
  pool: pg.Pool;
  logger: Logger;
  onMaterialized: () => void;
  pollMs?: number;
  batch?: number;
  /** after a batch smaller than `batch`, wait this long so the next one is larger (cheaper per event) */
  coalesceMs?: number;
}

export interface Materializer {
  wake(): void;
  stop(): Promise<void>;
}

export function startMaterializer(deps: MaterializerDeps): Materializer {
  const log = deps.logger.child({ component: 'messenger-materializer' });
  const waker = createWaker();
  let stopping = false;

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      try {
        const { taken, failed } = await deps.store.materialize(deps.batch ?? 1000);
        failures = 0;
        for (const f of failed) {
          log.error({ eventKey: f.key, error: f.error }, 'messenger: a stored event could not become a message');
          await insertErrorLog(deps.pool, { source: 'messenger', message: `event ${f.key} could not be stored as a message: ${f.error}`, context: { eventKey: f.key } });
        }
        if (taken > 0) deps.onMaterialized();
        if (taken === 0) await waker.idle(deps.pollMs ?? 1000);
        else if (taken < (deps.batch ?? 1000) && deps.coalesceMs) await new Promise((r) => setTimeout(r, deps.coalesceMs));
      } catch (err) {
        failures++;
        if (failures === 1 || failures % 20 === 0) log.warn({ err }, 'messenger: materializer cannot reach the database, retrying');
        await waker.idle(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  const running = loop();
  return {
    wake: waker.wake,
    stop: async () => {
      stopping = true;
      waker.wake();
      await running;
    },
  };
}
