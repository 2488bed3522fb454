import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import { listDisputes, openDispute, resolveDispute, type AfterDispute, type QaDisputeDto, type ResolveDisputeResult } from '../db/qa-disputes-repo.ts';
import { auditTokenUse } from '../db/tokens-repo.ts';
import { DISPUTE_STATUSES, REASON_MAX, RESOLVER_ROLES, type DisputeStatus } from '../domain/qa-dispute.ts';
import type { Answers } from '../domain/qa-scorecard.ts';
import { AppError } from '../errors.ts';
import { allowRoles, callerOf } from './auth.ts';
import { errorResponses, FieldError, MAX_ID, idParams } from './openapi.ts';
import { READ_ROLES } from './sessions.ts';

// Disputes of scorecard reviews over REST (issue 20): raise one on a session's review, list them,
// and (team leads, admins) accept one with the corrected answers or reject it with a reason.

export interface QaDisputeRouteDeps {
  pool: pg.Pool;
  now: () => Date;
  /** runs in each dispute step's transaction (queues the dispute notifications) */
  afterDispute?: AfterDispute;
}

const person = { type: ['object', 'null'], properties: { id: { type: 'integer' }, name: { type: ['string', 'null'] }, slackId: { type: 'string' } } } as const;

const disputeSchema = {
  type: 'object',
  required: ['id', 'reviewId', 'sessionId', 'status', 'reason', 'version'],
  properties: {
    id: { type: 'integer' }, reviewId: { type: 'integer' }, sessionId: { type: 'integer' }, status: { type: 'string', enum: [...DISPUTE_STATUSES] },
    reason: { type: 'string' }, raisedBy: person, resolvedBy: person, resolution: { type: ['string', 'null'] },
    resolvedAt: { type: ['string', 'null'], format: 'date-time' }, createdAt: { type: 'string', format: 'date-time' }, version: { type: 'integer' },
    review: { type: 'object', properties: { score: { type: ['number', 'null'] }, autofailed: { type: 'boolean' }, reviewer: { type: ['string', 'null'] }, reviewerSlackId: { type: 'string' } } },
  },
} as const;

/** Who may raise a dispute; the repository also checks an agent replied in the session. */
const RAISER_ROLES = ['developer', 'agent', 'admin'] as const;

function refused(result: { kind: string; reason: string; problems?: { field: string; problem: string }[] }, textField: string): never {
  switch (result.kind) {
    case 'not_found':
      throw new AppError('NOT_FOUND', result.reason);
    case 'conflict':
      throw new AppError('CONFLICT', result.reason);
    case 'forbidden':
      throw new AppError('FORBIDDEN', result.reason);
    case 'invalid': {
      const first = result.problems?.[0];
      const field = !first ? 'answers' : first.field === 'rootCauses' || first.field === 'answers' ? first.field : `answers.${first.field}`;
      throw new FieldError(field, first?.problem ?? result.reason);
    }
    default:
      throw new FieldError(textField, result.reason);
  }
}

export function qaDisputeRoutes(deps: QaDisputeRouteDeps): FastifyPluginAsync {
  return async (app) => {
    raiseAndList(app, deps);
    settle(app, deps);
  };
}

