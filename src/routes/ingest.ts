import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import { auditTokenUse } from '../db/tokens-repo.ts';
import type { Role } from '../domain/access.ts';
import { ingestMessages } from '../import/ingest.ts';
import { apiValidatorCompiler } from './api-schemas.ts';
import { allowRoles, callerOf } from './auth.ts';
import { ingestMessageJsonSchema, ingestResultJsonSchema, parseIngestBody, parseIngestItem } from './ingest.schema.ts';
import { errorResponses } from './openapi.ts';
import { sendError } from './send-error.ts';

// POST /api/ingest/messages (issue 20, point 9): an outside AI agent sends the conversations it
// answers, with its decisions, so that this product reviews them (QA, CSI, the assistant) as it
// reviews our own bot's. A `bot` token may call this route and no other (auth.ts); admins may
// too (a backfill by hand). 200 when every message is stored or a duplicate, 207 when some
// were rejected (each with its reason); 400 only for a body that is not `{ messages: [...] }`.

export interface IngestRouteDeps {
  pool: pg.Pool;
  /** INGEST_MAX_MESSAGES: messages a request may carry (more: 413 BATCH_TOO_LARGE) */
  maxMessages: number;
  now: () => Date;
  /** after the messages are stored and their sessions rebuilt: queue the analysis of the conversations that changed */
  afterIngest?: (conversationIds: number[]) => Promise<void>;
}

export const INGEST_ROLES: readonly Role[] = ['bot', 'admin'];
export const INGEST_DEFAULTS = { maxMessages: 1_000 } as const;

/** Bytes a request may have: room for long texts and attachments, bounded by the batch size. */
export const ingestBodyLimit = (maxMessages: number) => Math.max(1 << 20, maxMessages * 16 * 1024);

export function ingestRoutes(deps: IngestRouteDeps): FastifyPluginAsync {
  const queryCompiler = apiValidatorCompiler();
  return async (app) => {
    app.post('/api/ingest/messages', {
      preParsing: allowRoles(INGEST_ROLES, 'ingesting messages', deps.pool),
      config: { botIngest: true },
      bodyLimit: ingestBodyLimit(deps.maxMessages),
      // The schema below documents the body; zod checks it (a bad message is rejected alone, not the batch).
      // the body is read by parseIngestBody (each message gets its own result); the query as every route's
      validatorCompiler: (def) => (def.httpPart === 'body' ? (data: unknown) => ({ value: data }) : queryCompiler(def)),
      schema: {
        tags: ['ingest'],
        summary: "Stores an outside AI agent's messages and decisions (bot or admin token)",
        description:
          `A batch of up to INGEST_MAX_MESSAGES (default ${INGEST_DEFAULTS.maxMessages}) messages, idempotent by \`mid\`: a message stored before, or repeated ` +
          'in the batch, is a `duplicate` and nothing is stored for it. Each message is `accepted`, `duplicate` or `rejected` (with its reason); ' +
          '200 when none was rejected, 207 otherwise. The conversations named get their sessions, counters and reply facts rebuilt, and the ' +
          'days that changed are queued for analysis, as after an import. Classify customer messages with `ai.classification`/`ai.confidence` ' +
          '(the topic measures count them); on bot replies say `ai.reply` (`template` + `ai.template`, or `llm` + `ai.model`) and `ai.processingMs`.',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['messages'],
          properties: { messages: { type: 'array', minItems: 1, maxItems: deps.maxMessages, items: ingestMessageJsonSchema } },
        },
        response: {
          200: ingestResultJsonSchema,
          207: { ...ingestResultJsonSchema, description: 'some messages were rejected: see `results`' },
          ...errorResponses(400, 401, 403, 413, 429),
        },
      },
    }, async (req, reply) => {
      const body = parseIngestBody(req.body);
      if (!body.ok) return sendError(req, reply, 'BAD_REQUEST', body.problem, { fields: [{ field: 'body', problem: body.problem }] });
      if (body.messages.length > deps.maxMessages) {
        return sendError(req, reply, 'BATCH_TOO_LARGE', `${body.messages.length} messages in one request; at most ${deps.maxMessages} (INGEST_MAX_MESSAGES): split the batch`);
      }
      const result = await ingestMessages(deps.pool, body.messages.map(parseIngestItem), deps.now());
      if (result.conversationIds.length > 0 && deps.afterIngest) {
        // the messages are stored: a queue problem must not make the bot send them again (they would be duplicates)
        await deps.afterIngest(result.conversationIds).catch((err: unknown) => req.log.error({ err }, 'ingest: queueing the analysis failed'));
      }
      await auditTokenUse(deps.pool, callerOf(req), 'ingest.messages', null, { accepted: result.accepted, duplicates: result.duplicates, rejected: result.rejected });
      const { conversationIds: _ids, ...answer } = result;
      return reply.status(result.rejected > 0 ? 207 : 200).send(answer);
    });
  };
}
