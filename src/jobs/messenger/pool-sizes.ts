// How many connections the Messenger channel's pools need (bots/messenger/index.ts uses them;
// the composition root makes the pools). A file of its own so the root can size the pools
// without loading the channel's code.

/** Reply loops in a process unless told otherwise. */
export const MESSENGER_CONCURRENCY = 2;

/**
 * For `concurrency` reply loops: the send log one per loop and one for handoff replies; the
 * worker pool one per loop (held while its batch is answered), the LISTEN (held for good), the
 * materializer's fallback and the session refresher, and two for the customer agent's reads
 * (catalogue, templates), which stay off the webhook's pool: 32 turns of a batch at once would
 * otherwise queue in front of acknowledgements.
 */
export function messengerPoolSizes(concurrency = MESSENGER_CONCURRENCY): { send: number; worker: number } {
  return { send: concurrency + 1, worker: concurrency + 4 };
}
