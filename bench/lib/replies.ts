import pg from 'pg';
import type { GraphCall } from '../../tests/helpers/fake-graph.ts';

// What the messenger bench checks about the replies the fake Graph received: each bot reply
// names the customer message it answers in its metadata (supportpulse:bot:reply:<mid>), so
// the calls alone say whether every message was answered once, in each customer's order, and
// how many calls each page took in any one second. The ledger lives in the fake Graph's own
// process (graph-process.ts) and the bench asks it for these figures.

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
  /** successful message sends (not sender actions) */
  messagesSent: number;
}

/** Replies to the deliveries [from, to): how many, the last one's time, how many by `until`. */
export interface AnsweredRange {
  answered: number;
  /** Date.now() of the latest first reply in the range (0: none) */
  lastAt: number;
  /** first replies at or before `until` */
  answeredBy: number;
}

/**
 * What the bench checks, kept call by call instead of the calls themselves (the bench sees
 * ~53,000 calls with their bodies): each delivery's first reply time, each customer's last
 * answered delivery, each page's calls in the last second.
 */
export class ReplyLedger {
  private readonly firstReplyAt = new Map<number, number>();
  private readonly lastOf = new Map<string, number>();
  /** per page token: its calls' times in the last 1,000 ms, ascending */
  private readonly window = new Map<string, number[]>();
  private readonly counts: ReplyChecks = { answeredTwice: 0, orderViolations: 0, maxCallsPerPagePerS: 0, messagesSent: 0 };

  /** `wallAt`: Date.now() when the fake answered it */
  add(c: GraphCall, wallAt: number): void {
    if (!c.path.endsWith('/me/messages')) return;
    if (c.status === 200 && !c.body.sender_action) this.counts.messagesSent++;
    this.countForPage(c.token ?? '', c.at);
    const i = answeredIndex(c);
    if (i === undefined) return;
    if (this.firstReplyAt.has(i)) this.counts.answeredTwice++;
    else this.firstReplyAt.set(i, wallAt);
    const psid = (c.body.recipient as { id: string }).id;
    const last = this.lastOf.get(psid);
    if (last !== undefined && last > i) this.counts.orderViolations++;
    this.lastOf.set(psid, Math.max(last ?? -1, i));
  }

  // sliding window: calls in (t - 1000, t]
  private countForPage(page: string, t: number): void {
    const times = this.window.get(page) ?? [];
    this.window.set(page, times);
    let k = times.length;
    while (k > 0 && times[k - 1]! > t) k--; // calls arrive in time order but for a clock step back
    times.splice(k, 0, t);
    const newest = times[times.length - 1]!;
    while (times[0]! <= newest - 1000) times.shift();
    this.counts.maxCallsPerPagePerS = Math.max(this.counts.maxCallsPerPagePerS, times.length);
  }

  answered(from: number, to: number, until = Infinity): AnsweredRange {
    const r: AnsweredRange = { answered: 0, lastAt: 0, answeredBy: 0 };
    for (let i = from; i < to; i++) {
      const at = this.firstReplyAt.get(i);
      if (at === undefined) continue;
      r.answered++;
      r.lastAt = Math.max(r.lastAt, at);
      if (at <= until) r.answeredBy++;
    }
    return r;
  }

  checks(): ReplyChecks {
    return { ...this.counts };
  }
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
