// Which LLM call failures are worth another attempt, and how long to wait before it.
// LangChain's and the OpenAI SDK's own retries are switched off by the scorer so that this is
// the only retry loop: it honours Retry-After and caps the total wait, which theirs do not
// do together.

export interface RetryPolicy {
  /** attempts after the first */
  maxRetries: number;
  /** first back-off; doubles per attempt */
  backoffMs: number;
  /** total time one batch may spend waiting between attempts */
  maxTotalWaitMs: number;
}

export interface CallFailure {
  retryable: boolean;
  reason: string;
  /** what the server asked for (Retry-After / retry-after-ms), if anything */
  retryAfterMs?: number;
}

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  status?: unknown;
  headers?: { get?: (name: string) => string | null | undefined };
}

function retryAfterMs(headers: ErrorShape['headers'], nowMs: number): number | undefined {
  const get = (n: string) => (typeof headers?.get === 'function' ? headers.get(n) : undefined) ?? undefined;
  const ms = get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const after = get('retry-after');
  if (!after) return undefined;
  if (Number.isFinite(Number(after))) return Math.max(0, Number(after) * 1000);
  const date = Date.parse(after); // the HTTP-date form
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export function classifyFailure(err: unknown, nowMs: number): CallFailure {
  const e = (err && typeof err === 'object' ? err : {}) as ErrorShape;
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  const status = typeof e.status === 'number' ? e.status : undefined;
  // A 429 for an exhausted quota or billing problem will not clear up by waiting.
  if (status === 429 && e.code === 'insufficient_quota') return { retryable: false, reason: 'insufficient_quota' };
  if (status === 429) return { retryable: true, reason: 'rate_limited', retryAfterMs: retryAfterMs(e.headers, nowMs) };
  if (status !== undefined && (status >= 500 || status === 408 || status === 409)) {
    return { retryable: true, reason: `http_${status}`, retryAfterMs: retryAfterMs(e.headers, nowMs) };
  }
  // @langchain/openai renames the SDK's APIConnectionTimeoutError to TimeoutError.
  if (name === 'TimeoutError' || name === 'APIConnectionTimeoutError' || /timed? ?out/i.test(message)) return { retryable: true, reason: 'timeout' };
  if (name === 'APIConnectionError') return { retryable: true, reason: 'connection' };
  // Malformed JSON, a reply cut at the token limit, 4xx: the same request would fail again.
  if (name === 'SyntaxError') return { retryable: false, reason: 'malformed_output' };
  if (/length limit/i.test(message)) return { retryable: false, reason: 'output_truncated' };
  return { retryable: false, reason: status !== undefined ? `http_${status}` : name || 'error' };
}

/**
 * The wait before attempt `attempt` (1-based retry number), or null to give up. The server's
 * Retry-After wins over the back-off; ±25% jitter keeps parallel batches from retrying in step.
 */
export function nextDelayMs(policy: RetryPolicy, attempt: number, failure: CallFailure, waitedMs: number, random: () => number): number | null {
  if (!failure.retryable || attempt > policy.maxRetries) return null;
  const backoff = policy.backoffMs * 2 ** (attempt - 1) * (0.75 + 0.5 * random());
  const delay = Math.round(failure.retryAfterMs ?? backoff);
  return waitedMs + delay > policy.maxTotalWaitMs ? null : delay;
}
