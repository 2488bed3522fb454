import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import type { Db } from './db/client.js';
import { readMigrations } from './db/migrator.js';
import { isDatabaseUnavailable } from './db/unavailable.js';
import { AppError, asAppError, codeForStatus, isErrorCode, type ErrorCode } from './errors.js';
import { redactQuery } from './logger.js';
import { internalMessage, sendError } from './routes/send-error.js';
import type { Logger } from './logger.js';
import { analysisRoutes } from './routes/analysis.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the body type a route reads, named in its 415 (default application/json) */
    accepts?: string;
  }
}

/** What the service is doing before it can serve: shown by /readyz while not ready. */
export interface Readiness {
  ready: boolean;
  phase: string;
}

export interface AppDeps {
  prisma: Db;
  logger: Logger;
  readiness?: Readiness;
  /** Plain SQL access for the read APIs; without it only the health endpoints exist. */
  pool?: pg.Pool;
  retryJob?: (jobId: number) => Promise<boolean>;
  /** Channel health shown in /readyz checks without making it 503 (Slack down must not take the service out of rotation). */
  channelChecks?: () => Record<string, string>;
  /** Feature plugins (uploads, channels) registered by the caller's composition. */
  plugins?: FastifyPluginAsync[];
  /** CORS_ORIGINS: browser origins that may call the API; none (the default) = no CORS headers at all */
  corsOrigins?: string[];
}

/**
 * Node's HTTP parser refuses some requests before Fastify has one (headers over
 * http.maxHeaderSize, a request line that is not HTTP, headers not received in time): answered in
 * the catalogue's shape too, with a request id the log line carries. Fastify's default wrote a
 * shape of its own (`{error: "Request Header Fields Too Large", statusCode: 431}`).
 */
function answerClientError(this: FastifyInstance, err: Error & { code?: string }, socket: Duplex): void {
  // a reset connection has no one to answer
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HEADERS_TOO_LARGE', `the request line and headers are over ${http.maxHeaderSize} bytes together`]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT', 'the request headers did not arrive in time']
        : [400, 'BAD_REQUEST', 'the request is not valid HTTP/1.1'];
  const requestId = randomUUID();
  this.log.info({ reqId: requestId, err: { code: err.code, message: err.message } }, `client error: ${status} ${code}`);
  const body = JSON.stringify({ error: code, message, requestId });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/** What a request that found the database out of reach is told to wait (Retry-After). */
const DB_RETRY_AFTER_SECONDS = 5;

const ROUTABLE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The methods the router has a route for at this URL (a concrete path, parameters filled in).
 * OPTIONS only beside another one: @fastify/cors answers it on every path (`OPTIONS *`).
 */
export function allowedMethods(app: FastifyInstance, url: string): string[] {
  const found = ROUTABLE_METHODS.filter((method) => app.findRoute({ method, url }) !== null);
  return found.length > 0 && app.findRoute({ method: 'OPTIONS', url }) !== null ? [...found, 'OPTIONS'] : found;
}

