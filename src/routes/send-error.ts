import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, type ErrorCode } from '../errors.ts';

/**
 * The one error shape every route answers with: `{ error, message, requestId }` (plus `fields` on
 * a 400). The status is the code's (src/errors.ts) unless another library already chose one.
 */
/** What a caller is told of an unexpected failure: its text (database's, SDK's) stays in the log. */
export const internalMessage = (req: FastifyRequest) => `internal error; the service log has the details under request id ${req.id}`;

export function sendError(req: FastifyRequest, reply: FastifyReply, code: ErrorCode, message: string, extra: Record<string, unknown> = {}, status: number = ErrorCodes[code]) {
  return reply.status(status).send({ error: code, message, ...extra, requestId: req.id });
}
