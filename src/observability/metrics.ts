import client from 'prom-client';

// The process's Prometheus metrics (prom-client). One registry per process: instrumented code
// anywhere (analysis worker, LLM callbacks, Slack workers) updates these module-level series,
// and GET /metrics (./plugin.ts) serves them together with the database-read gauges.

export const registry = new client.Registry();

let defaultsStarted = false;
/** Node's process metrics (CPU, memory, event loop lag, GC, handles), once per process. */
export function collectDefaultMetrics(): void {
  if (defaultsStarted) return;
  defaultsStarted = true;
  client.collectDefaultMetrics({ register: registry, prefix: 'supportpulse_' });
}

export const httpRequestDuration = new client.Histogram({
  name: 'supportpulse_http_request_duration_seconds',
  help: 'HTTP request duration by route pattern, method and status code',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const analysisJobDuration = new client.Histogram({
  name: 'supportpulse_analysis_job_duration_seconds',
  help: 'Duration of analysis jobs (one batch of conversation-days) by outcome',
  labelNames: ['outcome'] as const,
  buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
  registers: [registry],
});

export const llmCalls = new client.Counter({
  name: 'supportpulse_llm_calls_total',
  help: 'Chat model calls by purpose (assistant, scorer, ...), model and outcome (ok, error)',
  labelNames: ['purpose', 'model', 'outcome'] as const,
  registers: [registry],
});

export const llmTokens = new client.Counter({
  name: 'supportpulse_llm_tokens_total',
  help: 'Tokens reported by the LLM provider by purpose, model and kind (prompt, completion)',
  labelNames: ['purpose', 'model', 'kind'] as const,
  registers: [registry],
});

export const slackApiErrors = new client.Counter({
  name: 'supportpulse_slack_api_errors_total',
  help: 'Failed Slack Web API calls by component and Slack error (e.g. channel_not_found, ratelimited, http_500)',
  labelNames: ['component', 'error'] as const,
  registers: [registry],
});

/**
 * Counts a failed Slack call. The error label is Slack's own error string for platform errors,
 * else the client's error kind, so the label set stays small.
 */
export function countSlackError(component: string, err: unknown): void {
  const e = err as { code?: unknown; data?: { error?: unknown }; statusCode?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (!code.startsWith('slack_webapi_') && !code.startsWith('slack_')) return;
  const error =
    code === 'slack_webapi_platform_error' && typeof e.data?.error === 'string'
      ? e.data.error
      : code === 'slack_webapi_http_error' && typeof e.statusCode === 'number'
        ? `http_${e.statusCode}`
        : code.replace(/^slack_webapi_/, '');
  slackApiErrors.inc({ component, error: error.slice(0, 60) });
}
