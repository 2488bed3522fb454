import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import { createRule, deleteRule, findRule, isUniqueViolation, listEvents, listRules, updateRule, type AlertEvent, type AlertRule, type RulePatch } from '../db/alerts-repo.ts';
import { auditTokenUse } from '../db/tokens-repo.ts';
import { ALERT_METRICS, COMPARISONS, type AlertMetric, type Comparison } from '../domain/alerts.ts';
import { allowRoles, callerOf } from './auth.ts';
import { AppError } from '../errors.ts';
import { FieldError, MAX_ID, errorResponses, idParams } from './openapi.ts';

// /api/alert-rules and /api/alert-events: what /alert does in Slack, for scripts. Admins and
// leads read; admins change (each change audited). Muting is `params.mutedUntil` (ISO time).

export const ALERT_READ_ROLES = ['admin', 'lead'] as const;

export interface AlertRouteDeps {
  pool: pg.Pool;
  /** ALERTS_CHANNEL: a rule created without a channel posts there */
  defaultChannel?: string;
}

const nullable = (type: string, extra: object = {}) => ({ type: [type, 'null'], ...extra });
const CHANNEL = { type: 'string', pattern: '^[CG][A-Z0-9]{2,}$', description: 'Slack channel id' };

const ruleFields = {
  name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
  metric: { type: 'string', enum: [...ALERT_METRICS] },
  comparison: { type: 'string', enum: [...COMPARISONS] },
  threshold: { type: 'number' },
  windowMinutes: { type: 'integer', minimum: 1, maximum: 527040 },
  cooldownMinutes: { type: 'integer', minimum: 0, maximum: 527040 },
  channel: CHANNEL,
  active: { type: 'boolean' },
  // additionalProperties: the response serializer writes only named properties otherwise (params came back as {})
  params: {
    type: 'object',
    additionalProperties: true,
    description: 'csi_drop: { baselineDays }; mutedUntil: ISO time until which nothing is posted',
    // what the evaluator reads: anything else there was stored and silently ignored ("never" muted nothing)
    properties: { baselineDays: { type: 'integer', minimum: 1, maximum: 3650 }, mutedUntil: { type: 'string', format: 'date-time' } },
  },
} as const;

const ruleSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' }, ...ruleFields, state: { type: 'string', enum: ['ok', 'firing'] }, lastValue: nullable('number'),
    lastFiredAt: nullable('string', { format: 'date-time' }), lastEvaluatedAt: nullable('string', { format: 'date-time' }), mutedUntil: nullable('string', { format: 'date-time' }),
  },
} as const;

const eventSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' }, ruleId: { type: 'integer' }, ruleName: { type: 'string' }, kind: { type: 'string', enum: ['fired', 'recovered'] }, value: { type: 'number' },
    message: { type: 'string' }, delivered: { type: 'boolean' }, sessionIds: { type: 'array', items: { type: 'integer' } }, slackTs: nullable('string'),
    firedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const ruleJson = (r: AlertRule) => ({
  id: r.id, name: r.name, metric: r.metric, comparison: r.comparison, threshold: r.threshold, windowMinutes: r.windowMinutes, cooldownMinutes: r.cooldownMinutes,
  channel: r.channel, active: r.active, params: r.params, state: r.state, lastValue: r.lastValue, lastFiredAt: iso(r.lastFiredAt), lastEvaluatedAt: iso(r.lastEvaluatedAt),
  mutedUntil: iso(r.mutedUntil),
});
const eventJson = (e: AlertEvent) => ({
  id: e.id, ruleId: e.ruleId, ruleName: e.ruleName, kind: e.kind, value: e.value, message: e.message, delivered: e.delivered, sessionIds: e.sessionIds, slackTs: e.slackTs,
  firedAt: e.firedAt.toISOString(),
});

