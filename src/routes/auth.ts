import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler, preValidationAsyncHookHandler } from 'fastify';
import type pg from 'pg';
import { ROLE_LABELS, type Role } from '../domain/access.ts';
import { auditTokenUse, authenticateToken, type TokenCaller } from '../db/tokens-repo.ts';

// Bearer tokens for the REST API (`pulse token create`): a preValidation hook resolves the token
// to its caller (401 without one), and each route names the roles it admits (403 otherwise).

declare module 'fastify' {
  interface FastifyRequest {
    /** the token's caller, set by the bearer hook on every /api route that needs one */
    caller?: TokenCaller;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The presented token, if the Authorization header carries one. */
export const bearerToken = (req: FastifyRequest): string | undefined => BEARER.exec(req.headers.authorization ?? '')?.[1];

function unauthorized(req: FastifyRequest, reply: FastifyReply, message: string) {
  return reply
    .status(401)
    .header('www-authenticate', 'Bearer realm="supportpulse"')
    .send({ error: 'UNAUTHORIZED', message, requestId: req.id });
}

export function bearerAuth(pool: pg.Pool): preValidationAsyncHookHandler {
  return async (req, reply) => {
    const token = bearerToken(req);
    if (!token) return unauthorized(req, reply, 'send an API token as "Authorization: Bearer <token>" (create one with `pulse token create`)');
    const caller = await authenticateToken(pool, token);
    if (!caller) return unauthorized(req, reply, 'this API token is unknown or revoked');
    req.caller = caller;
  };
}

/** The authenticated caller; only call after bearerAuth ran. */
export function callerOf(req: FastifyRequest): TokenCaller {
  if (!req.caller) throw new Error('no API caller on this request (bearer hook missing)');
  return req.caller;
}

const list = (roles: readonly Role[]) => roles.join(', ');

/** A preHandler admitting only these roles; refused changes (not reads) are written to the audit log when given a pool. */
export function allowRoles(roles: readonly Role[], what: string, audit?: pg.Pool): preHandlerAsyncHookHandler {
  return async (req, reply) => {
    const caller = callerOf(req);
    if (!roles.includes(caller.role)) {
      if (audit && req.method !== 'GET') {
        await auditTokenUse(audit, caller, 'api.refused', `${req.method} ${req.routeOptions.url ?? req.url}`, { url: req.url, allowed: roles });
      }
      return reply.status(403).send({
        error: 'FORBIDDEN',
        message: `${what} is for ${list(roles)}; this token acts as ${ROLE_LABELS[caller.role]}`,
        requestId: req.id,
      });
    }
  };
}
