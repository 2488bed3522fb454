import type { FastifyRequest, onRequestAsyncHookHandler, preParsingAsyncHookHandler } from 'fastify';
import type pg from 'pg';
import { INGEST_ONLY_ROLE, ROLE_LABELS, type Role } from '../domain/access.ts';
import { auditTokenUse, authenticateToken, type TokenCaller } from '../db/tokens-repo.ts';
import { redactQuery } from '../logger.ts';
import { sendError } from './send-error.ts';

// Bearer tokens for the REST API (`pulse token create`). Two steps, so that the rate limit
// between them can key on a verified token's id and on the client's address otherwise:
// identifyCaller (onRequest) resolves a presented token to its caller, requireCaller
// (preParsing) answers 401 when there is none. Each route then names the roles it admits
// (allowRoles as the route's preParsing hook, 403 otherwise). Both run before the body is read or
// validated: a caller who may not call the route learns nothing about what it takes (a 400, 413
// or 415 would tell), and no body is read for it.

declare module 'fastify' {
  interface FastifyRequest {
    /** the token's caller, set by identifyCaller when the presented token is valid */
    caller?: TokenCaller;
  }
  interface FastifyContextConfig {
    /** the one kind of route an ingest-only `bot` token may call (POST /api/ingest/messages) */
    botIngest?: boolean;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The presented token, if the Authorization header carries one. */
export const bearerToken = (req: FastifyRequest): string | undefined => BEARER.exec(req.headers.authorization ?? '')?.[1];

/** Resolves a presented token to its caller; refuses nothing (requireCaller does, after the rate limit). */
export function identifyCaller(pool: pg.Pool): onRequestAsyncHookHandler {
  return async (req) => {
    const token = bearerToken(req);
    if (!token || req.caller) return;
    const caller = await authenticateToken(pool, token);
    if (caller) req.caller = caller;
  };
}

/**
 * 401 unless identifyCaller found a valid token; 403 for an outside bot's token anywhere but
 * its ingest route. Checked here, where every /api route group passes, so that a route whose
 * role list forgets the bot (or admits any token, as POST /api/errors does) cannot let it in.
 */
export const requireCaller: preParsingAsyncHookHandler = async (req, reply) => {
  if (req.caller?.role === INGEST_ONLY_ROLE && req.routeOptions.config.botIngest !== true) {
    return sendError(req, reply, 'FORBIDDEN', `this token acts as ${ROLE_LABELS[INGEST_ONLY_ROLE]}: it may only send messages to POST /api/ingest/messages`);
  }
  if (req.caller) return;
  const message = bearerToken(req)
    ? 'this API token is unknown or revoked'
    : 'send an API token as "Authorization: Bearer <token>" (create one with `pulse token create`)';
  reply.header('www-authenticate', 'Bearer realm="supportpulse"');
  return sendError(req, reply, 'UNAUTHORIZED', message);
};

/** The rate-limit key: the verified token's id, else the client's address (any bearer string is not a key). */
export const rateLimitKey = (req: FastifyRequest): string => (req.caller ? `token:${req.caller.tokenId}` : `ip:${req.ip}`);

/** The authenticated caller; only call after requireCaller ran. */
export function callerOf(req: FastifyRequest): TokenCaller {
  if (!req.caller) throw new Error('no API caller on this request (bearer hook missing)');
  return req.caller;
}

const list = (roles: readonly Role[]) => roles.join(', ');

/**
 * A route's preParsing hook admitting only these roles (after requireCaller, before the body is
 * read); refused changes (not reads) are written to the audit log when given a pool.
 */
export function allowRoles(roles: readonly Role[], what: string, audit?: pg.Pool): preParsingAsyncHookHandler {
  return async (req, reply) => {
    const caller = callerOf(req);
    if (!roles.includes(caller.role)) {
      // a refused read is not audited; HEAD is a read too (fastify answers it on every GET route)
      if (audit && req.method !== 'GET' && req.method !== 'HEAD') {
        await auditTokenUse(audit, caller, 'api.refused', `${req.method} ${req.routeOptions.url ?? req.url}`, { url: redactQuery(req.url), allowed: roles });
      }
      return sendError(req, reply, 'FORBIDDEN', `${what} is for ${list(roles)}; this token acts as ${ROLE_LABELS[caller.role]}`);
    }
  };
}
