import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import { insertErrorLog, insertErrorLogOnce, listErrorLogs } from '../db/errors-repo.ts';
import { allowRoles, callerOf } from './auth.ts';
import { idempotencyKeyOf, requestFingerprint } from './idempotency.ts';
import { AppError } from '../errors.ts';
import { MAX_ID, errorResponses } from './openapi.ts';
import { READ_ROLES } from './sessions.ts';

// /api/errors: automation workflows (n8n and the like) report their failures here, as the
// seed system's `errors` table was filled; anyone with a token may report, readers read. A report
// sent with an Idempotency-Key is stored once per token and key: a retry gets the first row (200).

const entry = {
  type: 'object',
  required: ['id', 'source', 'message', 'createdAt'],
  properties: {
    id: { type: 'integer' },
    source: { type: 'string' },
    message: { type: 'string' },
    context: { description: 'whatever the reporter sent: workflow, node, execution id, payload...' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

export function errorRoutes(deps: { pool: pg.Pool }): FastifyPluginAsync {
  return async (app) => {
    app.post('/api/errors', {
      schema: {
        tags: ['errors'],
        summary: 'Records a workflow error (any valid token)',
        description:
          'Send an `Idempotency-Key` header (1–200 printable ASCII characters, e.g. a UUID or the workflow\'s execution id) to make a retry safe: ' +
          'the same key from the same token answers 200 with the row stored the first time and stores nothing; the same key with another ' +
          'report is a 422 IDEMPOTENCY_KEY_REUSED. Without the header every request stores a row (201).',
        headers: {
          type: 'object',
          properties: { 'idempotency-key': { type: 'string', description: '1–200 printable ASCII characters; a retry with the same key stores nothing' } },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['source', 'message'],
          properties: {
            // \S: the source is stored trimmed, and a blank one was stored as ""
            source: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S', description: 'the workflow or component, e.g. "n8n:messenger-intake"' },
            message: { type: 'string', minLength: 1, maxLength: 10000 },
            context: { type: 'object', description: 'free-form details (node, execution id, payload...)' },
          },
        },
        response: { 201: entry, 200: { ...entry, description: 'a retry: the row stored the first time under this Idempotency-Key' }, ...errorResponses(400, 401, 422, 429) },
      },
    }, async (req, reply) => {
      const body = req.body as { source: string; message: string; context?: Record<string, unknown> };
      const caller = callerOf(req);
      const key = idempotencyKeyOf(req);
      const report = {
        source: body.source.trim(),
        message: body.message,
        context: { ...(body.context ?? {}), reportedBy: { tokenId: caller.tokenId, userId: caller.userId } },
      };
      if (key === undefined) return reply.status(201).send(await insertErrorLog(deps.pool, report));
      const requestHash = requestFingerprint({ source: report.source, message: report.message, context: body.context ?? null });
      const saved = await insertErrorLogOnce(deps.pool, { ...report, tokenId: caller.tokenId, key, requestHash });
      if (saved.kind === 'mismatch') {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', `this Idempotency-Key was sent before with another report (error ${saved.id}); use a new key for a new report`);
      }
      return reply.status(saved.kind === 'inserted' ? 201 : 200).send(saved.entry);
    });

    app.get('/api/errors', {
      preParsing: allowRoles(READ_ROLES, 'reading workflow errors'),
      schema: {
        tags: ['errors'],
        summary: 'Workflow errors, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            source: { type: 'string', minLength: 1, maxLength: 200 },
            since: { type: 'string', format: 'date-time' },
            before: { type: 'integer', minimum: 1, maximum: MAX_ID, description: 'the `nextBefore` of the previous page' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        },
        response: {
          200: { type: 'object', required: ['errors', 'nextBefore'], properties: { errors: { type: 'array', items: entry }, nextBefore: { type: ['integer', 'null'] } } },
          ...errorResponses(400, 401, 403),
        },
      },
    }, async (req) => {
      const q = req.query as { source?: string; since?: string; before?: number; limit: number };
      const page = await listErrorLogs(deps.pool, {
        limit: q.limit,
        ...(q.source ? { source: q.source } : {}),
        ...(q.since ? { since: new Date(q.since) } : {}),
        ...(q.before ? { beforeId: q.before } : {}),
      });
      return { errors: page.errors, nextBefore: page.nextBeforeId };
    });
  };
}
