import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import { settleOpenSessions } from '../db/sessions-rebuild.ts';
import { catalogueSessionStats } from '../db/semantic/session-stats.ts';
import { allowRoles } from './auth.ts';
import { errorResponses } from './openapi.ts';
import { READ_ROLES, periodOfQuery, toFilters } from './sessions.ts';

// /api/stats: session counts by QA state, completion and archive status (soft-deleted ones
// left out), optionally for a period or a page. Counted live: an indexed count over
// sessions takes milliseconds, and the metric cache is only refreshed after analysis runs.
// The counts the metrics catalogue defines go through its compiler (db/semantic/session-stats.ts).

const counts = (keys: readonly string[]) => ({ type: 'object', required: [...keys], properties: Object.fromEntries(keys.map((k) => [k, { type: 'integer' }])) });

export function statsRoutes(deps: { pool: pg.Pool; timezone: string; now: () => Date }): FastifyPluginAsync {
  return async (app) => {
    app.get('/api/stats', {
      preParsing: allowRoles(READ_ROLES, 'reading session counts'),
      schema: {
        tags: ['stats'],
        summary: 'Session counts by QA state, completion and archive status',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            period: { type: 'string', minLength: 1, maxLength: 100, description: 'YYYY-MM-DD..YYYY-MM-DD or words such as "last week"' },
            page: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['total', 'aiEngaged', 'humanHandoff', 'byQaStatus', 'byCompletion', 'byArchive'],
            properties: {
              total: { type: 'integer' },
              aiEngaged: { type: 'integer' },
              humanHandoff: { type: 'integer' },
              byQaStatus: counts(['unchecked', 'passed', 'issue', 'fixed']),
              byCompletion: counts(['complete', 'in_progress', 'incomplete']),
              byArchive: counts(['active', 'archived']),
            },
          },
          ...errorResponses(400, 401, 403),
        },
      },
    }, async (req) => {
      const q = req.query as { period?: string; page?: string };
      const now = deps.now();
      const filters = toFilters(q, now, deps.timezone);
      const period = q.period ? periodOfQuery(q.period, now, deps.timezone) : undefined;
      await settleOpenSessions(deps.pool, now);
      return catalogueSessionStats(deps.pool, { filters, ...(period ? { period: { from: period.from, to: period.to, label: period.label } } : {}) }, deps.timezone);
    });
  };
}
