import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import type { AfterQaChange } from '../db/qa-repo.ts';
import { alertRoutes } from './alerts.ts';
import { bearerAuth, bearerToken } from './auth.ts';
import { errorRoutes } from './errors.ts';
import { FieldError, registerOpenApi, validationProblems } from './openapi.ts';
import { sessionRoutes } from './sessions.ts';
import { statsRoutes } from './stats.ts';
import { validationRoutes, type ValidationRouteDeps } from './validation.ts';

// The token-protected REST API (issue 6, part 7) as one plugin: OpenAPI at /docs, rate
// limits, field-level 400s, the bearer hook, then the routes. Encapsulated, so none of this
// touches the service's other routes (/api/uploads, /api/jobs, /api/metrics, channels).

export interface ApiDeps {
  pool: pg.Pool;
  /** BUSINESS_TIMEZONE: periods such as "last week" are days there */
  timezone: string;
  now?: () => Date;
  /** runs inside each QA change's transaction (queues the QA notifications) */
  afterQaChange?: AfterQaChange;
  /** requests a minute per token (or address): general, and for the heavy export */
  rateLimit?: { max?: number; exportMax?: number };
  version?: string;
  /** /api/validation (system health, on-demand runs); without it those routes are absent */
  validation?: Omit<ValidationRouteDeps, 'pool'>;
  /** ALERTS_CHANNEL: where rules created through /api/alert-rules without a channel post */
  alertsChannel?: string;
}

/** The seed system's limits: 100 requests a minute, 10 for heavy endpoints. */
export const RATE_LIMIT = { max: 100, exportMax: 10 } as const;

/** Rate-limit key: the token (hashed, so keys in memory are not credentials), else the address. */
const rateKey = (req: Parameters<typeof bearerToken>[0]): string => {
  const token = bearerToken(req);
  return token ? `t:${createHash('sha256').update(token).digest('hex').slice(0, 32)}` : `ip:${req.ip}`;
};

export function apiRoutes(deps: ApiDeps): FastifyPluginAsync {
  const now = deps.now ?? (() => new Date());
  const max = deps.rateLimit?.max ?? RATE_LIMIT.max;
  const exportMax = deps.rateLimit?.exportMax ?? RATE_LIMIT.exportMax;
  return async (app) => {
    await registerOpenApi(app, { version: deps.version ?? '1.0.0' });
    await app.register(rateLimit, {
      max,
      timeWindow: '1 minute',
      keyGenerator: rateKey,
      errorResponseBuilder: (_req, ctx) =>
        Object.assign(new Error(`rate limit exceeded (${ctx.max} requests a minute); retry in ${ctx.after}`), { statusCode: ctx.statusCode, code: 'RATE_LIMITED' }),
    });

    // Fastify's validator drops unknown properties silently; here they are 400s, so a mistyped
    // filter (?qastatus=passed) is not taken for "no filter".
    const ajv = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
    addFormats.default(ajv);
    app.setValidatorCompiler(({ schema }) => ajv.compile(schema));

    // Field-level 400s; everything else goes on to the service's error handler.
    app.setErrorHandler((err: FastifyError, req, reply) => {
      if (err.validation) {
        const fields = validationProblems(err);
        return reply.status(400).send({ error: 'BAD_REQUEST', message: fields.map((f) => `${f.field} ${f.problem}`).join('; '), fields, requestId: req.id });
      }
      if (err instanceof FieldError) {
        return reply.status(400).send({ error: 'BAD_REQUEST', message: err.message, fields: [{ field: err.field, problem: err.problem }], requestId: req.id });
      }
      throw err;
    });

    await app.register(async (api) => {
      // preValidation: after the rate limit (a route-level onRequest hook, which runs after
      // instance hooks) so unauthenticated floods are limited too; before validation so that
      // a request without a token is told 401, not 400.
      api.addHook('preValidation', bearerAuth(deps.pool));
      await api.register(sessionRoutes({ pool: deps.pool, timezone: deps.timezone, now, afterQaChange: deps.afterQaChange, exportMax }));
      await api.register(errorRoutes({ pool: deps.pool }));
      await api.register(statsRoutes({ pool: deps.pool, timezone: deps.timezone, now }));
      if (deps.validation) await api.register(validationRoutes({ ...deps.validation, pool: deps.pool }));
      await api.register(alertRoutes({ pool: deps.pool, ...(deps.alertsChannel ? { defaultChannel: deps.alertsChannel } : {}) }));
    });
  };
}