function raiseAndList(app: FastifyInstance, deps: QaDisputeRouteDeps): void {
  app.post('/api/sessions/:id/disputes', {
    preParsing: allowRoles(RAISER_ROLES, 'disputing reviews', deps.pool),
    schema: {
      tags: ['qa'],
      summary: "Disputes a scorecard review of the session (developers, admins, the agent who replied in it)",
      description: 'Without `reviewId`, the session\'s most recently changed review. One open dispute per review: a second answers 409.',
      params: idParams,
      body: {
        type: 'object', additionalProperties: false, required: ['reason'],
        properties: { reason: { type: 'string', minLength: 1, maxLength: REASON_MAX }, reviewId: { type: 'integer', minimum: 1, maximum: MAX_ID } },
      },
      response: { 201: disputeSchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
  }, async (req, reply) => {
    const id = (req.params as { id: number }).id;
    const body = req.body as { reason: string; reviewId?: number };
    const caller = callerOf(req);
    const result = await openDispute(deps.pool, { sessionId: id, ...(body.reviewId ? { reviewId: body.reviewId } : {}), actor: caller, reason: body.reason, source: 'api', at: deps.now() }, deps.afterDispute);
    if (!result.ok) refused(result, 'reason');
    await auditTokenUse(deps.pool, caller, 'api.qa.dispute', `session:${id}`, { disputeId: result.dispute.id });
    return reply.status(201).send(result.dispute);
  });

  app.get('/api/qa/disputes', {
    preParsing: allowRoles(READ_ROLES, 'reading disputes'),
    schema: {
      tags: ['qa'], summary: 'Disputes, newest first',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { status: { type: 'string', enum: [...DISPUTE_STATUSES] }, session: { type: 'integer', minimum: 1, maximum: MAX_ID }, limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
      },
      response: { 200: { type: 'object', required: ['disputes'], properties: { disputes: { type: 'array', items: disputeSchema } } }, ...errorResponses(400, 401, 403) },
    },
  }, async (req) => {
    const q = req.query as { status?: DisputeStatus; session?: number; limit: number };
    const disputes: QaDisputeDto[] = await listDisputes(deps.pool, { ...(q.status ? { status: q.status } : {}), ...(q.session ? { sessionId: q.session } : {}), limit: q.limit });
    return { disputes };
  });
}

function settle(app: FastifyInstance, deps: QaDisputeRouteDeps): void {
  const answer = async (req: Parameters<typeof callerOf>[0], result: ResolveDisputeResult, textField: string) => {
    if (!result.ok) refused(result, textField);
    await auditTokenUse(deps.pool, callerOf(req), `api.qa.dispute.${result.dispute.status}`, `session:${result.dispute.sessionId}`, { disputeId: result.dispute.id });
    return { dispute: result.dispute, review: { id: result.review.id, score: result.review.score, autofailed: result.review.autofailed, version: result.review.version } };
  };
  const response = {
    200: { type: 'object', required: ['dispute', 'review'], properties: { dispute: disputeSchema, review: { type: 'object', properties: { id: { type: 'integer' }, score: { type: ['number', 'null'] }, autofailed: { type: 'boolean' }, version: { type: 'integer' } } } } },
    ...errorResponses(400, 401, 403, 404, 409),
  };

  app.post('/api/qa/disputes/:id/accept', {
    preParsing: allowRoles(RESOLVER_ROLES, 'settling disputes', deps.pool),
    schema: {
      tags: ['qa'],
      summary: "Accepts a dispute (team leads, admins): the review is rescored with the corrected answers and the change recorded in the session's QA trail",
      params: idParams,
      body: {
        type: 'object', additionalProperties: false, required: ['answers'],
        properties: {
          answers: { type: 'object', maxProperties: 20, additionalProperties: { type: ['integer', 'null'] } },
          rootCauses: { type: 'array', maxItems: 30, items: { type: 'string', maxLength: 40 } },
          note: { type: 'string', maxLength: REASON_MAX },
          version: { type: 'integer', minimum: 0, description: "the dispute's version you saw" },
        },
      },
      response,
    },
  }, async (req) => {
    const body = req.body as { answers: Answers; rootCauses?: string[]; note?: string; version?: number };
    const result = await resolveDispute(deps.pool, {
      disputeId: (req.params as { id: number }).id, actor: callerOf(req), accept: true, answers: body.answers, source: 'api', at: deps.now(),
      ...(body.rootCauses ? { rootCauses: body.rootCauses } : {}), ...(body.note !== undefined ? { note: body.note } : {}),
      ...(body.version !== undefined ? { expectedVersion: body.version } : {}),
    }, deps.afterDispute);
    return answer(req, result, 'note');
  });

  app.post('/api/qa/disputes/:id/reject', {
    preParsing: allowRoles(RESOLVER_ROLES, 'settling disputes', deps.pool),
    schema: {
      tags: ['qa'], summary: 'Rejects a dispute with a reason (team leads, admins): the review stands', params: idParams,
      body: {
        type: 'object', additionalProperties: false, required: ['note'],
        properties: { note: { type: 'string', minLength: 1, maxLength: REASON_MAX }, version: { type: 'integer', minimum: 0 } },
      },
      response,
    },
  }, async (req) => {
    const body = req.body as { note: string; version?: number };
    const result = await resolveDispute(deps.pool, {
      disputeId: (req.params as { id: number }).id, actor: callerOf(req), accept: false, note: body.note, source: 'api', at: deps.now(),
      ...(body.version !== undefined ? { expectedVersion: body.version } : {}),
    }, deps.afterDispute);
    return answer(req, result, 'note');
  });
}