/** The composition root for HTTP: tests call build() and inject(); server.ts only listens. */
export async function build(deps: AppDeps): Promise<FastifyInstance> {
  const readiness = deps.readiness ?? { ready: true, phase: 'ready' };
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Errors the router raises before any route or handler (a malformed percent-encoding, a path
    // parameter over maxParamLength): the catalogue's shape too, not Fastify's own.
    frameworkErrors: (err, req, reply) => {
      const status = err.statusCode ?? 400;
      return sendError(req, reply, codeForStatus(status), err.message, {}, status);
    },
    clientErrorHandler: answerClientError,
  });
  const expectedMigrations = (await readMigrations()).map((m) => m.name);

  // Security headers on every response (nosniff, frame and referrer policy, HSTS, a CSP under
  // which the /docs UI still loads: it serves its scripts and styles itself).
  await app.register(helmet, { global: true });
  // Cross-origin browser calls only from origins named in CORS_ORIGINS; without it browsers
  // keep their same-origin rule (API tokens are bearer headers, so no credentials mode).
  if (deps.corsOrigins && deps.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: deps.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
      maxAge: 600,
    });
  }

  // Bodies are JSON (multipart for uploads; Slack and Messenger read their own raw bodies): a
  // text/plain body reached the routes as a string and was answered 400 "body must be object"
  // instead of 415 (Fastify parses text/plain by default).
  app.removeContentTypeParser('text/plain');
  // A route that reads no body (archive, unarchive, DELETE, a job retry) takes an empty one even
  // when the client names JSON, as many clients do on every request: Fastify answered 400 "Body
  // cannot be empty when content-type is set to 'application/json'". Routes with a body schema
  // still refuse it.
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '' && req.routeOptions.schema?.body === undefined) return done(null, undefined);
    defaultJson(req, body as string, done);
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const statusCode = err.statusCode;
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const sent = req.headers['content-type']?.slice(0, 100);
      const accepts = req.routeOptions.config.accepts ?? 'application/json';
      return sendError(req, reply, 'UNSUPPORTED_MEDIA_TYPE', `${req.method} ${req.routeOptions.url ?? redactQuery(req.url)} reads ${accepts} bodies; this one was sent ${sent ? `as ${sent}` : 'without a content type'}`);
    }
    if (statusCode && statusCode < 500) {
      // Fastify's own errors carry codes like FST_ERR_CTP_INVALID_MEDIA_TYPE: callers get the catalogue's
      const code = isErrorCode(err.code) ? err.code : codeForStatus(statusCode);
      return sendError(req, reply, code, err.message, {}, statusCode);
    }
    if (!(err instanceof AppError) && isDatabaseUnavailable(err)) {
      // the database is restarting or down: the request may be sent again; its text stays in the log
      req.log.warn({ err }, 'request failed: database unavailable');
      reply.header('retry-after', String(DB_RETRY_AFTER_SECONDS));
      return sendError(req, reply, 'DB_NOT_READY', `the database is not reachable right now (restarting, down or busy); try again in ${DB_RETRY_AFTER_SECONDS} s`);
    }
    const appErr = asAppError(err);
    if (appErr.status >= 500) req.log.error({ err }, 'request failed');
    // An unexpected error's text is for the log only: it may be the database's or Prisma's
    // (SQL, column names, values). Errors the code raised on purpose keep their message.
    const message = err instanceof AppError ? appErr.message : internalMessage(req);
    return sendError(req, reply, appErr.code, message);
  });

  app.setNotFoundHandler((req, reply) => {
    // A path the router knows under other methods is a 405 naming them (RFC 9110 §15.5.6), not a 404.
    const allowed = allowedMethods(app, req.url);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendError(req, reply, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${redactQuery(req.url).split('?')[0]}; use ${allowed.join(', ')}`);
    }
    return sendError(req, reply, 'NOT_FOUND', `no route ${req.method} ${redactQuery(req.url)}`);
  });
  // Callers (and Slack/Messenger retries we log) can correlate their request with our logs.
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (req, reply) => {
    const checks: Record<string, string> = {};
    try {
      const rows = await deps.prisma.$queryRaw<{ migration_name: string }[]>`
        SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
      checks.database = 'ok';
      const applied = new Set(rows.map((r) => r.migration_name));
      const pending = expectedMigrations.filter((m) => !applied.has(m));
      checks.migrations = pending.length === 0 ? 'ok' : `pending: ${pending.join(', ')}`;
    } catch (err) {
      // the error's text (Prisma's, with the server's address and our source paths) is for the log
      req.log.warn({ err }, 'readyz: database check failed');
      checks.database = isDatabaseUnavailable(err) ? 'unreachable (the service log has the error)' : 'unreachable: the check query failed (the service log has the error)';
      checks.migrations = 'unknown';
    }
    checks.startup = readiness.ready ? 'ok' : readiness.phase;
    const ok = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks: { ...checks, ...deps.channelChecks?.() } });
  });

  if (deps.pool) await app.register(analysisRoutes({ pool: deps.pool, retryJob: deps.retryJob }));
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  return app;
}
