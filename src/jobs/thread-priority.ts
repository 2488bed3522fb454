import { readlinkSync } from 'node:fs';
import { BACKGROUND_BACKEND_NICE, lowerNice } from '../db/backend-priority.ts';

// Background threads (the Messenger materializer) run below the threads that answer requests.
// On a small machine every thread of the service shares a few cores with PostgreSQL: a
// materializer round (hundreds of inbox events parsed and written) that runs on a core at the
// same priority as the webhook's event loop delays the acknowledgements waiting behind it; at
// a lower priority the scheduler runs the acknowledgements first and the round takes the time
// left over (it is durable queue work that can wait milliseconds).
//
// Linux keeps a nice value per thread: setpriority(2) on a thread id changes only that thread,
// and raising one's own nice value needs no privilege. Elsewhere this does nothing.

/** The nice value of background threads: the same as background backends'. */
export const BACKGROUND_NICE = BACKGROUND_BACKEND_NICE;

/** The calling thread's id on Linux (/proc/thread-self → "<pid>/task/<tid>"), undefined elsewhere. */
export function currentThreadId(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Lowers the calling thread (never raises it: an operator's higher nice stays) to
 * BACKGROUND_NICE. Returns the thread id it lowered, or undefined when the platform does not
 * allow it (not Linux, /proc missing, refused).
 */
export function lowerThisThreadPriority(nice = BACKGROUND_NICE): number | undefined {
  const tid = currentThreadId();
  if (tid === undefined) return undefined;
  return lowerNice(tid, nice) ? tid : undefined;
}
