import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import { insertErrorLog, listErrorLogs } from '../db/errors-repo.ts';
import { allowRoles, callerOf } from './auth.ts';
import { MAX_ID, errorResponses } from './openapi.ts';
import { READ_ROLES } from './sessions.ts';

// /api/errors: automation workflows (n8n and the like) report their failures here, as the
// seed system's `errors` table was filled; anyone with a token may report, readers read.

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
        response: { 201: entry, ...errorResponses(400, 401, 429) },
      },
    }, async (req, reply) => {
      const body = req.body as { source: string; message: string; context?: Record<string, unknown> };
      const caller = callerOf(req);
      const saved = await insertErrorLog(deps.pool, {
        source: body.source.trim(),
        message: body.message,
        context: { ...(body.context ?? {}), reportedBy: { tokenId: caller.tokenId, userId: caller.userId } },
      });
      return reply.status(201).send(saved);
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
