import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyError, FastifyInstance } from 'fastify';
import { QA_STATUSES } from '../domain/qa.ts';
import { ARCHIVE_STATUSES, COMPLETION_STATUSES } from '../domain/sessions.ts';

// The OpenAPI document of the REST API (served at /docs/json, browsable at /docs), the shared
// schemas routes refer to, and the field-level 400 answers.

/** A 400 that names the field it is about. */
export class FieldError extends Error {
  readonly statusCode = 400;
  readonly code = 'BAD_REQUEST';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'FieldError';
  }
}

export interface FieldProblem {
  field: string;
  problem: string;
}

/** Fastify's schema-validation errors (ajv) as field problems: `status`, `limit`, `body`, ... */
export function validationProblems(err: FastifyError): FieldProblem[] {
  return (err.validation ?? []).map((v) => {
    const params = v.params as { missingProperty?: string; additionalProperty?: string };
    const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const field = [path, params.missingProperty ?? params.additionalProperty].filter(Boolean).join('.') || (err.validationContext ?? 'request');
    const problem = params.additionalProperty ? 'is not a known field' : (v.message ?? 'is invalid');
    return { field, problem };
  });
}

export const ref = (id: string) => ({ $ref: `${id}#` });

/** The largest id (and id-like filter) a route takes: PostgreSQL's integer; more would be a 500 with database text. */
export const MAX_ID = 2_147_483_647;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: MAX_ID } },
} as const;

const DESCRIPTIONS: Record<number, string> = {
  400: 'bad request: `fields` names each offending field',
  401: 'no API token, or an unknown or revoked one',
  403: "the token's role may not do this",
  404: 'no such resource (soft-deleted sessions included)',
  409: 'someone changed it first (QA version check)',
  422: 'IDEMPOTENCY_KEY_REUSED: this Idempotency-Key was sent before with another body',
  413: 'too large: more items than the route takes at once, or a body over its byte limit',
  429: 'rate limited: see retry-after and x-ratelimit-* headers',
};

export function errorResponses(...codes: number[]): Record<number, object> {
  return Object.fromEntries(codes.map((c) => [c, { description: DESCRIPTIONS[c], ...ref('Error') }]));
}

const nullable = (type: string, extra: object = {}) => ({ type: [type, 'null'], ...extra });

const SESSION_PROPERTIES = {
  id: { type: 'integer' },
  conversationId: { type: 'integer' },
  fbChatId: { type: 'string' },
  page: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'integer' }, name: { type: 'string' } } },
  customerName: nullable('string', { description: 'null for roles that may not read customer data' }),
  sequence: { type: 'integer', description: "the session's number within its conversation" },
  startedAt: { type: 'string', format: 'date-time' },
  endedAt: { type: 'string', format: 'date-time' },
  messageCount: { type: 'integer' },
  aiEngaged: { type: 'boolean' },
  aiMessageCount: { type: 'integer' },
  humanHandoff: { type: 'boolean' },
  completionStatus: { type: 'string', enum: [...COMPLETION_STATUSES] },
  archiveStatus: { type: 'string', enum: [...ARCHIVE_STATUSES] },
  qaStatus: { type: 'string', enum: [...QA_STATUSES] },
  qaVersion: { type: 'integer', description: 'send it back as `version` with a QA change' },
  qaNotes: nullable('string'),
  devFeedback: nullable('string'),
  qaBy: nullable('string'),
  qaAt: nullable('string', { format: 'date-time' }),
};

const SESSION_FIGURES = {
  csi: nullable('number', { description: 'mean CSI (0–100) of the conversation-days the session touches' }),
  effectiveness: nullable('number', { description: 'mean pillar score, 0–10' }),
  effort: nullable('number', { description: 'mean pillar score, 0–10' }),
  efficiency: nullable('number', { description: 'mean pillar score, 0–10' }),
  empathy: nullable('number', { description: 'mean pillar score, 0–10' }),
  scoredDays: { type: 'integer', description: 'scored conversation-days the means are over' },
  firstResponseSeconds: nullable('number', { description: "the session's first message → its first reply" }),
  avgResponseSeconds: nullable('number', { description: 'mean of customer message → next reply' }),
  answeredMessages: { type: 'integer', description: 'answered customer messages the mean is over' },
  topics: { type: 'array', items: { type: 'string' }, description: "its customer messages' labels, most frequent first" },
  qaReviews: { type: 'integer', description: 'scorecard reviews of the session' },
  qaScore: nullable('number', { description: 'mean QA score of its reviews, 0–100' }),
  qaAnswers: { type: 'object', additionalProperties: nullable('number'), description: "each category's mean score over its reviews, 0–100; null = N/A" },
};

