import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import { loadScorecard, saveReview, sessionReviews, setScorecard } from '../db/qa-scorecards-repo.ts';
import { findSession } from '../db/sessions-repo.ts';
import { auditTokenUse } from '../db/tokens-repo.ts';
import { REVIEW_ROLES, SCALE_MAX_LIMIT, type Answers, type Scorecard } from '../domain/qa-scorecard.ts';
import { AppError } from '../errors.ts';
import { allowRoles, callerOf } from './auth.ts';
import { errorResponses, FieldError, idParams } from './openapi.ts';
import { READ_ROLES } from './sessions.ts';

// Scorecards over REST (issue 20): the scorecard itself (admins change it) and a session's
// scorecard reviews. The rules and the QA score live in domain/qa-scorecard.ts and the writes in
// db/qa-scorecards-repo.ts; this file maps their outcomes to HTTP.

export interface QaReviewRouteDeps {
  pool: pg.Pool;
  now: () => Date;
}

const KEY = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,39}$' } as const;

const categorySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'label', 'weight', 'scaleMax'],
  properties: {
    key: KEY,
    label: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: ['string', 'null'], maxLength: 1000 },
    weight: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
    scaleMax: { type: 'integer', minimum: 1, maximum: SCALE_MAX_LIMIT, description: 'answers are 0..scaleMax points (1: pass/fail)' },
    allowNa: { type: 'boolean', default: true },
    autofail: { type: 'boolean', default: false, description: 'answered 0, the whole review scores 0' },
  },
} as const;

const scorecardSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['categories', 'rootCauses'],
  properties: {
    categories: { type: 'array', minItems: 1, maxItems: 20, items: categorySchema },
    rootCauses: {
      type: 'array', maxItems: 30,
      items: { type: 'object', additionalProperties: false, required: ['key', 'label'], properties: { key: KEY, label: { type: 'string', minLength: 1, maxLength: 200 } } },
    },
  },
} as const;

const reviewSchema = {
  type: 'object',
  required: ['id', 'sessionId', 'score', 'autofailed', 'rootCauses', 'version', 'answers'],
  properties: {
    id: { type: 'integer' },
    sessionId: { type: 'integer' },
    reviewer: { type: ['object', 'null'], properties: { id: { type: 'integer' }, name: { type: ['string', 'null'] }, slackId: { type: 'string' } } },
    score: { type: ['number', 'null'], description: 'QA score 0–100; null when every category is N/A' },
    autofailed: { type: 'boolean' },
    rootCauses: { type: 'array', items: { type: 'string' } },
    notes: { type: ['string', 'null'] },
    version: { type: 'integer' },
    answers: {
      type: 'array',
      items: {
        type: 'object',
        properties: { key: { type: 'string' }, label: { type: 'string' }, value: { type: ['integer', 'null'] }, scaleMax: { type: 'integer' }, score: { type: ['number', 'null'] } },
      },
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export function qaReviewRoutes(deps: QaReviewRouteDeps): FastifyPluginAsync {
  return async (app) => {
    scorecardRoutes(app, deps);
    reviewRoutes(app, deps);
  };
}

function scorecardRoutes(app: FastifyInstance, deps: QaReviewRouteDeps): void {
  app.get('/api/qa/scorecard', {
    preParsing: allowRoles(READ_ROLES, 'reading the QA scorecard'),
    schema: { tags: ['qa'], summary: 'The active QA scorecard: categories (weights, answer scales, N/A, autofail) and root causes', response: { 200: scorecardSchema, ...errorResponses(401, 403) } },
  }, async () => loadScorecard(deps.pool));

  app.put('/api/qa/scorecard', {
    preParsing: allowRoles(['admin'], 'changing the QA scorecard', deps.pool),
    schema: {
      tags: ['qa'],
      summary: 'Replaces the active QA scorecard (admins)',
      description: 'Categories and root causes are matched by key; those left out become inactive (old reviews keep their answers and scores).',
      body: scorecardSchema,
      response: { 200: scorecardSchema, ...errorResponses(400, 401, 403) },
    },
  }, async (req) => {
    const caller = callerOf(req);
    const result = await setScorecard(deps.pool, req.body as Scorecard, caller, 'api');
    if (!result.ok) {
      if (result.kind === 'forbidden') throw new AppError('FORBIDDEN', result.reason);
      const first = result.problems?.[0];
      throw new FieldError(first?.field ?? 'categories', first?.problem ?? result.reason);
    }
    return result.scorecard;
  });
}

function reviewRoutes(app: FastifyInstance, deps: QaReviewRouteDeps): void {
  app.get('/api/sessions/:id/reviews', {
    preParsing: allowRoles(READ_ROLES, 'reading QA reviews'),
    schema: {
      tags: ['qa'], summary: "A session's scorecard reviews, oldest first", params: idParams,
      response: { 200: { type: 'object', required: ['reviews'], properties: { reviews: { type: 'array', items: reviewSchema } } }, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (req) => {
    const id = (req.params as { id: number }).id;
    if (!(await findSession(deps.pool, id))) throw new AppError('NOT_FOUND', `there is no session ${id}`);
    return { reviews: await sessionReviews(deps.pool, id) };
  });

  app.put('/api/sessions/:id/reviews/mine', {
    preParsing: allowRoles(REVIEW_ROLES, 'scoring sessions', deps.pool),
    schema: {
      tags: ['qa'],
      summary: "Saves the caller's scorecard review of the session",
      description:
        'Every active category needs an answer: 0..scaleMax points, or null (N/A) where allowed. The QA score is the weighted mean of the answered categories ' +
        '(points / scaleMax × 100), N/A left out; an autofail category answered 0 makes it 0. `version` is the version of your review you saw (null: none yet): anything else answers 409.',
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['answers'],
        properties: {
          answers: { type: 'object', maxProperties: 20, additionalProperties: { type: ['integer', 'null'] } },
          rootCauses: { type: 'array', maxItems: 30, items: { type: 'string', maxLength: 40 } },
          notes: { type: 'string', maxLength: 4000 },
          version: { type: ['integer', 'null'], minimum: 0, description: 'the version of your review you saw; null: you saw none (a new review)' },
        },
      },
      response: { 200: { type: 'object', required: ['review', 'created'], properties: { review: reviewSchema, created: { type: 'boolean' } } }, ...errorResponses(400, 401, 403, 404, 409) },
    },
  }, async (req) => {
    const id = (req.params as { id: number }).id;
    const body = req.body as { answers: Answers; rootCauses?: string[]; notes?: string; version?: number | null };
    const caller = callerOf(req);
    const result = await saveReview(deps.pool, {
      sessionId: id, actor: caller, answers: body.answers, source: 'api', at: deps.now(),
      ...(body.rootCauses ? { rootCauses: body.rootCauses } : {}),
      ...(body.notes !== undefined ? { notes: body.notes } : {}),
      ...(body.version !== undefined ? { expectedVersion: body.version } : {}),
    });
    if (!result.ok) {
      if (result.kind === 'invalid') {
        const first = result.problems?.[0];
        const field = !first ? 'answers' : first.field === 'rootCauses' || first.field === 'notes' ? first.field : `answers.${first.field}`;
        throw new FieldError(field, first?.problem ?? result.reason);
      }
      throw new AppError(result.kind === 'not_found' ? 'NOT_FOUND' : result.kind === 'conflict' ? 'CONFLICT' : 'FORBIDDEN', result.reason);
    }
    if (result.changed) await auditTokenUse(deps.pool, caller, 'api.qa.review', `session:${id}`, { reviewId: result.review.id, score: result.review.score });
    return { review: result.review, created: result.created };
  });
}