export function alertRoutes(deps: AlertRouteDeps): FastifyPluginAsync {
  return async (app) => {
    const admin = allowRoles(['admin'], 'changing alert rules', deps.pool);
    const readers = allowRoles(ALERT_READ_ROLES, 'reading alerts');
    const notFound = (id: number) => new AppError('NOT_FOUND', `there is no alert rule ${id}`);

    app.get('/api/alert-rules', {
      preParsing: readers,
      schema: { tags: ['alerts'], summary: 'Alert rules, by name', response: { 200: { type: 'object', properties: { rules: { type: 'array', items: ruleSchema } } }, ...errorResponses(401, 403, 429) } },
    }, async () => ({ rules: (await listRules(deps.pool)).map(ruleJson) }));

    app.post('/api/alert-rules', {
      preParsing: admin,
      schema: {
        tags: ['alerts'],
        summary: 'Creates a rule (admin)',
        body: { type: 'object', additionalProperties: false, required: ['name', 'metric', 'comparison', 'threshold'], properties: ruleFields },
        response: { 201: ruleSchema, ...errorResponses(400, 401, 403, 409, 429) },
      },
    }, async (req, reply) => {
      const b = req.body as { name: string; metric: AlertMetric; comparison: Comparison; threshold: number; windowMinutes?: number; cooldownMinutes?: number; channel?: string; active?: boolean; params?: Record<string, unknown> };
      const channel = b.channel ?? deps.defaultChannel;
      if (!channel) throw new FieldError('channel', 'is required (no ALERTS_CHANNEL is set)');
      const rule = await createRule(deps.pool, {
        name: b.name, metric: b.metric, comparison: b.comparison, threshold: b.threshold, windowMinutes: b.windowMinutes ?? 60, cooldownMinutes: b.cooldownMinutes ?? 60, channel,
        ...(b.params ? { params: b.params } : {}), ...(b.active !== undefined ? { active: b.active } : {}),
      });
      if (!rule) throw new AppError('CONFLICT', `a rule named "${b.name}" exists already`);
      await auditTokenUse(deps.pool, callerOf(req), 'alert_rule.create', `alert_rule:${rule.id}`, { name: rule.name });
      return reply.status(201).send(ruleJson(rule));
    });

    app.patch('/api/alert-rules/:id', {
      preParsing: admin,
      schema: {
        tags: ['alerts'],
        summary: 'Changes a rule (admin)',
        params: idParams,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: ruleFields },
        response: { 200: ruleSchema, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    }, async (req) => {
      const { id } = req.params as { id: number };
      try {
        const result = await updateRule(deps.pool, id, req.body as RulePatch);
        if (!result) throw notFound(id);
        // the same patch again (a retry) changes nothing: the rule as it is, no second audit row
        if (result.changed) await auditTokenUse(deps.pool, callerOf(req), 'alert_rule.update', `alert_rule:${id}`, { changes: req.body });
        return ruleJson(result.rule);
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'another rule has that name');
        throw err;
      }
    });

    app.delete('/api/alert-rules/:id', {
      preParsing: admin,
      schema: { tags: ['alerts'], summary: 'Deletes a rule and its events (admin)', params: idParams, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404, 429) } },
    }, async (req, reply) => {
      const { id } = req.params as { id: number };
      const rule = await findRule(deps.pool, { id });
      if (!rule || !(await deleteRule(deps.pool, { id }))) throw notFound(id);
      await auditTokenUse(deps.pool, callerOf(req), 'alert_rule.delete', `alert_rule:${id}`, { name: rule.name });
      return reply.status(204).send();
    });

    app.get('/api/alert-events', {
      preParsing: readers,
      schema: {
        tags: ['alerts'],
        summary: 'Firings and recoveries, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ruleId: { type: 'integer', minimum: 1, maximum: MAX_ID },
            since: { type: 'string', format: 'date-time' },
            beforeId: { type: 'integer', minimum: 1, maximum: MAX_ID, description: 'the last id of the previous page' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          },
        },
        response: { 200: { type: 'object', properties: { events: { type: 'array', items: eventSchema }, nextBeforeId: nullable('integer') } }, ...errorResponses(400, 401, 403, 429) },
      },
    }, async (req) => {
      const f = req.query as { ruleId?: number; since?: string; beforeId?: number; limit: number };
      const events = await listEvents(deps.pool, { limit: f.limit, ...(f.ruleId ? { ruleId: f.ruleId } : {}), ...(f.since ? { since: new Date(f.since) } : {}), ...(f.beforeId ? { beforeId: f.beforeId } : {}) });
      return { events: events.map(eventJson), nextBeforeId: events.length === f.limit ? events.at(-1)!.id : null };
    });
  };
}