export const SHARED_SCHEMAS = [
  {
    $id: 'Error',
    type: 'object',
    required: ['error', 'message'],
    properties: {
      error: { type: 'string' },
      message: { type: 'string' },
      requestId: { type: 'string' },
      fields: { type: 'array', items: { type: 'object', required: ['field', 'problem'], properties: { field: { type: 'string' }, problem: { type: 'string' } } } },
    },
  },
  { $id: 'Session', type: 'object', required: Object.keys(SESSION_PROPERTIES), properties: SESSION_PROPERTIES },
  // a row of GET /api/sessions/export (db/session-export.ts defines each figure)
  {
    $id: 'SessionExportRow',
    type: 'object',
    required: [...Object.keys(SESSION_PROPERTIES), ...Object.keys(SESSION_FIGURES)],
    properties: { ...SESSION_PROPERTIES, ...SESSION_FIGURES },
  },
  {
    $id: 'SessionDetail',
    type: 'object',
    required: [...Object.keys(SESSION_PROPERTIES), 'messages', 'messagesTruncated', 'qaHistory'],
    properties: {
      ...SESSION_PROPERTIES,
      messages: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'at', 'direction', 'senderKind', 'text'],
          properties: {
            id: { type: 'integer' },
            at: { type: 'string', format: 'date-time' },
            direction: { type: 'string', enum: ['to_company', 'to_client'] },
            senderKind: { type: 'string', enum: ['customer', 'bot', 'human_agent'] },
            text: nullable('string', { description: 'emails and phone numbers masked for developers' }),
            classification: nullable('string'),
            classificationConfidence: nullable('number'),
            processingTimeMs: nullable('integer'),
          },
        },
      },
      messagesTruncated: { type: 'boolean' },
      qaHistory: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'from', 'to', 'at'],
          properties: {
            id: { type: 'integer' },
            from: { type: 'string', enum: [...QA_STATUSES] },
            to: { type: 'string', enum: [...QA_STATUSES] },
            actor: nullable('string'),
            notes: nullable('string'),
            devFeedback: nullable('string'),
            at: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
  },
];

/** Registers the shared schemas, the OpenAPI generator and the UI at /docs on `app` (before its routes). */
export async function registerOpenApi(app: FastifyInstance, opts: { version: string }): Promise<void> {
  for (const s of SHARED_SCHEMAS) app.addSchema(s);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'SupportPulse REST API',
        version: opts.version,
        description:
          'Sessions, their QA workflow, workflow errors and counts. Every /api route takes a bearer token from `pulse token create`. ' +
          'Rate limits per verified token (per address for requests without a valid one): 100 requests a minute, 10 a minute for exports. ' +
          'A NUL character in any value, or a body nested deeper than 32 levels, is a 400 naming the field; so is an unknown query parameter, ' +
          'and a whole number in the path or query not written in plain decimal digits (0x10, 1e3, +5, 012). ' +
          'The token (401) and the role (403) are checked before the body is read. Bodies are application/json: another content type is a 415. ' +
          'A known path called with another method is a 405 with an Allow header. While the database is out of reach: 503 DB_NOT_READY with Retry-After.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'a token from `pulse token create`' } } },
      security: [{ bearerAuth: [] }],
      tags: [
        { name: 'sessions', description: 'conversation episodes, QA and archive' },
        { name: 'conversations', description: 'conversations with their figures (export)' },
        { name: 'errors', description: 'automation and workflow errors' },
        { name: 'stats', description: 'counts' },
        { name: 'qa', description: 'QA scorecards, scorecard reviews and disputes' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
