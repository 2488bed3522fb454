// Observability for the service: register `metricsPlugin({ pool })` with the HTTP app; the
// helpers below are what instrumented code calls.
export { metricsPlugin, databaseRegistry, type MetricsPluginOptions } from './plugin.ts';
export { registry, analysisJobDuration, countSlackError, llmCalls, llmTokens, slackApiErrors, httpRequestDuration, collectDefaultMetrics } from './metrics.ts';
export { llmMetrics } from './llm.ts';
