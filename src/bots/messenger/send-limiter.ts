import type pg from 'pg';
import { takeSendTokens } from '../../db/send-buckets-repo.ts';
import { tokenWaits } from '../../domain/messenger/policy.ts';

// Meta's per-page Send API limit, shared by every instance through messenger_send_buckets.
// Calls of one page that ask for a token while this process's take for that page is in flight
// are taken together by the next one (one UPDATE for many calls, like the webhook's group
// commit), so a burst of replies costs a round trip per group, not per call.

export interface SendLimiter {
  /** resolves once this call of the page may go (after its reserved token's wait) */
  acquire(pageId: string): Promise<void>;
}

export interface SendLimiterDeps {
  pool: pg.Pool;
  ratePerS: number;
  /** tokens a quiet page may spend at once; calls in any second stay within ratePerS + burst */
  burst: number;
  /** epoch ms, the same clock in every instance (tests inject one) */
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
}

interface Waiter {
  resolve: (waitMs: number) => void;
  reject: (err: unknown) => void;
}

export function createSendLimiter(deps: SendLimiterDeps): SendLimiter {
  const queued = new Map<string, Waiter[]>();
  const inFlight = new Set<string>();

  const take = (pageId: string): void => {
    const group = queued.get(pageId);
    if (inFlight.has(pageId) || !group?.length) return;
    queued.delete(pageId);
    inFlight.add(pageId);
    takeSendTokens(deps.pool, { pageId, n: group.length, nowMs: deps.clock(), ratePerS: deps.ratePerS, burst: deps.burst })
      .then(
        ({ before }) => tokenWaits(before, group.length, deps.ratePerS).forEach((ms, i) => group[i]!.resolve(ms)),
        (err: unknown) => group.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        inFlight.delete(pageId);
        take(pageId);
      });
  };

  return {
    async acquire(pageId) {
      const wait = await new Promise<number>((resolve, reject) => {
        const group = queued.get(pageId) ?? [];
        group.push({ resolve, reject });
        queued.set(pageId, group);
        take(pageId);
      });
      if (wait > 0) await deps.sleep(wait);
    },
  };
}
