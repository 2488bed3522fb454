import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import type { AfterQaChange } from '../db/qa-repo.ts';
import type { AfterDispute } from '../db/qa-disputes-repo.ts';
import { alertRoutes } from './alerts.ts';
import { identifyCaller, requireCaller } from './auth.ts';
import { errorRoutes } from './errors.ts';
import { INGEST_DEFAULTS, ingestRoutes } from './ingest.ts';
import { RATE_LIMIT, checkInput, rateLimitOptions } from './guard.ts';
import { useApiSchemas } from './api-schemas.ts';
import { registerOpenApi } from './openapi.ts';
import { sessionRoutes } from './sessions.ts';
import { conversationExportRoutes } from './conversation-export.ts';
import { qaReviewRoutes } from './qa-reviews.ts';
import { qaDisputeRoutes } from './qa-disputes.ts';
import { statsRoutes } from './stats.ts';
import { validationRoutes, type ValidationRouteDeps } from './validation.ts';

// The token-protected REST API (issue 6, part 7) as one plugin: OpenAPI at /docs, rate
// limits, field-level 400s, the bearer hook, then the routes. Encapsulated, so none of this
// touches the service's other routes (channels; /api/uploads and the analysis routes guard
// themselves the same way, see guard.ts).

export interface ApiDeps {
  pool: pg.Pool;
  /** BUSINESS_TIMEZONE: periods such as "last week" are days there */
  timezone: string;
  now?: () => Date;
  /** runs inside each QA change's transaction (queues the QA notifications) */
  afterQaChange?: AfterQaChange;
  /** runs inside each dispute step's transaction (queues the dispute notifications) */
  afterDispute?: AfterDispute;
  /** requests a minute per verified token (or address): general, and for the heavy export */
  rateLimit?: { max?: number; exportMax?: number };
  version?: string;
  /** /api/validation (system health, on-demand runs); without it those routes are absent */
  validation?: Omit<ValidationRouteDeps, 'pool'>;
  /** ALERTS_CHANNEL: where rules created through /api/alert-rules without a channel post */
  alertsChannel?: string;
  /** POST /api/ingest/messages: INGEST_MAX_MESSAGES and the analysis of what changed */
  ingest?: { maxMessages?: number; afterIngest?: (conversationIds: number[]) => Promise<void> };
}

export { RATE_LIMIT } from './guard.ts';

export function apiRoutes(deps: ApiDeps): FastifyPluginAsync {
  const now = deps.now ?? (() => new Date());
  const max = deps.rateLimit?.max ?? RATE_LIMIT.max;
  const exportMax = deps.rateLimit?.exportMax ?? RATE_LIMIT.exportMax;
  return async (app) => {
    await registerOpenApi(app, { version: deps.version ?? '1.0.0' });
    // The token is verified before the rate limit so that the limit keys on its id; a made-up
    // bearer string counts against the address (a new random token per request is limited too).
    app.addHook('onRequest', identifyCaller(deps.pool));
    await app.register(rateLimit, rateLimitOptions(max));

    // Schemas, field-level 400s and unknown parameters refused, as every /api route group (api-schemas.ts).
    useApiSchemas(app);

    await app.register(async (api) => {
      // preParsing: after the rate limit (a route-level onRequest hook, which runs after
      // instance hooks) so unauthenticated floods are limited too; before the body is read and
      // validated so that a request without a token is told 401, not 400, 413 or 415 (each
      // route's allowRoles, a route-level preParsing hook, runs next: 403 before those too).
      // Then NUL characters and deep nesting, which no schema here expresses.
      api.addHook('preParsing', requireCaller);
      api.addHook('preValidation', checkInput);
      await api.register(sessionRoutes({ pool: deps.pool, timezone: deps.timezone, now, afterQaChange: deps.afterQaChange, exportMax }));
      await api.register(conversationExportRoutes({ pool: deps.pool, timezone: deps.timezone, now, exportMax }));
      await api.register(qaReviewRoutes({ pool: deps.pool, now }));
      await api.register(qaDisputeRoutes({ pool: deps.pool, now, ...(deps.afterDispute ? { afterDispute: deps.afterDispute } : {}) }));
      await api.register(errorRoutes({ pool: deps.pool }));
      await api.register(statsRoutes({ pool: deps.pool, timezone: deps.timezone, now }));
      if (deps.validation) await api.register(validationRoutes({ ...deps.validation, pool: deps.pool }));
      await api.register(alertRoutes({ pool: deps.pool, ...(deps.alertsChannel ? { defaultChannel: deps.alertsChannel } : {}) }));
      await api.register(ingestRoutes({
        pool: deps.pool, now, maxMessages: deps.ingest?.maxMessages ?? INGEST_DEFAULTS.maxMessages,
        ...(deps.ingest?.afterIngest ? { afterIngest: deps.ingest.afterIngest } : {}),
      }));
    });
  };
}
