// How many connections the Messenger channel's pools need (bots/messenger/index.ts uses them;
// the composition root makes the pools). A file of its own so the root can size the pools
// without loading the channel's code.

/** Reply loops in a process unless told otherwise. */
export const MESSENGER_CONCURRENCY = 2;

/**
 * For `concurrency` reply loops: the send log one per loop and one for handoff replies; the
 * worker pool one per loop, the LISTEN (held for good) and the materializer's fallback.
 */
export function messengerPoolSizes(concurrency = MESSENGER_CONCURRENCY): { send: number; worker: number } {
  return { send: concurrency + 1, worker: concurrency + 2 };
}
