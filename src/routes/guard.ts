import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyInstance, preValidationAsyncHookHandler } from 'fastify';
import type pg from 'pg';
import type { ErrorCode } from '../errors.ts';
import { useApiSchemas } from './api-schemas.ts';
import { identifyCaller, rateLimitKey, requireCaller } from './auth.ts';
import { inputProblem } from './input-check.ts';
import { sendError } from './send-error.ts';

// What every /api route group registers in its own plugin context, in this order: who is calling
// (onRequest), the rate limit keyed by that (a route-level onRequest hook, so it runs after the
// instance's), 401 without a valid token before the body is read (each route's allowRoles follows,
// 403), then the edge checks on input (400 naming the field).

/** The seed system's limits: 100 requests a minute, 10 for heavy endpoints. */
export const RATE_LIMIT = { max: 100, exportMax: 10 } as const;

/** @fastify/rate-limit's options: `max` requests a minute per token, or per address before a token is verified. */
export function rateLimitOptions(max: number): RateLimitPluginOptions {
  return {
    max,
    timeWindow: '1 minute',
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_req, ctx) =>
      Object.assign(new Error(`rate limit exceeded (${ctx.max} requests a minute); retry in ${ctx.after}`), { statusCode: ctx.statusCode, code: 'RATE_LIMITED' satisfies ErrorCode }),
  };
}

/** 400 for a NUL character anywhere in the query, path parameters or body, or a body nested too deep. */
export const checkInput: preValidationAsyncHookHandler = async (req, reply) => {
  for (const [part, value] of [['query', req.query], ['params', req.params], ['body', req.body]] as const) {
    const problem = inputProblem(value, part);
    if (problem) return sendError(req, reply, 'BAD_REQUEST', `${problem.field} ${problem.problem}`, { fields: [problem] });
  }
};

/** Token, rate limit, schemas and input checks for every route registered after this in `app`'s context. */
export async function guardApi(app: FastifyInstance, opts: { pool: pg.Pool; max: number }): Promise<void> {
  useApiSchemas(app);
  app.addHook('onRequest', identifyCaller(opts.pool));
  await app.register(rateLimit, rateLimitOptions(opts.max));
  app.addHook('preParsing', requireCaller);
  app.addHook('preValidation', checkInput);
}
