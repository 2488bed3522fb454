import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { findJob, listJobs } from '../db/jobs-repo.js';
import { readMetrics } from '../db/metrics-repo.js';
import { auditTokenUse } from '../db/tokens-repo.js';
import { AppError } from '../errors.js';
import { allowRoles, callerOf } from './auth.js';
import { RATE_LIMIT, guardApi } from './guard.js';
import { idParams } from './openapi.js';
import { READ_ROLES } from './sessions.js';

// /api/jobs, /api/metrics and /api/conversations/:id/analysis (readers: admin, lead, qa,
// developer, as every REST read) and /api/jobs/:id/retry (admins, audited), behind the same
// bearer tokens, rate limit, schemas and input checks as the REST API (a 400 names the field;
// unknown query parameters are refused).

export interface AnalysisRouteDeps {
  pool: pg.Pool;
  /** Re-enqueues a failed job; absent when this process runs no queue. */
  retryJob?: (jobId: number) => Promise<boolean>;
  /** requests a minute per verified token (or address); default RATE_LIMIT.max */
  rateLimitMax?: number;
}

const jobsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['pending', 'in_progress', 'completed', 'failed'] },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const;

const idOf = (req: FastifyRequest) => (req.params as { id: number }).id;

export function analysisRoutes(deps: AnalysisRouteDeps): FastifyPluginAsync {
  return async (app) => {
    await guardApi(app, { pool: deps.pool, max: deps.rateLimitMax ?? RATE_LIMIT.max });
    const readers = allowRoles(READ_ROLES, 'reading analysis jobs, metrics and conversation analyses');

    app.get('/api/jobs', { preParsing: readers, schema: { querystring: jobsQuery } }, async (req) => {
      const q = req.query as { status?: 'pending' | 'in_progress' | 'completed' | 'failed'; limit: number };
      const client = await deps.pool.connect();
      try {
        return { jobs: await listJobs(client, q) };
      } finally {
        client.release();
      }
    });

    app.post('/api/jobs/:id/retry', { preParsing: allowRoles(['admin'], 'retrying an analysis job', deps.pool), schema: { params: idParams } }, async (req, reply) => {
      const id = idOf(req);
      if (!deps.retryJob) throw new AppError('DB_NOT_READY', 'the analysis queue is not running in this process');
      const client = await deps.pool.connect();
      let job;
      try {
        job = await findJob(client, id);
      } finally {
        client.release();
      }
      if (!job) throw new AppError('NOT_FOUND', `no job ${id}`);
      if (job.status !== 'failed') throw new AppError('CONFLICT', `job ${id} is ${job.status}; only failed jobs can be retried`);
      // two retries at once both find the job failed; only one puts it back (the other is told so, unaudited)
      if (!(await deps.retryJob(id))) throw new AppError('CONFLICT', `job ${id} was retried by another request meanwhile`);
      await auditTokenUse(deps.pool, callerOf(req), 'job.retry', `job:${id}`);
      return reply.status(202).send({ id, status: 'pending' });
    });

    app.get('/api/conversations/:id/analysis', { preParsing: readers, schema: { params: idParams } }, async (req) => {
      const id = idOf(req);
      const { rows: conv } = await deps.pool.query(
        `SELECT c.id, c.fb_chat_id AS "fbChatId", p.name AS page, c.total_messages AS "totalMessages",
           c.first_message_at AS "firstMessageAt", c.last_message_at AS "lastMessageAt"
         FROM conversations c JOIN pages p ON p.id = c.page_id WHERE c.id = $1`,
        [id],
      );
      if (conv.length === 0) throw new AppError('NOT_FOUND', `no conversation ${id}`);
      const { rows: days } = await deps.pool.query(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, message_count AS "messageCount",
           sentiment_score AS "sentimentScore", sentiment_shift AS "sentimentShift",
           resolution_achieved AS "resolutionAchieved", fcr_score AS "fcrScore", ces,
           first_response_time AS "firstResponseTime", avg_response_time AS "avgResponseTime",
           total_handling_time AS "totalHandlingTime", effectiveness, effort, efficiency, empathy, csi,
           missing_metrics AS "missingMetrics", scorer_name AS "scorerName", scorer_version AS "scorerVersion",
           analyzed_at AS "analyzedAt"
         FROM daily_analyses WHERE conversation_id = $1 ORDER BY day`,
        [id],
      );
      return { conversation: conv[0], days };
    });

    app.get('/api/metrics', { preParsing: readers }, async () => {
      const client = await deps.pool.connect();
      try {
        const metrics = await readMetrics(client);
        return { metrics, calculatedAt: metrics[0]?.calculatedAt ?? null };
      } finally {
        client.release();
      }
    });
  };
}
