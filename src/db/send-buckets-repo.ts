import type pg from 'pg';

// messenger_send_buckets: the Send API's per-page token bucket, shared by every process that
// sends for the page. One statement refills the row by the time elapsed since its last take
// (never more than `burst`) and takes `n` tokens, going into debt when there were too few: the
// caller waits for its reserved tokens (policy.ts tokenWaits). The row lock serialises takers
// of one page across instances; different pages never wait on each other.

export interface BucketTake {
  /** tokens in the bucket after the refill, before this take */
  before: number;
}

export async function takeSendTokens(
  db: pg.Pool | pg.ClientBase,
  t: { pageId: string; n: number; nowMs: number; ratePerS: number; burst: number },
): Promise<BucketTake> {
  // A clock behind the row's (another instance's, slightly skewed) refills nothing; it never
  // takes tokens back, and the row keeps the later time.
  const { rows } = await db.query<{ before: number }>({
    name: 'messenger-take-send-tokens',
    text: `INSERT INTO messenger_send_buckets AS b (page_id, tokens, refilled_ms) VALUES ($1, $4::float8 - $2, $3)
           ON CONFLICT (page_id) DO UPDATE
              SET tokens = LEAST($4::float8, b.tokens + GREATEST(0, $3 - b.refilled_ms) * $5::float8 / 1000) - $2,
                  refilled_ms = GREATEST(b.refilled_ms, $3)
           RETURNING b.tokens + $2 AS before`,
    values: [t.pageId, t.n, Math.round(t.nowMs), t.burst, t.ratePerS],
  });
  return { before: Number(rows[0]!.before) };
}
