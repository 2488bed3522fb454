import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, type ErrorCode } from '../errors.ts';

/** The one error shape every route answers with: `{ error, message, requestId }` (plus `fields` on a 400). */
export function sendError(req: FastifyRequest, reply: FastifyReply, code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
  return reply.status(ErrorCodes[code]).send({ error: code, message, ...extra, requestId: req.id });
}
