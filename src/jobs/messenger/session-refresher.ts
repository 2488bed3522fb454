import type pg from 'pg';
import { rebuildSessions } from '../../db/sessions-rebuild.ts';
import type { Logger } from '../../logger.ts';

// The reply worker's conversations get their sessions rebuilt here, all that changed in the
// last half second (longer while busy: deferMs) together, instead of once per event inside its transaction: the rebuild is
// the worker's heaviest step (a pass over the conversation's messages and an upsert), and a
// burst of messages in one conversation needs it once. Conversations are touched after their
// event committed, so the rebuild sees what the event wrote. A failed rebuild is tried again.

export interface SessionRefresher {
  touch(conversationId: number): void;
  /** rebuilds what is pending, then stops */
  stop(): Promise<void>;
}

/** Conversations rebuilt per statement: a backlog's rebuild is many short statements, not one long one. */
export const REFRESH_CHUNK = 16;

export function startSessionRefresher(deps: {
  pool: pg.Pool;
  logger: Logger;
  now: () => Date;
  everyMs?: number;
  /**
   * How long rebuilds may wait now (0: not at all). A rebuild passes over each conversation's
   * messages, longer as conversations grow, and a conversation touched again before it ran is
   * rebuilt once: while the webhook is flooded or the reply worker has a backlog, rebuilding
   * less often leaves the cores to acknowledgements and replies (see the reply worker).
   */
  deferMs?: () => number;
  /**
   * Checked between chunks of REFRESH_CHUNK conversations: true puts the rest back for a later
   * flush (a webhook flood that began while a large backlog's rebuilds ran).
   */
  interrupt?: () => boolean;
  clock?: () => number;
}): SessionRefresher {
  const log = deps.logger.child({ component: 'messenger-sessions' });
  const dirty = new Set<number>();
  let running: Promise<void> | undefined;

  /** `all`: every chunk, interrupted or not (on stop) */
  const flush = async (all = false) => {
    if (dirty.size === 0) return;
    // ascending ids: concurrent refreshers (other processes) upsert in the same order
    const ids = [...dirty].sort((a, b) => a - b);
    dirty.clear();
    let client: pg.PoolClient | undefined;
    let done = 0;
    // a connection cut while checked out (a database restart) is an 'error' event, uncaught
    // without a listener: heard here, reported by the failing query, and the client discarded
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
    };
    try {
      client = await deps.pool.connect();
      client.on('error', onError);
      for (; done < ids.length; done += REFRESH_CHUNK) {
        if (done > 0 && !all && deps.interrupt?.()) break;
        await rebuildSessions(client, ids.slice(done, done + REFRESH_CHUNK), deps.now());
      }
      for (const id of ids.slice(done)) dirty.add(id);
    } catch (err) {
      for (const id of ids.slice(done)) dirty.add(id);
      broken ??= err as Error;
      log.warn({ err, conversations: ids.length }, 'messenger: rebuilding sessions failed, trying again shortly');
    } finally {
      client?.off('error', onError);
      client?.release(broken);
    }
  };
  const clock = deps.clock ?? (() => performance.now());
  let lastFlush = clock();
  const guarded = () => (running ??= flush().finally(() => (running = undefined)));
  const tick = () => {
    if (clock() - lastFlush < (deps.deferMs?.() ?? 0)) return;
    lastFlush = clock();
    void guarded();
  };
  const timer = setInterval(tick, deps.everyMs ?? 500);
  timer.unref();

  return {
    touch: (id) => {
      dirty.add(id);
    },
    stop: async () => {
      clearInterval(timer);
      await running;
      await flush(true);
    },
  };
}
