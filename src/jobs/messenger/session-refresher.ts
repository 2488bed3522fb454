import type pg from 'pg';
import { rebuildSessions } from '../../db/sessions-rebuild.ts';
import type { Logger } from '../../logger.ts';

// The reply worker's conversations get their sessions rebuilt here, all that changed in the
// last half second together, instead of once per event inside its transaction: the rebuild is
// the worker's heaviest step (a pass over the conversation's messages and an upsert), and a
// burst of messages in one conversation needs it once. Conversations are touched after their
// event committed, so the rebuild sees what the event wrote. A failed rebuild is tried again.

export interface SessionRefresher {
  touch(conversationId: number): void;
  /** rebuilds what is pending, then stops */
  stop(): Promise<void>;
}

export function startSessionRefresher(deps: { pool: pg.Pool; logger: Logger; now: () => Date; everyMs?: number }): SessionRefresher {
  const log = deps.logger.child({ component: 'messenger-sessions' });
  const dirty = new Set<number>();
  let running: Promise<void> | undefined;

  const flush = async () => {
    if (dirty.size === 0) return;
    // ascending ids: concurrent refreshers (other processes) upsert in the same order
    const ids = [...dirty].sort((a, b) => a - b);
    dirty.clear();
    let client: pg.PoolClient | undefined;
    // a connection cut while checked out (a database restart) is an 'error' event, uncaught
    // without a listener: heard here, reported by the failing query, and the client discarded
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
    };
    try {
      client = await deps.pool.connect();
      client.on('error', onError);
      await rebuildSessions(client, ids, deps.now());
    } catch (err) {
      for (const id of ids) dirty.add(id);
      broken ??= err as Error;
      log.warn({ err, conversations: ids.length }, 'messenger: rebuilding sessions failed, trying again shortly');
    } finally {
      client?.off('error', onError);
      client?.release(broken);
    }
  };
  const guarded = () => (running ??= flush().finally(() => (running = undefined)));
  const timer = setInterval(() => void guarded(), deps.everyMs ?? 500);
  timer.unref();

  return {
    touch: (id) => {
      dirty.add(id);
    },
    stop: async () => {
      clearInterval(timer);
      await running;
      await flush();
    },
  };
}
