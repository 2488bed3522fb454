import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HumanMessage } from '@langchain/core/messages';
import { WebClient } from '@slack/web-api';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatModel } from '../src/agents/assistant/open.ts';
import { build } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startQueue } from '../src/jobs/queue.ts';
import { createLogger } from '../src/logger.ts';
import { countSlackError, metricsPlugin } from '../src/observability/index.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { reply, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.ts';

// GET /metrics after real traffic: Prometheus text with the HTTP histogram by route pattern,
// process metrics, the analysis backlog and pg-boss queue, LLM calls and tokens (through the
// real ChatOpenAI against a local fake), Slack API errors (a real WebClient error), and the
// database-read counts of Meta Send API errors, digests, alert events and the health score.

let db: TestDatabase;
let app: FastifyInstance;
let openai: FakeOpenAI;
let slackServer: Server;

const scrape = async () => {
  const res = await app.inject({ url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
};
/** the sample line of a series, e.g. value('supportpulse_analysis_jobs{status="pending"}') */
const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

beforeAll(async () => {
  db = await createTestDatabase('metrics');
  openai = await startFakeOpenAI();
  slackServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, error: 'channel_not_found' }));
  });
  await new Promise<void>((r) => slackServer.listen(0, '127.0.0.1', r));

  const boss = await startQueue(db.url, { maxAttempts: 2, jobTimeoutSeconds: 300 });
  await boss.send('analysis', { jobId: 1 });
  await boss.stop({ graceful: false, wait: true });
  await db.pool.query(`INSERT INTO jobs (status) VALUES ('pending'), ('pending'), ('failed')`);
  await db.pool.query(
    `INSERT INTO messenger_sends (idempotency_key, page_id, psid, sender, messaging_type, payload, status, error_code, created_at) VALUES
       ('s1', 'P', 'U', 'bot', 'RESPONSE', '{}', 'failed', 10, now()),
       ('s2', 'P', 'U', 'bot', 'RESPONSE', '{}', 'failed', 10, now()),
       ('s3', 'P', 'U', 'bot', 'RESPONSE', '{}', 'failed', 190, now() - interval '2 days'),
       ('s4', 'P', 'U', 'bot', 'RESPONSE', '{}', 'sent', NULL, now())`,
  );
  await db.pool.query(
    `INSERT INTO notification_logs (channel, recipient, status, idempotency_key) VALUES
       ('slack', 'C1', 'sent', 'digest:1:2026-12-01'), ('email', 'a@b.c', 'failed', 'digest:1:2026-12-01:email'), ('slack', 'C1', 'sent', 'qa:5:slack')`,
  );
  const rule = await db.pool.query<{ id: number }>(`INSERT INTO alert_rules (name, metric, comparison, threshold, channel) VALUES ('csi', 'csi_drop', 'gte', 5, 'C1') RETURNING id`);
  await db.pool.query(`INSERT INTO alert_events (rule_id, value, message, kind) VALUES ($1, 7, 'drop', 'fired'), ($1, 1, 'ok', 'recovered')`, [rule.rows[0]!.id]);
  await db.pool.query(`INSERT INTO validation_runs (health_score, component_scores, issues, recommendations) VALUES (87.5, '{}', '[]', '[]')`);

  app = await build({
    prisma: db.prisma,
    logger: createLogger('silent'),
    pool: db.pool,
    // registered after the API on purpose: its hook still times routes declared before it
    plugins: [apiRoutes({ pool: db.pool, timezone: 'UTC', rateLimit: { max: 10_000 } }), metricsPlugin({ pool: db.pool, cacheMs: 0 })],
  });
});

afterAll(async () => {
  await app?.close();
  await openai?.close();
  await new Promise((r) => slackServer?.close(r));
  await db?.drop();
});

