import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import { auditTokenUse } from '../db/tokens-repo.ts';
import { recentValidationRuns, type StoredRun } from '../db/validation-repo.ts';
import { COMPONENT_WEIGHTS, healthStatus, healthTrend } from '../domain/validation.ts';
import { runValidation, type ValidationDeps } from '../jobs/validation/run.ts';
import { allowRoles, callerOf } from './auth.ts';
import { errorResponses } from './openapi.ts';
import { READ_ROLES } from './sessions.ts';

// /api/validation: the latest system health (with its trend over recent runs) for readers, and
// an on-demand run for admins. Registered inside the bearer-token context of api.ts.

export interface ValidationRouteDeps extends Omit<ValidationDeps, 'pool'> {
  pool: pg.Pool;
}

const TREND_RUNS = 24;

const runSchema = {
  type: 'object',
  required: ['id', 'healthScore', 'status', 'componentScores', 'issues', 'recommendations', 'fixes', 'trigger', 'createdAt'],
  properties: {
    id: { type: 'integer' },
    healthScore: { type: 'number' },
    status: { type: 'string', enum: ['healthy', 'warning', 'critical'] },
    componentScores: { type: 'object', additionalProperties: { type: 'number' } },
    issues: { type: 'array', items: {} },
    recommendations: { type: 'array', items: { type: 'string' } },
    fixes: { type: 'array', items: {} },
    trigger: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const view = (r: StoredRun) => ({ ...r, status: healthStatus(r.healthScore) });

export function validationRoutes(deps: ValidationRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/api/validation/system-health', {
      preParsing: allowRoles(READ_ROLES, 'reading system health'),
      schema: {
        tags: ['validation'],
        summary: 'The latest validation run and the health score trend over recent runs',
        response: {
          200: {
            type: 'object',
            required: ['latest', 'trend', 'weights'],
            properties: {
              latest: { anyOf: [runSchema, { type: 'null' }] },
              trend: {
                type: 'object',
                required: ['direction', 'runs'],
                properties: {
                  direction: { type: 'string', enum: ['up', 'down', 'flat', 'unknown'] },
                  runs: {
                    type: 'array',
                    description: 'oldest first',
                    items: { type: 'object', properties: { id: { type: 'integer' }, healthScore: { type: 'number' }, createdAt: { type: 'string', format: 'date-time' } } },
                  },
                },
              },
              weights: { type: 'object', additionalProperties: { type: 'number' } },
            },
          },
          ...errorResponses(401, 403),
        },
      },
    }, async () => {
      const runs = (await recentValidationRuns(deps.pool, TREND_RUNS)).reverse();
      const latest = runs.at(-1);
      return {
        latest: latest ? view(latest) : null,
        trend: { direction: healthTrend(runs.map((r) => r.healthScore)), runs: runs.map((r) => ({ id: r.id, healthScore: r.healthScore, createdAt: r.createdAt })) },
        weights: COMPONENT_WEIGHTS,
      };
    });

    app.post('/api/validation/run', {
      preParsing: allowRoles(['admin'], 'running a validation', deps.pool),
      schema: {
        tags: ['validation'],
        summary: 'Runs every validation check now (admin); with fix=true applies the safe fixes',
        body: {
          anyOf: [
            { type: 'object', additionalProperties: false, properties: { fix: { type: 'boolean', default: false, description: 're-queue stuck jobs, refresh a stale metric cache' } } },
            { type: 'null' },
          ],
        },
        response: { 201: runSchema, ...errorResponses(400, 401, 403) },
      },
    }, async (req, reply) => {
      const fix = (req.body as { fix?: boolean } | null | undefined)?.fix === true;
      const caller = callerOf(req);
      const result = await runValidation(deps, { fix, trigger: 'api' });
      await auditTokenUse(deps.pool, caller, 'validation.run', `validation_run:${result.run.id}`, { fix, healthScore: result.report.healthScore });
      return reply.status(201).send(view(result.run));
    });
  };
}
