import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import client from 'prom-client';
import { collectDefaultMetrics, httpRequestDuration, registry } from './metrics.ts';

// GET /metrics in Prometheus text format, and the HTTP latency histogram for every route of the
// service. Unauthenticated like /healthz: the service listens on 127.0.0.1 by default, and a
// deployment that exposes it should keep /metrics to its scraper (docs/OPERATIONS.md).
//
// Counts that other parts of the system keep in the database (Meta Send API failures, digest
// deliveries, alert events, the analysis backlog, the health score) are read at scrape time
// with a few cheap indexed queries, cached for `cacheMs`, instead of instrumenting their code.

export interface MetricsPluginOptions {
  /** without a pool only the process and HTTP metrics are served */
  pool?: pg.Pool;
  /** how long one database snapshot serves scrapes (default 5 s) */
  cacheMs?: number;
}

type Counted = { labels: Record<string, string>; n: number }[];

interface Snapshot {
  jobs: Counted;
  queue: Counted;
  metaErrors: Counted;
  digests: Counted;
  alerts: Counted;
  health: number | null;
}

async function rows(pool: pg.Pool, sql: string, labels: string[]): Promise<Counted> {
  try {
    const res = await pool.query<Record<string, string | number>>(sql);
    return res.rows.map((r) => ({ labels: Object.fromEntries(labels.map((l) => [l, String(r[l])])), n: Number(r.n) }));
  } catch (err) {
    // a table another part creates later (pg-boss's schema before the first queue start)
    if ((err as { code?: string }).code === '42P01' || (err as { code?: string }).code === '3F000') return [];
    throw err;
  }
}

async function snapshot(pool: pg.Pool): Promise<Snapshot> {
  const day = `now() - interval '24 hours'`;
  const [jobs, queue, metaErrors, digests, alerts, health] = await Promise.all([
    rows(pool, `SELECT status::text AS status, count(*)::int AS n FROM jobs WHERE status IN ('pending', 'in_progress', 'failed') GROUP BY 1`, ['status']),
    rows(pool, `SELECT name AS queue, state::text AS state, count(*)::int AS n FROM pgboss.job WHERE state IN ('created', 'retry', 'active') GROUP BY 1, 2`, ['queue', 'state']),
    rows(pool, `SELECT coalesce(error_code::text, 'none') AS error_code, count(*)::int AS n FROM messenger_sends WHERE status = 'failed' AND created_at > ${day} GROUP BY 1`, ['error_code']),
    rows(pool, `SELECT channel::text AS channel, status::text AS status, count(*)::int AS n FROM notification_logs
                 WHERE created_at > ${day} AND idempotency_key LIKE 'digest:%' GROUP BY 1, 2`, ['channel', 'status']),
    rows(pool, `SELECT kind, count(*)::int AS n FROM alert_events WHERE fired_at > ${day} GROUP BY 1`, ['kind']),
    pool.query<{ h: number }>(`SELECT health_score AS h FROM validation_runs ORDER BY created_at DESC, id DESC LIMIT 1`),
  ]);
  return { jobs, queue, metaErrors, digests, alerts, health: health.rows[0]?.h ?? null };
}

/** Gauges whose values come from one cached database snapshot per scrape. */
export function databaseRegistry(pool: pg.Pool, cacheMs = 5_000): client.Registry {
  const reg = new client.Registry();
  let cached: { at: number; value: Promise<Snapshot> } | undefined;
  const current = () => {
    if (!cached || Date.now() - cached.at > cacheMs) {
      const value = snapshot(pool);
      cached = { at: Date.now(), value };
      value.catch(() => (cached = undefined));
    }
    return cached.value;
  };
  const gauge = (name: string, help: string, labelNames: string[], pick: (s: Snapshot) => Counted) =>
    new client.Gauge({
      name,
      help,
      labelNames,
      registers: [reg],
      async collect() {
        const s = await current();
        this.reset();
        for (const r of pick(s)) this.set(r.labels, r.n);
      },
    });
  gauge('supportpulse_analysis_jobs', 'Analysis jobs (jobs table) by status: the analysis backlog', ['status'], (s) => {
    const by = new Map(s.jobs.map((r) => [r.labels.status, r.n]));
    return ['pending', 'in_progress', 'failed'].map((status) => ({ labels: { status }, n: by.get(status) ?? 0 }));
  });
  gauge('supportpulse_queue_jobs', 'pg-boss queue messages waiting (created, retry) or active, by queue', ['queue', 'state'], (s) => s.queue);
  gauge('supportpulse_meta_api_errors_24h', 'Messenger Send API failures (messenger_sends failed) in the last 24 h by Graph API error code', ['error_code'], (s) => s.metaErrors);
  gauge('supportpulse_digests_24h', 'Digest deliveries (notification_logs digest:*) in the last 24 h by channel and status', ['channel', 'status'], (s) => s.digests);
  gauge('supportpulse_alert_events_24h', 'Alert events in the last 24 h by kind (fired, recovered)', ['kind'], (s) => s.alerts);
  new client.Gauge({
    name: 'supportpulse_health_score',
    help: 'Health score (0-100) of the latest validation run; absent before the first run',
    registers: [reg],
    async collect() {
      const s = await current();
      this.reset();
      if (s.health !== null) this.set(s.health);
    },
  });
  return reg;
}

/**
 * The /metrics route and the HTTP histogram. Registered without encapsulation (as fastify-plugin
 * would), so its onResponse hook times every route of the service, whichever plugin declares it.
 * Routes are labelled by their pattern (/api/sessions/:id), unknown URLs as "unmatched".
 */
export function metricsPlugin(opts: MetricsPluginOptions = {}): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (app) => {
    collectDefaultMetrics();
    const db = opts.pool ? databaseRegistry(opts.pool, opts.cacheMs) : undefined;
    app.addHook('onResponse', async (req, reply) => {
      httpRequestDuration.observe(
        { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
    app.get('/metrics', { logLevel: 'warn' }, async (_req, reply) => {
      const reg = db ? client.Registry.merge([registry, db]) : registry;
      const text = await reg.metrics();
      return reply.header('content-type', reg.contentType).send(text);
    });
  };
  Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'supportpulse-metrics' });
  return plugin;
}