describe('GET /metrics', () => {
  it('serves the HTTP latency histogram by route pattern, method and status, and process metrics', async () => {
    for (let i = 0; i < 3; i++) expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/sessions/12' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/no/such/page' })).statusCode).toBe(404);
    const text = await scrape();
    expect(text).toContain('# TYPE supportpulse_http_request_duration_seconds histogram');
    expect(value(text, 'supportpulse_http_request_duration_seconds_count{method="GET",route="/healthz",status_code="200"}')).toBe(3);
    expect(value(text, 'supportpulse_http_request_duration_seconds_count{method="GET",route="/api/sessions/:id",status_code="401"}')).toBe(1);
    expect(value(text, 'supportpulse_http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}')).toBe(1);
    expect(text).toMatch(/^supportpulse_process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^supportpulse_nodejs_eventloop_lag_seconds /m);
    // every sample line is well-formed exposition text (prom-client writes NaN as "Nan", which
    // Prometheus reads: its float parsing ignores case)
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|nan|[+-]inf)$/i);
    }
  });

  it('reads the analysis backlog, the pg-boss queue, Meta errors, digests, alerts and the health score from the database', async () => {
    const text = await scrape();
    expect(value(text, 'supportpulse_analysis_jobs{status="pending"}')).toBe(2);
    expect(value(text, 'supportpulse_analysis_jobs{status="in_progress"}')).toBe(0);
    expect(value(text, 'supportpulse_analysis_jobs{status="failed"}')).toBe(1);
    expect(value(text, 'supportpulse_queue_jobs{queue="analysis",state="created"}')).toBe(1);
    // only the last 24 hours, by Graph API error code
    expect(value(text, 'supportpulse_meta_api_errors_24h{error_code="10"}')).toBe(2);
    expect(value(text, 'supportpulse_meta_api_errors_24h{error_code="190"}')).toBeUndefined();
    expect(value(text, 'supportpulse_digests_24h{channel="slack",status="sent"}')).toBe(1);
    expect(value(text, 'supportpulse_digests_24h{channel="email",status="failed"}')).toBe(1);
    expect(value(text, 'supportpulse_alert_events_24h{kind="fired"}')).toBe(1);
    expect(value(text, 'supportpulse_alert_events_24h{kind="recovered"}')).toBe(1);
    expect(value(text, 'supportpulse_health_score')).toBe(87.5);
    expect(text).toContain('# TYPE supportpulse_analysis_job_duration_seconds histogram');

    await db.pool.query(`UPDATE jobs SET status = 'in_progress' WHERE status = 'pending'`);
    const after = await scrape();
    expect(value(after, 'supportpulse_analysis_jobs{status="pending"}')).toBe(0);
    expect(value(after, 'supportpulse_analysis_jobs{status="in_progress"}')).toBe(2);
  });

  it('counts LLM calls and the tokens the provider reports, through the assistant model', async () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: openai.baseUrl, LLM_MODEL: 'gpt-test' });
    const model = await chatModel(config, { timeZone: 'UTC', now: () => new Date() });
    openai.enqueue(reply.content('CSI was 81.', { prompt_tokens: 120, completion_tokens: 7 }));
    await model.invoke([new HumanMessage('What was CSI last week?')]);
    openai.enqueue(reply.serverError(400));
    await expect(model.invoke([new HumanMessage('again')])).rejects.toThrow();
    const text = await scrape();
    expect(value(text, 'supportpulse_llm_calls_total{purpose="assistant",model="gpt-test",outcome="ok"}')).toBe(1);
    expect(value(text, 'supportpulse_llm_calls_total{purpose="assistant",model="gpt-test",outcome="error"}')).toBe(1);
    expect(value(text, 'supportpulse_llm_tokens_total{purpose="assistant",model="gpt-test",kind="prompt"}')).toBe(120);
    expect(value(text, 'supportpulse_llm_tokens_total{purpose="assistant",model="gpt-test",kind="completion"}')).toBe(7);
  });

  it('counts Slack API errors by Slack error string', async () => {
    const slack = new WebClient('xoxb-test', { slackApiUrl: `http://127.0.0.1:${(slackServer.address() as AddressInfo).port}/api/`, retryConfig: { retries: 0 } });
    const err = await slack.chat.postMessage({ channel: 'C404', text: 'hi' }).catch((e: unknown) => e);
    countSlackError('notify', err);
    countSlackError('notify', new Error('not a Slack error'));
    const text = await scrape();
    expect(value(text, 'supportpulse_slack_api_errors_total{component="notify",error="channel_not_found"}')).toBe(1);
    expect(text.match(/^supportpulse_slack_api_errors_total\{/gm)).toHaveLength(1);
  });
});
