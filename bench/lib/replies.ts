import pg from 'pg';
import type { GraphCall } from '../../tests/helpers/fake-graph.ts';

// What the messenger bench checks about the replies the fake Graph received: each bot reply
// names the customer message it answers in its metadata (supportpulse:bot:reply:<mid>), so
// the calls alone say whether every message was answered once, in each customer's order, and
// how many calls each page took in any one second.

const REPLY_META = /^supportpulse:bot:reply:m_bench_(\d+)$/;

/** The delivery index a successful bot reply answers, or undefined for any other call. */
export function answeredIndex(c: GraphCall): number | undefined {
  if (c.status !== 200 || c.body.sender_action) return undefined;
  const meta = (c.body.message as { metadata?: string } | undefined)?.metadata;
  const m = meta ? REPLY_META.exec(meta) : null;
  return m ? Number(m[1]) : undefined;
}

export interface ReplyChecks {
  /** replies whose message had been answered before */
  answeredTwice: number;
  /** replies that came before a reply to an earlier message of the same customer */
  orderViolations: number;
  /** most Send API calls (messages and sender actions) of one page in any 1,000 ms */
  maxCallsPerPagePerS: number;
}

export function checkReplies(calls: readonly GraphCall[]): ReplyChecks {
  const seen = new Set<number>();
  const lastOf = new Map<string, number>();
  let answeredTwice = 0;
  let orderViolations = 0;
  const perPage = new Map<string, number[]>();
  for (const c of calls) {
    if (!c.path.endsWith('/me/messages')) continue;
    const t = perPage.get(c.token ?? '') ?? [];
    t.push(c.at);
    perPage.set(c.token ?? '', t);
    const i = answeredIndex(c);
    if (i === undefined) continue;
    if (seen.has(i)) answeredTwice++;
    seen.add(i);
    const psid = (c.body.recipient as { id: string }).id;
    const last = lastOf.get(psid);
    if (last !== undefined && last > i) orderViolations++;
    lastOf.set(psid, Math.max(last ?? -1, i));
  }
  let maxCallsPerPagePerS = 0;
  for (const times of perPage.values()) {
    times.sort((a, b) => a - b);
    // sliding window: calls in (t - 1000, t]
    for (let lo = 0, hi = 0; hi < times.length; hi++) {
      while (times[lo]! <= times[hi]! - 1000) lo++;
      maxCallsPerPagePerS = Math.max(maxCallsPerPagePerS, hi - lo + 1);
    }
  }
  return { answeredTwice, orderViolations, maxCallsPerPagePerS };
}

/**
 * --profile: counts this thread's database statements (the webhook, the reply worker, the
 * sender and the agent; the materializer's thread is not counted) by their first words.
 */
export function countQueries(): { reset(): void; counts(): Map<string, number> } {
  const counts = new Map<string, number>();
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...a: unknown[]) {
    const q = a[0];
    const text = typeof q === 'string' ? q : (q as { text?: string } | undefined)?.text ?? '?';
    const key = text.replace(/\s+/g, ' ').trim().slice(0, 70);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return original.apply(this, a);
  };
  return { reset: () => counts.clear(), counts: () => counts };
}
